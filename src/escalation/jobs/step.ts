/**
 * Steps (SPEC 1.3 and 4): a step resolves its targets when it fires (who is on call then), queues
 * one page job per person and notify rule, and queues what comes next (./next.ts decides): the next
 * step, a repeat, or the end of the policy. A step that resolves to nobody is on the timeline and
 * the next step fires at once. Low urgency notifies step 1 only.
 */
import type { Job } from 'bullmq';
import { pageKey } from '../../pages/page.js';
import { nextAfter } from '../next.js';
import { resolveStep } from '../targets.js';
import { liveView, type JobContext } from './context.js';
import type { ExhaustedJob, PageJob, StepJob } from './kinds.js';

export function stepJobId(j: Omit<StepJob, 'kind'>): string {
  return `step-${j.incident}-${j.cycle}-${j.loop}-${j.step}`;
}

export function exhaustedJobId(j: Omit<ExhaustedJob, 'kind'>): string {
  return `exhausted-${j.incident}-${j.cycle}`;
}

export async function handleStep(job: Job<StepJob>, ctx: JobContext): Promise<void> {
  const { deps } = ctx;
  deps.metrics?.escalationLag.observe(Math.max(0, Date.now() - job.timestamp - (job.opts.delay ?? 0)) / 1000);
  const data = job.data;
  const view = await liveView(deps.store, data.incident, data.cycle);
  if (!view) return;
  const { incident, policy } = view;
  const now = deps.now();
  const at = new Date(now).toISOString();
  const step = policy.steps[data.step];
  if (!step) return;
  const schedules = deps.schedules();
  await schedules.refresh(); // runtime overrides: one GET unless they changed
  const targets = resolveStep(step, schedules, now);
  const people = deps.config().people;
  const pages: { job: PageJob; afterMs: number }[] = [];
  for (const t of targets) {
    const rules = people.get(t.person)?.notify[incident.urgency] ?? [];
    rules.forEach((rule, i) =>
      pages.push({
        job: {
          kind: 'page',
          incident: data.incident,
          cycle: data.cycle,
          loop: data.loop,
          step: data.step,
          person: t.person,
          rule: i,
          channel: rule.channel,
        },
        afterMs: rule.afterMs,
      }),
    );
  }
  await deps.store.appendTimeline(data.incident, {
    at,
    type: 'step.fired',
    actor: 'hark',
    step: data.step + 1,
    loop: data.loop + 1,
    people: targets.map((t) => `${t.person} (${t.via})`),
    ...(targets.length === 0 ? { note: 'the step resolved to nobody; the next step fires at once' } : {}),
  });
  for (const { job: p, afterMs } of pages) {
    await deps.store.appendTimeline(data.incident, {
      at,
      type: 'page.queued',
      actor: 'hark',
      person: p.person,
      channel: p.channel,
      due: new Date(now + afterMs).toISOString(),
      page: pageKey(p),
    });
  }
  await ctx.queue.addMany(pages.map(({ job: p, afterMs }) => ({ data: p, delayMs: afterMs })));

  const next = nextAfter({
    urgency: incident.urgency,
    policy,
    loop: data.loop,
    step: data.step,
    pagedAnyone: targets.length > 0,
  });
  if (next.kind === 'none') {
    await deps.store.setNextDue(data.incident, null);
  } else if (next.kind === 'step') {
    const following: StepJob = { ...data, loop: next.loop, step: next.step };
    await deps.store.setNextDue(data.incident, { at: now + next.delayMs, loop: next.loop, step: next.step });
    await ctx.queue.add(following, next.delayMs);
  } else {
    await deps.store.setNextDue(data.incident, null);
    await ctx.queue.add({ kind: 'exhausted', incident: data.incident, cycle: data.cycle }, next.delayMs);
  }
}

export async function handleExhausted(job: Job<ExhaustedJob>, ctx: JobContext): Promise<void> {
  const { deps } = ctx;
  if (!(await liveView(deps.store, job.data.incident, job.data.cycle))) return;
  await deps.store.appendTimeline(job.data.incident, {
    at: new Date(deps.now()).toISOString(),
    type: 'escalation.exhausted',
    actor: 'hark',
    note: 'every step and repeat of the policy ran and nobody acknowledged; the incident stays triggered',
  });
}
