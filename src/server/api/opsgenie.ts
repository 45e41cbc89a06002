/**
 * Opsgenie-compatible intake (docs/senders.md), so that Alertmanager's `opsgenie_configs` and
 * Grafana's Opsgenie contact point reach Hark by changing only their API URL:
 *
 *   POST /v2/alerts                                              create (src/alerts/sources/opsgenie.ts)
 *   POST /v2/alerts/:identifier/close?identifierType=alias       the alert resolves
 *   POST /v2/alerts/:identifier/acknowledge?identifierType=alias its incident is acknowledged
 *   GET|POST|PUT|PATCH /v2/heartbeats/:name/ping                 a heartbeat's ping
 *
 * With `Authorization: GenieKey <token>`: the token of an `opsgenie` integration (a heartbeat's
 * ping also takes the heartbeat's own token). Answers are Opsgenie's: `202 {"result": "Request will
 * be processed", "took", "requestId"}` (plus `incidents`, Hark's), and errors `{"message", "took",
 * "requestId"}`, with `errors: {field: reason}` for a body that is not processable (422, as
 * Opsgenie; nothing is stored). A close or acknowledge of an alias no open incident has is a 202
 * that changes nothing (Opsgenie processes them later and reports nothing to the sender either).
 *
 * In order, as for the other alert routes: key (401) → rate limit (429) → content type (415) →
 * size (413, settings.max_body) → JSON (400) → fields (422) → routing (422) → stored (503 when
 * Redis is down) → 202.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { normalize } from '../../alerts/normalize.js';
import { parse } from '../../alerts/sources/common.js';
import {
  aliasSchema,
  opsgenieAction,
  opsgenieActionBody,
  opsgenieCreateBody,
} from '../../alerts/sources/opsgenie.js';
import type { NormalizedAlert } from '../../alerts/types.js';
import type { Config, Heartbeat, Integration, OpsgeniePriority } from '../../config/types.js';
import { splitWatchdog, watchdogOf } from '../../heartbeats/alert.js';
import type { Heartbeats } from '../../heartbeats/service.js';
import type { IncidentOperations } from '../../incidents/operations.js';
import type { IncidentStore, IngestResult } from '../../incidents/store.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { Keys } from '../../redis/keys.js';
import { routeOfAlert } from '../../routing/existing.js';
import { alertId, route, type Route } from '../../routing/route.js';
import { sameText } from '../../signing.js';
import { ApiError, isRedisDown } from '../errors.js';
import type { RateLimiter } from '../rate-limit.js';
import { noteRequest } from '../request-log.js';
import { isJson, parseJson, readBody } from './alert-auth.js';
import { Api, type Auth, type ResponseSpec } from './route.js';

export interface OpsgenieDeps {
  readonly config: () => Config;
  readonly ops: IncidentOperations;
  readonly store: IncidentStore;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly limiter: RateLimiter;
  readonly log: Logger;
  readonly now: () => Date;
  readonly metrics?: Metrics | null;
  readonly heartbeats: Heartbeats;
}

const NOT_PROCESSABLE = 'Request body is not processable. Please check the errors.';
const ACCEPTED = 'Request will be processed';

/** An answer in Opsgenie's error shape. */
class OpsgenieError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly errors?: Readonly<Record<string, string>>,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** When each request came in (for `took`), and the integration it authenticated as. */
const started = new WeakMap<Request, number>();
const resolved = new WeakMap<Request, Integration>();

function answer(c: Context, status: ContentfulStatusCode, body: Record<string, unknown>): Response {
  const t0 = started.get(c.req.raw) ?? performance.now();
  return c.json(
    { ...body, took: Number(((performance.now() - t0) / 1000).toFixed(3)), requestId: randomUUID() },
    status,
  );
}

function failure(c: Context, e: OpsgenieError): Response {
  for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
  noteRequest(c, {
    msg: 'alert rejected',
    level: e.status >= 500 ? 'error' : 'warn',
    status: e.status,
    integration: resolved.get(c.req.raw)?.name ?? null,
    reason: e.message,
    ...(e.errors ? { field: Object.keys(e.errors)[0] } : {}),
  });
  return answer(c, e.status, { message: e.message, ...(e.errors ? { errors: e.errors } : {}) });
}

/** Runs a handler, answering its refusals (and Hark's own: 413, 400, Redis down) as Opsgenie does. */
async function guarded(c: Context, fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof OpsgenieError) return failure(c, e);
    if (e instanceof ApiError)
      return failure(c, new OpsgenieError(e.status, e.message, undefined, e.headers));
    if (isRedisDown(e))
      return failure(
        c,
        new OpsgenieError(
          503,
          'storage (Redis) is unavailable or did not answer in time; nothing was stored: retry later',
          undefined,
          {
            'Retry-After': '5',
          },
        ),
      );
    throw e;
  }
}

/** The key of `Authorization: GenieKey <key>`, or null. */
function genieKey(c: Context): string | null {
  const m = /^\s*GenieKey\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
  return m ? m[1]! : null;
}

const opsgenieIntegration = (config: Config, key: string | null): Integration | undefined =>
  key === null
    ? undefined
    : config.integrations.find((i) => i.type === 'opsgenie' && i.token !== null && sameText(key, i.token));

const UNAUTHENTICATED =
  'Could not authenticate: send Authorization: GenieKey <the token of an opsgenie integration in hark.yaml>';

const errorShape = z
  .object({
    message: z.string(),
    errors: z.record(z.string(), z.string()).optional().describe('Field → what is wrong with it (422).'),
    took: z.number().describe('Seconds.'),
    requestId: z.string(),
  })
  .meta({ id: 'OpsgenieError', description: 'An error as Opsgenie answers it.' });
const acceptedShape = z
  .object({
    result: z.string().meta({ examples: [ACCEPTED] }),
    took: z.number().describe('Seconds.'),
    requestId: z.string(),
  })
  .meta({ id: 'OpsgenieAccepted', description: 'Opsgenie’s answer to an accepted request.' });
const createdShape = acceptedShape
  .extend({
    incidents: z
      .array(z.object({ id: z.number().int().min(1), key: z.string(), status: z.string(), new: z.boolean() }))
      .describe('Hark’s: the incidents the alert opened or joined.'),
  })
  .meta({ id: 'OpsgenieCreated', description: 'Opsgenie’s answer, plus the incidents (Hark’s).' });
const err = (description: string): ResponseSpec => ({ description, json: errorShape });

/** `Authorization: GenieKey <token>` of an opsgenie integration (401, Opsgenie-shaped, otherwise). */
function genieKeyAuth(config: () => Config): Auth<Integration> {
  return {
    kind: 'genieKey',
    security: [{ genieKey: [] }],
    responses: { 401: err('No `opsgenie` integration has this key.') },
    check: (c) => {
      const integration = opsgenieIntegration(config(), genieKey(c));
      if (!integration) return failure(c, new OpsgenieError(401, UNAUTHENTICATED));
      resolved.set(c.req.raw, integration);
      return integration;
    },
  };
}

/** Counts each alert request once (`hark_alert_requests_total`), as the other alert routes do. */
function observe(deps: OpsgenieDeps): MiddlewareHandler {
  return async (c, next) => {
    started.set(c.req.raw, performance.now());
    await next();
    const status = c.res.status;
    deps.metrics?.alertRequests.inc({
      integration: resolved.get(c.req.raw)?.name ?? 'unknown',
      outcome: status < 300 ? 'accepted' : status === 503 ? 'unavailable' : 'rejected',
      code: String(status),
    });
  };
}

function rateLimit(deps: OpsgenieDeps, integration: Integration, nowMs: number): void {
  const retryAfter = deps.limiter.hit(integration.name, integration.rateLimit, nowMs);
  if (retryAfter !== null) {
    throw new OpsgenieError(
      429,
      `You are making too many requests: integration "${integration.name}" is over its rate limit of ${integration.rateLimit.requests} requests per ${integration.rateLimit.perMs / 1000}s`,
      undefined,
      { 'Retry-After': String(retryAfter) },
    );
  }
}

/** The route of a created alert, with the integration's `priorities` applied. */
function routed(config: Config, integration: Integration, alert: NormalizedAlert): Route {
  const r = route(config, alert);
  if (!r) {
    throw new OpsgenieError(
      422,
      `no service matches the alert "${alert.summary.slice(0, 80)}": add a service without match (a catch-all) to hark.yaml; nothing was stored`,
    );
  }
  const priority = alert.labels['priority'] as OpsgeniePriority | undefined;
  const named = priority ? integration.priorities?.[priority] : undefined;
  const severity = named ? config.severities.find((s) => s.name === named) : undefined;
  return severity ? { ...r, severity } : r;
}

async function create(c: Context, deps: OpsgenieDeps, integration: Integration): Promise<Response> {
  const config = deps.config();
  const now = deps.now();
  rateLimit(deps, integration, now.getTime());
  if (!isJson(c.req.header('content-type')))
    throw new OpsgenieError(415, 'send the alert as JSON with Content-Type: application/json');
  const body = parseJson(await readBody(c, config.settings.maxBodyBytes));
  const result = normalize(integration, body);
  if (!result.ok)
    throw new OpsgenieError(422, NOT_PROCESSABLE, { [result.error.field]: result.error.message });
  const watchdog = watchdogOf(config, integration);
  const { rest, ping } = splitWatchdog(watchdog, result.alerts);
  const alerts = rest.map((a) => [a, routed(config, integration, a)] as const);
  if (watchdog && ping) await deps.heartbeats.ping(watchdog, ping);
  const incidents: { id: number; key: string; status: string; new: boolean }[] = [];
  for (const [alert, r] of alerts) {
    const res: IngestResult = await deps.ops.ingest(alert, r, config.settings.autoResolve, now);
    deps.metrics?.alertsReceived.inc({ integration: integration.name, status: alert.status });
    if (res.id !== 0)
      incidents.push({ id: res.id, key: res.key, status: res.state ?? 'triggered', new: res.new });
  }
  noteRequest(c, {
    msg: 'alerts received',
    integration: integration.name,
    alerts: alerts.length,
    incidents: incidents.map((i) => i.id),
    opened: incidents.filter((i) => i.new).length,
    ...(watchdog && ping ? { heartbeat: watchdog.name } : {}),
  });
  return answer(c, 202, { result: ACCEPTED, incidents });
}

async function act(
  c: Context,
  deps: OpsgenieDeps,
  integration: Integration,
  identifier: string,
  action: 'close' | 'acknowledge',
): Promise<Response> {
  const config = deps.config();
  const now = deps.now();
  rateLimit(deps, integration, now.getTime());
  const type = c.req.query('identifierType');
  if (type !== 'alias') {
    throw new OpsgenieError(422, NOT_PROCESSABLE, {
      identifierType:
        type === undefined
          ? 'missing; Hark finds alerts by alias: add ?identifierType=alias'
          : `expected "alias", got ${JSON.stringify(type.slice(0, 40))}: Hark finds alerts by alias only`,
    });
  }
  const alias = parse(aliasSchema, identifier);
  if (!alias.ok) throw new OpsgenieError(422, NOT_PROCESSABLE, { identifier: alias.error.message });
  const text = await readBody(c, config.settings.maxBodyBytes);
  if (text.trim() !== '') {
    const r = parse(opsgenieActionBody, parseJson(text));
    if (!r.ok) throw new OpsgenieError(422, NOT_PROCESSABLE, { [r.error.field]: r.error.message });
  }
  const alert = opsgenieAction(integration, alias.data, action);
  const r = await routeOfAlert(deps, config, alertId(alert));
  const res = r ? await deps.ops.ingest(alert, r, config.settings.autoResolve, now) : null;
  if (r)
    deps.metrics?.alertsReceived.inc({ integration: integration.name, status: alert.action ?? alert.status });
  noteRequest(c, { msg: `alert ${action}`, integration: integration.name, incident: res?.id || null });
  return answer(c, 202, { result: ACCEPTED });
}

const identifierParams = z.object({
  identifier: z.string().describe('The alert’s alias (with `identifierType=alias`).'),
});
const identifierQuery = z.object({
  identifierType: z
    .string()
    .optional()
    .describe('`alias`: the only identifier Hark knows (others, and none, are a 422).'),
});
const refusals = {
  400: err('The body is not JSON.'),
  413: err('The body is over `settings.max_body`.'),
  422: err('A field is wrong (`errors` names it), or no service takes the alert. Nothing was stored.'),
  429: err('Over the integration’s rate limit (`Retry-After`).'),
  503: err('Redis is unavailable: nothing was stored, retry later.'),
} as const;

/** The Alert API: create, close and acknowledge. */
export function opsgenieApi(deps: OpsgenieDeps): Api<Integration> {
  const api = new Api('alerts', genieKeyAuth(deps.config), { observe: observe(deps) }).route({
    method: 'post',
    path: '/alerts',
    operationId: 'opsgenieCreateAlert',
    summary: 'Opsgenie Alert API: create an alert',
    description:
      'For senders that speak Opsgenie (Alertmanager `opsgenie_configs`, Grafana’s Opsgenie contact point): ' +
      'the `opsgenie` integration whose token is the GenieKey. `alias` is the dedup key.',
    requestBody: { required: true, content: { 'application/json': opsgenieCreateBody } },
    responses: { 202: { description: 'Stored.', json: createdShape }, 415: err('Not JSON.'), ...refusals },
    handler: (c, { auth }) => guarded(c, () => create(c, deps, auth)),
  });
  for (const action of ['close', 'acknowledge'] as const) {
    api.route({
      method: 'post',
      path: `/alerts/:identifier/${action}`,
      operationId: action === 'close' ? 'opsgenieCloseAlert' : 'opsgenieAcknowledgeAlert',
      summary: `Opsgenie Alert API: ${action} an alert by alias`,
      description:
        action === 'close'
          ? 'The alert resolves (and its incident, once all its alerts have, with settings.auto_resolve).'
          : 'Its incident is acknowledged, as PagerDuty’s acknowledge event does.',
      params: identifierParams,
      query: identifierQuery,
      requestBody: { required: false, content: { 'application/json': opsgenieActionBody } },
      responses: { 202: { description: 'Done, or nothing to act on.', json: acceptedShape }, ...refusals },
      handler: (c, { auth, params }) => guarded(c, () => act(c, deps, auth, params.identifier, action)),
    });
  }
  return api;
}

/** A heartbeat's ping as Opsgenie's Heartbeat API takes it. */
function heartbeatKeyAuth(config: () => Config): Auth<Heartbeat> {
  return {
    kind: 'genieKey',
    security: [{ genieKey: [] }],
    responses: {
      401: err('The key is no `opsgenie` integration’s, nor this heartbeat’s token.'),
      404: err('No heartbeat of that name is pinged over HTTP (only for a key that authenticates).'),
    },
    check: (c) => {
      const cfg = config();
      const key = genieKey(c);
      const name = c.req.param('name') ?? '';
      const hb = cfg.heartbeats.find((h) => h.name === name && h.watchdog === null);
      const mine = (h: Heartbeat) => key !== null && h.token !== null && sameText(key, h.token);
      if (hb && (mine(hb) || opsgenieIntegration(cfg, key))) return hb;
      if (!hb && (opsgenieIntegration(cfg, key) || cfg.heartbeats.some(mine)))
        return failure(
          c,
          new OpsgenieError(404, `Heartbeat with name [${name.slice(0, 100)}] does not exist.`),
        );
      return failure(c, new OpsgenieError(401, UNAUTHENTICATED));
    },
  };
}

export function opsgenieHeartbeatApi(deps: Pick<OpsgenieDeps, 'config' | 'heartbeats'>): Api<Heartbeat> {
  const api = new Api('heartbeats', heartbeatKeyAuth(deps.config), {
    observe: async (c, next) => {
      started.set(c.req.raw, performance.now());
      await next();
    },
  });
  for (const method of ['get', 'post', 'put', 'patch'] as const) {
    api.route({
      method,
      path: '/heartbeats/:name/ping',
      operationId: `opsgeniePingHeartbeat${method === 'get' ? '' : method[0]!.toUpperCase() + method.slice(1)}`,
      summary: `Opsgenie Heartbeat API: ping (${method.toUpperCase()})`,
      description: 'The same as `POST /v1/heartbeats/{name}`, authenticated with `GenieKey`.',
      params: z.object({ name: z.string().describe('The heartbeat’s name in hark.yaml.') }),
      responses: {
        202: {
          description: 'Recorded.',
          json: acceptedShape,
          example: {
            result: 'PONG - Heartbeat received',
            took: 0.004,
            requestId: '3e099963-a928-4d0a-920d-7699ec2fcd3d',
          },
        },
        503: refusals[503],
      },
      handler: (c, { auth }) =>
        guarded(c, async () => {
          await deps.heartbeats.ping(auth);
          noteRequest(c, { msg: 'heartbeat ping', heartbeat: auth.name });
          return answer(c, 202, { result: 'PONG - Heartbeat received' });
        }),
    });
  }
  return api;
}
