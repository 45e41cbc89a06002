/**
 * Outgoing webhooks over HTTP (docs/webhooks.md), with an API token:
 *
 *   GET  /v1/webhooks                        {"webhooks": [WebhookSummary, ...]} (counters, last attempt)
 *   GET  /v1/webhooks/:name/deliveries       {"webhook", "deliveries": [DeliveryRecord, ...]} (newest first; ?limit=1..200)
 *   POST /v1/webhooks/:name/test             a signed `webhook.test` event, through the delivery worker:
 *                                            200 {"delivery": DeliveryRecord} once attempted,
 *                                            202 {"delivery": null, "id"} if no worker took it in time
 *
 * Secrets are never shown; the URL is not one (receivers check the signature).
 */
import type { Context, Hono } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config, Webhook } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Keys } from '../../redis/keys.js';
import { DELIVERIES_KEPT, WebhookLog } from '../../webhooks/log.js';
import { sendTest, type WebhookQueue } from '../../webhooks/queue.js';
import { actorOf, apiTokenFor } from '../auth.js';
import { ApiError } from '../errors.js';
import { parseQuery } from '../validate.js';

export interface WebhookApiDeps {
  readonly config: () => Config;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  readonly now: () => Date;
  /** Where test events are queued (absent: this server cannot send them, 501). */
  readonly webhooks?: WebhookQueue | null;
}

const deliveriesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(DELIVERIES_KEPT).optional(),
});

export function webhookRoutes(app: Hono, deps: WebhookApiDeps): void {
  const log = new WebhookLog(deps.redis, deps.keys);
  /** Checks the token, then finds the webhook of the path. */
  const named = (c: Context): { hook: Webhook; by: string } => {
    const config = deps.config();
    const token = apiTokenFor(config, c.req.header('authorization'));
    const name = c.req.param('name');
    const hook = config.webhooks.find((w) => w.name === name);
    if (!hook) throw new ApiError(404, 'not_found', `there is no webhook "${name}"`);
    return { hook, by: actorOf(token) };
  };

  app.get('/v1/webhooks', async (c) => {
    const config = deps.config();
    apiTokenFor(config, c.req.header('authorization'));
    return c.json({ webhooks: await log.summaries(config) });
  });

  app.get('/v1/webhooks/:name/deliveries', async (c) => {
    const { hook } = named(c);
    const q = parseQuery(c, deliveriesQuery);
    return c.json({ webhook: hook.name, deliveries: await log.recent(hook.name, q.limit ?? 50) });
  });

  app.post('/v1/webhooks/:name/test', async (c) => {
    const { hook, by } = named(c);
    if (!deps.webhooks) throw new ApiError(501, 'not_supported', 'this server cannot send webhook tests');
    deps.log.info({ webhook: hook.name, by }, 'webhook test asked for');
    const { id, record } = await sendTest(deps.webhooks, log, hook, deps.now());
    if (!record) {
      return c.json(
        {
          delivery: null,
          id,
          message: `queued as ${id}, but no worker has sent it yet: is a Hark worker running?`,
        },
        202,
      );
    }
    return c.json({ delivery: record });
  });
}
