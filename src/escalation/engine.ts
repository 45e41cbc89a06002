/**
 * Escalation on BullMQ (SPEC 1.3 and 4). Every step is a delayed job with a stable id, so adding
 * it twice (two instances, a retry, the sweep) schedules it once; every page of a step is its own
 * delayed job (one per person and notify rule). Jobs re-check the incident before acting: an
 * acknowledged or resolved incident, or one whose escalation restarted (a newer cycle), pages no
 * one. Acknowledge and resolve also remove the pending jobs.
 *
 * Targets are resolved when the step fires (who is on call then). A step that resolves to nobody
 * is on the timeline and the next step fires at once. Low urgency notifies step 1 only.
 */
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import type { Config } from '../config/types.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import { blockingOptions, commandTimeoutOf, withTimeout } from '../redis/connect.js';
import type { Keys } from '../redis/keys.js';
import type { ScheduleRegistry } from '../schedules/registry.js';
import type { Metrics } from '../metrics.js';
import { pageKey, withRule, type PageJob, type PageRef, type PageSender } from '../pages/page.js';
import type { PageStore } from '../pages/store.js';
import { ProviderError } from '../pages/types.js';
import type { EscalationPort } from './port.js';
import {
  currentChange,
  noticeTexts,
  plannedChanges,
  reminderText,
  ShiftAnnouncer,
  type ShiftTell,
} from './shift-notices.js';
import { resolveStep } from './targets.js';

export const QUEUE = 'escalation';

export interface StepJob {
  readonly kind: 'step';
  readonly incident: number;
  readonly cycle: number;
  readonly loop: number;
  readonly step: number;
}

export interface ExhaustedJob {
  readonly kind: 'exhausted';
  readonly incident: number;
  readonly cycle: number;
}

/** Re-triggers an incident still acknowledged since `acknowledgedAt` (settings.ack_timeout). */
export interface AckTimeoutJob {
  readonly kind: 'ack-timeout';
  readonly incident: number;
  readonly acknowledgedAt: string;
}

/** The periodic overdue sweep (SPEC section 4: nothing is dropped silently). */
export interface SweepJob {
  readonly kind: 'sweep';
  readonly incident?: undefined;
}

/** Plans shift-change notices and reminders ahead (src/escalation/shift-notices.ts). */
export interface ShiftPlanJob {
  readonly kind: 'shift-plan';
  readonly incident?: undefined;
}

/**
 * At a planned change of holder (`at`, ms): 'shift-notice' announces the holder then (if it still
 * changes); 'shift-reminder' reminds the incoming person ahead of it.
 */
export interface ShiftNoticeJob {
  readonly kind: 'shift-notice' | 'shift-reminder';
  readonly schedule: string;
  readonly role: string;
  readonly at: number;
  readonly incident?: undefined;
}

/** Tells one person of an announced change of holder (src/escalation/shift-notices.ts). */
export interface ShiftTellJob extends ShiftTell {
  readonly kind: 'shift-tell';
  readonly incident?: undefined;
}

/** Tells a person they now hold an incident role (commander, comms, ...). */
export interface RoleNoticeJob {
  readonly kind: 'role-notice';
  readonly incident: number;
  readonly role: string;
  readonly person: string;
  readonly at: string;
}

export type EscalationJob =
  | StepJob
  | PageJob
  | ExhaustedJob
  | AckTimeoutJob
  | SweepJob
  | BundleJob
  | ShiftPlanJob
  | ShiftNoticeJob
  | ShiftTellJob
  | RoleNoticeJob;

/** Sends what a page limit held back for one person and channel. */
export interface BundleJob {
  readonly kind: 'bundle';
  readonly person: string;
  readonly channel: PageJob['channel'];
  readonly incident?: undefined;
}

export interface EscalationDeps {
  readonly metrics?: Metrics | null;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: IncidentStore;
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly log: Logger;
  readonly now: () => number;
}

export function stepJobId(j: Omit<StepJob, 'kind'>): string {
  return `step-${j.incident}-${j.cycle}-${j.loop}-${j.step}`;
}

const PAGE_ATTEMPTS = 6;

/** How long a plan asked for by an override or reload waits for more changes (a burst is planned once). */
export const SHIFT_PLAN_DEBOUNCE_MS = 1000;
export const SHIFT_PLAN_EVERY_MS = 5 * 60_000;

/**
 * Asks for a shift plan within `delayMs`: one job, deduplicated. Another ask while it waits moves
 * it to `delayMs` after that ask (a debounce); an ask while it runs queues one more plan after it,
 * so every change is planned by a run that started after it was written.
 */
export async function requestShiftPlan(queue: Queue, delayMs = SHIFT_PLAN_DEBOUNCE_MS): Promise<void> {
  const plan: ShiftPlanJob = { kind: 'shift-plan' };
  await queue.add('shift-plan', plan, {
    delay: delayMs,
    deduplication: { id: 'shift-plan-soon', replace: true, keepLastIfActive: true },
    removeOnComplete: 10,
    removeOnFail: 10,
  });
}

/**
 * A page failed for good (or was not delivered): the person's next notify rule fires now instead
 * of after its delay. Returns whether there was a pending one.
 */
export async function moveOn(queue: Queue, failed: PageRef): Promise<boolean> {
  // The next of the person's rules that is still waiting (rules with no delay have already gone).
  for (let rule = failed.rule + 1; rule <= failed.rule + 20; rule++) {
    const next = await queue.getJob(`page-${pageKey(withRule(failed, rule))}`);
    if (!next) return false;
    if ((await next.getState()) !== 'delayed') continue;
    try {
      await next.promote();
      return true;
    } catch {
      continue; // it started meanwhile
    }
  }
  return false;
}

/** A connection of BullMQ's own (BullMQ does not close connections it is given). */
function ownConnection(redis: Redis, options: RedisOptions = {}): Redis {
  const connection = redis.duplicate(options);
  connection.on('error', () => {}); // reported by the main connection's handler
  return connection;
}

export class Escalations implements EscalationPort {
  readonly queue: Queue;
  private readonly connection: Redis;

  constructor(private readonly deps: EscalationDeps) {
    this.connection = ownConnection(deps.redis);
    this.queue = new Queue(QUEUE, { connection: this.connection, prefix: deps.keys.bullPrefix });
    // Without a listener BullMQ prints connection errors to the console; they are logged already.
    this.queue.on('error', () => {});
  }

  /**
   * Adds a job, or fails (→ 503) once Redis has not answered for a command timeout and a second:
   * BullMQ waits for its connection to be ready before sending anything, with no timeout of its own.
   */
  private add(name: string, data: EscalationJob, opts: JobsOptions): Promise<unknown> {
    const ms = commandTimeoutOf(this.connection) + 1000;
    return withTimeout(this.queue.add(name, data, opts), ms, `adding the ${name} job`);
  }

  /** Starts (or restarts) an incident's escalation at step 1 now. Adding twice is harmless. */
  async start(incident: number, cycle = 0): Promise<void> {
    const job: StepJob = { kind: 'step', incident, cycle, loop: 0, step: 0 };
    await this.add('step', job, { jobId: stepJobId(job), removeOnComplete: 1000, removeOnFail: 1000 });
  }

  /** Tells `person` (by the worker, on their first text channel) that they now hold `role`. */
  async notifyRole(incident: number, role: string, person: string, at: string): Promise<void> {
    const job: RoleNoticeJob = { kind: 'role-notice', incident, role, person, at };
    await this.add('role-notice', job, {
      jobId: `role-${incident}-${role}-${person}-${Date.parse(at)}`,
      attempts: PAGE_ATTEMPTS,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  /** Fires the incident's next step now instead of at its time; false if none is pending. */
  async escalateNow(incident: number): Promise<boolean> {
    const view = await this.deps.store.escalationView(incident);
    if (!view || view.incident.state !== 'triggered') return false;
    const next = await this.deps.store.nextStep(incident);
    const job = await this.queue.getJob(stepJobId({ incident, cycle: view.cycle, ...next }));
    if (!job || (await job.getState()) !== 'delayed') return false;
    try {
      await job.promote();
      return true;
    } catch {
      return false;
    }
  }

  /** Re-triggers the incident after `delayMs` if it is still acknowledged since `acknowledgedAt`. */
  async scheduleAckTimeout(incident: number, acknowledgedAt: string, delayMs: number): Promise<void> {
    const job: AckTimeoutJob = { kind: 'ack-timeout', incident, acknowledgedAt };
    await this.add('ack-timeout', job, {
      jobId: `ack-timeout-${incident}-${Date.parse(acknowledgedAt)}`,
      delay: delayMs,
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  /**
   * Runtime overrides or the config changed: plan shift notices within a second. Never throws:
   * the override is stored already, and the periodic planner tells the holders if this fails.
   */
  async planShiftsSoon(): Promise<void> {
    try {
      await requestShiftPlan(this.queue);
    } catch (e) {
      this.deps.log.warn(
        { err: e instanceof Error ? e.message : String(e) },
        'could not ask for a shift plan now; the periodic planner will tell the holders',
      );
    }
  }

  movePersonOn(failed: PageRef): Promise<boolean> {
    return moveOn(this.queue, failed);
  }

  /** Removes pending jobs of an incident (after acknowledge or resolve). Running jobs re-check. */
  cancel(incident: number): Promise<number> {
    return this.cancelMany([incident]);
  }

  /** `cancel` for many incidents (SMS `aa`, `rr`): one pass over the pending jobs. */
  async cancelMany(incidents: Iterable<number>): Promise<number> {
    const ids = new Set(incidents);
    if (ids.size === 0) return 0;
    const jobs = (await this.queue.getJobs(['delayed', 'waiting', 'prioritized'], 0, -1)).filter((job) => {
      const data = job.data as EscalationJob;
      return (
        data.incident !== undefined &&
        ids.has(data.incident) &&
        data.kind !== 'ack-timeout' &&
        data.kind !== 'role-notice'
      );
    });
    let removed = 0;
    for (let i = 0; i < jobs.length; i += 100) {
      await Promise.all(
        jobs.slice(i, i + 100).map(async (job) => {
          try {
            await job.remove();
            removed++;
          } catch {
            // Taken by a worker meanwhile: it re-checks the incident's state before acting.
          }
        }),
      );
    }
    return removed;
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

/** The worker side: fires steps and pages. */
export class EscalationWorker {
  readonly worker: Worker;
  private readonly queue: Queue;
  private readonly connections: Redis[];
  private readonly announcer: ShiftAnnouncer;

  /** Overdue-sweep catch-ups done by this process (for /metrics). */
  catchUps = 0;

  constructor(
    private readonly deps: EscalationDeps,
    private readonly sender: PageSender,
    private readonly pages: PageStore,
    private readonly options: {
      concurrency?: number;
      sweepEveryMs?: number;
      sweepGraceMs?: number;
      /** Shift-change notices: how often to plan, and how far ahead. */
      shiftPlanEveryMs?: number;
      shiftHorizonMs?: number;
    } = {},
  ) {
    const concurrency = options.concurrency ?? 8;
    this.connections = [
      ownConnection(deps.redis),
      // Blocking commands (BZPOPMIN): no command timeout; a frozen Redis just pauses the worker.
      ownConnection(deps.redis, blockingOptions),
    ];
    this.queue = new Queue(QUEUE, { connection: this.connections[0]!, prefix: deps.keys.bullPrefix });
    this.queue.on('error', () => {}); // logged by the main connection's handler
    this.worker = new Worker(QUEUE, (job: Job<EscalationJob>) => this.process(job), {
      connection: this.connections[1]!,
      prefix: deps.keys.bullPrefix,
      concurrency,
    });
    this.worker.on('failed', (job, err) =>
      deps.log.warn({ job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'escalation job failed'),
    );
    this.worker.on('error', (err) => deps.log.error({ err: err.message }, 'escalation worker error'));
    this.announcer = new ShiftAnnouncer(deps, Math.max(10 * 60_000, 2 * this.planEveryMs));
  }

  private get planEveryMs(): number {
    return this.options.shiftPlanEveryMs ?? SHIFT_PLAN_EVERY_MS;
  }

  /** Starts the periodic overdue sweep and shift planner (schedulers shared by every worker process). */
  async startSweep(): Promise<void> {
    const plan: ShiftPlanJob = { kind: 'shift-plan' };
    await this.queue.upsertJobScheduler(
      'shift-planner',
      { every: this.planEveryMs },
      { name: 'shift-plan', data: plan, opts: { removeOnComplete: 10, removeOnFail: 10 } },
    );
    // Plan at once on start: what changed while no worker ran is told now.
    await requestShiftPlan(this.queue, 0);
    const sweep: SweepJob = { kind: 'sweep' };
    await this.queue.upsertJobScheduler(
      'overdue-sweep',
      { every: this.options.sweepEveryMs ?? 15_000 },
      { name: 'sweep', data: sweep, opts: { removeOnComplete: 10, removeOnFail: 10 } },
    );
  }

  private async process(job: Job<EscalationJob>): Promise<void> {
    const data = job.data;
    if (data.kind === 'step') {
      this.deps.metrics?.escalationLag.observe(
        Math.max(0, Date.now() - job.timestamp - (job.opts.delay ?? 0)) / 1000,
      );
      return this.fireStep(data);
    }
    if (data.kind === 'page') return this.page(job as Job<PageJob>);
    if (data.kind === 'ack-timeout') return this.ackTimeout(data);
    if (data.kind === 'bundle') {
      const result = await this.sender.sendBundle(data.person, data.channel);
      if (result.outcome === 'held') await this.scheduleBundle(data.person, data.channel, result.until);
      return;
    }
    if (data.kind === 'shift-plan') return this.planShifts();
    if (data.kind === 'role-notice') {
      const incident = await this.deps.store.get(data.incident, false);
      if (!incident || incident.roles[data.role as keyof typeof incident.roles] !== data.person) return;
      await this.sender.sendNotice(
        data.person,
        `You are now ${data.role} of #${incident.id} ${incident.service}: ${incident.title}`.slice(0, 160),
        `role:${data.incident}:${data.role}:${data.person}:${data.at}`,
      );
      return;
    }
    if (data.kind === 'sweep') {
      await this.sweep();
      return;
    }
    if (data.kind === 'exhausted') return this.exhausted(data);
    if (data.kind === 'shift-tell') return this.tell(job as Job<ShiftTellJob>);
    return this.shiftNotice(data);
  }

  /** The incident if it is still triggered in this cycle, else null (the job stands down). */
  private async live(incident: number, cycle: number) {
    const view = await this.deps.store.escalationView(incident);
    if (!view || view.incident.state !== 'triggered' || view.cycle !== cycle) return null;
    return view;
  }

  private async fireStep(job: StepJob): Promise<void> {
    const view = await this.live(job.incident, job.cycle);
    if (!view) return;
    const { incident, policy } = view;
    const now = this.deps.now();
    const at = new Date(now).toISOString();
    const step = policy.steps[job.step];
    if (!step) return;
    const schedules = this.deps.schedules();
    await schedules.refresh(); // runtime overrides: one GET unless they changed
    const targets = resolveStep(step, schedules, now);
    const config = this.deps.config();
    const pages: PageJob[] = [];
    for (const t of targets) {
      const rules = config.people.get(t.person)?.notify[incident.urgency] ?? [];
      rules.forEach((rule, i) =>
        pages.push({
          kind: 'page',
          incident: job.incident,
          cycle: job.cycle,
          loop: job.loop,
          step: job.step,
          person: t.person,
          rule: i,
          channel: rule.channel,
        }),
      );
    }
    await this.deps.store.appendTimeline(job.incident, {
      at,
      type: 'step.fired',
      actor: 'hark',
      step: job.step + 1,
      loop: job.loop + 1,
      people: targets.map((t) => `${t.person} (${t.via})`),
      ...(targets.length === 0 ? { note: 'the step resolved to nobody; the next step fires at once' } : {}),
    });
    const people = config.people;
    for (const p of pages) {
      const after = people.get(p.person)!.notify[incident.urgency][p.rule]!.afterMs;
      await this.deps.store.appendTimeline(job.incident, {
        at,
        type: 'page.queued',
        actor: 'hark',
        person: p.person,
        channel: p.channel,
        due: new Date(now + after).toISOString(),
        page: pageKey(p),
      });
    }
    await this.queue.addBulk(
      pages.map((p) => ({
        name: 'page',
        data: p,
        opts: {
          jobId: `page-${pageKey(p)}`,
          delay: people.get(p.person)!.notify[incident.urgency][p.rule]!.afterMs,
          attempts: PAGE_ATTEMPTS,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: 1000,
          removeOnFail: 1000,
        },
      })),
    );

    // What comes next: low urgency notifies step 1 only; otherwise the next step, a repeat, or
    // the end of the policy. Nobody on a step: the next one fires at once.
    if (incident.urgency === 'low') {
      await this.deps.store.setNextDue(job.incident, null);
      return;
    }
    const last = job.step === policy.steps.length - 1;
    // The last step's escalate_after is the wait before a repeat, even when it paged nobody
    // (a policy whose every step is empty must not spin).
    const delay = targets.length === 0 && !last ? 0 : step.escalateAfterMs;
    const repeats = policy.repeat < 0 ? Infinity : policy.repeat;
    const next: StepJob | null = !last
      ? { ...job, step: job.step + 1 }
      : job.loop < repeats
        ? { ...job, loop: job.loop + 1, step: 0 }
        : null;
    if (next) {
      await this.deps.store.setNextDue(job.incident, { at: now + delay, loop: next.loop, step: next.step });
      await this.queue.add('step', next, {
        jobId: stepJobId(next),
        delay,
        removeOnComplete: 1000,
        removeOnFail: 1000,
      });
    } else {
      const end: ExhaustedJob = { kind: 'exhausted', incident: job.incident, cycle: job.cycle };
      await this.deps.store.setNextDue(job.incident, null);
      await this.queue.add('exhausted', end, {
        jobId: `exhausted-${job.incident}-${job.cycle}`,
        delay,
        removeOnComplete: 1000,
        removeOnFail: 1000,
      });
    }
  }

  private async page(job: Job<PageJob>): Promise<void> {
    const data = job.data;
    if (!(await this.live(data.incident, data.cycle))) return;
    try {
      const result = await this.sender.send(data);
      if (result.outcome === 'held') await this.scheduleBundle(data.person, data.channel, result.until);
    } catch (e) {
      const retryable = !(e instanceof ProviderError) || e.retryable;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (retryable && !lastAttempt) throw e; // BullMQ retries with backoff; other jobs go on
      const message = e instanceof Error ? e.message : String(e);
      await this.pages.failed(data, message, {
        at: new Date(this.deps.now()).toISOString(),
        type: 'page.failed',
        actor: 'hark',
        person: data.person,
        channel: data.channel,
        error: message,
        page: pageKey(data),
      });
      this.deps.metrics?.pages.inc({ channel: data.channel, status: 'failed' });
      this.deps.log.warn(
        {
          incident: data.incident,
          person: data.person,
          channel: data.channel,
          error: message,
          attempts: job.attemptsMade + 1,
          page: pageKey(data),
        },
        'page failed',
      );
      await moveOn(this.queue, data);
    }
  }

  /**
   * Announces every role's holder now (telling the people of each change since the last
   * announcement), and adds a job (and reminders) for every change of holder within the horizon.
   */
  private async planShifts(): Promise<void> {
    const now = this.deps.now();
    const horizon = this.options.shiftHorizonMs ?? 24 * 3_600_000;
    const config = this.deps.config();
    const registry = this.deps.schedules();
    await registry.refresh();
    const fresh = await this.announcer.fresh();
    for (const schedule of registry.names()) {
      for (const role of registry.view(schedule)?.roles ?? [])
        await this.announce(schedule, role, now, fresh);
    }
    for (const change of await plannedChanges(registry, now, now + horizon)) {
      const base = { schedule: change.schedule, role: change.role, at: change.at };
      const id = `${change.schedule}-${change.role}-${change.at}`;
      const opts = { removeOnComplete: 1000, removeOnFail: 1000 };
      await this.queue.add('shift-notice', { kind: 'shift-notice', ...base } satisfies ShiftNoticeJob, {
        ...opts,
        jobId: `shift-notice-${id}`,
        delay: Math.max(0, change.at - now),
      });
      const remind = change.to ? config.people.get(change.to)?.remindBeforeMs : null;
      if (remind && change.at - remind > now) {
        await this.queue.add('shift-reminder', { kind: 'shift-reminder', ...base } satisfies ShiftNoticeJob, {
          ...opts,
          jobId: `shift-reminder-${id}`,
          delay: change.at - remind - now,
        });
      }
    }
  }

  /** Announces the holder of a role at `t`; a change gets one notice job per person told. */
  private async announce(schedule: string, role: string, t: number, fresh: boolean): Promise<void> {
    const change = await this.announcer.reconcile(schedule, role, t, fresh);
    if (!change) return;
    const tells = this.announcer.tells(change);
    await this.queue.addBulk(
      tells.map((tell) => ({
        name: 'shift-tell',
        data: { kind: 'shift-tell', ...tell } satisfies ShiftTellJob,
        // No job id to dedupe by: only the worker that recorded the change adds its notices.
        opts: {
          attempts: PAGE_ATTEMPTS,
          backoff: { type: 'exponential', delay: 2000 },
          removeOnComplete: 1000,
          removeOnFail: 1000,
        },
      })),
    );
  }

  private async shiftNotice(job: ShiftNoticeJob): Promise<void> {
    if (job.kind === 'shift-notice') {
      // At (or, on a late worker, after) the change: whoever holds the role then is announced.
      const t = Math.max(this.deps.now(), job.at);
      await this.announce(job.schedule, job.role, t, await this.announcer.fresh());
      return;
    }
    const registry = this.deps.schedules();
    const change = await currentChange(registry, job.schedule, job.role, job.at);
    // Gone (an override changed it meanwhile) or begun already (the notice itself tells it).
    if (!change?.to || this.deps.now() >= job.at) return;
    const id = `${job.schedule}:${job.role}:${job.at}`;
    await this.sender.sendNotice(
      change.to,
      reminderText(change, this.deps.config()),
      `reminder:${id}:${change.to}`,
    );
  }

  /** Sends one notice of an announced change, if it is still the current one now. */
  private async tell(job: Job<ShiftTellJob>): Promise<void> {
    const data = job.data;
    const now = this.deps.now();
    const change = await this.announcer.current(data, now);
    if (!change) {
      this.deps.log.info(
        { schedule: data.schedule, role: data.role, person: data.person, change: data.seq },
        'shift notice not sent: the change it tells is over',
      );
      return;
    }
    const config = this.deps.config();
    const policies = new Set(
      [...config.policies.values()]
        .filter((p) =>
          p.steps.some((s) => s.notify.some((t) => t.kind === 'schedule' && t.schedule === data.schedule)),
        )
        .map((p) => p.name),
    );
    const open =
      data.side === 'incoming'
        ? [
            ...(await this.deps.store.list({ state: 'triggered', limit: 100 })),
            ...(await this.deps.store.list({ state: 'acknowledged', limit: 100 })),
          ].filter((i) => policies.has(i.escalationPolicy))
        : [];
    const texts = noticeTexts(change, config, this.deps.schedules(), open);
    const text = data.side === 'incoming' ? texts.incoming : texts.outgoing;
    if (!text) return;
    try {
      await this.sender.sendNotice(
        data.person,
        text,
        `notice:${data.schedule}:${data.role}:${data.seq}:${data.person}`,
      );
    } catch (e) {
      const retryable = !(e instanceof ProviderError) || e.retryable;
      if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw e; // retried with backoff
      this.deps.log.warn(
        { person: data.person, schedule: data.schedule, err: e instanceof Error ? e.message : String(e) },
        'shift notice failed',
      );
    }
  }

  private async scheduleBundle(person: string, channel: PageJob['channel'], until: number): Promise<void> {
    const job: BundleJob = { kind: 'bundle', person, channel };
    await this.queue.add('bundle', job, {
      jobId: `bundle-${person}-${channel}-${until}`,
      delay: Math.max(0, until - this.deps.now()),
      attempts: PAGE_ATTEMPTS,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  private async ackTimeout(job: AckTimeoutJob): Promise<void> {
    const result = await this.deps.store.ackTimeout(
      job.incident,
      job.acknowledgedAt,
      new Date(this.deps.now()),
    );
    if (!result.ok) return;
    const view = await this.deps.store.escalationView(job.incident);
    if (!view) return;
    const step: StepJob = { kind: 'step', incident: job.incident, cycle: view.cycle, loop: 0, step: 0 };
    await this.queue.add('step', step, {
      jobId: stepJobId(step),
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  /**
   * Finds incidents whose next step is overdue and whose step job is gone (a lost job, a Redis
   * failover, a crash between storing an incident and enqueuing its first step) and fires it.
   */
  async sweep(): Promise<number> {
    const now = this.deps.now();
    let caught = 0;
    for (const idText of await this.deps.store.overdue(now - (this.options.sweepGraceMs ?? 10_000))) {
      const id = Number(idText);
      const view = await this.deps.store.escalationView(id);
      if (!view || view.incident.state !== 'triggered') {
        await this.deps.store.setNextDue(id, null);
        continue;
      }
      const next = await this.deps.store.nextStep(id);
      const step: StepJob = { kind: 'step', incident: id, cycle: view.cycle, ...next };
      const existing = await this.queue.getJob(stepJobId(step));
      if (existing && (await existing.getState()) !== 'completed' && (await existing.getState()) !== 'failed')
        continue;
      if (existing) await existing.remove();
      await this.queue.add('step', step, {
        jobId: stepJobId(step),
        removeOnComplete: 1000,
        removeOnFail: 1000,
      });
      caught++;
      this.catchUps++;
      this.deps.metrics?.sweepCatchUps.inc();
      this.deps.log.warn(
        { incident: id, loop: next.loop + 1, step: next.step + 1 },
        'overdue sweep: fired a missed escalation step',
      );
      await this.deps.store.appendTimeline(id, {
        at: new Date(now).toISOString(),
        type: 'escalation.caught-up',
        actor: 'hark',
        step: next.step + 1,
        loop: next.loop + 1,
        note: 'the step was overdue and its job was missing; the sweep fired it',
      });
    }
    return caught;
  }

  private async exhausted(job: ExhaustedJob): Promise<void> {
    if (!(await this.live(job.incident, job.cycle))) return;
    await this.deps.store.appendTimeline(job.incident, {
      at: new Date(this.deps.now()).toISOString(),
      type: 'escalation.exhausted',
      actor: 'hark',
      note: 'every step and repeat of the policy ran and nobody acknowledged; the incident stays triggered',
    });
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
    for (const c of this.connections) c.disconnect();
  }
}
