/**
 * Incidents in Redis: ingesting alerts, reading incidents with their alerts and timeline, and the
 * actions people take. Every write is one Lua script (src/redis/scripts/incidents.ts).
 */
import { createHash } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { addEvent } from '../events/write.js';
import type { AlertStatus, NormalizedAlert } from '../alerts/types.js';
import type { EscalationPolicy, EscalationStep } from '../config/types.js';
import { ID_PLACEHOLDER, type Keys } from '../redis/keys.js';
import type { Route } from '../routing/route.js';
import { ACT, INDEX_OPEN, INGEST, type IncidentAction } from '../redis/scripts/incidents.js';
import type { KeysOf } from '../redis/scripts/loader.js';
import {
  INCIDENT_ROLES,
  type Incident,
  type IncidentAlert,
  type IncidentRole,
  type IncidentState,
  type TimelineEvent,
} from './model.js';

export interface IngestResult {
  /** 0 when a resolve/acknowledge named an alert no open incident has. */
  readonly id: number;
  readonly key: string;
  readonly state: IncidentState | null;
  readonly new: boolean;
  /** Whether anything about the incident changed (a repeated firing notification changes nothing). */
  readonly changed: boolean;
}

/** A write the primary took but not enough replicas confirmed in time (answered 503: retry). */
export class NotReplicatedError extends Error {
  override readonly name = 'NotReplicatedError';
}

export type ActionOutcome =
  | { readonly ok: true; readonly incident: Incident }
  | { readonly ok: false; readonly reason: 'missing' }
  | {
      readonly ok: false;
      readonly reason: 'state';
      readonly state: IncidentState;
      readonly by: string | null;
    };

/** One incident's outcome in `actMany`: ok, missing, or the state that refused the action. */
export interface BulkOutcome {
  readonly id: number;
  readonly outcome: 'ok' | 'missing' | IncidentState;
  /** Who acknowledged or resolved it (this actor when ok). */
  readonly by: string | null;
  readonly createdAt: string | null;
  /** As the incident has it after the action. */
  readonly acknowledgedAt: string | null;
}

/** The policy snapshot an incident escalates along (see policySnapshot). */
export interface PolicySnapshot {
  readonly name: string;
  /** -1: forever. */
  readonly repeat: number;
  readonly steps: readonly EscalationStep[];
}

/** What the escalation needs of an incident. */
export interface EscalationView {
  readonly incident: Incident;
  /** Increments when escalation restarts (un-acknowledge, ack timeout): older jobs stand down. */
  readonly cycle: number;
  readonly policy: PolicySnapshot;
}

export interface ListFilter {
  readonly state?: IncidentState;
  readonly service?: string;
  readonly limit?: number;
}

/** The escalation policy as fixed when an incident opens (SPEC 1.3); `repeat` -1 is forever. */
export function policySnapshot(policy: EscalationPolicy): string {
  return JSON.stringify({
    name: policy.name,
    repeat: Number.isFinite(policy.repeat) ? policy.repeat : -1,
    steps: policy.steps,
  });
}

/** How many incidents `list` answers: by default, and at most. */
export const LIST_LIMITS = { default: 50, max: 500 } as const;

export class IncidentStore {
  private readonly ingestScript: ReturnType<typeof INGEST.on>;
  private readonly actScript: ReturnType<typeof ACT.on>;
  private readonly indexOpen: ReturnType<typeof INDEX_OPEN.on>;
  /** Per policy object of a loaded (frozen) config: its snapshot is stored once, not per alert. */
  private readonly policyRefs = new WeakMap<EscalationPolicy, string>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /**
     * settings.retention: how long a resolved incident (and an alert's index entry) is kept; a
     * getter, so a config reload applies.
     */
    private readonly retentionMs: () => number,
    /**
     * HARK_REDIS_WAIT_REPLICAS: an alert is answered only once this many replicas have it (Redis
     * WAIT), so a failover cannot lose an alert Hark has accepted. 0: the primary alone.
     */
    private readonly durability: { readonly replicas: number; readonly timeoutMs: number } = {
      replicas: 0,
      timeoutMs: 1000,
    },
  ) {
    this.ingestScript = INGEST.on(redis);
    this.actScript = ACT.on(redis);
    this.indexOpen = INDEX_OPEN.on(redis);
  }

  private templates(): string {
    const k = this.keys;
    return [k.incident, k.incidentAlerts, k.incidentAlertStatus, k.incidentTimeline]
      .map((f) => f(ID_PLACEHOLDER))
      .join('\n');
  }

  /**
   * The policy snapshot an incident refers to: stored once under its content hash, so that an
   * incident fixes its policy (SPEC 1.3) without carrying a copy in every alert's write.
   */
  private async policyRef(policy: EscalationPolicy): Promise<string> {
    let ref = this.policyRefs.get(policy);
    if (ref === undefined) {
      const json = policySnapshot(policy);
      ref = createHash('sha256').update(json).digest('hex').slice(0, 32);
      await this.redis.set(this.keys.policySnapshot(ref), json);
      this.policyRefs.set(policy, ref);
    }
    return ref;
  }

  /** Records one routed alert: opens, joins, resolves or acknowledges an incident, atomically. */
  async ingest(alert: NormalizedAlert, route: Route, autoResolve: boolean, now: Date): Promise<IngestResult> {
    const at = now.toISOString();
    const actor = `integration:${alert.integration}`;
    const stored: IncidentAlert = {
      id: route.alertId,
      source: alert.source,
      integration: alert.integration,
      key: alert.key,
      status: alert.status,
      summary: alert.summary,
      details: alert.details,
      labels: alert.labels,
      annotations: alert.annotations,
      links: alert.links,
      runbookUrl: alert.runbookUrl,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      receivedAt: at,
    };
    // The event's fields after its type, which the script puts first.
    const event = JSON.stringify({
      at,
      actor,
      alert: route.alertId,
      summary: alert.summary,
      service: route.service.name,
      severity: route.severity.name,
    }).slice(1);
    const kind = alert.action ?? alert.status;
    const fields: string[] = [
      'key',
      route.incidentKey,
      'service',
      route.service.name,
      'severity',
      route.severity.name,
      'urgency',
      route.severity.urgency,
      'title',
      alert.summary,
      'runbook',
      route.runbook ?? '',
      'policy',
      route.policy.name,
      'policySnapshot',
      await this.policyRef(route.policy),
    ];
    const k = this.keys;
    const [id, isNew, state, changed] = await this.ingestScript(
      [
        k.nextIncidentId,
        k.openIncident(route.incidentKey),
        k.alert(route.alertId),
        k.incidents,
        k.escalationDue,
        k.events,
        k.openIncidents,
      ],
      [
        this.templates(),
        route.alertId,
        JSON.stringify(stored),
        kind,
        at,
        now.getTime(),
        autoResolve ? '1' : '0',
        this.retentionMs(),
        actor,
        event,
        JSON.stringify(fields),
        this.retentionMs(),
      ],
    );
    if (this.durability.replicas > 0) {
      const acked = await this.redis.wait(this.durability.replicas, this.durability.timeoutMs);
      if (acked < this.durability.replicas) {
        throw new NotReplicatedError(
          `not replicated: ${acked} of ${this.durability.replicas} replicas confirmed the write within ${this.durability.timeoutMs} ms`,
        );
      }
    }
    let key = route.incidentKey;
    if (id !== 0 && !isNew) key = (await this.redis.hget(k.incident(id), 'key')) ?? key;
    return {
      id,
      key,
      state: state === '' ? null : (state as IncidentState),
      new: isNew === 1,
      changed: changed === 1,
    };
  }

  /** The incident with its escalation cycle and fixed policy; null if there is none. */
  async escalationView(id: number): Promise<EscalationView | null> {
    const incident = await this.get(id, false);
    if (!incident) return null;
    const [cycle, ref] = await this.redis.hmget(this.keys.incident(id), 'cycle', 'policySnapshot');
    const json = ref ? await this.redis.get(this.keys.policySnapshot(ref)) : null;
    if (!json) throw new Error(`incident #${id} has no escalation policy snapshot`);
    return { incident, cycle: Number(cycle ?? 0), policy: JSON.parse(json) as PolicySnapshot };
  }

  /**
   * Adds an event to the incident's timeline and the event stream (escalation steps, pages). With
   * `tx`, into that MULTI, so the event commits with the change it records; without, on its own
   * (an event that is itself the change, such as a step fired).
   */
  async appendTimeline(id: number, event: TimelineEvent, tx?: ChainableCommander): Promise<void> {
    if (tx) {
      addEvent(tx, this.keys, id, event);
      return;
    }
    const m = this.redis.multi();
    addEvent(m, this.keys, id, event);
    await m.exec();
  }

  /**
   * When the incident's next escalation step is due, and which (read by the overdue sweep);
   * null: no further step.
   */
  async setNextDue(id: number, next: { at: number; loop: number; step: number } | null): Promise<void> {
    if (next === null) {
      await this.redis.zrem(this.keys.escalationDue, String(id));
      return;
    }
    await this.redis
      .multi()
      .hset(this.keys.incident(id), 'nextLoop', next.loop, 'nextStep', next.step)
      .zadd(this.keys.escalationDue, next.at, String(id))
      .exec();
  }

  /** Incidents whose next step was due before `before`, oldest first. */
  overdue(before: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.escalationDue, '-inf', before, 'LIMIT', 0, limit);
  }

  /**
   * What the escalation of a triggered incident does next: which step (0-based) of which round,
   * when, and of how many; null when nothing is due (acknowledged, resolved, or the policy ran out).
   */
  async nextEscalation(
    id: number,
  ): Promise<{ loop: number; step: number; at: number; policy: PolicySnapshot } | null> {
    const [due, view] = await Promise.all([
      this.redis.zscore(this.keys.escalationDue, String(id)),
      this.escalationView(id).catch(() => null),
    ]);
    if (due === null || !view || view.incident.state !== 'triggered') return null;
    const { loop, step } = await this.nextStep(id);
    return { loop, step, at: Number(due), policy: view.policy };
  }

  /** The next step the incident's escalation recorded (step 1 of loop 1 if none yet). */
  async nextStep(id: number): Promise<{ loop: number; step: number }> {
    const [loop, step] = await this.redis.hmget(this.keys.incident(id), 'nextLoop', 'nextStep');
    return { loop: Number(loop ?? 0), step: Number(step ?? 0) };
  }

  /** The states of many incidents (null: none such), in pipelines: cheap for thousands. */
  async states(ids: readonly number[]): Promise<(IncidentState | null)[]> {
    const out: (IncidentState | null)[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const id of ids.slice(i, i + 1000)) p.hget(this.keys.incident(id), 'state');
      for (const [err, value] of (await p.exec())!) {
        if (err) throw err;
        out.push((value as IncidentState | null) ?? null);
      }
    }
    return out;
  }

  async get(id: number, withTimeline = true): Promise<Incident | null> {
    const k = this.keys;
    const m = this.redis.multi();
    m.hgetall(k.incident(id));
    m.hgetall(k.incidentAlerts(id));
    m.hgetall(k.incidentAlertStatus(id));
    if (withTimeline) m.lrange(k.incidentTimeline(id), 0, -1);
    const results = await m.exec();
    if (!results) throw new Error('Redis transaction aborted');
    const [h, alerts, statuses, timeline] = results.map(([err, value]) => {
      if (err) throw err;
      return value;
    }) as [Record<string, string>, Record<string, string>, Record<string, string>, string[] | undefined];
    if (!h.state) return null;
    return toIncident(h, alerts, statuses, timeline);
  }

  /**
   * Builds the open-incidents index from every stored incident, if that has not been done yet
   * (incidents stored by a Hark from before the index). Idempotent; several processes may run it
   * at once. Every process runs it when it starts (src/compose.ts).
   */
  async indexOpenIncidents(): Promise<void> {
    const k = this.keys;
    if (await this.openIndexReady()) return;
    // Nothing stored: nothing to index (and nothing written: a new Hark's first start).
    if ((await this.redis.zcard(k.incidents)) === 0) {
      this.openIndexed = true;
      return;
    }
    const template = k.incident(ID_PLACEHOLDER);
    for (let offset = 0; offset >= 0;) {
      offset = await this.indexOpen(
        [k.incidents, k.openIncidents, k.openIncidentsIndexed],
        [template, offset, 1000],
      );
    }
    this.openIndexed = true;
  }

  private openIndexed = false;

  /** Whether the open-incidents index is complete (read from Redis until it is). */
  private async openIndexReady(): Promise<boolean> {
    if (!this.openIndexed) this.openIndexed = (await this.redis.exists(this.keys.openIncidentsIndexed)) === 1;
    return this.openIndexed;
  }

  /**
   * Newest first. Reads a page of ids at a time with one pipeline for their state and service and
   * one for the matching incidents: a few round trips however many incidents are stored.
   */
  async list(filter: ListFilter = {}): Promise<Incident[]> {
    const limit = Math.min(Math.max(filter.limit ?? LIST_LIMITS.default, 1), LIST_LIMITS.max);
    const out: Incident[] = [];
    // Ids whose incident has expired (resolved longer ago than settings.retention) leave the index.
    const gone: number[] = [];
    const k = this.keys;
    // Open incidents are read from their own index (once it is complete): the dashboard's lists
    // cost the open incidents, however many resolved ones are kept.
    const openOnly =
      (filter.state === 'triggered' || filter.state === 'acknowledged') && (await this.openIndexReady());
    const index = openOnly ? k.openIncidents : k.incidents;
    const done = async () => {
      if (gone.length > 0) await this.redis.zrem(index, ...gone);
      return out;
    };
    const page = 500;
    for (let offset = 0; ; offset += page) {
      const ids = (await this.redis.zrevrange(index, offset, offset + page - 1)).map(Number);
      if (ids.length === 0) return done();
      let wanted = ids;
      if (filter.state || filter.service) {
        const p = this.redis.pipeline();
        for (const id of ids) p.hmget(k.incident(id), 'state', 'service');
        const fields = await p.exec();
        wanted = ids.filter((_id, i) => {
          const [err, value] = fields![i]!;
          if (err) throw err;
          const [state, service] = value as [string | null, string | null];
          if (state === null) gone.push(ids[i]!);
          return (
            state !== null &&
            (!filter.state || state === filter.state) &&
            (!filter.service || service === filter.service)
          );
        });
      }
      // Details for as many as may be needed (a few spare, in case some moved on meanwhile).
      wanted = wanted.slice(0, limit - out.length + 10);
      if (wanted.length > 0) {
        // One transaction: each incident's hash and alerts are read as of the same moment.
        const p = this.redis.multi();
        for (const id of wanted)
          p.hgetall(k.incident(id)).hgetall(k.incidentAlerts(id)).hgetall(k.incidentAlertStatus(id));
        const results = (await p.exec())!.map(([err, value]) => {
          if (err) throw err;
          return value as Record<string, string>;
        });
        for (let i = 0; i < wanted.length; i++) {
          const [h, alerts, statuses] = results.slice(i * 3, i * 3 + 3) as [
            Record<string, string>,
            Record<string, string>,
            Record<string, string>,
          ];
          // A state read from the first pipeline may have moved on since: filter again.
          if (!h.state) {
            if (!filter.state && !filter.service) gone.push(wanted[i]!);
            continue;
          }
          if (filter.state && h.state !== filter.state) continue;
          out.push(toIncident(h, alerts, statuses, undefined));
          if (out.length >= limit) return done();
        }
      }
      if (out.length >= limit || ids.length < page) return done();
    }
  }

  /**
   * The last `count` timeline events of each incident, in one pipeline (for the dashboard's
   * "paged alice" on each card without reading whole timelines).
   */
  async recentTimelines(ids: readonly number[], count = 100): Promise<Map<number, TimelineEvent[]>> {
    const out = new Map<number, TimelineEvent[]>();
    if (ids.length === 0) return out;
    const p = this.redis.pipeline();
    for (const id of ids) p.lrange(this.keys.incidentTimeline(id), -count, -1);
    const results = await p.exec();
    ids.forEach((id, i) => {
      const [err, value] = results![i]!;
      if (err) throw err;
      out.set(
        id,
        (value as string[]).map((e) => JSON.parse(e) as TimelineEvent),
      );
    });
    return out;
  }

  /** The keys the act script (acknowledge, resolve, ...) reads and writes, in its KEYS order. */
  private actKeys(id: number): KeysOf<typeof ACT> {
    const k = this.keys;
    return [
      k.incident(id),
      k.incidentTimeline(id),
      k.escalationDue,
      k.incidentAlerts(id),
      k.incidentAlertStatus(id),
      k.events,
      k.openIncidents,
    ];
  }

  private async act(
    id: number,
    action: IncidentAction,
    actor: string,
    event: Record<string, unknown>,
    now: Date,
    person = '',
    role = '',
  ): Promise<ActionOutcome> {
    const at = now.toISOString();
    const [outcome, , by] = await this.actScript(this.actKeys(id), [
      action,
      at,
      now.getTime(),
      actor,
      JSON.stringify({ at, actor, ...event }),
      person,
      role,
      this.retentionMs(),
    ]);
    if (outcome === 'missing') return { ok: false, reason: 'missing' };
    if (outcome !== 'ok')
      return { ok: false, reason: 'state', state: outcome as IncidentState, by: by || null };
    const incident = await this.get(id);
    if (!incident) return { ok: false, reason: 'missing' };
    return { ok: true, incident };
  }

  /**
   * Acknowledges (`person` becomes commander where none) or resolves many incidents, each
   * atomically as `acknowledge` / `resolve` do, in pipelines of BATCH: a few round trips per
   * thousand incidents. Returns each incident's outcome without reading the incidents back.
   */
  async actMany(
    action: 'acknowledge' | 'resolve',
    ids: readonly number[],
    actor: string,
    person: string | null,
    now: Date,
  ): Promise<BulkOutcome[]> {
    const k = this.keys;
    const at = now.toISOString();
    const event = JSON.stringify({
      at,
      actor,
      type: action === 'acknowledge' ? 'incident.acknowledged' : 'incident.resolved',
    });
    const out: BulkOutcome[] = [];
    const BATCH = 500;
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      const p = this.redis.pipeline();
      for (const id of batch) {
        ACT.queue(p, this.actKeys(id), [
          action,
          at,
          now.getTime(),
          actor,
          event,
          action === 'acknowledge' ? (person ?? '') : '',
          '',
          this.retentionMs(),
        ]);
        p.hmget(k.incident(id), 'createdAt', 'acknowledgedAt');
      }
      const results = (await p.exec())!;
      batch.forEach((id, j) => {
        const [err, value] = results[j * 2]!;
        if (err) throw err;
        const [outcome, , by] = value as [string, string, string];
        const [createdAt = null, acknowledgedAt = null] = (results[j * 2 + 1]![1] ?? []) as (string | null)[];
        const read = { createdAt, acknowledgedAt };
        if (outcome === 'missing') out.push({ id, outcome: 'missing', by: null, ...read });
        else if (outcome === 'ok') out.push({ id, outcome: 'ok', by: actor, ...read });
        else out.push({ id, outcome: outcome as IncidentState, by: by || null, ...read });
      });
    }
    return out;
  }

  /** `actor` is who acted (`person:alice`, `token:ops-cli`); `person` becomes commander if none. */
  acknowledge(id: number, actor: string, person: string | null, now: Date): Promise<ActionOutcome> {
    return this.act(id, 'acknowledge', actor, { type: 'incident.acknowledged' }, now, person ?? '');
  }

  unacknowledge(id: number, actor: string, now: Date): Promise<ActionOutcome> {
    return this.act(id, 'unacknowledge', actor, { type: 'incident.unacknowledged' }, now);
  }

  /** Re-triggers an incident still acknowledged since `acknowledgedAt` (SPEC: ack_timeout). */
  ackTimeout(id: number, acknowledgedAt: string, now: Date): Promise<ActionOutcome> {
    return this.act(
      id,
      'ack-timeout',
      'hark',
      {
        type: 'incident.ack-timeout',
        note: 'acknowledged too long without being resolved: escalation restarts',
      },
      now,
      acknowledgedAt,
    );
  }

  resolve(id: number, actor: string, now: Date): Promise<ActionOutcome> {
    return this.act(id, 'resolve', actor, { type: 'incident.resolved' }, now);
  }

  addNote(id: number, actor: string, text: string, now: Date): Promise<ActionOutcome> {
    return this.act(id, 'note', actor, { type: 'note.added', text }, now);
  }

  assignRole(
    id: number,
    actor: string,
    role: IncidentRole,
    person: string,
    now: Date,
  ): Promise<ActionOutcome> {
    return this.act(id, 'role', actor, { type: 'role.assigned', role, person }, now, person, role);
  }
}

function toIncident(
  h: Record<string, string>,
  alerts: Record<string, string>,
  statuses: Record<string, string>,
  timeline: string[] | undefined,
): Incident {
  const roles: Partial<Record<IncidentRole, string>> = {};
  for (const role of INCIDENT_ROLES) {
    const holder = h[`role:${role}`];
    if (holder) roles[role] = holder;
  }
  const list = Object.entries(alerts).map(([id, json]) => {
    const a = JSON.parse(json) as IncidentAlert;
    return { ...a, status: (statuses[id] ?? a.status) as AlertStatus };
  });
  list.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || a.id.localeCompare(b.id));
  return {
    id: Number(h.id),
    key: h.key ?? '',
    state: h.state as IncidentState,
    service: h.service ?? '',
    severity: h.severity ?? '',
    urgency: h.urgency === 'low' ? 'low' : 'high',
    title: h.title ?? '',
    runbook: h.runbook ? h.runbook : null,
    escalationPolicy: h.policy ?? '',
    alerts: list,
    createdAt: h.createdAt ?? '',
    acknowledgedAt: h.acknowledgedAt ?? null,
    acknowledgedBy: h.acknowledgedBy ?? null,
    resolvedAt: h.resolvedAt ?? null,
    resolvedBy: h.resolvedBy ?? null,
    commander: roles.commander ?? null,
    roles,
    ...(timeline ? { timeline: timeline.map((e) => JSON.parse(e) as TimelineEvent) } : {}),
  };
}
