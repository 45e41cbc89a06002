/**
 * What became of each webhook delivery attempt, per webhook in Redis: the recent attempts (a
 * capped list, newest first) and counters per outcome with the last attempt. Read by
 * `GET /v1/webhooks`, `GET /v1/webhooks/<name>/deliveries` and `hark webhooks`.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config/types.js';
import { z } from 'zod';
import type { Keys } from '../redis/keys.js';

/** delivered and failed are final; retrying: it is tried again at `nextAttemptAt`. */
export const DELIVERY_OUTCOMES = ['delivered', 'retrying', 'failed'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export const deliveryRecordSchema = z
  .object({
    id: z.string().describe('The `webhook-id` header: the event stream id, or `test_…`.'),
    type: z.string().meta({ examples: ['incident.opened', 'webhook.test'] }),
    incident: z.number().int().nullable(),
    attempt: z.number().int().min(1).describe('1 for the first attempt.'),
    at: z.iso.datetime({ offset: true }).describe('When the attempt started.'),
    status: z
      .number()
      .int()
      .nullable()
      .describe('The receiver’s HTTP status; null: no answer (a timeout, a refused connection).'),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    outcome: z.enum(DELIVERY_OUTCOMES),
    nextAttemptAt: z.iso
      .datetime({ offset: true })
      .nullable()
      .describe('With `retrying`: when the next attempt is due.'),
  })
  .readonly()
  .meta({
    id: 'WebhookDelivery',
    description:
      'One delivery attempt. `delivered` and `failed` are final; `retrying` goes again at `nextAttemptAt`.',
  });
export type DeliveryRecord = z.infer<typeof deliveryRecordSchema>;

export const webhookSummarySchema = z
  .object({
    name: z.string(),
    url: z.url(),
    events: z.array(z.string()).readonly(),
    services: z.array(z.string()).readonly().nullable(),
    severities: z.array(z.string()).readonly().nullable(),
    timeoutMs: z.number().int(),
    counts: z
      .record(z.enum(DELIVERY_OUTCOMES), z.number().int())
      .readonly()
      .describe(
        'Attempts per outcome since the counters began (they expire 30 days after the last attempt).',
      ),
    last: deliveryRecordSchema.nullable(),
  })
  .readonly()
  .meta({
    id: 'WebhookSummary',
    description: 'A webhook of hark.yaml (never its secret) with its counters and last attempt.',
  });
export type WebhookSummary = z.infer<typeof webhookSummarySchema>;

/** Attempts kept per webhook. */
export const DELIVERIES_KEPT = 200;
/** A webhook's records expire this long after its last attempt (a removed webhook's go too). */
const KEEP_MS = 30 * 86_400_000;

export class WebhookLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async record(webhook: string, r: DeliveryRecord): Promise<void> {
    const list = this.keys.webhookDeliveries(webhook);
    const stats = this.keys.webhookStats(webhook);
    const json = JSON.stringify(r);
    const results = await this.redis
      .multi()
      .lpush(list, json)
      .ltrim(list, 0, DELIVERIES_KEPT - 1)
      .hincrby(stats, r.outcome, 1)
      .hset(stats, 'last', json)
      .pexpire(list, KEEP_MS)
      .pexpire(stats, KEEP_MS)
      .exec();
    for (const [err] of results ?? []) if (err) throw err;
  }

  /** The webhook's recent attempts, newest first. */
  async recent(webhook: string, limit = 50): Promise<DeliveryRecord[]> {
    const list = await this.redis.lrange(this.keys.webhookDeliveries(webhook), 0, limit - 1);
    return list.map((j) => JSON.parse(j) as DeliveryRecord);
  }

  /** Every webhook of the config with its counters and last attempt (one round trip). */
  async summaries(config: Config): Promise<WebhookSummary[]> {
    const p = this.redis.pipeline();
    for (const w of config.webhooks) p.hgetall(this.keys.webhookStats(w.name));
    const results = config.webhooks.length > 0 ? ((await p.exec()) ?? []) : [];
    return config.webhooks.map((w, i) => {
      const [err, value] = results[i]!;
      if (err) throw err;
      const h = value as Record<string, string>;
      return {
        name: w.name,
        url: w.url,
        events: w.events,
        services: w.services,
        severities: w.severities,
        timeoutMs: w.timeoutMs,
        counts: {
          delivered: Number(h.delivered ?? 0),
          retrying: Number(h.retrying ?? 0),
          failed: Number(h.failed ?? 0),
        },
        last: h.last ? (JSON.parse(h.last) as DeliveryRecord) : null,
      };
    });
  }

  /** The first recorded attempt of delivery `id`, once there is one; null after `timeoutMs`. */
  async waitFor(webhook: string, id: string, timeoutMs: number): Promise<DeliveryRecord | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = (await this.recent(webhook, DELIVERIES_KEPT)).find((r) => r.id === id);
      if (found) return found;
      if (Date.now() >= end) return null;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
