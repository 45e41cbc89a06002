/**
 * The overdue sweep (SPEC section 4: nothing is dropped silently): finds incidents whose next step
 * is overdue and whose step job is gone (a lost job, a Redis failover, a crash between storing an
 * incident and enqueuing its first step) and fires it.
 */
import type { Job } from 'bullmq';
import type { JobContext } from './context.js';
import type { StepJob, SweepJob } from './kinds.js';

export async function handleSweep(_job: Job<SweepJob>, ctx: JobContext): Promise<void> {
  await sweep(ctx);
}

/** Fires every overdue step whose job is missing; how many. */
export async function sweep(ctx: JobContext): Promise<number> {
  const { deps } = ctx;
  const now = deps.now();
  let caught = 0;
  for (const idText of await deps.store.overdue(now - ctx.settings.sweepGraceMs)) {
    const id = Number(idText);
    const view = await deps.store.escalationView(id);
    if (!view || view.incident.state !== 'triggered') {
      await deps.store.setNextDue(id, null);
      continue;
    }
    const next = await deps.store.nextStep(id);
    const step: StepJob = { kind: 'step', incident: id, cycle: view.cycle, ...next };
    const existing = await ctx.queue.find(step);
    if (existing && (await existing.getState()) !== 'completed' && (await existing.getState()) !== 'failed')
      continue;
    if (existing) await existing.remove();
    await ctx.queue.add(step);
    caught++;
    ctx.caughtUp();
    deps.log.warn(
      { incident: id, loop: next.loop + 1, step: next.step + 1 },
      'overdue sweep: fired a missed escalation step',
    );
    await deps.store.appendTimeline(id, {
      at: new Date(now).toISOString(),
      type: 'escalation.caught-up',
      actor: 'hark',
      step: next.step + 1,
      loop: next.loop + 1,
      note: 'the step was overdue and its job was missing; the sweep fired it',
    });
  }
  return caught;
}
