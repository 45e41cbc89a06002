/** Bundles: what a page limit held back for one person and channel goes out as one message. */
import type { Job } from 'bullmq';
import type { JobContext } from './context.js';
import type { BundleJob } from './kinds.js';

export function bundleJobId(j: Omit<BundleJob, 'kind'>): string {
  return `bundle-${j.person}-${j.channel}-${j.until}`;
}

export async function handleBundle(job: Job<BundleJob>, ctx: JobContext): Promise<void> {
  const { person, channel } = job.data;
  const result = await ctx.sender.sendBundle(person, channel);
  // Still over the limit (another bundle went out meanwhile): again when it allows.
  if (result.outcome === 'held')
    await ctx.queue.add(
      { kind: 'bundle', person, channel, until: result.until },
      result.until - ctx.deps.now(),
    );
}
