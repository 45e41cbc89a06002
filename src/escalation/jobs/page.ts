/**
 * Pages: one job per person and notify rule of a step, after the rule's delay. It re-checks the
 * incident first (an acknowledgement or a restart stands it down); the sender sends at most once
 * per page key. A provider error is retried with backoff; a page that fails for good is recorded,
 * and the person's next notify rule fires at once instead of after its delay. A provider's rate
 * limit (Slack's `ratelimited`, ntfy's 429) delays that one job until its Retry-After: other pages,
 * channels and people go on meanwhile, and the wait is not a failed attempt.
 */
import { DelayedError, type Job } from 'bullmq';
import { pageKey, type PageRef } from '../../pages/page.js';
import { ProviderError } from '../../pages/types.js';
import { liveView, type JobContext } from './context.js';
import type { PageJob } from './kinds.js';
import type { EscalationQueue } from './queue.js';

export function pageJobId(ref: PageRef): string {
  return `page-${pageKey(ref)}`;
}

/** How far past a failed rule the next pending one is looked for. */
const RULES_AHEAD = 20;

/**
 * A page started this many times in all (rate-limit waits and retries) waits no more for a rate
 * limit: it is retried with the queue's backoff and fails for good after its last attempt, so a
 * provider that never lets it through cannot hold the person's next rule back for ever.
 */
export const MAX_PAGE_STARTS = 20;

/** The longest Retry-After a page waits for (a longer one is cut to this). */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * A page failed for good (or was not delivered): the person's next notify rule fires now instead
 * of after its delay. Returns whether there was a pending one.
 */
export async function movePersonOn(queue: EscalationQueue, failed: PageRef): Promise<boolean> {
  // The next of the person's rules that is still waiting (rules with no delay have already gone).
  for (let rule = failed.rule + 1; rule <= failed.rule + RULES_AHEAD; rule++) {
    const promoted = await queue.promote(pageJobId({ ...failed, rule }));
    if (promoted === 'missing') return false;
    if (promoted === 'promoted') return true;
  }
  return false;
}

export async function handlePage(job: Job<PageJob>, ctx: JobContext): Promise<void> {
  const { deps } = ctx;
  const data = job.data;
  if (!(await liveView(deps.store, data.incident, data.cycle))) return;
  try {
    const result = await ctx.sender.send(data);
    if (result.outcome === 'held')
      await ctx.queue.add(
        { kind: 'bundle', person: data.person, channel: data.channel, until: result.until },
        result.until - deps.now(),
      );
  } catch (e) {
    if (
      e instanceof ProviderError &&
      e.retryable &&
      e.retryAfterMs !== null &&
      job.token !== undefined &&
      job.attemptsStarted < MAX_PAGE_STARTS
    ) {
      // BullMQ's clock (real time), not the escalation clock (a test may set that one).
      const wait = Math.min(Math.max(0, e.retryAfterMs), MAX_RETRY_AFTER_MS);
      await job.moveToDelayed(Date.now() + wait, job.token);
      deps.log.info(
        {
          incident: data.incident,
          person: data.person,
          channel: data.channel,
          retryAfterMs: wait,
          page: pageKey(data),
        },
        'page rate-limited: tried again after Retry-After',
      );
      throw new DelayedError();
    }
    const retryable = !(e instanceof ProviderError) || e.retryable;
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (retryable && !lastAttempt) throw e; // BullMQ retries with backoff; other jobs go on
    const message = e instanceof Error ? e.message : String(e);
    await ctx.pages.failed(data, message, {
      at: new Date(deps.now()).toISOString(),
      type: 'page.failed',
      actor: 'hark',
      person: data.person,
      channel: data.channel,
      error: message,
      page: pageKey(data),
    });
    deps.metrics?.pages.inc({ channel: data.channel, status: 'failed' });
    deps.log.warn(
      {
        incident: data.incident,
        person: data.person,
        channel: data.channel,
        error: message,
        attempts: job.attemptsMade + 1,
        page: pageKey(data),
      },
      'page failed',
    );
    await movePersonOn(ctx.queue, data);
  }
}
