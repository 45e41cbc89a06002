/** API tokens (SPEC section 7): `Authorization: Bearer <token>` from hark.yaml's api_tokens. */
import { timingSafeEqual } from 'node:crypto';
import type { ApiToken, Config } from '../config/types.js';
import { ApiError } from './errors.js';

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function apiTokenFor(config: Config, authorization: string | undefined): ApiToken {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const token = m ? config.apiTokens.find((t) => equal(t.token, m[1]!)) : undefined;
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
