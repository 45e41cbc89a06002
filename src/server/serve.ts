/**
 * `hark serve`: load the config, connect to Redis (or start a local one), serve HTTP, and stop
 * cleanly on SIGINT/SIGTERM (stop taking requests, close Redis, stop the local redis-server).
 */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { formatIssue } from '../config/errors.js';
import { LiveConfig, type ReloadResult } from '../config/live.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { consumerName } from '../events/subscribers.js';
import { composeHark } from '../compose.js';
import { Metrics } from '../metrics.js';
import { actionSecret, createPageFormats } from '../pages/page-formats.js';
import { transportsFromEnv } from '../pages/transports.js';
import { createLogger, type Logger } from '../log.js';
import { COMMAND_TIMEOUT_MS, connectTarget, whenReady } from '../redis/connect.js';
import { durabilityFromEnv, redisTarget, urlTarget } from '../redis/target.js';
import type { Redis } from 'ioredis';
import { keys as makeKeys, type Keys } from '../redis/keys.js';
import { findOrInstallRedisServer } from '../redis/install.js';
import { startManagedRedis } from '../redis/managed.js';
import type { Hono } from 'hono';
import { createApp, createOperatorApp } from './app.js';
import { refuseExposedExampleTokens } from './example-tokens.js';
import { StartupError } from './startup-error.js';

/** How long requests in flight may take to finish once Hark is stopping. */
const SHUTDOWN_GRACE_MS = 3000;

export interface ServeOptions {
  readonly configDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly api: boolean;
  readonly worker: boolean;
  /**
   * `hark serve --quickstart` (`npm start`): listen on 127.0.0.1 unless HOST is set, and install
   * redis-server when REDIS_URL is unset and there is none (src/redis/install.ts).
   */
  readonly quickstart?: boolean;
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
  const portText = opts.env.PORT || '8080';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new StartupError(`PORT "${portText}" is not a port number; set PORT to a number from 0 to 65535`);
  }
  let port = Number(portText);
  const host = opts.env.HOST || (opts.quickstart ? '127.0.0.1' : '0.0.0.0');
  const { config, warnings } = loadConfig(opts.configDir, { env: opts.env });
  for (const w of warnings) log.warn({ file: w.file, line: w.line, col: w.col }, w.message);
  // A worker alone serves no API, so its tokens are not reachable. A reload is held to it too.
  const refuseExampleTokens = (c: Config) => {
    if (opts.api) {
      refuseExposedExampleTokens(c, { host, publicUrl: opts.env.HARK_PUBLIC_URL || c.settings.publicUrl });
    }
  };
  refuseExampleTokens(config);
  const live = new LiveConfig(config, opts.env, refuseExampleTokens);

  // What has been started, stopped in reverse order on shutdown or when starting fails half-way.
  const started: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of started.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    const durability = durabilityFromEnv(opts.env); // checked before anything starts
    let target = redisTarget(opts.env);
    if (!target) {
      const bin = await findOrInstallRedisServer({ env: opts.env, quickstart: opts.quickstart === true });
      const managed = await startManagedRedis(log, { bin }).catch((e: Error) => {
        if (e.name === 'RedisMissingError') throw e;
        // Its output follows on the next lines; the last one usually says why.
        const lines = e.message.split('\n').filter((l) => l.trim() !== '');
        throw new StartupError(
          `the local redis-server did not start: ${[lines[0], lines.length > 1 ? lines.at(-1)!.trim() : null].filter(Boolean).join(' ')}; fix that, or set REDIS_URL to a running Redis`,
        );
      });
      started.push(() => managed.stop());
      target = urlTarget(managed.url);
    }
    // WAIT (HARK_REDIS_WAIT_MS) must get its full time before the command timeout gives up on it.
    const redis = connectTarget(
      target,
      durability.replicas > 0 && target.options.commandTimeout === undefined
        ? { commandTimeout: Math.max(COMMAND_TIMEOUT_MS, durability.timeoutMs + 1000) }
        : {},
    );
    // Until Redis is first ready, its errors are kept for the one line that says what to do (and a
    // refused password ends the wait at once); after that each is logged.
    let lastRedisError: string | null = null;
    let connected = false;
    let refused: ((e: Error) => void) | null = null;
    redis.on('error', (e: Error) => {
      lastRedisError = e.message;
      if (connected) log.warn({ err: e.message }, 'redis connection error');
      else if (AUTH_ERROR.test(e.message)) refused?.(e);
    });
    started.push(async () => {
      if (redis.status !== 'ready') return redis.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    });
    try {
      await Promise.race([
        whenReady(redis),
        new Promise<never>((_res, rej) => {
          refused = rej;
        }),
      ]);
      connected = true;
    } catch (e) {
      throw redisError(target.label, lastRedisError ?? (e as Error).message);
    }
    const keys = makeKeys(opts.env.HARK_REDIS_PREFIX || undefined);
    const publicUrl = () =>
      (opts.env.HARK_PUBLIC_URL || live.config.settings.publicUrl || `http://localhost:${port}`).replace(
        /\/+$/,
        '',
      );
    const transports = transportsFromEnv(opts.env, log);
    started.push(() => transports.close());
    const metrics = new Metrics();
    // The parts (src/compose.ts). A worker process runs the workers and the event stream's
    // subscribers; every process trims the stream and shows its length on /metrics.
    const hark = await composeHark({
      redis,
      keys,
      config: () => live.config,
      now: () => Date.now(),
      log,
      metrics,
      durability,
      ...(opts.env.HARK_SLACK_API_URL ? { slackApiUrl: opts.env.HARK_SLACK_API_URL } : {}),
      escalation: {
        transports,
        formats: createPageFormats(await actionSecret(redis, keys)),
        publicUrl,
        worker: opts.worker,
      },
      webhooks: { delivery: opts.worker ? {} : null },
      events: { run: opts.worker, consumer: consumerName() },
    });
    started.push(() => hark.close());
    // A reload may change who holds a role.
    live.onReload(() => void hark.escalations?.planShiftsSoon());
    const reloads = await configReloads({ live, redis, keys, log, metrics });
    started.push(() => reloads.close());
    let api: Hono | null = null;
    if (opts.api) {
      api = createApp({
        ...hark,
        now: () => new Date(),
        metrics,
        twilioAuthToken: opts.env.TWILIO_AUTH_TOKEN || null,
        publicUrl,
        reloadConfig: reloads.everywhere,
      });
    }
    // A worker serves only /healthz, /readyz and /metrics (its pages, escalation lag, sweeps).
    const app = api ?? createOperatorApp({ redis, log, metrics, escalations: hark.escalations });
    const server = await new Promise<ServerType>((res, rej) => {
      const s = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
        port = info.port;
        res(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => rej(listenError(e, host, port)));
    });
    started.push(
      () =>
        new Promise<void>((res) => {
          server.close(() => res());
          // Requests in flight get a moment to finish; a connection left open after that (a slow
          // upload, an idle keep-alive) must not hold up the shutdown.
          const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
          http.closeIdleConnections?.();
          setTimeout(() => http.closeAllConnections?.(), SHUTDOWN_GRACE_MS).unref();
        }),
    );
    log.info({ url: publicUrl(), api: opts.api, worker: opts.worker }, 'hark is running');

    let stopping: Promise<void> | null = null;
    return {
      url: publicUrl(),
      listening: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`,
      api: opts.api,
      get config() {
        return live.config;
      },
      port,
      reload: reloads.here,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Redis refusing Hark's credentials: waiting longer will not help. */
const AUTH_ERROR = /NOAUTH|WRONGPASS|invalid password|AUTH/;

/** Why Redis could not be used at start, and what to do about it. */
function redisError(label: string, error: string): StartupError {
  if (AUTH_ERROR.test(error)) {
    return new StartupError(
      `Redis at ${label} refused Hark's credentials (${error}); put the right password in REDIS_URL (redis://:password@host:6379, or redis://user:password@host:6379)`,
    );
  }
  return new StartupError(
    `Redis at ${label} is not reachable (${error}); start it, or set REDIS_URL to a running Redis (unset: Hark starts its own)`,
  );
}

/** Why the HTTP server could not listen, and what to do about it. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = host === '0.0.0.0' || host === '::' ? `port ${port}` : `${host}:${port}`;
  switch (e.code) {
    case 'EADDRINUSE':
      return new StartupError(`${where} is in use; set PORT (or HOST) or stop the other process`);
    case 'EACCES':
      return new StartupError(
        `not allowed to listen on ${where}; set PORT to 1024 or above, or run with the right to bind it`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StartupError(`HOST ${host} is not an address of this machine; set HOST (default 0.0.0.0)`);
    default:
      return new StartupError(`cannot listen on ${where} (${e.message}); set PORT or HOST`);
  }
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
