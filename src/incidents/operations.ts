/**
 * Incident operations: every action from any channel (API, CLI, and later SMS, voice, email
 * pages) goes through here, so the timeline and the escalation behave the same whichever way a
 * person answered. The store changes the incident atomically; then the escalation is started,
 * restarted or cancelled (jobs also re-check the incident themselves).
 */
import type { NormalizedAlert } from '../alerts/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Route } from '../routing/route.js';
import type { Incident, IncidentRole } from './model.js';
import type { ActionOutcome, BulkOutcome, IncidentStore, IngestResult } from './store.js';

/** What operations need of the escalation engine (src/escalation/engine.ts `Escalations`). */
export interface EscalationControl {
  start(incident: number, cycle?: number): Promise<void>;
  cancel(incident: number): Promise<number>;
  /** Removes the pending jobs of many incidents, by their ids (never a pass over the whole queue). */
  cancelMany(incidents: Iterable<number>): Promise<number>;
  scheduleAckTimeout(incident: number, acknowledgedAt: string, delayMs: number): Promise<void>;
  escalateNow(incident: number): Promise<boolean>;
  notifyRole(incident: number, role: string, person: string, at: string): Promise<void>;
}

export type EscalateOutcome =
  | { readonly ok: true; readonly incident: Incident }
  | {
      readonly ok: false;
      readonly reason: 'missing' | 'not-triggered' | 'nothing-pending';
      readonly state?: string;
    };

export class IncidentOperations {
  constructor(
    readonly store: IncidentStore,
    private readonly escalations: EscalationControl | null,
    /** settings.ack_timeout in ms (0: never). */
    private readonly ackTimeoutMs: () => number = () => 0,
    private readonly metrics: Metrics | null = null,
    /** Acknowledgements and resolutions are logged, whoever made them. */
    private readonly log: Logger | null = null,
  ) {}

  async ingest(alert: NormalizedAlert, route: Route, autoResolve: boolean, now: Date): Promise<IngestResult> {
    const result = await this.store.ingest(alert, route, autoResolve, now);
    if (result.new)
      this.metrics?.incidentsOpened.inc({ service: route.service.name, severity: route.severity.name });
    if (result.new) await this.escalations?.start(result.id);
    else if (result.changed && result.state !== 'triggered' && result.id !== 0) {
      await this.escalations?.cancel(result.id);
      // The source acknowledged it (PagerDuty `acknowledge`), or its last alert resolved (auto-resolve).
      // (A firing alert joining an acknowledged incident changes it too, but acknowledges nothing.)
      const kind = alert.action ?? alert.status;
      const by = kind === 'acknowledge' && result.state === 'acknowledged';
      const resolved = kind === 'resolved' && result.state === 'resolved';
      if (by || resolved) {
        const actor = `integration:${alert.integration}`;
        const createdAt = (await this.store.get(result.id, false))?.createdAt;
        if (createdAt)
          this.observe(by ? this.metrics?.timeToAcknowledge : this.metrics?.timeToResolve, createdAt, now);
        if (by) this.log?.info({ incident: result.id, actor }, 'incident acknowledged');
        else
          this.log?.info({ incident: result.id, actor, reason: 'all alerts resolved' }, 'incident resolved');
      }
    }
    return result;
  }

  async acknowledge(id: number, actor: string, person: string | null, now: Date): Promise<ActionOutcome> {
    const result = await this.stopping(id, await this.store.acknowledge(id, actor, person, now));
    if (result.ok) {
      this.observe(this.metrics?.timeToAcknowledge, result.incident.createdAt, now);
      this.log?.info({ incident: id, actor, person }, 'incident acknowledged');
    }
    const timeout = this.ackTimeoutMs();
    if (result.ok && timeout > 0 && result.incident.acknowledgedAt) {
      await this.escalations?.scheduleAckTimeout(id, result.incident.acknowledgedAt, timeout);
    }
    return result;
  }

  async resolve(id: number, actor: string, now: Date): Promise<ActionOutcome> {
    const result = await this.stopping(id, await this.store.resolve(id, actor, now));
    if (result.ok) {
      this.observe(this.metrics?.timeToResolve, result.incident.createdAt, now);
      this.log?.info({ incident: id, actor }, 'incident resolved');
    }
    return result;
  }

  /**
   * Acknowledges many incidents as one person (SMS `aa`): each as `acknowledge` does — the
   * timeline, the commander, the ack timeout, the metric — with the escalation jobs of all of them
   * removed together (by their ids). Idempotent: run again, the incidents it acknowledged come back as
   * `acknowledged` by the same actor.
   */
  async acknowledgeMany(
    ids: readonly number[],
    actor: string,
    person: string | null,
    now: Date,
  ): Promise<BulkOutcome[]> {
    const results = await this.store.actMany('acknowledge', ids, actor, person, now);
    const acked = await this.stoppingMany(results, 'acknowledged', actor);
    for (const r of results) {
      if (r.outcome === 'ok' && r.createdAt) this.observe(this.metrics?.timeToAcknowledge, r.createdAt, now);
    }
    const timeout = this.ackTimeoutMs();
    const escalations = this.escalations;
    if (timeout > 0 && escalations) {
      for (let i = 0; i < acked.length; i += 100) {
        await Promise.all(
          acked
            .slice(i, i + 100)
            .flatMap((r) =>
              r.acknowledgedAt ? [escalations.scheduleAckTimeout(r.id, r.acknowledgedAt, timeout)] : [],
            ),
        );
      }
    }
    return results;
  }

  /** Resolves many incidents as one actor (SMS `rr`), as `acknowledgeMany` does. */
  async resolveMany(ids: readonly number[], actor: string, now: Date): Promise<BulkOutcome[]> {
    const results = await this.store.actMany('resolve', ids, actor, null, now);
    await this.stoppingMany(results, 'resolved', actor);
    for (const r of results) {
      if (r.outcome === 'ok' && r.createdAt) this.observe(this.metrics?.timeToResolve, r.createdAt, now);
    }
    return results;
  }

  /**
   * Removes the escalation jobs of what this actor has now acknowledged or resolved — also those a
   * crashed earlier run acted on, so a retry finishes the job.
   */
  private async stoppingMany(
    results: readonly BulkOutcome[],
    state: string,
    actor: string,
  ): Promise<BulkOutcome[]> {
    const stopped = results.filter((r) => r.outcome === 'ok' || (r.outcome === state && r.by === actor));
    if (stopped.length > 0) await this.escalations?.cancelMany(stopped.map((r) => r.id));
    return stopped;
  }

  private observe(histogram: { observe(v: number): void } | undefined, createdAt: string, now: Date): void {
    const since = (now.getTime() - Date.parse(createdAt)) / 1000;
    if (histogram && Number.isFinite(since)) histogram.observe(Math.max(0, since));
  }

  /** Back to triggered: escalation restarts at step 1 in a new cycle. */
  async unacknowledge(id: number, actor: string, now: Date): Promise<ActionOutcome> {
    const result = await this.store.unacknowledge(id, actor, now);
    if (result.ok) this.log?.info({ incident: id, actor }, 'incident unacknowledged');
    if (result.ok && this.escalations) {
      const view = await this.store.escalationView(id);
      if (view) await this.escalations.start(id, view.cycle);
    }
    return result;
  }

  /** Fires the next escalation step now (SMS `42e`, `hark escalate`, the API). */
  async escalate(id: number, actor: string, now: Date): Promise<EscalateOutcome> {
    const incident = await this.store.get(id, false);
    if (!incident) return { ok: false, reason: 'missing' };
    if (incident.state !== 'triggered') return { ok: false, reason: 'not-triggered', state: incident.state };
    if (!(await this.escalations?.escalateNow(id))) return { ok: false, reason: 'nothing-pending' };
    await this.store.appendTimeline(id, { at: now.toISOString(), type: 'incident.escalated', actor });
    return { ok: true, incident: (await this.store.get(id))! };
  }

  addNote(id: number, actor: string, text: string, now: Date): Promise<ActionOutcome> {
    return this.store.addNote(id, actor, text, now);
  }

  /** Hands an incident role to a person, who is told (SPEC 3, 6). */
  async assignRole(
    id: number,
    actor: string,
    role: IncidentRole,
    person: string,
    now: Date,
  ): Promise<ActionOutcome> {
    const result = await this.store.assignRole(id, actor, role, person, now);
    if (result.ok) await this.escalations?.notifyRole(id, role, person, now.toISOString());
    return result;
  }

  private async stopping(id: number, result: ActionOutcome): Promise<ActionOutcome> {
    if (result.ok) await this.escalations?.cancel(id);
    return result;
  }
}
