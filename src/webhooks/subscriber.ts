/**
 * The `webhooks` subscriber of the event stream: for each event, one durable delivery per webhook
 * that takes it (its events, services and severities), with the incident read once, as the API
 * returns it. Delivering is the worker's (src/webhooks/delivery.ts): a slow receiver never holds
 * up the stream.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config/types.js';
import type { StreamEvent, Subscriber } from '../events/subscriber.js';
import type { Incident } from '../incidents/model.js';
import type { Keys } from '../redis/keys.js';
import { incidentPayload, takes, takesType, type DeliveryJob } from './payload.js';
import { WebhookQueue } from './queue.js';

export interface WebhookSubscriberDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly config: () => Config;
  /** Reads the incident (`IncidentStore`); without its timeline. */
  readonly store: { get(id: number, withTimeline?: boolean): Promise<Incident | null> };
  readonly now?: () => number;
  /** A queue to share (the API's test endpoint uses one too); else the subscriber has its own. */
  readonly queue?: WebhookQueue;
}

export interface WebhookSubscriber extends Subscriber {
  readonly queue: WebhookQueue;
  close(): Promise<void>;
}

export function webhookSubscriber(deps: WebhookSubscriberDeps): WebhookSubscriber {
  const own = deps.queue ? null : new WebhookQueue(deps.redis, deps.keys);
  const queue = deps.queue ?? own!;
  const now = deps.now ?? Date.now;
  return {
    name: 'webhooks',
    queue,
    async handle(e: StreamEvent): Promise<void> {
      const hooks = deps.config().webhooks.filter((h) => takesType(h.events, e.event.type));
      if (hooks.length === 0) return;
      const incident = await deps.store.get(e.incident, false);
      const targets = hooks.filter((h) => takes(h, e.event, incident));
      if (targets.length === 0) return;
      const body = JSON.stringify(incidentPayload(e, incident));
      const at = now();
      await queue.enqueue(
        targets.map((h): DeliveryJob => ({
          webhook: h.name,
          id: e.id,
          type: e.event.type,
          incident: e.incident,
          body,
          firstAt: at,
        })),
      );
    },
    close: async () => {
      await own?.close();
    },
  };
}
