/**
 * The durable queue of webhook deliveries (BullMQ queue `webhooks`): one job per event and
 * webhook, its id `<webhook>@<event id>` so that an event handed over twice (a redelivery after a
 * crash) is queued once while its job is kept (an hour after delivery). BullMQ refuses `:` in a
 * custom job id, hence `@`.
 */
import { randomUUID } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Webhook } from '../config/types.js';
import { commandTimeoutOf, withTimeout } from '../redis/connect.js';
import type { Keys } from '../redis/keys.js';
import type { DeliveryRecord, WebhookLog } from './log.js';
import { testPayload, type DeliveryJob } from './payload.js';

export const WEBHOOK_QUEUE = 'webhooks';
/** The custom backoff strategy's name (src/webhooks/delivery.ts computes each delay). */
export const WEBHOOK_BACKOFF = 'webhook';

/**
 * Retries end by time (the retry window), not by count: this only has to be more than fit in 24 h
 * (a receiver answering 429 with `Retry-After: 1` is tried every 5 s: 17,280 times).
 */
const MAX_ATTEMPTS = 1_000_000;

export const deliveryJobId = (webhook: string, id: string): string => `${webhook}@${id}`;

const jobOptions = (d: DeliveryJob): JobsOptions => ({
  jobId: deliveryJobId(d.webhook, d.id),
  attempts: d.test ? 1 : MAX_ATTEMPTS,
  backoff: { type: WEBHOOK_BACKOFF },
  // Kept an hour after delivery: an event handed over again meanwhile is not sent twice.
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 86_400, count: 1000 },
});

export class WebhookQueue {
  readonly queue: Queue<DeliveryJob>;
  private readonly connection: Redis;

  constructor(redis: Redis, keys: Keys) {
    // BullMQ does not close a connection it is given: this one is its own, closed by close().
    this.connection = redis.duplicate();
    this.connection.on('error', () => {}); // reported by the main connection's handler
    this.queue = new Queue<DeliveryJob>(WEBHOOK_QUEUE, {
      connection: this.connection,
      prefix: keys.bullPrefix,
    });
    this.queue.on('error', () => {});
  }

  /**
   * Queues deliveries; resolved once Redis has them. Fails (the event is handed over again) once
   * Redis has not answered for a command timeout and a second.
   */
  async enqueue(deliveries: readonly DeliveryJob[]): Promise<void> {
    if (deliveries.length === 0) return;
    const added = this.queue.addBulk(
      deliveries.map((d) => ({ name: d.test ? 'test' : 'deliver', data: d, opts: jobOptions(d) })),
    );
    await withTimeout(added, commandTimeoutOf(this.connection) + 1000, 'queueing webhook deliveries');
  }

  /** Queues a signed `webhook.test` delivery to `hook` (tried once); its delivery id. */
  async queueTest(hook: Webhook, now: Date): Promise<string> {
    const id = `test_${randomUUID()}`;
    const body = JSON.stringify(testPayload(hook.name, now));
    await this.enqueue([
      {
        webhook: hook.name,
        id,
        type: 'webhook.test',
        incident: null,
        body,
        firstAt: now.getTime(),
        test: true,
      },
    ]);
    return id;
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => {});
    this.connection.disconnect();
  }
}

/**
 * `hark webhooks test` and `POST /v1/webhooks/<name>/test`: queues a test event and waits for its
 * attempt (a worker sends it, through the same path as every delivery). null: no worker took it
 * within `waitMs`.
 */
export async function sendTest(
  queue: WebhookQueue,
  log: WebhookLog,
  hook: Webhook,
  now: Date,
  waitMs = hook.timeoutMs + 5000,
): Promise<{ id: string; record: DeliveryRecord | null }> {
  const id = await queue.queueTest(hook, now);
  return { id, record: await log.waitFor(hook.name, id, waitMs) };
}
