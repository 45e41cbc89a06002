/**
 * How an alert request is authenticated (SPEC section 2): the `Auth` of the alert routes
 * (`integrationAuth`, `routingKeyAuth`), and the token a request carries (`requestToken`, pure: it
 * only reads what it is given), compared in constant time with the integration's:
 *
 * - `pagerduty`: the body's `routing_key` (Events API v2 senders cannot set headers), nothing else.
 * - Every other type, first found wins: `Authorization: Bearer <token>` (scheme case-insensitive),
 *   `Authorization: Basic base64(user:password)` → the password (the user name is ignored: senders
 *   such as Grafana's basic-auth fields want one), then `X-Hark-Token: <token>` (Datadog's custom
 *   headers). An `Authorization` header of another scheme falls through to `X-Hark-Token`.
 * - An empty token is no token: `null`.
 */
import { sameText } from '../../signing.js';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { Config, Integration, IntegrationType } from '../../config/types.js';
import { ApiError } from '../errors.js';
import type { Auth, SecurityRequirement } from './route.js';

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

// ------------------------------------------------------------------------------------------------
// The Auth of the alert routes

/** An authenticated alert request: its integration and its parsed JSON body. */
export interface AlertRequest {
  readonly integration: Integration;
  readonly body: unknown;
}

/** Where the integration a request resolved to is kept while it is handled (metrics, log line). */
const resolvedIntegrations = new WeakMap<Request, Integration>();

/** The integration `c` resolved to so far (null: none yet, e.g. a mistyped name). */
export function resolvedIntegration(c: Context): Integration | null {
  return resolvedIntegrations.get(c.req.raw) ?? null;
}

function sameToken(given: string | null, expected: string): boolean {
  if (given === null) return false;
  return sameText(given, expected);
}

export function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

/** The request body as text, refusing more than `max` bytes (413) while it streams in. */
export async function readBody(c: Context, max: number): Promise<string> {
  const declared = Number(c.req.header('content-length') ?? NaN);
  const tooLarge = () => {
    // The rest of the body is not read: close the connection after the answer (as for the other
    // routes, src/server/body-limits.ts), or it stays open with the body unread, and stopping Hark
    // waits for it.
    c.header('Connection', 'close');
    return new ApiError(413, 'payload_too_large', `the body is larger than ${max} bytes (settings.max_body)`);
  };
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  // On Node, read the IncomingMessage itself: much cheaper than materializing a web Request.
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const add = (chunk: Uint8Array): boolean => {
    size += chunk.byteLength;
    if (size > max) return false;
    chunks.push(chunk);
    return true;
  };
  if (incoming) {
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      if (!add(chunk)) {
        incoming.resume();
        throw tooLarge();
      }
    }
  } else {
    const body = c.req.raw.body;
    if (body) {
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!add(value)) {
          await reader.cancel();
          throw tooLarge();
        }
      }
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(e as Error).message}`, '(body)');
  }
}

/** Integration tokens (documented as bearer, basic-auth password or X-Hark-Token; none for pagerduty). */
const INTEGRATION_SECURITY: readonly SecurityRequirement[] = [
  { integrationBearer: [] },
  { integrationBasic: [] },
  { integrationHeader: [] },
  {},
];

/**
 * `POST /v1/alerts/:integration`: integration (404) → content type (415) → token (401) → body
 * within settings.max_body (413) → JSON (400); a `pagerduty` integration's token is the body's
 * `routing_key`, so it is checked after the body is read.
 */
export function integrationAuth(config: () => Config): Auth<AlertRequest> {
  return {
    kind: 'integrationToken',
    security: INTEGRATION_SECURITY,
    responses: { 401: 'Unauthorized', 404: 'NotFound', 413: 'PayloadTooLarge', 415: 'UnsupportedMediaType' },
    check: async (c) => {
      const settings = config();
      const name = c.req.param('integration') ?? '';
      const integration = settings.integrations.find((i) => i.name === name);
      if (!integration)
        throw new ApiError(404, 'unknown_integration', `no integration named "${name}" in hark.yaml`);
      resolvedIntegrations.set(c.req.raw, integration);
      if (!isJson(c.req.header('content-type'))) {
        throw new ApiError(
          415,
          'unsupported_media_type',
          'send the alert as JSON with Content-Type: application/json',
        );
      }
      if (integration.type !== 'pagerduty') {
        const given = requestToken(integration.type, { get: (h) => c.req.header(h) }, null);
        if (!sameToken(given, integration.token ?? ''))
          throw new ApiError(401, 'unauthorized', `missing or wrong token for integration "${name}"`);
        return { integration, body: parseJson(await readBody(c, settings.settings.maxBodyBytes)) };
      }
      const body = parseJson(await readBody(c, settings.settings.maxBodyBytes));
      const key = requestToken('pagerduty', { get: () => undefined }, body);
      if (integration.token !== null && !sameToken(key, integration.token))
        throw new ApiError(401, 'unauthorized', `missing or wrong routing_key for integration "${name}"`);
      return { integration, body };
    },
  };
}

/**
 * `POST /v2/enqueue` (PagerDuty Events API v2): content type (415) → body (413, 400) → the
 * `pagerduty` integration whose token equals the routing_key, else the only `pagerduty`
 * integration without a token (401 when none).
 */
export function routingKeyAuth(config: () => Config): Auth<AlertRequest> {
  return {
    kind: 'routingKey',
    // The routing_key in the body (OpenAPI has no scheme for a token in the body).
    security: [],
    responses: { 401: 'Unauthorized', 413: 'PayloadTooLarge', 415: 'UnsupportedMediaType' },
    check: async (c) => {
      const settings = config();
      if (!isJson(c.req.header('content-type'))) {
        throw new ApiError(
          415,
          'unsupported_media_type',
          'send the event as JSON with Content-Type: application/json',
        );
      }
      const body = parseJson(await readBody(c, settings.settings.maxBodyBytes));
      const key = requestToken('pagerduty', { get: () => undefined }, body);
      const candidates = settings.integrations.filter((i) => i.type === 'pagerduty');
      const integration =
        candidates.find((i) => i.token !== null && sameToken(key, i.token)) ??
        (candidates.filter((i) => i.token === null).length === 1
          ? candidates.find((i) => i.token === null)
          : undefined);
      if (!integration)
        throw new ApiError(401, 'unauthorized', 'no pagerduty integration takes this routing_key');
      resolvedIntegrations.set(c.req.raw, integration);
      return { integration, body };
    },
  };
}
