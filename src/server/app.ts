/**
 * The HTTP app (Hono): alerts in, the incident and on-call API, health. Built from small typed
 * dependencies so that tests and `hark serve` assemble the same thing.
 */
import type { PageStore } from '../pages/store.js';
import type { OverrideStore } from '../schedules/override-store.js';
import { Hono } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimiter } from './rate-limit.js';
import { alertApi, enqueueApi } from './api/alerts.js';
import { actionPageApi } from '../answers/action-page.js';
import type { BulkAnswers } from '../answers/bulk-answers.js';
import { replyRoutes, type SmsHandoffs } from '../answers/replies.js';
import { twilioRoutes, type Params } from '../answers/twilio-webhooks.js';
import type { Metrics } from '../metrics.js';
import { actionSecret } from '../pages/page-formats.js';
import type { Config } from '../config/types.js';
import type { Escalations } from '../escalation/engine.js';
import type { IncidentOperations } from '../incidents/operations.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import { withTimeout } from '../redis/connect.js';
import type { Keys } from '../redis/keys.js';
import type { ScheduleRegistry } from '../schedules/registry.js';
import type { ReloadResult } from '../config/live.js';
import { configApi } from './api/config.js';
import { eventApi } from './api/events.js';
import { feedApis } from './api/feeds.js';
import { incidentApi } from './api/incidents.js';
import { Api, type MountableApi, type Mounted } from './api/route.js';
import { publicAccess } from './auth.js';
import { twilioAuth } from './api/twilio-auth.js';
import { z } from 'zod';
import { oncallApi } from './api/oncall.js';
import { overrideApi } from './api/overrides.js';
import { webhookApi } from './api/webhooks.js';
import { slackApi } from './api/slack.js';
import type { ChatProvider } from '../chat/provider.js';
import { heartbeatListApi, heartbeatPingApi } from './api/heartbeats.js';
import { opsgenieApi, opsgenieHeartbeatApi } from './api/opsgenie.js';
import type { Heartbeats } from '../heartbeats/service.js';
import type { WebhookQueue } from '../webhooks/queue.js';
import { smallBodies } from './body-limits.js';
import { buildOpenApi, openApiDocument } from './openapi.js';
import { ApiError, errorBody, isRedisDown, sendError } from './errors.js';
import { noteRequest, noteRequestError, requestLogger } from './request-log.js';
import { requestMetrics } from './request-metrics.js';
import { errorPage, isWebPath, UNAVAILABLE_TEXT, webRoutes } from '../web/routes.js';
import { htmlSecurityHeaders } from '../web/security-headers.js';

export interface AppDeps {
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly store: IncidentStore;
  readonly ops: IncidentOperations;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  readonly now: () => Date;
  /** The escalation producer, for Twilio delivery callbacks to move a person on (null: none). */
  readonly escalations?: Escalations | null;
  /** The runtime overrides and the page records, built once by the process (serve.ts). */
  readonly overrides: OverrideStore;
  readonly pages: PageStore;
  /** TWILIO_AUTH_TOKEN, to check Twilio's webhook signatures; unset: Twilio webhooks answer 403. */
  readonly twilioAuthToken?: string | null;
  /** The external base URL (HARK_PUBLIC_URL): the URLs Twilio signs its webhooks for. */
  readonly publicUrl?: () => string;
  /** Runtime overrides for SMS `take` / `handoff` / `oncall`. */
  readonly handoffs?: SmsHandoffs | null;
  /** The queue for SMS `aa` / `rr` over many incidents (absent: they run within the request). */
  readonly bulkAnswers?: BulkAnswers | null;
  readonly metrics?: Metrics;
  /** `POST /v1/config/reload`: reloads this process and tells the others (absent: 501). */
  readonly reloadConfig?: () => Promise<ReloadResult>;
  /** Where `POST /v1/webhooks/<name>/test` queues its event (absent: 501). */
  readonly webhooks?: WebhookQueue | null;
  /** The process's Slack client (null without `slack:`), for answers to button presses. */
  readonly slack?: () => ChatProvider | null;
  /** Heartbeat pings and state (src/heartbeats/). */
  readonly heartbeats: Heartbeats;
}

/** The alert receiver's route patterns. */
const ALERT_ROUTES = new Set([
  '/v1/alerts/:integration',
  '/v2/enqueue',
  '/v2/alerts',
  '/v2/alerts/:identifier/close',
  '/v2/alerts/:identifier/acknowledge',
]);

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  // One log line per request, with what the handlers noted (an alert rejected, an answer...).
  app.use(requestLogger(deps.log));
  // The alert routes are measured by hark_alert_requests_total (per integration, outcome and code).
  if (deps.metrics) app.use(requestMetrics(deps.metrics, { skip: ALERT_ROUTES }));
  // Before every route: these must see each request and each answer.
  app.use(htmlSecurityHeaders());
  app.use(smallBodies());

  app.onError((e, c) => {
    if (e instanceof ApiError) return sendError(c, e);
    // A person in a browser (the web UI) gets a page; everything else the JSON error.
    const page = isWebPath(c.req.path);
    if (isRedisDown(e)) {
      noteRequest(c, { redis: 'unreachable', err: e.message });
      c.header('Retry-After', '5');
      if (page) return c.html(errorPage(UNAVAILABLE_TEXT), 503);
      return c.json(
        errorBody('unavailable', 'storage (Redis) is unavailable or did not answer in time; retry later'),
        503,
      );
    }
    noteRequestError(c, e);
    if (page) return c.html(errorPage("Something went wrong on this page. It is in Hark's log."), 500);
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  app.notFound((c) => {
    // A browser following a stale or mistyped link gets a page; API clients the JSON error.
    const browser = (c.req.header('accept') ?? '').includes('text/html') && !/^\/v\d\//.test(c.req.path);
    if (browser) return c.html(errorPage(`There is no page at ${c.req.path}.`, 'Not found'), 404);
    return c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
  });

  // The per-install secret (email action links, feed tokens, web sessions), read once; a failed
  // read (Redis down: 503) is retried on the next request.
  let secret: Promise<string> | null = null;
  const appSecret = (): Promise<string> =>
    (secret ??= actionSecret(deps.redis, deps.keys).catch((e: unknown) => {
      secret = null;
      throw e;
    }));

  mount(app, '/', operatorApi(deps));

  const receiver = { ...deps, limiter: new RateLimiter() };
  mount(app, '/v1', alertApi(receiver));
  mount(app, '/v2', enqueueApi(receiver));
  // Opsgenie's Alert and Heartbeat APIs, for senders pointed at Hark by their API URL alone.
  mount(app, '/v2', opsgenieApi(receiver));
  mount(app, '/v2', opsgenieHeartbeatApi(deps));
  let document: ReturnType<typeof buildOpenApi> | null = null;
  mount(
    app,
    '/',
    new Api('operations', publicAccess('the document of this API, for anyone building a client')).route({
      method: 'get',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This document',
      responses: { 200: { description: 'OpenAPI 3.1.', json: z.record(z.string(), z.unknown()) } },
      // Built on the first request, once every Api is mounted; the server URL is read each time.
      handler: (c) =>
        c.json(openApiDocument((document ??= buildOpenApi(mountedOn(app))), deps.publicUrl?.())),
    }),
  );
  mount(app, '/v1', incidentApi(deps));
  mount(app, '/v1', eventApi(deps));
  mount(app, '/v1', oncallApi(deps));
  for (const feeds of feedApis({ ...deps, secret: appSecret })) mount(app, '/v1', feeds);
  mount(app, '/v1', overrideApi(deps));
  mount(app, '/v1', configApi(deps));
  mount(app, '/v1', webhookApi(deps));
  mount(app, '/v1', heartbeatListApi(deps));
  mount(app, '/v1', heartbeatPingApi(deps));
  const twilio = {
    twilioAuthToken: deps.publicUrl ? (deps.twilioAuthToken ?? null) : null,
    publicUrl: deps.publicUrl ?? (() => ''),
  };
  // Twilio's webhooks: every one checks Twilio's signature before anything else.
  const twilioApi = new Api<Params>('twilio', twilioAuth(twilio));
  twilioRoutes(twilioApi, { ...deps, ...twilio, escalations: deps.escalations ?? null });
  replyRoutes(twilioApi, {
    ...deps,
    ...twilio,
    now: deps.now,
    handoffs: deps.handoffs ?? null,
    bulk: deps.bulkAnswers ?? null,
  });
  mount(app, '/v1', twilioApi);
  // Slack's Request URLs: every request checked with Slack's signature first (api/slack-auth.ts).
  mount(app, '/v1', slackApi({ ...deps, handoffs: deps.handoffs ?? null }));
  mount(app, '/a', actionPageApi({ ops: deps.ops, now: deps.now, secret: appSecret }));
  webRoutes(app, { ...deps, secret: appSecret, publicUrl: deps.publicUrl ?? (() => '') });
  return app;
}

/** The Apis mounted on each app, for its OpenAPI document. */
const mountedApis = new WeakMap<Hono, Mounted[]>();

/** Puts an Api's routes under `base` (`app.route`) and records it for the document. */
export function mount(app: Hono, base: string, api: MountableApi): void {
  app.route(base, api.app());
  const list = mountedApis.get(app) ?? [];
  list.push({ base, api });
  mountedApis.set(app, list);
}

/** The Apis mounted on `app`, in order. */
export function mountedOn(app: Hono): readonly Mounted[] {
  return mountedApis.get(app) ?? [];
}

export interface OperatorDeps {
  readonly redis: Redis;
  readonly log?: Logger;
  readonly metrics?: Metrics;
  readonly escalations?: Escalations | null;
}

/** How long `/readyz` waits for Redis to answer a PING. */
const READY_TIMEOUT_MS = 1000;

const text = (description: string) => ({ description, content: { 'text/plain': z.string() } });

/** `/healthz`, `/readyz` and `/metrics`: every Hark process serves these, `--worker` ones too. */
export function operatorApi(deps: OperatorDeps): Api<null> {
  return new Api(
    'operations',
    publicAccess('probes and scrapers carry no token: keep these off the public internet'),
  )
    .route({
      method: 'get',
      path: '/healthz',
      operationId: 'healthz',
      summary: 'Liveness',
      responses: { 200: { description: 'The process is up.', json: z.object({ status: z.literal('ok') }) } },
      handler: (c) => c.json({ status: 'ok' }),
    })
    .route({
      method: 'get',
      path: '/readyz',
      operationId: 'readyz',
      summary: 'Readiness (Redis reachable)',
      responses: {
        200: { description: 'Ready.', json: z.object({ status: z.literal('ready') }) },
        503: {
          description: 'Redis is unreachable.',
          json: z.object({ status: z.literal('unavailable'), redis: z.literal('unreachable') }),
        },
      },
      handler: async (c) => {
        try {
          // A frozen Redis keeps its connection open: give up on the PING after a second.
          await withTimeout(deps.redis.ping(), READY_TIMEOUT_MS, 'PING');
          return c.json({ status: 'ready' });
        } catch {
          return c.json({ status: 'unavailable', redis: 'unreachable' }, 503);
        }
      },
    })
    .route({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics of this process',
      description: 'No authentication: keep it off the public internet.',
      responses: {
        200: text('Prometheus text exposition format.'),
        404: text('Metrics are off in this process.'),
      },
      handler: async (c) => {
        const metrics = deps.metrics;
        if (!metrics) return c.text('metrics are off', 404);
        if (deps.escalations) {
          const counts = await deps.escalations.queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
          for (const [state, n] of Object.entries(counts)) metrics.queueJobs.set({ state }, n);
        }
        c.header('Content-Type', metrics.registry.contentType);
        return c.body(await metrics.registry.metrics());
      },
    });
}

/** The HTTP app of a `--worker` process: only the operator endpoints. */
export function createOperatorApp(deps: OperatorDeps): Hono {
  const app = new Hono();
  if (deps.log) app.use(requestLogger(deps.log));
  if (deps.metrics) app.use(requestMetrics(deps.metrics));
  mount(app, '/', operatorApi(deps));
  app.notFound((c) =>
    c.json(
      errorBody('not_found', `no route for ${c.req.method} ${c.req.path} (this is a worker: --worker)`),
      404,
    ),
  );
  return app;
}
