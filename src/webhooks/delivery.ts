/**
 * The webhook delivery worker (BullMQ queue `webhooks`). Each attempt is a signed POST of the
 * queued body with its own timeout; many run at once, so a receiver that hangs holds up only its
 * own delivery. Outcomes:
 *
 * - 2xx: delivered.
 * - A timeout, a network error, 429 or 5xx: tried again after an exponential backoff (5 s, 10 s,
 *   20 s, ... at most 1 h apart), or after the receiver's `Retry-After` (seconds or an HTTP date;
 *   at least the first backoff, at most 1 h), until 24 h after the delivery was queued.
 * - Anything else (3xx, other 4xx), a test event's failure, or the webhook gone from the config:
 *   failed, not tried again.
 *
 * Every attempt is recorded (src/webhooks/log.ts) and counted on /metrics. The secret, URL and
 * timeout are the webhook's as configured at the attempt (a reload that rotates a secret applies
 * to the next attempt); the body is the one queued.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { formatDuration } from '../config/duration.js';
import type { Config, Webhook } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { blockingOptions } from '../redis/connect.js';
import type { Keys } from '../redis/keys.js';
import { HARK_VERSION } from '../version.js';
import { WebhookLog, type DeliveryOutcome, type DeliveryRecord } from './log.js';
import type { DeliveryJob } from './payload.js';
import { WEBHOOK_QUEUE } from './queue.js';
import { signedHeaders } from './sign.js';

export interface RetryPolicy {
  /** The first backoff; each next one doubles. */
  readonly baseMs: number;
  /** No backoff is longer. */
  readonly maxDelayMs: number;
  /** A longer `Retry-After` is cut to this. */
  readonly maxRetryAfterMs: number;
  /** How long after it was queued a delivery is still tried. */
  readonly retryForMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 5000,
  maxDelayMs: 3_600_000,
  maxRetryAfterMs: 3_600_000,
  retryForMs: 24 * 3_600_000,
};

export interface WebhookDeliveryDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly config: () => Config;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** The clock for `webhook-timestamp`, records and the retry window (tests pin it). */
  readonly now?: () => number;
  /** Attempts running at once (default 32). */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryPolicy>;
}

export interface WebhookDelivery {
  readonly worker: Worker<DeliveryJob>;
  close(): Promise<void>;
}

/** What one attempt got. */
export interface AttemptResult {
  readonly ok: boolean;
  /** Worth trying again: a timeout, a network error, 429 or 5xx. */
  readonly retryable: boolean;
  readonly status: number | null;
  readonly error: string | null;
  /** The receiver's Retry-After, in ms from the attempt. */
  readonly retryAfterMs: number | null;
  readonly durationMs: number;
}

/** Thrown to have BullMQ try the job again after `delayMs` (the custom backoff strategy reads it). */
class RetryLater extends Error {
  override readonly name = 'RetryLater';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Retry-After: delay-seconds or an HTTP date; null when absent or not understood. */
export function parseRetryAfter(header: string | null, now: number): number | null {
  const text = header?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** How long to wait before attempt `attempt + 1`, after attempt `attempt` (1-based) failed. */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | null): number {
  if (retryAfterMs !== null) return Math.min(Math.max(retryAfterMs, policy.baseMs), policy.maxRetryAfterMs);
  return Math.min(policy.baseMs * 2 ** (attempt - 1), policy.maxDelayMs);
}

/** How much of a refusing receiver's answer goes into the record. */
const EXCERPT_CHARS = 200;

/** One signed POST of the delivery to the webhook (`stop` aborts it: Hark is stopping). Never throws. */
export async function attemptDelivery(
  hook: Webhook,
  d: DeliveryJob,
  at: Date,
  stop?: AbortSignal,
): Promise<AttemptResult> {
  const headers = {
    'content-type': 'application/json',
    'user-agent': `Hark/${HARK_VERSION} (webhooks)`,
    ...signedHeaders(hook.secret, d.id, at, d.body),
  };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const timeout = AbortSignal.timeout(hook.timeoutMs);
  const signal = stop ? AbortSignal.any([timeout, stop]) : timeout;
  const timedOut = `no answer within ${formatDuration(hook.timeoutMs)}`;
  try {
    const res = await fetch(hook.url, { method: 'POST', headers, body: d.body, signal, redirect: 'manual' });
    const status = res.status;
    if (status >= 200 && status < 300) {
      await res.body?.cancel().catch(() => {});
      return { ok: true, retryable: false, status, error: null, retryAfterMs: null, durationMs: elapsed() };
    }
    const retryable = status === 429 || status >= 500;
    const retryAfterMs = retryable ? parseRetryAfter(res.headers.get('retry-after'), at.getTime()) : null;
    let excerpt = '';
    if (status >= 300 && status < 400) {
      await res.body?.cancel().catch(() => {});
      excerpt = `: a redirect${res.headers.get('location') ? ` to ${res.headers.get('location')}` : ''}, not followed`;
    } else {
      const text = await res.text().catch(() => '');
      const line = text.replace(/\s+/g, ' ').trim();
      if (line) excerpt = `: ${line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line}`;
    }
    return {
      ok: false,
      retryable,
      status,
      error: `HTTP ${status}${excerpt}`,
      retryAfterMs,
      durationMs: elapsed(),
    };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const error = stop?.aborted
      ? 'interrupted: Hark was stopping'
      : timeout.aborted
        ? timedOut
        : `cannot send: ${err.cause?.code ?? err.cause?.message ?? err.message}`;
    return { ok: false, retryable: true, status: null, error, retryAfterMs: null, durationMs: elapsed() };
  }
}

/** Starts the worker that sends queued deliveries (worker processes: `hark serve` without --api). */
export function startWebhookDelivery(deps: WebhookDeliveryDeps): WebhookDelivery {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...deps.retry };
  const now = deps.now ?? Date.now;
  const log = new WebhookLog(deps.redis, deps.keys);
  // Blocking commands (BZPOPMIN): no command timeout; a frozen Redis just pauses the worker.
  const connection = deps.redis.duplicate(blockingOptions);
  connection.on('error', () => {}); // reported by the main connection's handler
  // Closing aborts the attempts in flight (each is recorded and tried again later), so stopping
  // Hark does not wait for a receiver that hangs.
  const stopping = new AbortController();

  const deliver = async (job: Job<DeliveryJob>): Promise<void> => {
    const d = job.data;
    const attempt = job.attemptsMade + 1;
    const at = now();
    const hook = deps.config().webhooks.find((w) => w.name === d.webhook);
    const result: AttemptResult = hook
      ? await attemptDelivery(hook, d, new Date(at), stopping.signal)
      : {
          ok: false,
          retryable: false,
          status: null,
          error: `webhook "${d.webhook}" is no longer in the config`,
          retryAfterMs: null,
          durationMs: 0,
        };
    let outcome: DeliveryOutcome;
    let error = result.error;
    let delay: number | null = null;
    if (result.ok) outcome = 'delivered';
    else if (!result.retryable || d.test) outcome = 'failed';
    else {
      delay = retryDelay(policy, attempt, result.retryAfterMs);
      if (at + delay > d.firstAt + policy.retryForMs) {
        outcome = 'failed';
        error = `${error}; given up: still failing ${formatDuration(policy.retryForMs)} after it was queued`;
        delay = null;
      } else outcome = 'retrying';
    }
    const record: DeliveryRecord = {
      id: d.id,
      type: d.type,
      incident: d.incident,
      attempt,
      at: new Date(at).toISOString(),
      status: result.status,
      error,
      durationMs: result.durationMs,
      outcome,
      nextAttemptAt: delay === null ? null : new Date(at + delay).toISOString(),
    };
    deps.metrics?.webhookDeliveries.inc({ webhook: d.webhook, outcome });
    if (hook) deps.metrics?.webhookDuration.observe({ webhook: d.webhook }, result.durationMs / 1000);
    const line = {
      webhook: d.webhook,
      delivery: d.id,
      type: d.type,
      incident: d.incident,
      attempt,
      status: result.status,
      durationMs: result.durationMs,
      outcome,
    };
    if (outcome === 'delivered') deps.log.info(line, 'webhook delivered');
    else deps.log.warn({ ...line, err: error, next: record.nextAttemptAt }, 'webhook delivery failed');
    // A record that cannot be written (Redis down) fails the attempt: it is tried again.
    await log.record(d.webhook, record);
    if (outcome === 'retrying') throw new RetryLater(error ?? 'failed', delay!);
    if (outcome === 'failed') throw new UnrecoverableError(error ?? 'failed');
  };

  const worker = new Worker<DeliveryJob>(WEBHOOK_QUEUE, deliver, {
    connection,
    prefix: deps.keys.bullPrefix,
    concurrency: deps.concurrency ?? 32,
    // A killed worker's deliveries are taken up again within about 15 s.
    lockDuration: 10_000,
    stalledInterval: 5000,
    maxStalledCount: 10,
    settings: {
      backoffStrategy: (_attempts: number, _type?: string, err?: Error) =>
        err instanceof RetryLater ? err.delayMs : policy.baseMs,
    },
  });
  worker.on('error', (err) => deps.log.error({ err: err.message }, 'webhook worker error'));
  return {
    worker,
    close: async () => {
      const closed = worker.close().catch(() => {});
      stopping.abort();
      await closed;
      connection.disconnect();
    },
  };
}
