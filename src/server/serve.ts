/**
 * `hark serve`: load the config, connect to Redis (or start a local one), serve HTTP, and stop
 * cleanly on SIGINT/SIGTERM (stop taking requests, close Redis, stop the local redis-server).
 */
import { smsHandoffs } from '../answers/sms-handoffs.js';
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { startEscalation } from '../escalation/runtime.js';
import { IncidentOperations } from '../incidents/operations.js';
import { Metrics } from '../metrics.js';
import { IncidentStore } from '../incidents/store.js';
import { actionSecret, createPageFormats } from '../pages/page-formats.js';
import { transportsFromEnv } from '../pages/transports.js';
import { createLogger, type Logger } from '../log.js';
import { connectRedis, whenReady } from '../redis/connect.js';
import { keys as makeKeys } from '../redis/keys.js';
import { startManagedRedis, type ManagedRedis } from '../redis/managed.js';
import { OverrideStore } from '../schedules/override-store.js';
import { ScheduleRegistry } from '../schedules/registry.js';
import { createApp } from './app.js';

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
  /** Where the HTTP server listens, or null with --worker only. */
  readonly listening: string | null;
  readonly config: Config;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log ?? createLogger(opts.env.LOG_LEVEL);
  const { config, warnings } = loadConfig(opts.configDir, { env: opts.env });
  for (const w of warnings) log.warn({ file: w.file, line: w.line, col: w.col }, w.message);
  const current: Config = config;

  let managed: ManagedRedis | null = null;
  let redisUrl = opts.env.REDIS_URL;
  if (!redisUrl) {
    managed = await startManagedRedis(log);
    redisUrl = managed.url;
  }
  const redis = connectRedis(redisUrl);
  redis.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  try {
    await whenReady(redis);
  } catch (e) {
    redis.disconnect();
    await managed?.stop();
    throw e;
  }
  const keys = makeKeys(opts.env.HARK_REDIS_PREFIX || undefined);
  const store = new IncidentStore(redis, keys, config.settings.retentionMs);
  const overrideStore = new OverrideStore(redis, keys, () => current);
  const registry = new ScheduleRegistry(config, overrideStore);

  let server: ServerType | null = null;
  let port = Number(opts.env.PORT ?? 8080);
  const host = opts.env.HOST ?? '0.0.0.0';
  const publicUrl = () =>
    (opts.env.HARK_PUBLIC_URL || config.settings.publicUrl || `http://localhost:${port}`).replace(/\/+$/, '');
  const transports = transportsFromEnv(opts.env, log);
  const formats = createPageFormats(await actionSecret(redis, keys));
  const metrics = new Metrics();
  const escalation = await startEscalation({
    metrics,
    redis,
    keys,
    store,
    config: () => current,
    schedules: () => registry,
    log,
    now: () => Date.now(),
    publicUrl,
    transports,
    formats,
    worker: opts.worker,
  });
  const ops = new IncidentOperations(
    store,
    escalation.escalations,
    () => current.settings.ackTimeoutMs,
    metrics,
  );
  if (opts.api) {
    const app = createApp({
      handoffs: smsHandoffs(
        overrideStore,
        () => registry,
        () => current,
      ),
      config: () => current,
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
    });
    server = await new Promise<ServerType>((res, rej) => {
      const s = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
        port = info.port;
        res(s);
      });
      s.once('error', rej);
    });
  }
  log.info({ url: publicUrl(), api: opts.api, worker: opts.worker }, 'hark is running');

  let stopping: Promise<void> | null = null;
  return {
    url: publicUrl(),
    listening: server ? `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${port}` : null,
    config,
    port,
    stop: () => {
      stopping ??= (async () => {
        if (server) await new Promise<void>((res) => server!.close(() => res()));
        await escalation.close();
        await transports.close();
        await redis.quit().catch(() => redis.disconnect());
        await managed?.stop();
      })();
      return stopping;
    },
  };
}
