/**
 * How the API's routes are authenticated (SPEC section 7): `Authorization: Bearer <token>` with an
 * API token from hark.yaml's api_tokens (`tokenApi`), or, said explicitly with the reason, no
 * credential at all (`publicAccess`). Routes with their own proof (integration tokens, Twilio
 * signatures, feed tokens, signed action links) have their own `Auth` next to them.
 */
import type { ApiToken, Config } from '../config/types.js';
import { Api, type Auth } from './api/route.js';
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

/** An API token of hark.yaml, checked before anything else of the request (401 otherwise). */
export function tokenAuth(config: () => Config): Auth<ApiToken> {
  return {
    kind: 'apiToken',
    security: [{ apiToken: [] }],
    responses: { 401: 'Unauthorized' },
    check: (c) => apiTokenFor(config(), c.req.header('authorization')),
  };
}

/** An Api whose every route needs an API token; the handlers get it as `auth`. */
export function tokenApi(tag: string, config: () => Config): Api<ApiToken> {
  return new Api(tag, tokenAuth(config));
}

/** No credential, on purpose: `why` says why (it is in the document too). */
export function publicAccess(why: string): Auth<null> {
  if (why.trim() === '') throw new Error('publicAccess needs the reason the routes take no credential');
  return { kind: 'public', security: [], responses: {}, publicBecause: why, check: () => null };
}
