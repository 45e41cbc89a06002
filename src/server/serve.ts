/**
 * `hark serve`: load the config, connect to Redis (or start a local one), serve HTTP, and stop
 * cleanly on SIGINT/SIGTERM (stop taking requests, close Redis, stop the local redis-server).
 */
import { smsHandoffs } from '../answers/sms-handoffs.js';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { formatIssue } from '../config/errors.js';
import { LiveConfig, type ReloadResult } from '../config/live.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { startEscalation } from '../escalation/runtime.js';
import { IncidentOperations } from '../incidents/operations.js';
import { Metrics } from '../metrics.js';
import { IncidentStore } from '../incidents/store.js';
import { actionSecret, createPageFormats } from '../pages/page-formats.js';
import { transportsFromEnv } from '../pages/transports.js';
import { createLogger, type Logger } from '../log.js';
import { connectTarget, whenReady } from '../redis/connect.js';
import { durabilityFromEnv, redisTarget, urlTarget } from '../redis/target.js';
import type { Redis } from 'ioredis';
import { keys as makeKeys, type Keys } from '../redis/keys.js';
import { startManagedRedis, type ManagedRedis } from '../redis/managed.js';
import { OverrideStore } from '../schedules/override-store.js';
import { ScheduleRegistry } from '../schedules/registry.js';
import type { Hono } from 'hono';
import { createApp, createOperatorApp } from './app.js';

export interface ServeOptions {
  readonly configDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly api: boolean;
  readonly worker: boolean;
  readonly log?: Logger;
}

export interface RunningServer {
  /** The public URL (HARK_PUBLIC_URL, settings.public_url, else the local one). */
  readonly url: string;
  /** Where the HTTP server listens (with --worker only: just /healthz, /readyz and /metrics). */
  readonly listening: string;
  /** Whether this process serves the API (false with --worker only). */
  readonly api: boolean;
  /** The running config (a new object after each successful reload). */
  readonly config: Config;
  readonly port: number;
  /** Reloads this process's config (SIGHUP). */
  reload(): ReloadResult;
  stop(): Promise<void>;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log ?? createLogger(opts.env.LOG_LEVEL);
  const { config, warnings } = loadConfig(opts.configDir, { env: opts.env });
  for (const w of warnings) log.warn({ file: w.file, line: w.line, col: w.col }, w.message);
  const live = new LiveConfig(config, opts.env);

  let managed: ManagedRedis | null = null;
  const durability = durabilityFromEnv(opts.env); // checked before anything starts
  let target = redisTarget(opts.env);
  if (!target) {
    managed = await startManagedRedis(log);
    target = urlTarget(managed.url);
  }
  const redis = connectTarget(target);
  redis.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  try {
    await whenReady(redis);
  } catch (e) {
    redis.disconnect();
    await managed?.stop();
    throw e;
  }
  const keys = makeKeys(opts.env.HARK_REDIS_PREFIX || undefined);
  const store = new IncidentStore(redis, keys, () => live.config.settings.retentionMs, durability);
  // Every override written here asks for a shift plan at once (the holders are told in seconds).
  let planShiftsSoon = async (): Promise<void> => {};
  const overrideStore = new OverrideStore(
    redis,
    keys,
    () => live.config,
    Date.now,
    () => planShiftsSoon(),
  );
  let registry = new ScheduleRegistry(config, overrideStore);
  live.onReload((next) => {
    registry = new ScheduleRegistry(next, overrideStore);
    void planShiftsSoon(); // a reload may change who holds a role
  });

  let port = Number(opts.env.PORT ?? 8080);
  const host = opts.env.HOST ?? '0.0.0.0';
  const publicUrl = () =>
    (opts.env.HARK_PUBLIC_URL || live.config.settings.publicUrl || `http://localhost:${port}`).replace(
      /\/+$/,
      '',
    );
  const transports = transportsFromEnv(opts.env, log);
  const formats = createPageFormats(await actionSecret(redis, keys));
  const metrics = new Metrics();
  const escalation = await startEscalation({
    metrics,
    redis,
    keys,
    store,
    config: () => live.config,
    schedules: () => registry,
    log,
    now: () => Date.now(),
    publicUrl,
    transports,
    formats,
    worker: opts.worker,
  });
  planShiftsSoon = () => escalation.escalations.planShiftsSoon();
  const reloads = await configReloads({ live, redis, keys, log, metrics });
  const ops = new IncidentOperations(
    store,
    escalation.escalations,
    () => live.config.settings.ackTimeoutMs,
    metrics,
  );
  let api: Hono | null = null;
  if (opts.api) {
    api = createApp({
      handoffs: smsHandoffs(
        overrideStore,
        () => registry,
        () => live.config,
      ),
      config: () => live.config,
      schedules: () => registry,
      store,
      ops,
      escalations: escalation.escalations,
      metrics,
      twilioAuthToken: opts.env.TWILIO_AUTH_TOKEN || null,
      publicUrl,
      redis,
      keys,
      log,
      now: () => new Date(),
      reloadConfig: reloads.everywhere,
    });
  }
  // A worker serves only /healthz, /readyz and /metrics (its pages, escalation lag, sweeps).
  const app = api ?? createOperatorApp({ redis, metrics, escalations: escalation.escalations });
  const server = await new Promise<ServerType>((res, rej) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      port = info.port;
      res(s);
    });
    s.once('error', rej);
  });
  log.info({ url: publicUrl(), api: opts.api, worker: opts.worker }, 'hark is running');

  let stopping: Promise<void> | null = null;
  return {
    url: publicUrl(),
    listening: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}`,
    api: opts.api,
    get config() {
      return live.config;
    },
    port,
    reload: reloads.here,
    stop: () => {
      stopping ??= (async () => {
        await new Promise<void>((res) => server.close(() => res()));
        await reloads.close();
        await escalation.close();
        await transports.close();
        await redis.quit().catch(() => redis.disconnect());
        await managed?.stop();
      })();
      return stopping;
    },
  };
}

interface ConfigReloads {
  /** Reloads this process only (SIGHUP). */
  here(): ReloadResult;
  /** Reloads this process and tells every other Hark process on the Redis to reload too (the API). */
  everywhere(): Promise<ReloadResult>;
  close(): Promise<void>;
}

/**
 * Config reloads: here, or here and in every other process sharing the Redis (a reload through
 * the API reaches one process behind a load balancer; the others hear it on a pub/sub channel
 * and each reloads its own copy of the config directory).
 */
async function configReloads(deps: {
  live: LiveConfig;
  redis: Redis;
  keys: Keys;
  log: Logger;
  metrics: Metrics;
}): Promise<ConfigReloads> {
  const self = randomUUID();
  const here = (origin: string): ReloadResult => {
    const result = deps.live.reload();
    deps.metrics.configReloads.inc({ outcome: result.ok ? 'ok' : 'refused' });
    if (result.ok) {
      for (const w of result.warnings) deps.log.warn({ file: w.file, line: w.line, col: w.col }, w.message);
      deps.log.info({ origin, diff: result.diff }, 'config reloaded');
    } else {
      deps.log.error(
        { origin, errors: result.errors.map(formatIssue) },
        'config reload refused: the running config stays',
      );
    }
    return result;
  };
  const sub = deps.redis.duplicate();
  sub.on('error', (e: Error) => deps.log.warn({ err: e.message }, 'redis (config reload channel) error'));
  sub.on('message', (channel: string, message: string) => {
    if (channel !== deps.keys.configReloadChannel || message === self) return;
    here('another process');
  });
  await whenReady(sub);
  await sub.subscribe(deps.keys.configReloadChannel);
  return {
    here: () => here('signal'),
    everywhere: async () => {
      const result = here('api');
      if (result.ok) await deps.redis.publish(deps.keys.configReloadChannel, self);
      return result;
    },
    close: async () => {
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
