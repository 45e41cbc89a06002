/**
 * The one signed-token helper: an HMAC-SHA256 over a purpose prefix and a body, with the
 * per-install secret (`actionSecret` in pages/page-formats.ts). Each purpose has its own prefix
 * (domain separation), so a token of one kind never stands in for another: email action links
 * (pages/action-token.ts), iCal feed tokens (schedules/feed-token.ts), web sessions and their
 * CSRF tokens (web/session.ts). Comparisons of anything secret are constant-time (`sameText`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The prefix each kind of token MACs before its body (kept as released: links already sent stay valid). */
const PURPOSE = {
  action: 'hark action token v1\n',
  feed: 'feed:',
  session: 'session\n',
  csrf: 'csrf\n',
} as const;

export type SigningPurpose = keyof typeof PURPOSE;

/** HMAC-SHA256(secret, prefix(purpose) ‖ body). Throws on an empty secret (a programming error). */
export function signBytes(
  secret: string | Uint8Array,
  purpose: SigningPurpose,
  body: string | Buffer,
): Buffer {
  if (secret.length === 0) throw new Error(`${purpose} token secret is empty`);
  return createHmac('sha256', secret).update(PURPOSE[purpose]).update(body).digest();
}

/** `signBytes` as base64url without padding. */
export function sign(secret: string | Uint8Array, purpose: SigningPurpose, body: string | Buffer): string {
  return signBytes(secret, purpose, body).toString('base64url');
}

/** Whether two strings or byte strings are equal, in time that does not depend on where they differ. */
export function sameText(a: string | Buffer, b: string | Buffer): boolean {
  const x = typeof a === 'string' ? Buffer.from(a) : a;
  const y = typeof b === 'string' ? Buffer.from(b) : b;
  return x.length === y.length && timingSafeEqual(x, y);
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/** Decodes base64url, or null unless `text` is the one canonical encoding of its bytes. */
export function decodeBase64url(text: string): Buffer | null {
  if (!B64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}
