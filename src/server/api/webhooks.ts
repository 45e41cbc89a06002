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
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ApiToken, Config, Webhook } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Keys } from '../../redis/keys.js';
import {
  DELIVERIES_KEPT,
  deliveryRecordSchema,
  WebhookLog,
  webhookSummarySchema,
} from '../../webhooks/log.js';
import { sendTest, type WebhookQueue } from '../../webhooks/queue.js';
import { actorOf, tokenApi } from '../auth.js';
import { ApiError } from '../errors.js';
import type { Api } from './route.js';

export interface WebhookApiDeps {
  readonly config: () => Config;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  readonly now: () => Date;
  /** Where test events are queued (absent: this server cannot send them, 501). */
  readonly webhooks?: WebhookQueue | null;
}

/** Deliveries answered without a `limit`. */
const DELIVERIES_SHOWN = 50;

const nameParams = z.object({ name: z.string().describe('The webhook name (from hark.yaml).') });

const deliveriesQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(DELIVERIES_KEPT)
    .optional()
    .describe(`At most this many (default ${DELIVERIES_SHOWN}).`),
});

export function webhookApi(deps: WebhookApiDeps): Api<ApiToken> {
  const log = new WebhookLog(deps.redis, deps.keys);
  /** The webhook of the path, or 404. */
  const named = (name: string): Webhook => {
    const hook = deps.config().webhooks.find((w) => w.name === name);
    if (!hook) throw new ApiError(404, 'not_found', `there is no webhook "${name}"`);
    return hook;
  };

  return tokenApi('webhooks', deps.config)
    .route({
      method: 'get',
      path: '/webhooks',
      operationId: 'listWebhooks',
      summary: 'Outgoing webhooks with their counters and last attempt',
      responses: {
        200: {
          description: 'Every webhook of hark.yaml.',
          json: z.object({ webhooks: z.array(webhookSummarySchema) }),
        },
      },
      handler: async (c) => c.json({ webhooks: await log.summaries(deps.config()) }),
    })
    .route({
      method: 'get',
      path: '/webhooks/:name/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'A webhook’s recent delivery attempts, newest first',
      params: nameParams,
      query: deliveriesQuery,
      responses: {
        200: {
          description: 'The attempts.',
          json: z.object({ webhook: z.string(), deliveries: z.array(deliveryRecordSchema) }),
        },
        404: 'NotFound',
      },
      handler: async (c, { params, query }) => {
        const hook = named(params.name);
        return c.json({
          webhook: hook.name,
          deliveries: await log.recent(hook.name, query.limit ?? DELIVERIES_SHOWN),
        });
      },
    })
    .route({
      method: 'post',
      path: '/webhooks/:name/test',
      operationId: 'testWebhook',
      summary: 'Send a signed `webhook.test` event',
      description:
        'Queued like every delivery and sent by a worker, once (never retried); answers the attempt ' +
        'when it is made within the webhook’s timeout and 5 s.',
      params: nameParams,
      responses: {
        200: {
          description: 'The attempt (its `outcome` says whether the receiver took it).',
          json: z.object({ delivery: deliveryRecordSchema }),
        },
        202: {
          description: 'Queued, but no worker sent it in time.',
          json: z.object({ delivery: z.null(), id: z.string(), message: z.string() }),
        },
        404: 'NotFound',
        501: 'NotSupported',
      },
      handler: async (c, { auth, params }) => {
        const hook = named(params.name);
        if (!deps.webhooks) throw new ApiError(501, 'not_supported', 'this server cannot send webhook tests');
        deps.log.info({ webhook: hook.name, by: actorOf(auth) }, 'webhook test asked for');
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
      },
    });
}
