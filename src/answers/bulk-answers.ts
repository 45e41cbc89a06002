/**
 * SMS `aa` and `rr` for many incidents (SPEC 5: "all open incidents paged to this number") as a
 * background job, so that the webhook answers within Twilio's 15 s timeout however many there are.
 *
 * The webhook takes a snapshot of the incidents it will act on (those open and paged to the
 * sender at that moment: nothing paged afterwards, which the person has not seen), puts it on the
 * `answers` queue (BullMQ, Hark's Redis: durable before the webhook answers; src/queues/bulk-answers.ts) and answers
 * "Acknowledging 10,000 incidents...". A worker acknowledges or resolves them in pipelined batches
 * through the incident operations — each on its timeline, its escalation jobs removed, its ack
 * timeout set — and then texts the sender "Acknowledged 10,000 incidents.". A crash retries the
 * job; the actions are idempotent (an incident this person already acknowledged counts as done),
 * a retry after they all ran (the report SMS failed) does not act again, and the report goes out once.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { IncidentOperations } from '../incidents/operations.js';
import type { BulkOutcome } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { SmsTransport } from '../pages/types.js';
import type { Keys } from '../redis/keys.js';

/** Up to this many incidents, `aa` / `rr` act at once and the answer lists them. */
export const SYNC_LIMIT = 20;

export const bulkAnswerJobSchema = z.object({
  action: z.enum(['acknowledge', 'resolve']),
  /** The person answering (config name); `person:<name>` is the actor. */
  person: z.string().min(1),
  /** The number the answer came from: the report goes back to it. */
  to: z.string().min(1),
  ids: z.array(z.number().int().positive()),
});
export type BulkAnswerJob = z.infer<typeof bulkAnswerJobSchema>;

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

/** Where `aa` / `rr` over many incidents go to run in the background (src/queues/bulk-answers.ts). */
export interface BulkAnswers {
  /**
   * Queues a bulk answer; `answerId` (the SMS's MessageSid) makes a repeat of the same answer one
   * job. Resolves once the job is stored; fails (→ 503) when Redis does not answer in time.
   */
  enqueue(job: BulkAnswerJob, answerId: string | null): Promise<void>;
}

export interface BulkAnswerRunDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly ops: IncidentOperations;
  readonly sms: SmsTransport;
  readonly log: Logger;
  readonly now: () => Date;
}

/**
 * Runs one queued bulk answer (`jobId`: its job's id) and texts the report: acted once — a retry
 * (the report SMS failed) only sends the report, since acting again would re-acknowledge what
 * someone un-acknowledged meanwhile, silencing its escalation — and the report sent once.
 */
export async function runQueuedBulkAnswer(
  deps: BulkAnswerRunDeps,
  jobId: string,
  raw: unknown,
): Promise<void> {
  const parsed = bulkAnswerJobSchema.safeParse(raw);
  if (!parsed.success) {
    deps.log.error(
      { job: jobId, issue: parsed.error.issues[0]?.path.join('.') },
      'bulk answer job is malformed: dropped',
    );
    return;
  }
  const data = parsed.data;
  const acted = deps.keys.notice(`bulk-answer-done:${jobId}`);
  let text = await deps.redis.get(acted);
  if (text === null) {
    const started = Date.now();
    const results = await runBulkAnswer(deps.ops, data, deps.now());
    text = bulkDoneText(data.action, results, `person:${data.person}`);
    await deps.redis.set(acted, text, 'PX', 7 * 86_400_000);
    deps.log.info(
      {
        job: jobId,
        person: data.person,
        action: data.action,
        incidents: data.ids.length,
        ms: Date.now() - started,
      },
      'bulk answer done',
    );
  }
  // The report once: a retry after it went out does not send it again.
  const once = deps.keys.notice(`bulk-answer:${jobId}`);
  if (await deps.redis.exists(once)) return;
  await deps.sms.sendSms({ to: data.to, body: text, statusCallback: null });
  await deps.redis.set(once, '1', 'PX', 7 * 86_400_000);
}
