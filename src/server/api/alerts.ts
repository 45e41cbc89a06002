/**
 * The alert receiver (SPEC section 2): `POST /v1/alerts/<integration>` and `POST /v2/enqueue`.
 *
 * In order: integration → content type (415) → size (413) → token (401; for PagerDuty the body's
 * routing_key, after parsing) → rate limit (429) → JSON and fields (400) → routing (422 when no
 * service takes an alert) → stored in Redis (503 when Redis is down) → 202 with the incidents.
 * Nothing is stored before every alert of the request is known to be valid and routable, and the
 * 202 is sent only after every write has returned.
 *
 * Each request is counted once (`hark_alert_requests_total`) under the integration it resolved to
 * (`unknown` when none: a mistyped URL never becomes a label), each stored alert once
 * (`hark_alerts_received_total`), and its log line says what happened (`alerts received`, or
 * `alert rejected` with the status, the integration and the reason — never the token).
 */
import { timingSafeEqual } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { Config, Integration } from '../../config/types.js';
import type { IncidentOperations } from '../../incidents/operations.js';
import type { IngestResult } from '../../incidents/store.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { route, type Route } from '../../routing/route.js';
import { ApiError, isRedisDown } from '../errors.js';
import { noteRequest } from '../request-log.js';
import { requestToken } from './alert-auth.js';
import { normalize } from '../../alerts/normalize.js';
import type { RateLimiter } from '../rate-limit.js';
import type { NormalizedAlert } from '../../alerts/types.js';

export interface ReceiverDeps {
  readonly config: () => Config;
  readonly ops: IncidentOperations;
  readonly limiter: RateLimiter;
  readonly log: Logger;
  readonly now: () => Date;
  readonly metrics?: Metrics | null;
}

/** The integration a request resolved to, once it is known (for its metrics and log line). */
interface Resolved {
  integration: Integration | null;
}

function sameToken(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request body as text, refusing more than `max` bytes (413) while it streams in. */
async function readBody(c: Context, max: number): Promise<string> {
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

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function rateLimit(deps: ReceiverDeps, integration: Integration, nowMs: number): void {
  const { requests, perMs } = integration.rateLimit;
  const retryAfter = deps.limiter.hit(integration.name, integration.rateLimit, nowMs);
  if (retryAfter !== null) {
    throw new ApiError(
      429,
      'rate_limited',
      `integration "${integration.name}" is over its rate limit of ${requests} requests per ${perMs / 1000}s`,
      undefined,
      { 'Retry-After': String(retryAfter) },
    );
  }
}

/** Handles one alert request for `integration` (already resolved from the path or routing_key). */
async function receive(
  c: Context,
  deps: ReceiverDeps,
  integration: Integration,
  body: unknown,
): Promise<Response> {
  const config = deps.config();
  const now = deps.now();
  rateLimit(deps, integration, now.getTime());
  const result = normalize(integration, body);
  if (!result.ok) throw new ApiError(400, 'invalid_alert', result.error.message, result.error.field);
  const routed: [NormalizedAlert, Route][] = [];
  for (const alert of result.alerts) {
    const r = route(config, alert);
    if (!r) {
      throw new ApiError(
        422,
        'unrouted',
        `no service matches the alert "${alert.summary.slice(0, 80)}": add a service without match (a catch-all) to hark.yaml`,
      );
    }
    routed.push([alert, r]);
  }
  const seen = new Map<number, IngestResult>();
  for (const [alert, r] of routed) {
    const res = await deps.ops.ingest(alert, r, config.settings.autoResolve, now);
    deps.metrics?.alertsReceived.inc({ integration: integration.name, status: alert.action ?? alert.status });
    if (res.id !== 0) {
      const earlier = seen.get(res.id);
      seen.set(res.id, earlier?.new ? { ...res, new: true } : res);
    }
  }
  const incidents = [...seen.values()].map((r) => ({ id: r.id, key: r.key, status: r.state, new: r.new }));
  noteRequest(c, {
    msg: 'alerts received',
    integration: integration.name,
    alerts: routed.length,
    incidents: incidents.map((i) => i.id),
    opened: incidents.filter((i) => i.new).length,
  });
  if (integration.type === 'pagerduty') {
    const key = result.generatedKey ?? result.alerts[0]?.key ?? null;
    return c.json({ status: 'success', message: 'Event processed', dedup_key: key, incidents }, 202);
  }
  return c.json({ incidents }, 202);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(e as Error).message}`, '(body)');
  }
}

/**
 * `POST /v1/alerts/:integration` (`name`), or `POST /v2/enqueue` (`name` null): counted, logged
 * and answered.
 */
export async function receiveAlerts(c: Context, deps: ReceiverDeps, name: string | null): Promise<Response> {
  const resolved: Resolved = { integration: null };
  const count = (outcome: string, code: number) =>
    deps.metrics?.alertRequests.inc({
      integration: resolved.integration?.name ?? 'unknown',
      outcome,
      code: String(code),
    });
  try {
    const res =
      name === null ? await receiveEnqueue(c, deps, resolved) : await receiveByName(c, deps, name, resolved);
    count('accepted', res.status);
    return res;
  } catch (e) {
    const down = !(e instanceof ApiError) && isRedisDown(e);
    const status = e instanceof ApiError ? e.status : down ? 503 : 500;
    count(down ? 'unavailable' : 'rejected', status);
    noteRequest(c, {
      msg: 'alert rejected',
      level: status >= 500 ? 'error' : 'warn',
      status,
      // The name in the URL as given (a typo shows here), or the one the routing_key resolved to.
      integration: resolved.integration?.name ?? name,
      reason:
        e instanceof ApiError
          ? `${e.code}: ${e.message}`
          : down
            ? 'unavailable: storage is unavailable; nothing was stored'
            : 'internal error',
      ...(e instanceof ApiError && e.field !== undefined ? { field: e.field } : {}),
    });
    throw e;
  }
}

async function receiveByName(
  c: Context,
  deps: ReceiverDeps,
  name: string,
  resolved: Resolved,
): Promise<Response> {
  const config = deps.config();
  const integration = config.integrations.find((i) => i.name === name);
  if (!integration)
    throw new ApiError(404, 'unknown_integration', `no integration named "${name}" in hark.yaml`);
  resolved.integration = integration;
  if (!isJson(c.req.header('content-type'))) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'send the alert as JSON with Content-Type: application/json',
    );
  }
  if (integration.type !== 'pagerduty') {
    if (
      !sameToken(
        requestToken(integration.type, { get: (h) => c.req.header(h) }, null),
        integration.token ?? '',
      )
    ) {
      throw new ApiError(401, 'unauthorized', `missing or wrong token for integration "${name}"`);
    }
    const body = parseJson(await readBody(c, config.settings.maxBodyBytes));
    return receive(c, deps, integration, body);
  }
  const body = parseJson(await readBody(c, config.settings.maxBodyBytes));
  const key = requestToken('pagerduty', { get: () => undefined }, body);
  if (integration.token !== null && !sameToken(key, integration.token)) {
    throw new ApiError(401, 'unauthorized', `missing or wrong routing_key for integration "${name}"`);
  }
  return receive(c, deps, integration, body);
}

/**
 * `POST /v2/enqueue` (PagerDuty Events API v2): the integration is the `pagerduty` one whose token
 * equals the routing_key, else the only `pagerduty` integration without a token.
 */
async function receiveEnqueue(c: Context, deps: ReceiverDeps, resolved: Resolved): Promise<Response> {
  const config = deps.config();
  if (!isJson(c.req.header('content-type'))) {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'send the event as JSON with Content-Type: application/json',
    );
  }
  const body = parseJson(await readBody(c, config.settings.maxBodyBytes));
  const key = requestToken('pagerduty', { get: () => undefined }, body);
  const candidates = config.integrations.filter((i) => i.type === 'pagerduty');
  const integration =
    candidates.find((i) => i.token !== null && sameToken(key, i.token)) ??
    (candidates.filter((i) => i.token === null).length === 1
      ? candidates.find((i) => i.token === null)
      : undefined);
  if (!integration) {
    throw new ApiError(401, 'unauthorized', 'no pagerduty integration takes this routing_key');
  }
  resolved.integration = integration;
  return receive(c, deps, integration, body);
}
