/** API tokens (SPEC section 7): `Authorization: Bearer <token>` from hark.yaml's api_tokens. */
import type { ApiToken, Config } from '../config/types.js';
import { ApiError } from './errors.js';
import { sameText } from '../signing.js';

export function apiTokenFor(config: Config, authorization: string | undefined): ApiToken {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const token = m ? config.apiTokens.find((t) => sameText(t.token, m[1]!)) : undefined;
  if (!token)
    throw new ApiError(
      401,
      'unauthorized',
      'send an API token from hark.yaml as Authorization: Bearer <token>',
    );
  return token;
}

/** The timeline actor for a token: its person, else the token's name. */
export function actorOf(token: ApiToken): string {
  return token.person ? `person:${token.person}` : `token:${token.name}`;
}
