/**
 * Read-only tokens for the iCal feeds (SPEC section 7: `GET /v1/schedules/:name.ics` and
 * `GET /v1/people/:name.ics`, token in the query string).
 *
 * A feed token is derived, not stored or configured: base64url(HMAC-SHA256(secret,
 * `feed:<kind>:<name>`)) cut to 32 characters (192 bits), where `secret` is the per-install
 * secret that also signs email action links (`actionSecret` in pages/page-formats.ts; its action
 * tokens MAC a different prefix, so neither kind of token can stand in for the other). One token
 * opens exactly one feed, read-only. Rotating the secret revokes every feed URL at once.
 */
import { sameText, sign } from '../signing.js';

export type FeedKind = 'schedule' | 'person';

export const FEED_TOKEN_LENGTH = 32;

/** The token that opens the `kind` feed of `name`. */
export function feedToken(secret: string, kind: FeedKind, name: string): string {
  if (secret.length === 0) throw new Error('feed token secret is empty');
  return sign(secret, 'feed', `${kind}:${name}`).slice(0, FEED_TOKEN_LENGTH);
}

/** Whether `token` opens the `kind` feed of `name` (constant time; never throws on input). */
export function verifyFeedToken(
  secret: string,
  kind: FeedKind,
  name: string,
  token: string | undefined | null,
): boolean {
  if (typeof token !== 'string' || token.length !== FEED_TOKEN_LENGTH) return false;
  return sameText(token, feedToken(secret, kind, name));
}

/** The feed's path, without the token: `/v1/schedules/<name>.ics` or `/v1/people/<name>.ics`. */
export function feedPath(kind: FeedKind, name: string): string {
  return `/v1/${kind === 'schedule' ? 'schedules' : 'people'}/${encodeURIComponent(name)}.ics`;
}

/** The subscribe URL of a feed on this Hark's public URL, token included. */
export function feedUrl(publicUrl: string, secret: string, kind: FeedKind, name: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  return `${base}${feedPath(kind, name)}?token=${feedToken(secret, kind, name)}`;
}
