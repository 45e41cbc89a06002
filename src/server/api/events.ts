/**
 * The incident event stream over HTTP:
 *
 *   GET /v1/events?after=<id>&limit=<n>   {"events": [{id, incident, event}, ...], "next": "<id>"}
 *
 * Oldest first, after `after` (exclusive; absent: from the oldest event retained). `next` is the
 * id to pass as `after` for the next page: the last entry read, else the `after` given (no newer
 * events yet), else `0-0`. Events older than settings.event_retention are gone.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { ApiToken, Config } from '../../config/types.js';
import { eventPageSchema, readEvents, STREAM_ID_RE } from '../../events/stream.js';
import type { Keys } from '../../redis/keys.js';
import { tokenApi } from '../auth.js';
import type { Api } from './route.js';

export interface EventApiDeps {
  readonly config: () => Config;
  readonly redis: Redis;
  readonly keys: Keys;
}

/** Redis stream ids are two 64-bit unsigned numbers. */
const U64_MAX = 2n ** 64n - 1n;
const ID_HELP = 'must be an event id such as 1764082800000-0 (the `next` of the page before)';

export const eventsQuery = z.strictObject({
  after: z
    .string()
    .regex(STREAM_ID_RE, { error: ID_HELP, abort: true })
    .refine((id) => STREAM_ID_RE.test(id) && id.split('-').every((part) => BigInt(part) <= U64_MAX), {
      error: ID_HELP,
    })
    .optional()
    .describe('Only events after this id (exclusive); absent: from the oldest retained'),
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('At most this many events'),
});

export function eventApi(deps: EventApiDeps): Api<ApiToken> {
  return tokenApi('incidents', deps.config).route({
    method: 'get',
    path: '/events',
    operationId: 'listEvents',
    summary: 'Page through the incident event stream',
    description:
      'Every change of every incident, oldest first, kept for `settings.event_retention` (default 7 days).',
    query: eventsQuery,
    responses: { 200: { description: 'A page of events.', json: eventPageSchema } },
    handler: async (c, { query: q }) => {
      // Nothing can follow the largest id (and Redis refuses it as an exclusive start).
      if (q.after === `${U64_MAX}-${U64_MAX}`) return c.json({ events: [], next: q.after });
      return c.json(await readEvents(deps.redis, deps.keys, { after: q.after, limit: q.limit }));
    },
  });
}
