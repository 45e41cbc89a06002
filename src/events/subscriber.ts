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
   */
  handle(event: StreamEvent): Promise<void>;
}
