/** Ack timeouts (settings.ack_timeout): an incident acknowledged too long re-triggers, from step 1. */
import type { Job } from 'bullmq';
import type { JobContext } from './context.js';
import type { AckTimeoutJob } from './kinds.js';

export function ackTimeoutJobId(j: Omit<AckTimeoutJob, 'kind'>): string {
  return `ack-timeout-${j.incident}-${Date.parse(j.acknowledgedAt)}`;
}

export async function handleAckTimeout(job: Job<AckTimeoutJob>, ctx: JobContext): Promise<void> {
  const { store, now } = ctx.deps;
  const { incident, acknowledgedAt } = job.data;
  // Only the acknowledgement it was set for: one made since (or none) keeps the incident as it is.
  const result = await store.ackTimeout(incident, acknowledgedAt, new Date(now()));
  if (!result.ok) return;
  const view = await store.escalationView(incident);
  if (!view) return;
  await ctx.queue.add({ kind: 'step', incident, cycle: view.cycle, loop: 0, step: 0 });
}
