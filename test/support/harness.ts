/** Test harness: a real Hark HTTP server on a free port against the test run's real Redis. */
import { smsHandoffs } from '../../src/answers/sms-handoffs.js';
import { serve, type ServerType } from '@hono/node-server';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { startEscalation, type EscalationRuntime } from '../../src/escalation/runtime.js';
import { IncidentOperations } from '../../src/incidents/operations.js';
import { Metrics } from '../../src/metrics.js';
import { IncidentStore } from '../../src/incidents/store.js';
import type { PageFormats } from '../../src/pages/pager.js';
import type { Transports } from '../../src/pages/types.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys, type Keys } from '../../src/redis/keys.js';
import { OverrideStore } from '../../src/schedules/override-store.js';
import { ScheduleRegistry } from '../../src/schedules/registry.js';
import { createApp } from '../../src/server/app.js';

export interface TestHarkOptions {
  readonly redisUrl?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run escalation (producer and worker) with these transports and formats. */
  readonly escalation?: { readonly transports: Transports; readonly formats: PageFormats };
  /** Reuse another instance's key prefix (two Harks on one Redis). */
  readonly prefix?: string;
  /** TWILIO_AUTH_TOKEN for the Twilio webhooks (their signatures are checked against the public URL). */
  readonly twilioAuthToken?: string;
  /** HARK_PUBLIC_URL (links in pages, Twilio callbacks); default: the harness's own `url`. */
  readonly publicUrl?: string;
  /** The server's clock (escalation, overrides, API, web); default: the real one. See clock.ts. */
  readonly now?: () => number;
}

export interface TestHark {
  readonly url: string;
  readonly config: Config;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: IncidentStore;
  readonly ops: IncidentOperations;
  readonly escalation: EscalationRuntime | null;
  readonly metrics: Metrics;
  /** Every key this instance wrote (its prefix), for "no state changed" checks. */
  snapshot(): Promise<Record<string, string>>;
  close(): Promise<void>;
}

export async function startTestHark(configDir: string, opts: TestHarkOptions = {}): Promise<TestHark> {
  const { config } = loadConfig(configDir, { env: opts.env ?? {} });
  const redis = connectRedis(opts.redisUrl ?? inject('redisUrl'));
  redis.on('error', () => {});
  await whenReady(redis);
  const keys = makeKeys(opts.prefix ?? `{test-${randomUUID().slice(0, 8)}}:`);
  const store = new IncidentStore(redis, keys, () => config.settings.retentionMs);
  const now = opts.now ?? (() => Date.now());
  const overrideStore = new OverrideStore(redis, keys, () => config, now);
  const registry = new ScheduleRegistry(config, overrideStore);
  const metrics = new Metrics(false);
  const log = pino({ level: process.env.HARK_TEST_LOG ?? 'silent' });
  let url = '';
  const publicUrl = () => opts.publicUrl ?? url;
  const escalation = opts.escalation
    ? await startEscalation({
        metrics,
        redis,
        keys,
        store,
        config: () => config,
        schedules: () => registry,
        log,
        now,
        publicUrl,
        transports: opts.escalation.transports,
        formats: opts.escalation.formats,
        worker: true,
        sweepEveryMs: 500,
        sweepGraceMs: 1000,
        shiftPlanEveryMs: 300,
        shiftHorizonMs: 60_000,
      })
    : null;
  const ops = new IncidentOperations(
    store,
    escalation?.escalations ?? null,
    () => config.settings.ackTimeoutMs,
    metrics,
  );
  const app = createApp({
    metrics,
    handoffs: smsHandoffs(
      overrideStore,
      () => registry,
      () => config,
    ),
    config: () => config,
    schedules: () => registry,
    store,
    ops,
    redis,
    keys,
    log,
    now: () => new Date(now()),
    escalations: escalation?.escalations ?? null,
    twilioAuthToken: opts.twilioAuthToken ?? null,
    publicUrl,
  });
  const server = await new Promise<ServerType>((res) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => res(s));
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  return {
    url,
    config,
    redis,
    keys,
    store,
    ops,
    escalation,
    metrics,
    snapshot: async () => {
      const out: Record<string, string> = {};
      const found = await redis.keys(`${keys.prefix.replace(/[{}*?[\]]/g, '\\$&')}*`);
      for (const key of found.sort()) {
        if (key.includes(':bull:')) continue; // BullMQ's own bookkeeping changes in the background
        const type = await redis.type(key);
        out[key] = `${type}:${JSON.stringify(
          type === 'string'
            ? await redis.get(key)
            : type === 'hash'
              ? await redis.hgetall(key)
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : await redis.zrange(key, '0', '-1', 'WITHSCORES'),
        )}`;
      }
      return out;
    },
    close: async () => {
      await new Promise<void>((res) => server.close(() => res()));
      await escalation?.close();
      redis.disconnect();
    },
  };
}
