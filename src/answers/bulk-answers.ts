/**
 * SMS `aa` and `rr` for many incidents (SPEC 5: "all open incidents paged to this number") as a
 * background job, so that the webhook answers within Twilio's 15 s timeout however many there are.
 *
 * The webhook takes a snapshot of the incidents it will act on (those open and paged to the
 * sender at that moment: nothing paged afterwards, which the person has not seen), puts it on the
 * `answers` queue (BullMQ, Hark's Redis: durable before the webhook answers) and answers
 * "Acknowledging 10,000 incidents...". A worker acknowledges or resolves them in pipelined batches
 * through the incident operations — each on its timeline, its escalation jobs removed, its ack
 * timeout set — and then texts the sender "Acknowledged 10,000 incidents.". A crash retries the
 * job; the actions are idempotent (an incident this person already acknowledged counts as done),
 * a retry after they all ran (the report SMS failed) does not act again, and the report goes out once.
 */
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import { z } from 'zod';
import type { IncidentOperations } from '../incidents/operations.js';
import type { BulkOutcome } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { SmsTransport } from '../pages/types.js';
import { blockingOptions } from '../redis/connect.js';
import type { Keys } from '../redis/keys.js';

export const ANSWERS_QUEUE = 'answers';

/** Up to this many incidents, `aa` / `rr` act at once and the answer lists them. */
export const SYNC_LIMIT = 20;

const jobSchema = z.object({
  action: z.enum(['acknowledge', 'resolve']),
  /** The person answering (config name); `person:<name>` is the actor. */
  person: z.string().min(1),
  /** The number the answer came from: the report goes back to it. */
  to: z.string().min(1),
  ids: z.array(z.number().int().positive()),
});
export type BulkAnswerJob = z.infer<typeof jobSchema>;

const count = (n: number) => n.toLocaleString('en-US');
const verbs = {
  acknowledge: { doing: 'Acknowledging', done: 'Acknowledged', state: 'acknowledged' },
  resolve: { doing: 'Resolving', done: 'Resolved', state: 'resolved' },
} as const;

/** The webhook's answer when the work goes to the queue. */
export function bulkStartedText(action: BulkAnswerJob['action'], total: number): string {
  return `${verbs[action].doing} ${count(total)} incidents... An SMS follows when done.`;
}

/** What was done, for the report SMS (or the webhook's answer when there is no queue). */
export function bulkDoneText(
  action: BulkAnswerJob['action'],
  results: readonly BulkOutcome[],
  actor: string,
): string {
  const verb = verbs[action];
  const done = results.filter((r) => r.outcome === 'ok' || (r.outcome === verb.state && r.by === actor));
  const others = results.length - done.length;
  if (others === 0) return `${verb.done} ${count(done.length)} incidents.`;
  return (
    `${verb.done} ${count(done.length)} of ${count(results.length)} incidents; ` +
    `${count(others)} ${others === 1 ? 'was' : 'were'} acknowledged or resolved by others meanwhile.`
  );
}

/** Acts on a snapshot of incidents for a person: what the job does, also run inline without a queue. */
export function runBulkAnswer(
  ops: IncidentOperations,
  job: BulkAnswerJob,
  now: Date,
): Promise<BulkOutcome[]> {
  const actor = `person:${job.person}`;
  return job.action === 'acknowledge'
    ? ops.acknowledgeMany(job.ids, actor, job.person, now)
    : ops.resolveMany(job.ids, actor, now);
}

/** A connection of BullMQ's own (BullMQ does not close connections it is given). */
function ownConnection(redis: Redis, options: RedisOptions = {}): Redis {
  const connection = redis.duplicate(options);
  connection.on('error', () => {}); // reported by the main connection's handler
  return connection;
}

/** The producer: API processes put bulk answers on the queue. */
export class BulkAnswers {
  private readonly connection: Redis;
  private readonly queue: Queue;

  constructor(redis: Redis, keys: Keys) {
    this.connection = ownConnection(redis);
    this.queue = new Queue(ANSWERS_QUEUE, { connection: this.connection, prefix: keys.bullPrefix });
    this.queue.on('error', () => {});
  }

  /**
   * Queues a bulk answer; `answerId` (the SMS's MessageSid) makes a repeat of the same answer one job.
   * Resolves once the job is stored.
   */
  async enqueue(job: BulkAnswerJob, answerId: string | null): Promise<void> {
    await this.queue.add('bulk-answer', job, {
      ...(answerId ? { jobId: `bulk-${answerId.replace(/[^A-Za-z0-9_-]/g, '_')}` } : {}),
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: 1000,
      removeOnFail: 1000,
    });
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

export interface BulkAnswerWorkerDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly ops: IncidentOperations;
  readonly sms: SmsTransport;
  readonly log: Logger;
  readonly now: () => Date;
}

/** The worker side (worker processes): runs bulk answers and texts the report. */
export class BulkAnswerWorker {
  private readonly connection: Redis;
  readonly worker: Worker;

  constructor(private readonly deps: BulkAnswerWorkerDeps) {
    // Blocking commands (BZPOPMIN): no command timeout, or the worker's wait for jobs fails and it
    // takes none; a frozen Redis just pauses it.
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

  private async process(job: Job<unknown>): Promise<void> {
    const parsed = jobSchema.safeParse(job.data);
    if (!parsed.success) {
      this.deps.log.error(
        { job: job.id, issue: parsed.error.issues[0]?.path.join('.') },
        'bulk answer job is malformed: dropped',
      );
      return;
    }
    const data = parsed.data;
    // Acted once: a retry (the report SMS failed) only sends the report. Acting again would
    // re-acknowledge what someone un-acknowledged meanwhile, silencing its escalation.
    const acted = this.deps.keys.notice(`bulk-answer-done:${job.id ?? ''}`);
    let text = await this.deps.redis.get(acted);
    if (text === null) {
      const started = Date.now();
      const results = await runBulkAnswer(this.deps.ops, data, this.deps.now());
      text = bulkDoneText(data.action, results, `person:${data.person}`);
      await this.deps.redis.set(acted, text, 'PX', 7 * 86_400_000);
      this.deps.log.info(
        {
          job: job.id,
          person: data.person,
          action: data.action,
          incidents: data.ids.length,
          ms: Date.now() - started,
        },
        'bulk answer done',
      );
    }
    // The report once: a retry after it went out does not send it again.
    const once = this.deps.keys.notice(`bulk-answer:${job.id ?? ''}`);
    if (await this.deps.redis.exists(once)) return;
    await this.deps.sms.sendSms({ to: data.to, body: text, statusCallback: null });
    await this.deps.redis.set(once, '1', 'PX', 7 * 86_400_000);
  }

  async close(): Promise<void> {
    await this.worker.close();
    this.connection.disconnect();
  }
}

export interface BulkAnswersRuntime {
  readonly queue: BulkAnswers;
  readonly worker: BulkAnswerWorker | null;
  close(): Promise<void>;
}

/** The producer, and the worker when this process runs workers (`hark serve` without --api). */
export function startBulkAnswers(
  deps: BulkAnswerWorkerDeps & { readonly worker: boolean },
): BulkAnswersRuntime {
  const queue = new BulkAnswers(deps.redis, deps.keys);
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
