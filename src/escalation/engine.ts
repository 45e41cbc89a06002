/**
 * Escalation on BullMQ (SPEC 1.3 and 4). Every step is a delayed job with a stable id, so adding
 * it twice (two instances, a retry, the sweep) schedules it once; every page of a step is its own
 * delayed job (one per person and notify rule). Jobs re-check the incident before acting: an
 * acknowledged or resolved incident, or one whose escalation restarted (a newer cycle), pages no
 * one. Acknowledge and resolve also remove the pending jobs.
 *
 * The kinds of job, their ids, options and handlers are in ./jobs/table.ts; the handlers in
 * ./jobs/; what follows a step in ./next.ts. Here: the producer (`Escalations`, in every process
 * that changes incidents) and the worker (`EscalationWorker`, in worker processes).
 */
import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PageRef, PageSender } from '../pages/page.js';
import type { PageStore } from '../pages/store.js';
import { blockingOptions, ownConnection } from '../redis/connect.js';
import type { EscalationDeps, JobContext } from './jobs/context.js';
import type {
  AckTimeoutJob,
  EscalationJob,
  RoleNoticeJob,
  StepJob,
  SweepJob,
  ShiftPlanJob,
} from './jobs/kinds.js';
import { movePersonOn } from './jobs/page.js';
import { EscalationQueue, QUEUE, requestShiftPlan } from './jobs/queue.js';
import { stepJobId } from './jobs/step.js';
import { sweep } from './jobs/sweep.js';
import { JOBS, runJob } from './jobs/table.js';
import type { EscalationPort } from './port.js';
import { ShiftAnnouncer } from './shift-notices.js';

export type { EscalationDeps } from './jobs/context.js';
export type * from './jobs/kinds.js';
export { QUEUE, requestShiftPlan, SHIFT_PLAN_DEBOUNCE_MS } from './jobs/queue.js';
export { stepJobId } from './jobs/step.js';

export const SHIFT_PLAN_EVERY_MS = 5 * 60_000;

/**
 * Recovery after a worker dies (kill -9, OOM, a lost host): a job it was running — a page at the
 * provider, a step — goes to another worker once its lock has expired and a stalled-job check has
 * seen it twice (BullMQ marks the active jobs at one check and moves those still without a lock at
 * the next). The lock is renewed every LOCK_MS / 2 while a handler runs, so a long handler keeps
 * it; a lost one expires within LOCK_MS of the kill, and the check after that (they run every
 * STALLED_CHECK_MS) hands the job on: within LOCK_MS + STALLED_CHECK_MS (12 s) of the kill,
 * instead of up to a minute and more with BullMQ's 30 s lock and 30 s check. The
 * price: an event loop blocked for longer than LOCK_MS / 2 (it is not, in these handlers) would
 * let a second worker run the job too — at least once, like every page (the page record makes a
 * repeat send again only a page whose send was never recorded).
 */
export const LOCK_MS = 8000;
export const STALLED_CHECK_MS = 4000;
/**
 * A job that stalled this many times fails. Not 1 (BullMQ's default): a page whose workers were
 * killed twice must still go out, not fail for good.
 */
export const MAX_STALLED = 10;

/** The producer side: starts, cancels and hurries escalations. */
export class Escalations implements EscalationPort {
  private readonly jobs: EscalationQueue;
  private readonly connection: Redis;

  constructor(private readonly deps: EscalationDeps) {
    this.connection = ownConnection(deps.redis);
    this.jobs = new EscalationQueue(this.connection, deps.keys, true);
  }

  /** The BullMQ queue (job counts for /metrics, tests). */
  get queue() {
    return this.jobs.queue;
  }

  /** Starts (or restarts) an incident's escalation at step 1 now. Adding twice is harmless. */
  async start(incident: number, cycle = 0): Promise<void> {
    const job: StepJob = { kind: 'step', incident, cycle, loop: 0, step: 0 };
    await this.jobs.add(job);
  }

  /** Tells `person` (by the worker, on their first text channel) that they now hold `role`. */
  async notifyRole(incident: number, role: string, person: string, at: string): Promise<void> {
    const job: RoleNoticeJob = { kind: 'role-notice', incident, role, person, at };
    await this.jobs.add(job);
  }

  /** Fires the incident's next step now instead of at its time; false if none is pending. */
  async escalateNow(incident: number): Promise<boolean> {
    const view = await this.deps.store.escalationView(incident);
    if (!view || view.incident.state !== 'triggered') return false;
    const next = await this.deps.store.nextStep(incident);
    return (await this.jobs.promote(stepJobId({ incident, cycle: view.cycle, ...next }))) === 'promoted';
  }

  /** Re-triggers the incident after `delayMs` if it is still acknowledged since `acknowledgedAt`. */
  async scheduleAckTimeout(incident: number, acknowledgedAt: string, delayMs: number): Promise<void> {
    const job: AckTimeoutJob = { kind: 'ack-timeout', incident, acknowledgedAt };
    await this.jobs.add(job, delayMs);
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
    return movePersonOn(this.jobs, failed);
  }

  /** Removes pending jobs of an incident (after acknowledge or resolve). Running jobs re-check. */
  cancel(incident: number): Promise<number> {
    return this.cancelMany([incident]);
  }

  /**
   * `cancel` for many incidents (SMS `aa`, `rr`): each incident's jobs by their ids
   * (keys.incidentJobs), never a scan of the queue: the cost is that of these incidents' jobs.
   */
  cancelMany(incidents: Iterable<number>): Promise<number> {
    return this.jobs.cancel(incidents);
  }

  async close(): Promise<void> {
    await this.jobs.close();
    this.connection.disconnect();
  }
}

export interface EscalationWorkerOptions {
  readonly concurrency?: number;
  readonly sweepEveryMs?: number;
  readonly sweepGraceMs?: number;
  /** Shift-change notices: how often to plan, and how far ahead. */
  readonly shiftPlanEveryMs?: number;
  readonly shiftHorizonMs?: number;
}

/** The worker side: runs every kind of escalation job by its handler (./jobs/table.ts). */
export class EscalationWorker {
  readonly worker: Worker;
  private readonly jobs: EscalationQueue;
  private readonly connections: Redis[];
  private readonly context: JobContext;

  /** Overdue-sweep catch-ups done by this process (for /metrics). */
  catchUps = 0;

  constructor(
    private readonly deps: EscalationDeps,
    sender: PageSender,
    pages: PageStore,
    private readonly options: EscalationWorkerOptions = {},
  ) {
    this.connections = [
      ownConnection(deps.redis),
      // Blocking commands (BZPOPMIN): no command timeout; a frozen Redis just pauses the worker.
      ownConnection(deps.redis, blockingOptions),
    ];
    this.jobs = new EscalationQueue(this.connections[0]!, deps.keys, false);
    this.context = {
      deps,
      sender,
      pages,
      queue: this.jobs,
      announcer: new ShiftAnnouncer(deps, Math.max(10 * 60_000, 2 * this.planEveryMs)),
      settings: {
        sweepGraceMs: options.sweepGraceMs ?? 10_000,
        shiftHorizonMs: options.shiftHorizonMs ?? 24 * 3_600_000,
      },
      caughtUp: () => {
        this.catchUps++;
        deps.metrics?.sweepCatchUps.inc();
      },
    };
    this.worker = new Worker(QUEUE, (job: Job<EscalationJob>) => this.run(job), {
      connection: this.connections[1]!,
      prefix: deps.keys.bullPrefix,
      concurrency: options.concurrency ?? 8,
      lockDuration: LOCK_MS,
      stalledInterval: STALLED_CHECK_MS,
      maxStalledCount: MAX_STALLED,
    });
    this.worker.on('failed', (job, err) =>
      deps.log.warn({ job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'escalation job failed'),
    );
    this.worker.on('error', (err) => deps.log.error({ err: err.message }, 'escalation worker error'));
  }

  /** Runs a job by its kind's handler; once it is done for good it leaves its incident's index. */
  private async run(job: Job<EscalationJob>): Promise<void> {
    try {
      await runJob(job, this.context);
    } catch (e) {
      // Delayed (a provider's Retry-After): still pending, so it stays in its incident's index.
      if (!(e instanceof DelayedError) && job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.leaveIndex(job);
      throw e;
    }
    await this.leaveIndex(job);
  }

  /** A stale index entry costs a cancel one no-op removal: never fail a job that ran for it. */
  private async leaveIndex(job: Job<EscalationJob>): Promise<void> {
    try {
      await this.jobs.finished(job);
    } catch (e) {
      this.deps.log.warn(
        { job: job.id, err: e instanceof Error ? e.message : String(e) },
        'could not unindex a finished job',
      );
    }
  }

  private get planEveryMs(): number {
    return this.options.shiftPlanEveryMs ?? SHIFT_PLAN_EVERY_MS;
  }

  /** Starts the periodic overdue sweep and shift planner (schedulers shared by every worker process). */
  async startSweep(): Promise<void> {
    const queue = this.jobs.queue;
    const plan: ShiftPlanJob = { kind: 'shift-plan' };
    await queue.upsertJobScheduler(
      'shift-planner',
      { every: this.planEveryMs },
      { name: plan.kind, data: plan, opts: JOBS['shift-plan'].options },
    );
    // Plan at once on start: what changed while no worker ran is told now.
    await requestShiftPlan(queue, 0);
    const sweepJob: SweepJob = { kind: 'sweep' };
    await queue.upsertJobScheduler(
      'overdue-sweep',
      { every: this.options.sweepEveryMs ?? 15_000 },
      { name: sweepJob.kind, data: sweepJob, opts: JOBS.sweep.options },
    );
  }

  /**
   * Finds incidents whose next step is overdue and whose step job is gone (a lost job, a Redis
   * failover, a crash between storing an incident and enqueuing its first step) and fires it.
   */
  sweep(): Promise<number> {
    return sweep(this.context);
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.jobs.close();
    for (const c of this.connections) c.disconnect();
  }
}
