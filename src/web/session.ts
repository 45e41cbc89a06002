/**
 * Web sign-in (issue 6): a person signs in with an API token from hark.yaml; Hark answers with a
 * signed session cookie (httpOnly, SameSite=Lax, Secure over https). The cookie holds no token:
 * `v1.<token name>.<expires ms>.<mac>`, where the MAC covers a hash of the token itself, so
 * removing or rotating the token in hark.yaml (and reloading) signs its sessions out.
 *
 * Forms are CSRF-safe twice over: SameSite=Lax keeps the cookie off cross-site POSTs, and every
 * form carries a token derived from the session that a POST must echo back. Cross-origin POSTs
 * (an Origin header that is not this host's) are refused as well.
 */
import { createHash } from 'node:crypto';
import { sameText, sign } from '../signing.js';
import type { ApiToken, Config } from '../config/types.js';

export const SESSION_COOKIE = 'hark_session';
/** How long a sign-in lasts: an on-call week plus margin, so a phone stays signed in. */
export const SESSION_MS = 30 * 24 * 3600_000;

export interface Session {
  readonly token: ApiToken;
  /** The person acting (the token's person), or null for a token without one. */
  readonly person: string | null;
  /** The cookie's MAC: the seed of this session's CSRF token. */
  readonly mac: string;
  readonly expiresAt: number;
}

const b64 = (b: Buffer) => b.toString('base64url');
const hashToken = (token: string) => b64(createHash('sha256').update(token).digest());

function mac(secret: string, name: string, expiresAt: number, token: string): string {
  return sign(secret, 'session', `${name}\n${expiresAt}\n${hashToken(token)}`);
}

/** The token from hark.yaml that `text` is (compared in constant time), or null. */
export function findToken(config: Config, text: string): ApiToken | null {
  const t = text.trim();
  if (!t) return null;
  return config.apiTokens.find((x) => sameText(x.token, t)) ?? null;
}

export function sessionCookieValue(secret: string, token: ApiToken, now: number): string {
  const expiresAt = now + SESSION_MS;
  return `v1.${token.name}.${expiresAt}.${mac(secret, token.name, expiresAt, token.token)}`;
}

/** The session in a cookie value, or null when it is missing, forged, expired or its token gone. */
export function readSession(
  config: Config,
  secret: string,
  value: string | undefined,
  now: number,
): Session | null {
  const m = /^v1\.([a-z0-9][a-z0-9_-]{0,62})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!m) return null;
  const [, name, exp, got] = m as unknown as [string, string, string, string];
  const expiresAt = Number(exp);
  if (expiresAt <= now) return null;
  const token = config.apiTokens.find((t) => t.name === name);
  if (!token || !sameText(mac(secret, name, expiresAt, token.token), got)) return null;
  return { token, person: token.person, mac: got, expiresAt };
}

/** The CSRF token every form of this session carries. */
export function csrfToken(secret: string, session: Session): string {
  return sign(secret, 'csrf', session.mac).slice(0, 32);
}

export function csrfValid(secret: string, session: Session, sent: unknown): boolean {
  return typeof sent === 'string' && sameText(csrfToken(secret, session), sent);
}

/**
 * Whether a POST may come from this Origin: none sent (old browsers, curl) or this very host.
 * Browsers send Origin on every cross-site POST, so a forged form from elsewhere is refused.
 */
export function sameOrigin(origin: string | undefined, requestUrl: string, publicUrl: string): boolean {
  if (origin === undefined) return true;
  try {
    const o = new URL(origin).origin;
    return o === new URL(requestUrl).origin || (publicUrl !== '' && o === new URL(publicUrl).origin);
  } catch {
    return false;
  }
}

/** A safe place to go back to after signing in: a path on this site, never another host. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : '/';
}
