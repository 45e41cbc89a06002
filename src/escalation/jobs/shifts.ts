/**
 * Shift-change notices and reminders (SPEC section 6; src/escalation/shift-notices.ts has the
 * model): the planner announces every role's holder now and queues a job at every change of holder
 * within the horizon (and a reminder ahead of it); each announced change is told to each person by
 * its own job, which checks when it runs that the change is still the current one.
 */
import type { Job } from 'bullmq';
import { ProviderError } from '../../pages/types.js';
import { currentChange, noticeTexts, plannedChanges, reminderText } from '../shift-notices.js';
import type { JobContext } from './context.js';
import { shiftChannelJobs } from './shift-channel.js';
import type {
  ShiftChangeJob,
  ShiftNoticeJob,
  ShiftPlanJob,
  ShiftReminderJob,
  ShiftTellJob,
} from './kinds.js';

/** `shift-notice-…` or `shift-reminder-…`: one per schedule, role and change. */
export function shiftNoticeJobId(j: ShiftNoticeJob): string {
  return `${j.kind}-${j.schedule}-${j.role}-${j.at}`;
}

/**
 * Announces every role's holder now (telling the people of each change since the last
 * announcement), and adds a job (and reminders) for every change of holder within the horizon.
 */
export async function handleShiftPlan(_job: Job<ShiftPlanJob>, ctx: JobContext): Promise<void> {
  const { deps } = ctx;
  const now = deps.now();
  const config = deps.config();
  const registry = deps.schedules();
  await registry.refresh();
  const fresh = await ctx.announcer.fresh();
  for (const schedule of registry.names()) {
    for (const role of registry.view(schedule)?.roles ?? []) await announce(ctx, schedule, role, now, fresh);
  }
  for (const change of await plannedChanges(registry, now, now + ctx.settings.shiftHorizonMs)) {
    const base = { schedule: change.schedule, role: change.role, at: change.at };
    await ctx.queue.add({ kind: 'shift-notice', ...base }, change.at - now);
    const remind = change.to ? config.people.get(change.to)?.remindBeforeMs : null;
    if (remind && change.at - remind > now)
      await ctx.queue.add({ kind: 'shift-reminder', ...base }, change.at - remind - now);
  }
}

/** Announces the holder of a role at `t`; a change gets one notice job per person told. */
async function announce(ctx: JobContext, schedule: string, role: string, t: number, fresh: boolean) {
  const change = await ctx.announcer.reconcile(schedule, role, t, fresh);
  if (!change) return;
  // No job id to dedupe by: only the worker that recorded the change adds its notices.
  await ctx.queue.addMany([
    ...ctx.announcer
      .tells(change)
      .map((tell) => ({ data: { kind: 'shift-tell', ...tell } satisfies ShiftTellJob })),
    ...shiftChannelJobs(ctx, change),
  ]);
}

/** At (or, on a late worker, after) the change: whoever holds the role then is announced. */
export async function handleShiftChange(job: Job<ShiftChangeJob>, ctx: JobContext): Promise<void> {
  const t = Math.max(ctx.deps.now(), job.data.at);
  await announce(ctx, job.data.schedule, job.data.role, t, await ctx.announcer.fresh());
}

/** Reminds the incoming person ahead of a change, if it is still planned and not begun. */
export async function handleShiftReminder(job: Job<ShiftReminderJob>, ctx: JobContext): Promise<void> {
  const { deps } = ctx;
  const data = job.data;
  const change = await currentChange(deps.schedules(), data.schedule, data.role, data.at);
  // Gone (an override changed it meanwhile) or begun already (the notice itself tells it).
  if (!change?.to || deps.now() >= data.at) return;
  const id = `${data.schedule}:${data.role}:${data.at}`;
  await ctx.sender.sendNotice(change.to, reminderText(change, deps.config()), `reminder:${id}:${change.to}`);
}

/** Sends one notice of an announced change, if it is still the current one now. */
export async function handleShiftTell(job: Job<ShiftTellJob>, ctx: JobContext): Promise<void> {
  const { deps } = ctx;
  const data = job.data;
  const now = deps.now();
  const change = await ctx.announcer.current(data, now);
  if (!change) {
    deps.log.info(
      { schedule: data.schedule, role: data.role, person: data.person, change: data.seq },
      'shift notice not sent: the change it tells is over',
    );
    return;
  }
  const config = deps.config();
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
          ...(await deps.store.list({ state: 'triggered', limit: 100 })),
          ...(await deps.store.list({ state: 'acknowledged', limit: 100 })),
        ].filter((i) => policies.has(i.escalationPolicy))
      : [];
  const texts = noticeTexts(change, config, deps.schedules(), open);
  const text = data.side === 'incoming' ? texts.incoming : texts.outgoing;
  if (!text) return;
  try {
    await ctx.sender.sendNotice(
      data.person,
      text,
      `notice:${data.schedule}:${data.role}:${data.seq}:${data.person}`,
    );
  } catch (e) {
    const retryable = !(e instanceof ProviderError) || e.retryable;
    if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw e; // retried with backoff
    deps.log.warn(
      { person: data.person, schedule: data.schedule, err: e instanceof Error ? e.message : String(e) },
      'shift notice failed',
    );
  }
}
