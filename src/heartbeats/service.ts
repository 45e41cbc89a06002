/**
 * Heartbeats (docs/senders.md): pings in, and the check that opens an incident once a heartbeat's
 * deadline has passed without one, and resolves it at the next ping. Incidents are ordinary ones,
 * opened and resolved through `IncidentOperations.ingest` with the alert of ./alert.ts.
 *
 * State in Redis (src/redis/keys.ts), so that it survives restarts and is shared by processes:
 * - `heartbeat(name)`, a hash: `lastPingAt`, `pings`, `firstSeenAt` (when Hark first watched it:
 *   the clock of one never pinged starts then), `labels` (the last Watchdog alert's), `missedAt`
 *   (the deadline announced as missed; absent while up) and `incident`.
 * - `heartbeatsDue`, a sorted set: name → its deadline (last ping + interval + grace). A ping
 *   moves it; the check (`sweep`, in worker processes every `checkEveryMs`) takes the names whose
 *   deadline has passed.
 *
 * Once, not once per check: a missed deadline is announced by one process (SET NX on
 * `heartbeatClaim(name, deadline)`), recorded as `missedAt`, and its name leaves the sorted set
 * until the next ping puts it back; the alert's key is stable, so even two announcements would
 * join one incident. A ping that races the announcement is seen by one side or the other: the ping
 * resolves what `missedAt` says, and the check reads the last ping again after announcing and
 * resolves itself when one came.
 */
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import type { NormalizedAlert } from '../alerts/types.js';
import type { Config, Heartbeat } from '../config/types.js';
import type { IncidentOperations } from '../incidents/operations.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Keys } from '../redis/keys.js';
import { routeOfAlert } from '../routing/existing.js';
import { heartbeatAlertId, heartbeatRoute, missedAlert, type MissedFacts } from './alert.js';
import type { HeartbeatView } from './schema.js';

export interface HeartbeatDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly config: () => Config;
  /** The clock (ms). */
  readonly now: () => number;
  readonly ops: IncidentOperations;
  readonly store: IncidentStore;
  readonly log: Logger;
  readonly metrics?: Metrics | null;
}

/** How often worker processes check the deadlines, unless told. */
export const CHECK_EVERY_MS = 5000;
/** How long one process holds the announcement of a missed deadline (then another may retry). */
const CLAIM_MS = 30_000;
/** Names checked per pass (the rest on the next one). */
const BATCH = 200;

interface State {
  readonly lastPingAt: number | null;
  readonly firstSeenAt: number | null;
  readonly pings: number;
  readonly missedAt: number | null;
  readonly incident: number | null;
  readonly labels: Readonly<Record<string, string>> | null;
}

const num = (v: string | null | undefined): number | null => {
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

function labelsOf(v: string | undefined): Readonly<Record<string, string>> | null {
  if (!v) return null;
  try {
    const parsed = JSON.parse(v) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    return Object.fromEntries(
      Object.entries(parsed as Record<string, unknown>).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
  } catch {
    return null;
  }
}

function stateOf(h: Record<string, string>): State {
  return {
    lastPingAt: num(h['lastPingAt']),
    firstSeenAt: num(h['firstSeenAt']),
    pings: num(h['pings']) ?? 0,
    missedAt: num(h['missedAt']),
    incident: num(h['incident']),
    labels: labelsOf(h['labels']),
  };
}

/** When `hb` counts as missed: last ping (else when first watched) + interval + grace; null: never watched. */
function deadlineOf(hb: Heartbeat, s: State): number | null {
  const base = s.lastPingAt ?? s.firstSeenAt;
  return base === null ? null : base + hb.intervalMs + hb.graceMs;
}

function factsOf(hb: Heartbeat, s: State, deadline: number): MissedFacts {
  return {
    expectedAt: deadline - hb.graceMs,
    lastPingAt: s.lastPingAt,
    watchedSince: s.firstSeenAt,
    labels: s.labels,
  };
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export class Heartbeats {
  /** The config whose heartbeats have their deadlines registered (a reload registers again). */
  private registered: Config | null = null;

  constructor(private readonly deps: HeartbeatDeps) {
    if (deps.metrics) this.exportMetrics(deps.metrics);
  }

  /** A heartbeat of the running config by name. */
  find(name: string): Heartbeat | null {
    return this.deps.config().heartbeats.find((h) => h.name === name) ?? null;
  }

  private key(name: string): string {
    return this.deps.keys.heartbeat(name);
  }

  private async state(name: string): Promise<State> {
    return stateOf(await this.deps.redis.hgetall(this.key(name)));
  }

  /**
   * A ping of `hb` (from its sender, or its Watchdog alert with `labels`): records it, moves its
   * deadline, and resolves the incident of a miss. Answers its state after the ping.
   */
  async ping(hb: Heartbeat, labels: Readonly<Record<string, string>> | null = null): Promise<HeartbeatView> {
    const now = this.deps.now();
    const { redis, keys } = this.deps;
    const tx = redis
      .multi()
      .hset(this.key(hb.name), 'lastPingAt', now)
      .hincrby(this.key(hb.name), 'pings', 1)
      .hsetnx(this.key(hb.name), 'firstSeenAt', now);
    if (labels) tx.hset(this.key(hb.name), 'labels', JSON.stringify(labels));
    tx.zadd(keys.heartbeatsDue, now + hb.intervalMs + hb.graceMs, hb.name).hget(
      this.key(hb.name),
      'missedAt',
    );
    const results = (await tx.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    const missedAt = num(results[results.length - 1]?.[1] as string | null);
    if (missedAt !== null) await this.resolve(hb, missedAt, now);
    return this.view(hb, await this.state(hb.name), now);
  }

  /** Resolves the miss announced for deadline `missedAt` (a ping came), then clears it. */
  private async resolve(hb: Heartbeat, missedAt: number, now: number): Promise<void> {
    const config = this.deps.config();
    const s = await this.state(hb.name);
    const alert = missedAlert(config, hb, factsOf(hb, s, missedAt), 'resolved');
    const route =
      (await routeOfAlert(this.deps, config, heartbeatAlertId(hb.name))) ?? heartbeatRoute(config, hb, alert);
    if (route) {
      const r = await this.deps.ops.ingest(alert, route, config.settings.autoResolve, new Date(now));
      if (r.id !== 0) this.deps.log.info({ heartbeat: hb.name, incident: r.id }, 'heartbeat pinged again');
    }
    // Cleared only if no later deadline was announced meanwhile.
    if (num(await this.deps.redis.hget(this.key(hb.name), 'missedAt')) === missedAt)
      await this.deps.redis.hdel(this.key(hb.name), 'missedAt');
  }

  /** Every heartbeat of the running config with its state. */
  async list(): Promise<HeartbeatView[]> {
    const config = this.deps.config();
    if (config.heartbeats.length === 0) return [];
    const pipe = this.deps.redis.pipeline();
    for (const hb of config.heartbeats) pipe.hgetall(this.key(hb.name));
    const results = (await pipe.exec()) ?? [];
    const now = this.deps.now();
    return config.heartbeats.map((hb, i) => {
      const [err, value] = results[i] ?? [null, {}];
      if (err) throw err;
      return this.view(hb, stateOf(value as Record<string, string>), now);
    });
  }

  private view(hb: Heartbeat, s: State, now: number): HeartbeatView {
    const deadline = deadlineOf(hb, s);
    const missed = s.missedAt !== null || (deadline !== null && now > deadline);
    const expected = s.missedAt ?? deadline;
    return {
      name: hb.name,
      kind: hb.watchdog ? 'watchdog' : 'ping',
      integration: hb.watchdog?.integration ?? null,
      alertname: hb.watchdog?.alertname ?? null,
      intervalSeconds: Math.round(hb.intervalMs / 1000),
      graceSeconds: Math.round(hb.graceMs / 1000),
      service: hb.service,
      status: missed ? 'missed' : s.lastPingAt === null ? 'new' : 'up',
      lastPingAt: iso(s.lastPingAt),
      secondsSinceLastPing:
        s.lastPingAt === null ? null : Math.max(0, Math.floor((now - s.lastPingAt) / 1000)),
      pings: s.pings,
      dueAt: iso(deadline),
      missedSince: missed && expected !== null ? iso(expected - hb.graceMs) : null,
      incident: missed ? s.incident : null,
    };
  }

  /**
   * One pass of the check (worker processes): registers the deadlines of heartbeats new to the
   * config, then announces every deadline that has passed. Answers how many misses it announced.
   */
  async sweep(): Promise<number> {
    const config = this.deps.config();
    const now = this.deps.now();
    if (this.registered !== config) {
      await this.register(config, now);
      this.registered = config;
    }
    const due = await this.deps.redis.zrangebyscore(
      this.deps.keys.heartbeatsDue,
      '-inf',
      now,
      'LIMIT',
      0,
      BATCH,
    );
    let announced = 0;
    for (const name of due) {
      try {
        if (await this.check(config, name, now)) announced++;
      } catch (e) {
        this.deps.log.warn(
          { heartbeat: name, err: e instanceof Error ? e.message : String(e) },
          'heartbeat check failed; it is tried again on the next pass',
        );
      }
    }
    return announced;
  }

  /**
   * Gives every heartbeat of `config` a deadline: one never watched starts its clock now; one
   * whose interval shrank gets the earlier deadline (ZADD LT). One missed keeps none until pinged.
   */
  private async register(config: Config, now: number): Promise<void> {
    const { redis, keys } = this.deps;
    for (const hb of config.heartbeats) {
      await redis.hsetnx(this.key(hb.name), 'firstSeenAt', now);
      const s = await this.state(hb.name);
      const deadline = deadlineOf(hb, s);
      if (s.missedAt === null && deadline !== null)
        await redis.zadd(keys.heartbeatsDue, 'LT', deadline, hb.name);
    }
  }

  /** Checks one due name; true when it announced a miss. */
  private async check(config: Config, name: string, now: number): Promise<boolean> {
    const { redis, keys } = this.deps;
    const hb = config.heartbeats.find((h) => h.name === name);
    if (!hb) {
      await redis.zrem(keys.heartbeatsDue, name); // no longer in the config
      return false;
    }
    const s = await this.state(name);
    const deadline = deadlineOf(hb, s);
    if (deadline === null) {
      await redis.zrem(keys.heartbeatsDue, name);
      return false;
    }
    if (deadline > now) {
      // Pinged since (or the interval grew): check again at the new deadline, never earlier than a ping set.
      await redis.zadd(keys.heartbeatsDue, 'GT', deadline, name);
      return false;
    }
    if (s.missedAt === deadline) {
      await this.settle(hb, s.lastPingAt); // announced already
      return false;
    }
    const claimed = await redis.set(keys.heartbeatClaim(name, deadline), '1', 'PX', CLAIM_MS, 'NX');
    if (claimed !== 'OK') return false; // another process is announcing it
    const alert: NormalizedAlert = missedAlert(config, hb, factsOf(hb, s, deadline), 'firing');
    const route = heartbeatRoute(config, hb, alert);
    if (!route) {
      this.deps.log.error(
        { heartbeat: name },
        'heartbeat missed, but no service takes its alert: set the heartbeat’s service in hark.yaml (tried again shortly)',
      );
      return false;
    }
    const r = await this.deps.ops.ingest(alert, route, config.settings.autoResolve, new Date(now));
    await redis.hset(this.key(name), 'missedAt', deadline, 'incident', r.id);
    this.deps.log.warn({ heartbeat: name, incident: r.id, service: route.service.name }, 'heartbeat missed');
    await this.settle(hb, s.lastPingAt);
    return true;
  }

  /**
   * Takes a handled name off the due set; a ping that came meanwhile (its last ping differs from
   * `seen`) puts it back and resolves the miss, which that ping may not have seen yet.
   */
  private async settle(hb: Heartbeat, seen: number | null): Promise<void> {
    const { redis, keys } = this.deps;
    await redis.zrem(keys.heartbeatsDue, hb.name);
    const s = await this.state(hb.name);
    if (s.lastPingAt === seen) return;
    const deadline = deadlineOf(hb, s);
    if (deadline !== null) await redis.zadd(keys.heartbeatsDue, 'GT', deadline, hb.name);
    if (s.missedAt !== null) await this.resolve(hb, s.missedAt, this.deps.now());
  }

  /**
   * Per heartbeat on /metrics: `hark_heartbeat_up` (1 up or new, 0 missed) and
   * `hark_heartbeat_seconds_since_ping` (absent until the first ping), read from Redis per scrape.
   */
  private exportMetrics(metrics: Metrics): void {
    const registry = metrics.registry;
    if (registry.getSingleMetric('hark_heartbeat_up')) return;
    let reading: Promise<HeartbeatView[]> | null = null;
    const read = () =>
      (reading ??= this.list().finally(() => {
        reading = null;
      }));
    new Gauge({
      name: 'hark_heartbeat_up',
      help: 'Per heartbeat: 1 while pinged in time (or new, never pinged within its first interval), 0 once missed',
      labelNames: ['heartbeat'] as const,
      registers: [registry],
      async collect() {
        const list = await read().catch(() => null);
        this.reset();
        for (const h of list ?? []) this.set({ heartbeat: h.name }, h.status === 'missed' ? 0 : 1);
      },
    });
    new Gauge({
      name: 'hark_heartbeat_seconds_since_ping',
      help: 'Per heartbeat: seconds since its last ping (absent until the first)',
      labelNames: ['heartbeat'] as const,
      registers: [registry],
      async collect() {
        const list = await read().catch(() => null);
        this.reset();
        for (const h of list ?? [])
          if (h.secondsSinceLastPing !== null) this.set({ heartbeat: h.name }, h.secondsSinceLastPing);
      },
    });
  }
}

/** The check in a worker process: `sweep` every `everyMs` until `stop`. */
export interface HeartbeatMonitor {
  stop(): Promise<void>;
}

export function startHeartbeatMonitor(
  heartbeats: Heartbeats,
  log: Logger,
  everyMs = CHECK_EVERY_MS,
): HeartbeatMonitor {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    timer = null;
    running = heartbeats
      .sweep()
      .then(
        () => {},
        (e: unknown) =>
          log.warn({ err: e instanceof Error ? e.message : String(e) }, 'heartbeat check failed; retrying'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(pass, everyMs);
      });
  };
  pass();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
