/**
 * The jobs of the escalation queue, by kind: what each carries. ./table.ts gives each kind its
 * job id, options and handler. Job data is stored in Redis with the job: a change here must read
 * jobs queued by the version before.
 */
import type { PageJob } from '../../pages/page.js';
import type { ShiftTell } from '../shift-notices.js';

export type { PageJob } from '../../pages/page.js';

/** One step of an incident's escalation (0-based step of 0-based round `loop`, in `cycle`). */
export interface StepJob {
  readonly kind: 'step';
  readonly incident: number;
  /** Increments when escalation restarts (un-acknowledge, ack timeout): older jobs stand down. */
  readonly cycle: number;
  readonly loop: number;
  readonly step: number;
}

/** Every step and repeat of the policy ran: said on the timeline once the last wait is over. */
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

/** Sends what a page limit held back for one person and channel. */
export interface BundleJob {
  readonly kind: 'bundle';
  readonly person: string;
  readonly channel: PageJob['channel'];
  /** When the limit allows it (ms); in the job id (jobs queued before it was in the data lack it). */
  readonly until?: number;
  readonly incident?: undefined;
}

/** Plans shift-change notices and reminders ahead (src/escalation/shift-notices.ts). */
export interface ShiftPlanJob {
  readonly kind: 'shift-plan';
  readonly incident?: undefined;
}

/** At a planned change of holder (`at`, ms): announces the holder then (if it still changes). */
export interface ShiftChangeJob {
  readonly kind: 'shift-notice';
  readonly schedule: string;
  readonly role: string;
  readonly at: number;
  readonly incident?: undefined;
}

/** Ahead of a planned change of holder (`at`, ms): reminds the incoming person. */
export interface ShiftReminderJob {
  readonly kind: 'shift-reminder';
  readonly schedule: string;
  readonly role: string;
  readonly at: number;
  readonly incident?: undefined;
}

export type ShiftNoticeJob = ShiftChangeJob | ShiftReminderJob;

/** Tells one person of an announced change of holder (src/escalation/shift-notices.ts). */
export interface ShiftTellJob extends ShiftTell {
  readonly kind: 'shift-tell';
  readonly incident?: undefined;
}

/**
 * Posts an announced change of holder to the schedule's chat channel (`slack.shift_notices`):
 * `carol is now primary on platform until …` (./shift-channel.ts).
 */
export interface ShiftChannelJob {
  readonly kind: 'shift-channel';
  readonly schedule: string;
  readonly role: string;
  /** The announced change it tells (ShiftAnnouncer's counter for this schedule role). */
  readonly seq: number;
  readonly from: string | null;
  readonly to: string | null;
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
  | ShiftChangeJob
  | ShiftReminderJob
  | ShiftTellJob
  | ShiftChannelJob
  | RoleNoticeJob;

export type JobKind = EscalationJob['kind'];
export type JobOf<K extends JobKind> = Extract<EscalationJob, { readonly kind: K }>;
