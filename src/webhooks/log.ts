/**
 * What became of each webhook delivery attempt, per webhook in Redis: the recent attempts (a
 * capped list, newest first) and counters per outcome with the last attempt. Read by
 * `GET /v1/webhooks`, `GET /v1/webhooks/<name>/deliveries` and `hark webhooks`.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config/types.js';
import type { Keys } from '../redis/keys.js';

/** delivered and failed are final; retrying: it is tried again at `nextAttemptAt`. */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed';
export const DELIVERY_OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'retrying', 'failed'];

export interface DeliveryRecord {
  /** The `webhook-id` (the stream event id, or `test_...`). */
  readonly id: string;
  /** The event type (`incident.opened`, `webhook.test`, ...). */
  readonly type: string;
  readonly incident: number | null;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** When the attempt started (ISO 8601). */
  readonly at: string;
  /** The receiver's HTTP status; null: no answer (a timeout, a refused connection). */
  readonly status: number | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly outcome: DeliveryOutcome;
  /** With `retrying`: when the next attempt is due (ISO 8601). */
  readonly nextAttemptAt: string | null;
}

export interface WebhookSummary {
  readonly name: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly services: readonly string[] | null;
  readonly severities: readonly string[] | null;
  readonly timeoutMs: number;
  /** Attempts per outcome since the counters began (they expire 30 days after the last attempt). */
  readonly counts: Readonly<Record<DeliveryOutcome, number>>;
  readonly last: DeliveryRecord | null;
}

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
