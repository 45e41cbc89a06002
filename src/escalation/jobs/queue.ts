/**
 * The escalation queue (BullMQ, on Hark's Redis) seen through the job table: jobs are added,
 * found and promoted by their data, never by hand-built ids or options.
 */
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { commandTimeoutOf, withTimeout } from '../../redis/connect.js';
import type { Keys } from '../../redis/keys.js';
import type { EscalationJob, ShiftPlanJob } from './kinds.js';
import { jobFor, jobIdOf, JOBS } from './table.js';

export const QUEUE = 'escalation';

/** How long a plan asked for by an override or reload waits for more changes (a burst is planned once). */
export const SHIFT_PLAN_DEBOUNCE_MS = 1000;

/**
 * Asks for a shift plan within `delayMs`: one job, deduplicated. Another ask while it waits moves
 * it to `delayMs` after that ask (a debounce); an ask while it runs queues one more plan after it,
 * so every change is planned by a run that started after it was written.
 */
export async function requestShiftPlan(queue: Queue, delayMs = SHIFT_PLAN_DEBOUNCE_MS): Promise<void> {
  const plan: ShiftPlanJob = { kind: 'shift-plan' };
  await queue.add('shift-plan', plan, {
    ...JOBS['shift-plan'].options,
    delay: delayMs,
    deduplication: { id: 'shift-plan-soon', replace: true, keepLastIfActive: true },
  });
}

export class EscalationQueue {
  readonly queue: Queue;

  constructor(
    /** A connection of the queue's own (BullMQ does not close connections it is given). */
    private readonly connection: Redis,
    keys: Keys,
    /**
     * Adds fail after Redis has not answered for a command timeout and a second (→ 503 in an API
     * process): BullMQ waits for its connection to be ready, with no timeout of its own.
     */
    private readonly addTimeout: boolean,
  ) {
    this.queue = new Queue(QUEUE, { connection, prefix: keys.bullPrefix });
    // Without a listener BullMQ prints connection errors to the console; they are logged already.
    this.queue.on('error', () => {});
  }

  private timed<T>(p: Promise<T>, what: string): Promise<T> {
    if (!this.addTimeout) return p;
    return withTimeout(p, commandTimeoutOf(this.connection) + 1000, what);
  }

  /** Adds a job due in `delayMs` (now if 0 or less). Adding a job with an id twice adds it once. */
  async add(data: EscalationJob, delayMs = 0): Promise<void> {
    const job = jobFor(data, delayMs);
    await this.timed(this.queue.add(job.name, job.data, job.opts), `adding the ${job.name} job`);
  }

  async addMany(jobs: readonly { readonly data: EscalationJob; readonly delayMs?: number }[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.timed(
      this.queue.addBulk(jobs.map((j) => jobFor(j.data, j.delayMs))),
      `adding ${jobs.length} escalation jobs`,
    );
  }

  /** The queued job with this data's id, if any (kinds with ids only). */
  async find(data: EscalationJob): Promise<Job<EscalationJob> | null> {
    const id = jobIdOf(data);
    if (id === undefined) return null;
    return ((await this.queue.getJob(id)) as Job<EscalationJob> | undefined) ?? null;
  }

  /** Runs a delayed job now: missing (no such job), promoted, or not-delayed (running, done, waiting). */
  async promote(jobId: string): Promise<'missing' | 'promoted' | 'not-delayed'> {
    const job = await this.queue.getJob(jobId);
    if (!job) return 'missing';
    if ((await job.getState()) !== 'delayed') return 'not-delayed';
    try {
      await job.promote();
      return 'promoted';
    } catch {
      return 'not-delayed'; // it started meanwhile
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
