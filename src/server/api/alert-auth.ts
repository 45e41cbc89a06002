/**
 * The token a request to `POST /v1/alerts/<integration>` carries (SPEC section 2), for the caller
 * to compare with the integration's token. Pure: it only reads what it is given.
 *
 * - `pagerduty`: the body's `routing_key` (Events API v2 senders cannot set headers), nothing else.
 * - Every other type, first found wins: `Authorization: Bearer <token>` (scheme case-insensitive),
 *   `Authorization: Basic base64(user:password)` → the password (the user name is ignored: senders
 *   such as Grafana's basic-auth fields want one), then `X-Hark-Token: <token>` (Datadog's custom
 *   headers). An `Authorization` header of another scheme falls through to `X-Hark-Token`.
 * - An empty token is no token: `null`.
 */
import type { IntegrationType } from '../../config/types.js';

export interface HeaderSource {
  get(name: string): string | undefined | null;
}

function header(headers: HeaderSource, name: string): string | null {
  const v = headers.get(name) ?? headers.get(name.toLowerCase());
  return typeof v === 'string' ? v : null;
}

function fromAuthorization(value: string): string | null {
  const m = /^\s*(\S+)\s+(.*?)\s*$/.exec(value);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (scheme === 'bearer') return rest === '' ? null : rest;
  if (scheme === 'basic') {
    if (!/^[A-Za-z0-9+/=_-]+$/.test(rest)) return null;
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    const password = decoded.slice(colon + 1);
    return password === '' ? null : password;
  }
  return null;
}

export function requestToken(type: IntegrationType, headers: HeaderSource, body: unknown): string | null {
  if (type === 'pagerduty') {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
    const key = (body as Record<string, unknown>)['routing_key'];
    return typeof key === 'string' && key !== '' ? key : null;
  }
  const authorization = header(headers, 'Authorization');
  const fromAuth = authorization === null ? null : fromAuthorization(authorization);
  if (fromAuth !== null) return fromAuth;
  const token = header(headers, 'X-Hark-Token')?.trim() ?? '';
  return token === '' ? null : token;
}
