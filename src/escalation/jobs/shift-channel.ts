/**
 * Shift-change notices in chat (issue 12): every announced change of a role's holder (the
 * `ShiftAnnouncer` of ../shift-notices.ts) on a schedule that `slack.shift_notices` names is
 * posted to that channel, `carol is now primary on platform until Mon 12 Jan 2026 09:00 EST
 * (after bob).`, beside the SMS notices to the incoming and outgoing person.
 *
 * At least once, and once per change: the job is queued with the change's person notices, by the
 * one worker that recorded the change, and retried with backoff while Slack is down or rate-limits
 * (for about an hour). Each post is claimed in Redis (keys.notice) before it is sent and marked sent
 * after, so a second job for the same change, or a retry after a success, posts nothing. A claim
 * left by a worker that died while posting expires after CLAIM_MS, and a retry posts then; only a
 * worker dying after Slack took the post but before it was marked (milliseconds) posts that change
 * twice — Slack's chat.postMessage has no idempotency key. As with the person notices, a change
 * that is over by the time its job runs (a later one was announced) is not posted: the later is.
 */
import { randomUUID } from 'node:crypto';
import type { Job, JobsOptions } from 'bullmq';
import { ChatError } from '../../chat/provider.js';
import type { Config } from '../../config/types.js';
import { RELEASE_CLAIM } from '../../redis/scripts/claims.js';
import type { ScheduleRegistry } from '../../schedules/registry.js';
import { humanTime } from '../../time/format.js';
import type { Announcement, ShiftChange } from '../shift-notices.js';
import type { JobContext } from './context.js';
import type { ShiftChannelJob } from './kinds.js';

/** Retried for about an hour (2 s, 4 s, ... 34 min) while Slack is unavailable or rate-limits. */
export const SHIFT_CHANNEL_OPTIONS = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 2000 },
} as const satisfies JobsOptions;

/** How long a post in progress holds its claim (a Slack call takes at most ~30 s with retries). */
const CLAIM_MS = 60_000;
/** How long a post is remembered as sent (as the person notices' once-keys). */
const SENT_MS = 7 * 86_400_000;

/** The channel job of an announced change, when its schedule has a channel. */
export function shiftChannelJobs(ctx: JobContext, a: Announcement): { data: ShiftChannelJob }[] {
  if (!ctx.deps.config().slack?.shiftNotices.has(a.schedule)) return [];
  const job: ShiftChannelJob = {
    kind: 'shift-channel',
    schedule: a.schedule,
    role: a.role,
    seq: a.seq,
    from: a.from,
    to: a.person,
  };
  return [{ data: job }];
}

/** `carol is now primary on platform until Mon 12 Jan 2026 09:00 EST (after bob).` */
export function channelNoticeText(change: ShiftChange, config: Config, registry: ScheduleRegistry): string {
  const { schedule, role, from, to } = change;
  if (to === null)
    return `Nobody is ${role} on ${schedule} now${from ? ` (${from}'s shift has ended)` : ''}.`;
  const zone = config.schedules.get(schedule)?.timezone ?? 'UTC';
  const until = registry.view(schedule)?.holding(role, change.at).until ?? null;
  return `${to} is now ${role} on ${schedule}${until === null ? '' : ` until ${humanTime(until, zone)}`}${from ? ` (after ${from})` : ''}.`;
}

/** Posts one announced change to its schedule's channel, if it is still the current one. */
export async function handleShiftChannel(job: Job<ShiftChannelJob>, ctx: JobContext): Promise<void> {
  const { deps } = ctx;
  const data = job.data;
  const config = deps.config();
  const where = { schedule: data.schedule, role: data.role, change: data.seq };
  const channel = config.slack?.shiftNotices.get(data.schedule);
  const chat = deps.chat?.() ?? null;
  if (!channel || !chat) {
    deps.log.info(where, 'shift notice not posted: the schedule has no chat channel now');
    return;
  }
  const person = data.to ?? data.from;
  if (person === null) return;
  const side = data.to === null ? 'outgoing' : 'incoming';
  const change = await ctx.announcer.current({ ...where, seq: data.seq, person, side }, deps.now());
  if (!change) {
    deps.log.info(where, 'shift notice not posted: the change it tells is over');
    return;
  }

  const key = deps.keys.notice(`channel:${data.schedule}:${data.role}:${data.seq}`);
  const claim = `pending:${randomUUID()}`;
  if (!(await deps.redis.set(key, claim, 'PX', CLAIM_MS, 'NX'))) {
    const value = await deps.redis.get(key);
    if (value !== null && !value.startsWith('pending:')) return; // posted already
    throw new Error('this shift notice is being posted by another job; retried later');
  }
  try {
    await chat.postText(channel, channelNoticeText(change, config, deps.schedules()));
  } catch (e) {
    await RELEASE_CLAIM.on(deps.redis)([key], [claim]).catch(() => 0);
    if (e instanceof ChatError && !e.retryable) {
      deps.log.warn({ ...where, channel, code: e.code }, 'shift notice not posted: Slack refused it');
      return;
    }
    throw e; // retried with backoff
  }
  await deps.redis.set(key, 'sent', 'PX', SENT_MS);
  deps.log.info({ ...where, channel }, 'shift notice posted');
}
