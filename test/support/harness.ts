/** Test harness: a real Hark HTTP server on a free port against the test run's real Redis. */
import { serve, type ServerType } from '@hono/node-server';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import type { Subscriber } from '../../src/events/subscriber.js';
import { Metrics } from '../../src/metrics.js';
import type { PageFormats } from '../../src/pages/pager.js';
import type { Transports } from '../../src/pages/types.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys, type Keys } from '../../src/redis/keys.js';
import { createApp } from '../../src/server/app.js';
import { composeHark, type Hark } from '../../src/compose.js';
import type { EscalationRuntime } from '../../src/escalation/runtime.js';
import type { IncidentOperations } from '../../src/incidents/operations.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import type { WebhookDeliveryDeps } from '../../src/webhooks/delivery.js';

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
  /** The logger (default: silent, or HARK_TEST_LOG's level). */
  readonly log?: Logger;
  /** The shift planner's interval (default 300 ms; production's is 5 minutes). */
  readonly shiftPlanEveryMs?: number;
  /** The clock of the server, the worker and the override store (default: the real one). */
  readonly now?: () => number;
  /** Run the webhook delivery worker (and the test endpoint's queue), with these options. */
  readonly webhooks?: Omit<WebhookDeliveryDeps, 'redis' | 'keys' | 'config' | 'log'>;
  /** Run these event stream subscribers (as a worker process does), retried after 50 ms. */
  readonly subscribers?: readonly Subscriber[];
  /** Slack's Web API base URL (the fake Slack's). */
  readonly slackApiUrl?: string;
  /** With `webhooks`: also run the webhook subscriber on the event stream (end to end). */
  readonly webhookSubscriber?: boolean;
  /** Run the chat subscriber (Slack messages, incident channels; archive sweep every 100 ms). */
  readonly chatSubscriber?: boolean;
  /** Run the heartbeat deadline check here, every `checkEveryMs` (default: not at all). */
  readonly heartbeats?: { readonly checkEveryMs: number };
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
  /** Every part, as src/compose.ts built them. */
  readonly parts: Hark;
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
  const now = opts.now ?? (() => Date.now());
  const metrics = new Metrics(false);
  const log = opts.log ?? pino({ level: process.env.HARK_TEST_LOG ?? 'silent' });
  let url = '';
  const publicUrl = () => opts.publicUrl ?? url;
  // Built the way `hark serve` builds its parts (src/compose.ts), with shorter timings.
  const subscribe = opts.webhookSubscriber === true;
  const extra = opts.subscribers ?? [];
  const hark = await composeHark({
    redis,
    keys,
    config: () => config,
    now,
    log,
    metrics,
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    escalation: opts.escalation
      ? {
          ...opts.escalation,
          publicUrl,
          worker: true,
          timings: {
            sweepEveryMs: 500,
            sweepGraceMs: 1000,
            shiftPlanEveryMs: opts.shiftPlanEveryMs ?? 300,
            shiftHorizonMs: 60_000,
          },
        }
      : 'none',
    webhooks: opts.webhooks ? { delivery: opts.webhooks, subscribe } : null,
    chat: { subscribe: opts.chatSubscriber === true, sweepEveryMs: 100 },
    // With webhooks, the webhook subscriber reads the event stream, as in a worker process.
    events:
      extra.length > 0 || (opts.webhooks && subscribe) || opts.chatSubscriber === true
        ? {
            run: true,
            consumer: `test-${keys.prefix}`,
            extra,
            timings: { claimIdleMs: 1000, retryMinMs: 50, retryMaxMs: 500, blockMs: 500, stopGraceMs: 500 },
          }
        : null,
    heartbeats: opts.heartbeats ? { run: true, checkEveryMs: opts.heartbeats.checkEveryMs } : { run: false },
  });
  const app = createApp({
    ...hark,
    metrics,
    now: () => new Date(now()),
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
    store: hark.store,
    ops: hark.ops,
    escalation: hark.escalation,
    metrics,
    parts: hark,
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
                : type === 'stream'
                  ? await redis.xrange(key, '-', '+')
                  : await redis.zrange(key, '0', '-1', 'WITHSCORES'),
        )}`;
      }
      return out;
    },
    close: async () => {
      await new Promise<void>((res) => server.close(() => res()));
      await hark.close();
      redis.disconnect();
    },
  };
}

/**
 * Waits until no shift plan or notice is due (waiting, running, or delayed by seconds: a debounced
 * plan, a retry): every notice asked for so far has gone. Changes planned later are not waited for.
 */
export async function shiftNoticesSettled(h: TestHark, timeoutMs = 15_000): Promise<void> {
  const queue = h.escalation!.escalations.queue;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized'], 0, -1);
    const pending = jobs.filter((j) => {
      const kind = (j.data as { kind: string }).kind;
      return kind === 'shift-tell' || (kind.startsWith('shift-') && (j.opts.delay ?? 0) < 10_000);
    });
    if (pending.length === 0) return;
    if (Date.now() > end) throw new Error(`shift notices still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
