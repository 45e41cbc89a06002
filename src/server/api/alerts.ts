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
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { normalize } from '../../alerts/normalize.js';
import { alertmanagerBody } from '../../alerts/sources/alertmanager.js';
import { datadogBody } from '../../alerts/sources/datadog.js';
import { genericBody } from '../../alerts/sources/generic.js';
import { grafanaBody } from '../../alerts/sources/grafana.js';
import { pagerdutyBody } from '../../alerts/sources/pagerduty.js';
import type { NormalizedAlert } from '../../alerts/types.js';
import type { Config, Integration } from '../../config/types.js';
import { splitWatchdog, watchdogOf } from '../../heartbeats/alert.js';
import type { Heartbeats } from '../../heartbeats/service.js';
import { incidentStateSchema } from '../../incidents/model.js';
import type { IncidentOperations } from '../../incidents/operations.js';
import type { IngestResult } from '../../incidents/store.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { route, type Route } from '../../routing/route.js';
import { ApiError, errorSchema, isRedisDown } from '../errors.js';
import { noteRequest } from '../request-log.js';
import type { RateLimiter } from '../rate-limit.js';
import { integrationAuth, resolvedIntegration, routingKeyAuth, type AlertRequest } from './alert-auth.js';
import { Api, type ResponseSpec } from './route.js';

export interface ReceiverDeps {
  readonly config: () => Config;
  readonly ops: IncidentOperations;
  readonly limiter: RateLimiter;
  readonly log: Logger;
  readonly now: () => Date;
  readonly metrics?: Metrics | null;
  /** Watchdog mode: an integration's always-firing alert pings its heartbeat (docs/senders.md). */
  readonly heartbeats?: Heartbeats | null;
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
  // Watchdog mode: the integration's always-firing alert is a heartbeat's ping, not an incident.
  const watchdog = deps.heartbeats ? watchdogOf(config, integration) : null;
  const { rest, ping } = splitWatchdog(watchdog, result.alerts);
  const routed: [NormalizedAlert, Route][] = [];
  for (const alert of rest) {
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
  if (watchdog && ping) await deps.heartbeats!.ping(watchdog, ping);
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
    ...(watchdog && ping ? { heartbeat: watchdog.name } : {}),
  });
  if (integration.type === 'pagerduty') {
    const key = result.generatedKey ?? result.alerts[0]?.key ?? null;
    return c.json({ status: 'success', message: 'Event processed', dedup_key: key, incidents }, 202);
  }
  return c.json({ incidents }, 202);
}

/**
 * Around every alert request, before its authentication: counts it once and, when it is refused,
 * notes why on its log line (the name in the URL as given when it resolved to no integration).
 */
function outcomes(deps: ReceiverDeps): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const integration = resolvedIntegration(c);
    const status = c.res.status;
    const e = c.error;
    const down = e !== undefined && !(e instanceof ApiError) && isRedisDown(e);
    const outcome = e === undefined ? 'accepted' : down ? 'unavailable' : 'rejected';
    deps.metrics?.alertRequests.inc({
      integration: integration?.name ?? 'unknown',
      outcome,
      code: String(status),
    });
    if (e === undefined) return;
    noteRequest(c, {
      msg: 'alert rejected',
      level: status >= 500 ? 'error' : 'warn',
      status,
      integration: integration?.name ?? c.req.param('integration') ?? null,
      reason:
        e instanceof ApiError
          ? `${e.code}: ${e.message}`
          : down
            ? 'unavailable: storage is unavailable; nothing was stored'
            : 'internal error',
      ...(e instanceof ApiError && e.field !== undefined ? { field: e.field } : {}),
    });
  };
}

const incidentRef = z
  .object({
    id: z.number().int().min(1),
    key: z.string(),
    status: incidentStateSchema,
    new: z.boolean().describe('Whether this request opened the incident.'),
  })
  .meta({ id: 'IncidentRef' });
const alertsAccepted = z.object({ incidents: z.array(incidentRef) }).meta({
  id: 'AlertsAccepted',
  description: 'The incidents the request’s alerts opened or joined, once durably stored.',
});
const pagerdutyAccepted = z
  .object({
    status: z.literal('success'),
    message: z.string().meta({ examples: ['Event processed'] }),
    dedup_key: z.string().nullable().describe('Generated when a trigger had none.'),
    incidents: z.array(incidentRef),
  })
  .meta({ id: 'PagerDutyAccepted', description: 'PagerDuty’s answer shape, plus `incidents`.' });

const unrouted = (what: string): ResponseSpec => ({
  description: `No service takes ${what} (\`unrouted\`); nothing was stored.`,
  json: errorSchema,
});

const RECEIVE_ORDER =
  'Checked in this order: integration (404), content type (415), token (401), size (413, ' +
  '`settings.max_body`), rate limit (429), body (400), routing (422). Nothing is stored unless every ' +
  'alert of the request is valid and routable; 202 comes only after every write.';

/** `POST /v1/alerts/:integration`: alerts in, in the shape of the integration's type. */
export function alertApi(deps: ReceiverDeps): Api<AlertRequest> {
  return new Api('alerts', integrationAuth(deps.config), { observe: outcomes(deps) }).route({
    method: 'post',
    path: '/alerts/:integration',
    operationId: 'receiveAlerts',
    summary: 'Send alerts to an integration',
    description:
      `The body is the shape of the integration’s \`type\` in hark.yaml. ${RECEIVE_ORDER} ` +
      'Authenticate with the integration token as a bearer token, the basic-auth password or ' +
      '`X-Hark-Token`; a `pagerduty` integration takes `routing_key` in the body instead.',
    params: z.object({ integration: z.string().describe('The integration name in hark.yaml.') }),
    requestBody: {
      required: true,
      content: {
        'application/json': z.union([alertmanagerBody, grafanaBody, datadogBody, pagerdutyBody, genericBody]),
      },
    },
    responses: {
      202: {
        description: 'Stored; `PagerDutyAccepted` for a `pagerduty` integration.',
        json: z.union([alertsAccepted, pagerdutyAccepted]),
        example: {
          incidents: [{ id: 42, key: 'checkout:alertname=HighLatency', status: 'triggered', new: true }],
        },
      },
      422: unrouted('an alert'),
      429: 'RateLimited',
    },
    handler: (c, { auth }) => receive(c, deps, auth.integration, auth.body),
  });
}

/** `POST /v2/enqueue`: PagerDuty's Events API v2, for senders that speak it. */
export function enqueueApi(deps: ReceiverDeps): Api<AlertRequest> {
  return new Api('alerts', routingKeyAuth(deps.config), { observe: outcomes(deps) }).route({
    method: 'post',
    path: '/enqueue',
    operationId: 'enqueueEvent',
    summary: 'PagerDuty Events API v2',
    description:
      'For senders that speak PagerDuty: the integration is the `pagerduty` one whose token equals ' +
      '`routing_key`, else the only `pagerduty` integration without a token.',
    requestBody: { required: true, content: { 'application/json': pagerdutyBody } },
    responses: {
      202: { description: 'Stored.', json: pagerdutyAccepted },
      422: unrouted('the alert'),
      429: 'RateLimited',
    },
    handler: (c, { auth }) => receive(c, deps, auth.integration, auth.body),
  });
}
