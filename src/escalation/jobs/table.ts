/**
 * The escalation queue's job table: for every kind of job, its id (a stable id makes adding twice
 * — two instances, a retry, the sweep — schedule it once), its BullMQ options, whether an
 * acknowledgement or resolution of its incident removes it, and its handler. Ids are persisted
 * with queued jobs: they are the same strings as before this table, so jobs queued by an older
 * version are still found (escalate now, move on, the sweep) and not added twice.
 */
import type { Job, JobsOptions } from 'bullmq';
import { handleAckTimeout, ackTimeoutJobId } from './ack-timeout.js';
import { bundleJobId, handleBundle } from './bundle.js';
import type { JobContext } from './context.js';
import type { EscalationJob, JobKind, JobOf } from './kinds.js';
import { handlePage, pageJobId } from './page.js';
import { handleRoleNotice, roleNoticeJobId } from './role-notice.js';
import {
  handleShiftChange,
  handleShiftPlan,
  handleShiftReminder,
  handleShiftTell,
  shiftNoticeJobId,
} from './shifts.js';
import { handleShiftChannel, SHIFT_CHANNEL_OPTIONS } from './shift-channel.js';
import { exhaustedJobId, handleExhausted, handleStep, stepJobId } from './step.js';
import { handleSweep } from './sweep.js';

export interface JobSpec<J extends EscalationJob> {
  /** The job id; null: none (a recurring job of a scheduler, or every add is its own job). */
  readonly id: ((job: J) => string) | null;
  readonly options: JobsOptions;
  /** Removed when its incident is acknowledged or resolved (it would stand down anyway). */
  readonly cancellable: boolean;
  readonly handle: (job: Job<J>, ctx: JobContext) => Promise<void>;
}

/** Finished jobs kept for inspection (`hark`'s /metrics counts, the sweep's "is it done"). */
const KEPT = { removeOnComplete: 1000, removeOnFail: 1000 } as const satisfies JobsOptions;
/** What goes to a provider is retried with backoff: 6 attempts over about a minute. */
const RETRIED = {
  ...KEPT,
  attempts: 6,
  backoff: { type: 'exponential', delay: 2000 },
} as const satisfies JobsOptions;
/** Recurring jobs (the sweep, the shift planner): a few kept. */
const RECURRING = { removeOnComplete: 10, removeOnFail: 10 } as const satisfies JobsOptions;

export const JOBS: { readonly [K in JobKind]: JobSpec<JobOf<K>> } = {
  step: { id: stepJobId, options: KEPT, cancellable: true, handle: handleStep },
  page: { id: pageJobId, options: RETRIED, cancellable: true, handle: handlePage },
  exhausted: { id: exhaustedJobId, options: KEPT, cancellable: true, handle: handleExhausted },
  'ack-timeout': { id: ackTimeoutJobId, options: KEPT, cancellable: false, handle: handleAckTimeout },
  'role-notice': { id: roleNoticeJobId, options: RETRIED, cancellable: false, handle: handleRoleNotice },
  bundle: { id: bundleJobId, options: RETRIED, cancellable: false, handle: handleBundle },
  sweep: { id: null, options: RECURRING, cancellable: false, handle: handleSweep },
  'shift-plan': { id: null, options: RECURRING, cancellable: false, handle: handleShiftPlan },
  'shift-notice': { id: shiftNoticeJobId, options: KEPT, cancellable: false, handle: handleShiftChange },
  'shift-reminder': { id: shiftNoticeJobId, options: KEPT, cancellable: false, handle: handleShiftReminder },
  'shift-tell': { id: null, options: RETRIED, cancellable: false, handle: handleShiftTell },
  'shift-channel': {
    id: null,
    options: { ...KEPT, ...SHIFT_CHANNEL_OPTIONS },
    cancellable: false,
    handle: handleShiftChannel,
  },
};

/** The entry of a job's kind. */
export function specOf<J extends EscalationJob>(job: J): JobSpec<J> {
  return JOBS[job.kind] as unknown as JobSpec<J>;
}

/** A job's id under the table, or undefined (a kind without ids). */
export function jobIdOf(job: EscalationJob): string | undefined {
  return specOf(job).id?.(job) ?? undefined;
}

/** What BullMQ's add / addBulk take for `data`, `delayMs` from now. */
export function jobFor(
  data: EscalationJob,
  delayMs = 0,
): { name: JobKind; data: EscalationJob; opts: JobsOptions } {
  const id = jobIdOf(data);
  const delay = Math.max(0, delayMs);
  return {
    name: data.kind,
    data,
    opts: {
      ...specOf(data).options,
      ...(id !== undefined ? { jobId: id } : {}),
      ...(delay > 0 ? { delay } : {}),
    },
  };
}

/** Runs a job by its kind's handler. */
export function runJob(job: Job<EscalationJob>, ctx: JobContext): Promise<void> {
  return specOf(job.data).handle(job, ctx);
}

export { stepJobId } from './step.js';
