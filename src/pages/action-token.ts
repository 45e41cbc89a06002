/**
 * Signed, expiring tokens for the Acknowledge / Resolve links of page emails (SPEC section 4).
 * A token is bound to one incident, one person and one action, and expires.
 *
 * Format: `<payload>.<mac>`, both base64url without padding. The payload is the UTF-8 text
 * `1.<incident>.<a|r>.<expiresAt ms>.<person>` (version 1; the person last, so it may contain
 * anything); the MAC is HMAC-SHA256 over a domain-separation prefix and the payload bytes.
 * Verification never throws on any token, checks the MAC in constant time before it looks at
 * the payload's fields, and reports only why a token was refused.
 */
import { decodeBase64url, sameText, signBytes } from '../signing.js';

export type ActionTokenAction = 'acknowledge' | 'resolve';

export interface ActionTokenPayload {
  readonly incident: number;
  /** The person's name (config key) the link was sent to; the action is taken as them. */
  readonly person: string;
  readonly action: ActionTokenAction;
  /** Epoch milliseconds after which the token is refused. */
  readonly expiresAt: number;
}

export type ActionTokenError = 'malformed' | 'bad-signature' | 'expired';

export type ActionTokenResult =
  | { readonly ok: true; readonly payload: ActionTokenPayload }
  | { readonly ok: false; readonly reason: ActionTokenError };

/** Suggested lifetime of an email action link: 24 hours. */
export const ACTION_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** Longer tokens are refused unread (a person name is at most 63 characters). */
const MAX_TOKEN_LENGTH = 1024;
const VERSION = '1';
const MAC_BYTES = 32;
const ACTION_CODES: Readonly<Record<ActionTokenAction, string>> = { acknowledge: 'a', resolve: 'r' };

function checkSecret(secret: string | Uint8Array): void {
  if (secret.length === 0) throw new Error('action token secret is empty');
}

const mac = (payload: Buffer, secret: string | Uint8Array): Buffer => signBytes(secret, 'action', payload);

/**
 * A URL-safe token for `payload`. Throws (a programming error, not bad input) on an empty
 * secret, an incident that is not a positive integer, an unknown action, an empty person or an
 * expiry that is not a finite instant.
 */
export function signActionToken(payload: ActionTokenPayload, secret: string | Uint8Array): string {
  checkSecret(secret);
  const { incident, person, action, expiresAt } = payload;
  if (!Number.isSafeInteger(incident) || incident < 1)
    throw new RangeError('incident must be a positive integer');
  const code = Object.hasOwn(ACTION_CODES, action) ? ACTION_CODES[action] : undefined;
  if (code === undefined) throw new RangeError('action must be acknowledge or resolve');
  if (typeof person !== 'string' || person.length === 0)
    throw new RangeError('person must be a non-empty string');
  if (!Number.isSafeInteger(expiresAt))
    throw new RangeError('expiresAt must be an integer epoch milliseconds');
  const body = Buffer.from(`${VERSION}.${incident}.${code}.${expiresAt}.${person}`, 'utf8');
  return `${body.toString('base64url')}.${mac(body, secret).toString('base64url')}`;
}

function parsePayload(body: Buffer): ActionTokenPayload | null {
  const text = body.toString('utf8');
  const m = /^1\.([1-9][0-9]{0,15})\.([ar])\.(-?(?:0|[1-9][0-9]{0,15}))\.(.+)$/s.exec(text);
  if (!m) return null;
  const incident = Number(m[1]);
  const expiresAt = Number(m[3]);
  if (!Number.isSafeInteger(incident) || !Number.isSafeInteger(expiresAt)) return null;
  const action: ActionTokenAction = m[2] === 'a' ? 'acknowledge' : 'resolve';
  return { incident, person: m[4] as string, action, expiresAt };
}

/**
 * Checks `token` against `secret` at `now` (epoch ms or a Date): the payload when the token is
 * genuine and unexpired, else why not. `malformed`: not a token of this format; `bad-signature`:
 * not signed with this secret, or altered; `expired`: genuine, but `now` ≥ `expiresAt`.
 * Never throws on the token (any value); throws only on an empty secret.
 */
export function verifyActionToken(
  token: string,
  secret: string | Uint8Array,
  now: number | Date,
): ActionTokenResult {
  checkSecret(secret);
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'malformed' };
  }
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const body = decodeBase64url(parts[0] as string);
  const given = decodeBase64url(parts[1] as string);
  if (!body || !given || given.length !== MAC_BYTES) return { ok: false, reason: 'malformed' };
  if (!sameText(given, mac(body, secret))) return { ok: false, reason: 'bad-signature' };
  const payload = parsePayload(body);
  if (!payload) return { ok: false, reason: 'malformed' };
  const at = now instanceof Date ? now.getTime() : now;
  if (!(at < payload.expiresAt)) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}
