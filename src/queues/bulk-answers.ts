/**
 * The `answers` queue (BullMQ, on Hark's Redis) for SMS `aa` / `rr` over many incidents: API
 * processes put a bulk answer on it, worker processes run it (src/answers/bulk-answers.ts has
 * what a bulk answer does and says; the SMS replies see only its `BulkAnswers` port).
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  runQueuedBulkAnswer,
  type BulkAnswerJob,
  type BulkAnswerRunDeps,
  type BulkAnswers,
} from '../answers/bulk-answers.js';
import { blockingOptions, ownConnection, commandTimeoutOf, withTimeout } from '../redis/connect.js';
import type { Keys } from '../redis/keys.js';

export const ANSWERS_QUEUE = 'answers';

/** The producer: API processes put bulk answers on the queue. */
export class BulkAnswerQueue implements BulkAnswers {
  private readonly connection: Redis;
  private readonly queue: Queue;

  constructor(redis: Redis, keys: Keys) {
    this.connection = ownConnection(redis);
    this.queue = new Queue(ANSWERS_QUEUE, { connection: this.connection, prefix: keys.bullPrefix });
    this.queue.on('error', () => {});
  }

  /**
   * Queues a bulk answer; `answerId` (the SMS's MessageSid) makes a repeat of the same answer one job.
   * Resolves once the job is stored; fails (→ 503) once Redis has not answered for a command timeout
   * and a second: BullMQ waits for its connection to be ready before sending anything, with no
   * timeout of its own.
   */
  async enqueue(job: BulkAnswerJob, answerId: string | null): Promise<void> {
    const added = this.queue.add('bulk-answer', job, {
      ...(answerId ? { jobId: `bulk-${answerId.replace(/[^A-Za-z0-9_-]/g, '_')}` } : {}),
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
    await withTimeout(added, commandTimeoutOf(this.connection) + 1000, 'adding the bulk answer job');
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

export type BulkAnswerWorkerDeps = BulkAnswerRunDeps;

/** The worker side (worker processes): runs bulk answers and texts the report. */
export class BulkAnswerWorker {
  private readonly connection: Redis;
  readonly worker: Worker;

  constructor(private readonly deps: BulkAnswerWorkerDeps) {
    // Blocking commands (BZPOPMIN): no command timeout; a frozen Redis just pauses the worker.
    this.connection = ownConnection(deps.redis, blockingOptions);
    this.worker = new Worker(ANSWERS_QUEUE, (job: Job<unknown>) => this.process(job), {
      connection: this.connection,
      prefix: deps.keys.bullPrefix,
      concurrency: 2,
    });
    this.worker.on('failed', (job, err) =>
      deps.log.warn({ job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'bulk answer failed'),
    );
    this.worker.on('error', (err) => deps.log.error({ err: err.message }, 'bulk answer worker error'));
  }

  private process(job: Job<unknown>): Promise<void> {
    return runQueuedBulkAnswer(this.deps, job.id ?? '', job.data);
  }

  async close(): Promise<void> {
    await this.worker.close();
    this.connection.disconnect();
  }
}

export interface BulkAnswersRuntime {
  readonly queue: BulkAnswerQueue;
  readonly worker: BulkAnswerWorker | null;
  close(): Promise<void>;
}

/** The producer, and the worker when this process runs workers (`hark serve` without --api). */
export function startBulkAnswers(
  deps: BulkAnswerWorkerDeps & { readonly worker: boolean },
): BulkAnswersRuntime {
  const queue = new BulkAnswerQueue(deps.redis, deps.keys);
  const worker = deps.worker ? new BulkAnswerWorker(deps) : null;
  return {
    queue,
    worker,
    close: async () => {
      await worker?.close();
      await queue.close();
    },
  };
}
