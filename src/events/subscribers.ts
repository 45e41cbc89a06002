/**
 * The subscriber runner: delivers the global event stream (`keys.events`) to each subscriber
 * (src/events/subscriber.ts) through a Redis Streams consumer group of its own, in worker
 * processes (`hark serve`, `hark serve --worker`).
 *
 * What a subscriber gets:
 * - Every event at least once, in stream order (so in order per incident): one event at a time,
 *   acknowledged (XACK) after `handle` resolves. A throw retries the same event with exponential
 *   backoff, or after the error's `retryAfterMs` when it has one (a rate limit); later events wait for it (skipping ahead would break the order per incident), so a
 *   subscriber that must give up on an event records that itself and returns.
 * - One consumer at a time: with several worker processes, the one holding the subscriber's lease
 *   (`keys.subscriberLease`, renewed every third of `claimIdleMs`) reads; the others stand by and
 *   take over once it expires. Several consumers reading one group at once would each get part of
 *   the stream and could deliver one incident's events out of order.
 * - `kill -9`: what the dead consumer had read and not acknowledged stays in the group's pending
 *   list. The next holder takes those entries over (XAUTOCLAIM, once idle for `claimIdleMs`) and
 *   delivers them first, oldest first, before reading anything new: nothing is lost; an event the
 *   dead one had handled but not yet acknowledged comes again (counted in
 *   `hark_subscriber_redelivered_total`), so handling must be idempotent by `event.id`.
 * - Independence: each subscriber has its own loop, lease and blocking connection; a slow, hung or
 *   throwing subscriber holds up only itself, never another subscriber or the escalation worker.
 *
 * Retention: the runner trims the stream to `settings.event_retention` (stream.ts, `trimEvents`)
 * at start and every `trimEveryMs`. An entry trimmed before a subscriber read it is lost to it.
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { blockingOptions } from '../redis/connect.js';
import type { Keys } from '../redis/keys.js';
import { RELEASE_CLAIM } from '../redis/scripts/claims.js';
import { TAKE_LEASE } from '../redis/scripts/subscribers.js';
import { parseEntry, trimEvents, type RawEntry } from './stream.js';
import { retryAfterHint, type Subscriber } from './subscriber.js';

/** What a subscriber's name may be (it names a consumer group, a Redis key and a metric label). */
export const SUBSCRIBER_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface SubscriberRunnerOptions {
  /** Hark's connection (non-blocking commands); each subscriber gets a blocking duplicate. */
  readonly redis: Redis;
  readonly keys: Keys;
  readonly subscribers: readonly Subscriber[];
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** This process's consumer name, unique among the processes sharing the Redis (`consumerName()`). */
  readonly consumer: string;
  /** The clock the retention is counted on (ms). */
  readonly now: () => number;
  /** settings.event_retention, read at each trim (a config reload changes it). */
  readonly retentionMs: () => number;
  /**
   * How long a delivered entry must have been idle before another consumer takes it over, and the
   * lease's TTL: a killed consumer's events come again within about this (default 10 s).
   */
  readonly claimIdleMs?: number;
  /** How often the stream is trimmed (default 60 s). */
  readonly trimEveryMs?: number;
  /** The first retry after a throw (default 1 s); doubling up to `retryMaxMs` (default 60 s). */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** How long one blocking read waits for new entries (default 5 s). */
  readonly blockMs?: number;
  /** How long stop() waits for a handle in flight (default 10 s); after that it stays pending. */
  readonly stopGraceMs?: number;
}

export interface SubscriberRunner {
  readonly consumer: string;
  /** Stops reading, waits for the events being handled (up to the grace), gives the leases up. */
  stop(): Promise<void>;
}

/** A consumer name for this process: `host:pid`. */
export function consumerName(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * Where a new subscriber's consumer group starts: `$`, the end of the stream when it is first
 * created. An SRE adding a webhook expects the events from then on, not a replay of the last week
 * of retained history; a client that wants the history pages it with GET /v1/events. A group that
 * exists keeps its place, so a restart (or a crash) resumes where the subscriber left off.
 */
const NEW_GROUP_START = '$';

const READ_COUNT = 10;
const CLAIM_COUNT = 100;

export async function startSubscribers(opts: SubscriberRunnerOptions): Promise<SubscriberRunner> {
  const names = new Set<string>();
  for (const s of opts.subscribers) {
    if (!SUBSCRIBER_NAME_RE.test(s.name)) {
      throw new Error(`invalid subscriber name "${s.name}": use lowercase letters, digits, . _ and -`);
    }
    if (names.has(s.name)) throw new Error(`two subscribers are named "${s.name}"`);
    names.add(s.name);
  }
  for (const s of opts.subscribers) await ensureGroup(opts.redis, opts.keys, s.name);

  const loops = opts.subscribers.map((s) => new SubscriberLoop(opts, s));
  for (const loop of loops) loop.start();

  const trim = async () => {
    try {
      const removed = await trimEvents(opts.redis, opts.keys, opts.retentionMs(), opts.now());
      if (removed > 0) opts.log.debug({ removed }, 'event stream trimmed');
    } catch (e) {
      opts.log.warn({ err: (e as Error).message }, 'event stream trim failed; retried later');
    }
  };
  void trim();
  const trimTimer = setInterval(() => void trim(), opts.trimEveryMs ?? 60_000);
  trimTimer.unref();

  if (opts.metrics) opts.metrics.eventStreamReader = () => readStreamMetrics(opts, opts.metrics!);

  let stopping: Promise<void> | null = null;
  return {
    consumer: opts.consumer,
    stop: () =>
      (stopping ??= (async () => {
        clearInterval(trimTimer);
        if (opts.metrics) opts.metrics.eventStreamReader = null;
        await Promise.all(loops.map((l) => l.stop()));
      })()),
  };
}

/** Creates the subscriber's group at the end of the stream (NEW_GROUP_START) unless it exists. */
async function ensureGroup(redis: Redis, keys: Keys, name: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', keys.events, name, NEW_GROUP_START, 'MKSTREAM');
  } catch (e) {
    if (!/BUSYGROUP/.test((e as Error).message)) throw e;
  }
}

/** `[k, v, k, v, ...]` → an object. */
function fieldsOf(flat: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** Sets the stream length and each subscriber's lag and pending count (a /metrics scrape). */
async function readStreamMetrics(opts: SubscriberRunnerOptions, metrics: Metrics): Promise<void> {
  try {
    metrics.eventStreamLength.set(await opts.redis.xlen(opts.keys.events));
    const groups = ((await opts.redis.xinfo('GROUPS', opts.keys.events)) as unknown[]).map(fieldsOf);
    for (const s of opts.subscribers) {
      const g = groups.find((x) => x.name === s.name);
      if (!g) continue;
      const pending = Number(g.pending ?? 0);
      // Redis 7 counts the entries not yet read (`lag`), unless it cannot tell (null: after an
      // XDEL); then they are counted here, up to 10,000.
      let unread = g.lag === null || g.lag === undefined ? null : Number(g.lag);
      if (unread === null) {
        const after = `(${String(g['last-delivered-id'] ?? '0-0')}`;
        unread = (await opts.redis.xrange(opts.keys.events, after, '+', 'COUNT', 10_000)).length;
      }
      metrics.subscriberPending.set({ subscriber: s.name }, pending);
      metrics.subscriberLag.set({ subscriber: s.name }, unread + pending);
    }
  } catch (e) {
    // Redis down or slow: the scrape shows the last values read.
    opts.log.debug({ err: (e as Error).message }, 'event stream metrics not read');
  }
}

/** One pending entry as XPENDING's extended form lists it. */
interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
}

/** One subscriber's loop: take the lease, deliver what is pending, then read on. */
class SubscriberLoop {
  private readonly group: string;
  private readonly lease: string;
  private readonly claimIdleMs: number;
  private readonly blocking: Redis;
  private holding = false;
  private lastRenewed = 0;
  private renewTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly wakers = new Set<() => void>();
  private done: Promise<void> = Promise.resolve();
  private lastClaim = 0;
  /** Set on taking the lease: what earlier holders left pending goes first. */
  private recovering = false;
  private readonly takeOrRenew: ReturnType<typeof TAKE_LEASE.on>;
  private readonly releaseLease: ReturnType<typeof RELEASE_CLAIM.on>;

  constructor(
    private readonly opts: SubscriberRunnerOptions,
    private readonly subscriber: Subscriber,
  ) {
    this.group = subscriber.name;
    this.lease = opts.keys.subscriberLease(subscriber.name);
    this.claimIdleMs = opts.claimIdleMs ?? 10_000;
    this.takeOrRenew = TAKE_LEASE.on(opts.redis);
    this.releaseLease = RELEASE_CLAIM.on(opts.redis);
    // XREADGROUP BLOCK holds its connection: one of its own, without a command timeout.
    this.blocking = opts.redis.duplicate(blockingOptions);
    this.blocking.on('error', () => {}); // the main connection's handler reports Redis errors
  }

  private get log(): Logger {
    return this.opts.log;
  }

  start(): void {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    // Ends a blocking read at once; a handle in flight finishes (up to the grace).
    this.blocking.disconnect();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((res) => {
      timer = setTimeout(() => res('late'), this.opts.stopGraceMs ?? 10_000);
    });
    const outcome = await Promise.race([this.done.then(() => 'done' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'late') {
      this.log.warn(
        { subscriber: this.subscriber.name },
        'subscriber still handling an event at shutdown; it stays pending and is delivered again',
      );
    }
    this.stopRenewing();
    if (this.holding && outcome === 'done') {
      await this.releaseLease([this.lease], [this.opts.consumer]).catch(() => {}); // it expires by itself
    }
    this.holding = false;
  }

  /** Waits `ms`, or less when stopping. */
  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((res) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        res();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  private get active(): boolean {
    return this.holding && !this.stopping;
  }

  private async run(): Promise<void> {
    const standbyMs = Math.min(1000, Math.max(50, this.claimIdleMs / 4));
    while (!this.stopping) {
      try {
        if (!this.holding) {
          if (!(await this.takeLease())) {
            await this.sleep(standbyMs);
            continue;
          }
          this.log.info(
            { subscriber: this.subscriber.name, consumer: this.opts.consumer },
            'subscriber running here',
          );
          this.recovering = true;
        }
        if (this.recovering) {
          await this.recover(true);
          this.recovering = false;
        } else if (Date.now() - this.lastClaim >= this.claimIdleMs) await this.recover(false);
        if (this.active) await this.readNew();
      } catch (e) {
        if (this.stopping) break;
        const message = (e as Error).message;
        if (/NOGROUP/.test(message)) {
          // The stream (and its groups) went away: start again from its new end.
          await ensureGroup(this.opts.redis, this.opts.keys, this.group).catch(() => {});
          continue;
        }
        this.log.warn({ subscriber: this.subscriber.name, err: message }, 'subscriber loop error; retrying');
        await this.sleep(1000);
      }
    }
  }

  private async takeLease(): Promise<boolean> {
    const ok = await this.takeOrRenew([this.lease], [this.opts.consumer, this.claimIdleMs]);
    if (Number(ok) !== 1) return false;
    this.holding = true;
    this.lastRenewed = Date.now();
    this.renewTimer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.claimIdleMs / 3)));
    this.renewTimer.unref();
    return true;
  }

  private async renew(): Promise<void> {
    if (!this.holding) return;
    try {
      const ok = await this.takeOrRenew([this.lease], [this.opts.consumer, this.claimIdleMs]);
      if (Number(ok) === 1) {
        this.lastRenewed = Date.now();
        return;
      }
      this.loseLease('another consumer holds it');
    } catch (e) {
      // Unrenewed for a whole TTL, another process may hold it now.
      if (Date.now() - this.lastRenewed >= this.claimIdleMs) this.loseLease((e as Error).message);
    }
  }

  private loseLease(why: string): void {
    if (!this.holding) return;
    this.log.warn(
      { subscriber: this.subscriber.name, consumer: this.opts.consumer, why },
      'subscriber lease lost; standing by',
    );
    this.holding = false;
    this.stopRenewing();
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  /**
   * Delivers what earlier consumers left pending, oldest first: takes over entries idle for
   * `claimIdleMs`; on taking the lease (`wait`) also waits until every pending entry of another
   * consumer is that idle, so nothing older is delivered after something newer.
   */
  private async recover(wait: boolean): Promise<void> {
    const { redis, keys, consumer } = this.opts;
    for (;;) {
      if (!this.active) return;
      let cursor = '0-0';
      do {
        const [next, , deleted] = (await redis.xautoclaim(
          keys.events,
          this.group,
          consumer,
          this.claimIdleMs,
          cursor,
          'COUNT',
          CLAIM_COUNT,
          'JUSTID',
        )) as [string, string[], string[]?];
        if (deleted && deleted.length > 0) {
          this.log.warn(
            { subscriber: this.subscriber.name, ids: deleted.slice(0, 10), count: deleted.length },
            'pending events were trimmed before they were delivered',
          );
        }
        cursor = next;
      } while (cursor !== '0-0');
      this.lastClaim = Date.now();
      if (!wait) break;
      const others = (await this.pending()).filter((p) => p.consumer !== consumer);
      if (others.length === 0) break;
      const soonest = Math.max(...others.map((p) => p.idleMs));
      await this.sleep(Math.max(50, this.claimIdleMs - soonest + 10));
    }
    await this.forgetIdleConsumers();
    // Our own pending entries: just claimed, or left by an earlier process of the same name.
    let from = '0';
    while (this.active) {
      const reply = (await redis.xreadgroup(
        'GROUP',
        this.group,
        consumer,
        'COUNT',
        CLAIM_COUNT,
        'STREAMS',
        keys.events,
        from,
      )) as [string, RawEntry[]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) break;
      for (const entry of entries) {
        if (!this.active) return;
        await this.deliver(entry, true);
      }
      from = entries.at(-1)![0];
    }
  }

  private async pending(): Promise<PendingEntry[]> {
    const rows = (await this.opts.redis.xpending(this.opts.keys.events, this.group, '-', '+', 1000)) as [
      string,
      string,
      number,
      number,
    ][];
    return rows.map(([id, consumer, idleMs]) => ({ id, consumer, idleMs: Number(idleMs) }));
  }

  /** Drops consumers of earlier processes that have nothing pending (they pile up otherwise). */
  private async forgetIdleConsumers(): Promise<void> {
    const { redis, keys, consumer } = this.opts;
    const list = ((await redis.xinfo('CONSUMERS', keys.events, this.group)) as unknown[]).map(fieldsOf);
    for (const c of list) {
      const name = String(c.name);
      if (name === consumer || Number(c.pending) !== 0) continue;
      await redis.xgroup('DELCONSUMER', keys.events, this.group, name);
    }
  }

  private async readNew(): Promise<void> {
    const reply = (await this.blocking.xreadgroup(
      'GROUP',
      this.group,
      this.opts.consumer,
      'COUNT',
      READ_COUNT,
      'BLOCK',
      this.opts.blockMs ?? 5000,
      'STREAMS',
      this.opts.keys.events,
      '>',
    )) as [string, RawEntry[]][] | null;
    for (const entry of reply?.[0]?.[1] ?? []) {
      // Left unread when stopping or the lease is gone: pending, for the next holder.
      if (!this.active) return;
      await this.deliver(entry, false);
    }
  }

  /** Handles one entry until it succeeds (retrying with backoff), then acknowledges it. */
  private async deliver(entry: RawEntry, redelivery: boolean): Promise<void> {
    const name = this.subscriber.name;
    const metrics = this.opts.metrics;
    const event = parseEntry(entry);
    if (!event) {
      this.log.warn({ subscriber: name, id: entry[0] }, 'event stream entry unreadable or trimmed: skipped');
      await this.ack(entry[0]);
      return;
    }
    if (redelivery) metrics?.subscriberRedelivered.inc({ subscriber: name });
    const min = this.opts.retryMinMs ?? 1000;
    const max = this.opts.retryMaxMs ?? 60_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.subscriber.handle(event);
        break;
      } catch (e) {
        metrics?.subscriberFailures.inc({ subscriber: name });
        // A rate limit's Retry-After (the error's `retryAfterMs`) wins over the backoff.
        const hint = retryAfterHint(e);
        const delayMs =
          hint !== null ? Math.max(min, hint) : Math.min(max, min * 2 ** Math.min(attempt - 1, 30));
        this.log.warn(
          {
            subscriber: name,
            id: event.id,
            incident: event.incident,
            type: event.event.type,
            attempt,
            retryInMs: delayMs,
            err: e instanceof Error ? e.message : String(e),
          },
          'subscriber failed on an event; retrying it (later events wait)',
        );
        await this.sleep(delayMs);
        // Stays pending: the next holder (or this one, back) delivers it again.
        if (!this.active) return;
      }
    }
    await this.ack(event.id);
    metrics?.subscriberDelivered.inc({ subscriber: name });
  }

  /** XACK, retried while Redis is away: an entry handled and not acknowledged comes again. */
  private async ack(id: string): Promise<void> {
    for (;;) {
      try {
        await this.opts.redis.xack(this.opts.keys.events, this.group, id);
        return;
      } catch (e) {
        if (this.stopping || !this.holding) return;
        this.log.warn(
          { subscriber: this.subscriber.name, id, err: (e as Error).message },
          'XACK failed; retrying',
        );
        await this.sleep(500);
      }
    }
  }
}
