/**
 * The contract between the event stream and whoever subscribes to it (outgoing webhooks, and
 * later chat, the status page, stakeholder updates). The framework (src/events/subscribers.ts)
 * gives each subscriber every event at least once, in stream order (so in order per incident).
 */
import { z } from 'zod';
import { timelineEventSchema } from './schema.js';

/** One entry of the global event stream. */
export const streamEventSchema = z
  .object({
    id: z
      .string()
      .regex(/^\d+-\d+$/)
      .describe('The stream entry id (`<ms>-<seq>`): unique, increasing; a redelivery has the same.'),
    incident: z.number().int().min(1),
    event: timelineEventSchema,
  })
  .readonly();
export type StreamEvent = z.infer<typeof streamEventSchema>;

export interface Subscriber {
  /** Names its consumer group and its metrics (`webhooks`, `slack`, ...). */
  readonly name: string;
  /**
   * Handles one event. A throw is retried (the event is not acknowledged); a redelivery after a
   * crash may repeat an event already handled, so handling must be idempotent by `event.id`.
   * A thrown error with a numeric `retryAfterMs` (a rate limit's Retry-After, as `ChatError` has)
   * is retried after that long instead of the runner's backoff (see `retryAfterHint`).
   */
  handle(event: StreamEvent): Promise<void>;
}

/** The longest retry-after hint the runner honours (a longer one waits this long). */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/**
 * How long a subscriber's error asks to wait before the retry: its `retryAfterMs` when that is a
 * finite number ≥ 0 (at most MAX_RETRY_AFTER_MS), else null (the runner's backoff applies).
 */
export function retryAfterHint(e: unknown): number | null {
  if (typeof e !== 'object' || e === null || !('retryAfterMs' in e)) return null;
  const ms = (e as { retryAfterMs: unknown }).retryAfterMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return null;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
