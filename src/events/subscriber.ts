/**
 * The contract between the event stream and whoever subscribes to it (outgoing webhooks, and
 * later chat, the status page, stakeholder updates). The framework (src/events/subscribers.ts)
 * gives each subscriber every event at least once, in stream order (so in order per incident).
 */
import type { TimelineEvent } from './schema.js';

/** One entry of the global event stream. */
export interface StreamEvent {
  /** The stream entry id (`<ms>-<seq>`): unique, increasing; a redelivery has the same id. */
  readonly id: string;
  readonly incident: number;
  readonly event: TimelineEvent;
}

export interface Subscriber {
  /** Names its consumer group and its metrics (`webhooks`, `slack`, ...). */
  readonly name: string;
  /**
   * Handles one event. A throw is retried (the event is not acknowledged); a redelivery after a
   * crash may repeat an event already handled, so handling must be idempotent by `event.id`.
   */
  handle(event: StreamEvent): Promise<void>;
}
