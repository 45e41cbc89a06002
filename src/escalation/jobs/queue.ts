/**
 * The escalation queue (BullMQ, on Hark's Redis) seen through the job table: jobs are added,
 * found and promoted by their data, never by hand-built ids or options.
 *
 * Cancelling without scanning: the id of every job an acknowledgement or resolution removes (the
 * table's `cancellable` kinds) is added to its incident's set (keys.incidentJobs) before the job
 * is queued, removed when the job finishes, and read to remove the incident's jobs by id — never
 * by loading every pending job of every incident. BullMQ adds a job in a script of its own, so the
 * index cannot share its MULTI: it is written just before (on the same connection, so in the same
 * round trip), and a crash between the two leaves an id with no job, which a cancel skips. The next
 * step an incident recorded is removed by its known id too (jobs queued by a version before the
 * index have no entry). A job removed late (running when its incident was acknowledged, or a page
 * queued before the index) still stands down: every handler re-checks its incident when it runs.
 */
import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { commandTimeoutOf, withTimeout } from '../../redis/connect.js';
import type { Keys } from '../../redis/keys.js';
import type { EscalationJob, ShiftPlanJob, StepJob } from './kinds.js';
import { jobFor, jobIdOf, JOBS } from './table.js';

export const QUEUE = 'escalation';

/** An index entry outlives any job delay; refreshed on every add, gone with the incident's jobs. */
const INDEX_TTL_MS = 30 * 86_400_000;
/** Removals in flight at once when cancelling. */
const REMOVE_AT_ONCE = 100;

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
    private readonly keys: Keys,
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
    // The index first: written before the add's script, on the same connection (BullMQ uses the
    // one it is given), so Redis runs it first, in the same round trip.
    const indexed = this.index([job]);
    await this.timed(
      Promise.all([indexed, this.queue.add(job.name, job.data, job.opts)]),
      `adding the ${job.name} job`,
    );
  }

  async addMany(jobs: readonly { readonly data: EscalationJob; readonly delayMs?: number }[]): Promise<void> {
    if (jobs.length === 0) return;
    const bulk = jobs.map((j) => jobFor(j.data, j.delayMs));
    const indexed = this.index(bulk); // first, as in `add`
    await this.timed(
      Promise.all([indexed, this.queue.addBulk(bulk)]),
      `adding ${jobs.length} escalation jobs`,
    );
  }

  /** Adds the ids of cancellable jobs to their incidents' sets. */
  private index(
    jobs: readonly { readonly data: EscalationJob; readonly opts: JobsOptions }[],
  ): Promise<unknown> {
    const byIncident = new Map<number, string[]>();
    for (const { data, opts } of jobs) {
      if (!JOBS[data.kind].cancellable || data.incident === undefined || opts.jobId === undefined) continue;
      byIncident.set(data.incident, [...(byIncident.get(data.incident) ?? []), opts.jobId]);
    }
    if (byIncident.size === 0) return Promise.resolve();
    const write = (client: Redis) => {
      const m = client.multi();
      for (const [incident, ids] of byIncident) {
        const key = this.keys.incidentJobs(incident);
        m.sadd(key, ...ids).pexpire(key, INDEX_TTL_MS);
      }
      return m.exec();
    };
    // Ready (as it is but at start-up): written now, before the caller adds the job.
    if (this.connection.status === 'ready') return write(this.connection);
    return this.redis().then(write);
  }

  /**
   * The queue's connection once it is ready, as BullMQ waits for it (it has no offline queue: a
   * command sent before it connects would fail at once).
   */
  private async redis(): Promise<Redis> {
    await this.queue.waitUntilReady();
    return this.connection;
  }

  /** A job finished for good (done, or failed after its last attempt): it leaves its incident's set. */
  async finished(job: Job<EscalationJob>): Promise<void> {
    const { data } = job;
    if (!JOBS[data.kind].cancellable || data.incident === undefined || job.id === undefined) return;
    await (await this.redis()).srem(this.keys.incidentJobs(data.incident), job.id);
  }

  /**
   * Removes the pending cancellable jobs of `incidents` by their ids: those in their sets, and the
   * next step each incident recorded (its id is known: jobs queued by a version before the index
   * have no entry). Running jobs (locked) are left to finish: they re-check their incident. Returns
   * how many of those ids were removed (or were gone already).
   */
  async cancel(incidents: Iterable<number>): Promise<number> {
    const ids = [...new Set(incidents)];
    if (ids.length === 0) return 0;
    const client = await this.redis();
    const queued: { incident: number; jobId: string }[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const batch = ids.slice(i, i + 1000);
      const read = client.pipeline();
      for (const id of batch) {
        read.smembers(this.keys.incidentJobs(id));
        read.hmget(this.keys.incident(id), 'state', 'cycle', 'nextLoop', 'nextStep');
      }
      const results = (await read.exec()) ?? [];
      batch.forEach((incident, j) => {
        const [setErr, members] = results[2 * j] ?? [null, []];
        const [hashErr, fields] = results[2 * j + 1] ?? [null, []];
        if (setErr) throw setErr;
        if (hashErr) throw hashErr;
        const jobIds = new Set(members as string[]);
        const [state, cycle, loop, step] = fields as (string | null)[];
        if (state) {
          const next: StepJob = {
            kind: 'step',
            incident,
            cycle: Number(cycle ?? 0),
            loop: Number(loop ?? 0),
            step: Number(step ?? 0),
          };
          jobIds.add(jobIdOf(next)!);
        }
        for (const jobId of jobIds) queued.push({ incident, jobId });
      });
    }
    const gone: { incident: number; jobId: string }[] = [];
    for (let i = 0; i < queued.length; i += REMOVE_AT_ONCE) {
      await Promise.all(
        queued.slice(i, i + REMOVE_AT_ONCE).map(async (entry) => {
          try {
            // 0: locked by a worker (running): it re-checks the incident and leaves the set itself.
            if ((await this.queue.remove(entry.jobId)) === 1) gone.push(entry);
          } catch {
            // Not removed: it stands down when it runs (its handler re-checks the incident).
          }
        }),
      );
    }
    if (gone.length > 0) {
      const m = client.pipeline();
      for (const { incident, jobId } of gone) m.srem(this.keys.incidentJobs(incident), jobId);
      await m.exec();
    }
    return gone.length;
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
