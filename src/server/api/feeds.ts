/**
 * iCal feeds (SPEC section 7): `GET /v1/schedules/:name.ics` and `GET /v1/people/:name.ics`.
 *
 * Calendar apps cannot send an API token, so a feed authenticates only by its own read-only
 * token in the query (`?token=…`, see schedules/feed-token.ts; `hark feed-url` prints the URL).
 * The token is checked before anything else: a caller without the right token gets the same 401
 * whether or not the name exists. The events are the final shifts of `shiftRows`, with the
 * runtime overrides, over `from`/`to` (TIME as in the shifts API; default now − 7 days to
 * now + 90 days; when only one bound is given the range keeps that 97-day length).
 */
import type { Context } from 'hono';
import { z } from 'zod';
import type { Config } from '../../config/types.js';
import { verifyFeedToken, type FeedKind } from '../../schedules/feed-token.js';
import {
  defaultFeedRange,
  FEED_AHEAD_MS,
  FEED_MAX_RANGE_MS,
  FEED_PAST_MS,
  personCalendar,
  scheduleCalendar,
  type FeedRange,
  type FeedSource,
} from '../../schedules/ical.js';
import type { ScheduleRegistry } from '../../schedules/registry.js';
import { parseTimeArg, TIME_HELP } from '../../time/parse-time.js';
import { ApiError } from '../errors.js';
import { Api, type Auth } from './route.js';

export interface FeedApiDeps {
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly now: () => Date;
  /** The per-install secret feed tokens are derived from. */
  readonly secret: () => Promise<string>;
}

/** How long calendar apps and proxies may reuse a feed (the token is in the URL: private). */
export const FEED_CACHE_CONTROL = 'private, max-age=300';

/** The feed file in the path: `<name>.ics` (the name is checked against the token, not here). */
const FILE = ':name{[^/]+\\.ics}';
const nameOf = (file: string): string => file.slice(0, -'.ics'.length);

const TIME = 'ISO 8601 (local to the schedule or person without an offset) or `now`.';
// Lenient about other parameters: a subscribe URL should keep working if something appends one.
const feedQuery = z.object({
  token: z.string().optional().describe('The read-only feed token (checked before anything else).'),
  from: z
    .string()
    .optional()
    .meta({ description: `Start of the range: ${TIME}`, examples: ['2026-03-01', '2026-03-01T09:00Z'] }),
  to: z
    .string()
    .optional()
    .meta({ description: `End of the range: ${TIME}`, examples: ['2026-04-01'] }),
});

/**
 * A feed authenticates only by its own read-only token in the query, for the name in its path;
 * checked first: a caller without the right token gets the same 401 whether or not the name exists.
 */
function feedTokenAuth(kind: FeedKind, secret: () => Promise<string>): Auth<null> {
  return {
    kind: 'feedToken',
    security: [{ feedToken: [] }],
    responses: { 401: 'Unauthorized' },
    check: async (c) => {
      const name = nameOf(c.req.param('name') ?? '');
      if (!verifyFeedToken(await secret(), kind, name, c.req.query('token'))) {
        throw new ApiError(
          401,
          'unauthorized',
          'this feed needs its token in the query: ?token=… (hark feed-url prints the whole URL)',
          'token',
        );
      }
      return null;
    },
  };
}

const instant = (name: string, text: string, zone: string, now: number): number => {
  const t = parseTimeArg(text, zone, now);
  if (t === null) throw new ApiError(400, 'invalid_query', `invalid ${name}: ${TIME_HELP}`, name);
  return t;
};

function feedRange(q: z.output<typeof feedQuery>, zone: string, now: number): FeedRange {
  const span = FEED_PAST_MS + FEED_AHEAD_MS;
  const given = {
    from: q.from === undefined ? null : instant('from', q.from, zone, now),
    to: q.to === undefined ? null : instant('to', q.to, zone, now),
  };
  const range =
    given.from === null && given.to === null
      ? defaultFeedRange(now)
      : {
          from: given.from ?? given.to! - span,
          to: given.to ?? given.from! + span,
        };
  if (range.to <= range.from) throw new ApiError(400, 'invalid_query', 'to must be after from', 'to');
  if (range.to - range.from > FEED_MAX_RANGE_MS)
    throw new ApiError(
      400,
      'invalid_query',
      `a feed covers at most ${FEED_MAX_RANGE_MS / 86_400_000} days`,
      'to',
    );
  return range;
}

export function feedApis(deps: FeedApiDeps): Api<null>[] {
  const cache = new FeedCache();
  const feed = async (
    c: Context,
    kind: FeedKind,
    name: string,
    q: z.output<typeof feedQuery>,
  ): Promise<Response> => {
    const config = deps.config();
    const registry = deps.schedules();
    const now = deps.now().getTime();
    let body: string;
    if (kind === 'schedule') {
      const schedule = registry.get(name);
      if (!schedule) throw new ApiError(404, 'not_found', `there is no schedule "${name}"`);
      const range = feedRange(q, schedule.zone.name, now);
      await registry.refresh();
      const view = registry.view(name)!;
      body = cache.get(`schedule:${name}:${range.from}:${range.to}`, [config, view], () =>
        scheduleCalendar({
          ...range,
          source: { schedule, view },
          displayName: (p) => config.people.get(p)?.displayName ?? p,
          generatedAt: now,
        }),
      );
    } else {
      const person = config.people.get(name);
      if (!person) throw new ApiError(404, 'not_found', `there is no person "${name}"`);
      const range = feedRange(q, person.timezone, now);
      await registry.refresh();
      const sources: FeedSource[] = registry
        .names()
        .map((n) => ({ schedule: registry.get(n)!, view: registry.view(n)! }));
      body = cache.get(
        `person:${name}:${range.from}:${range.to}`,
        [config, ...sources.map((x) => x.view)],
        () =>
          personCalendar({
            ...range,
            person: name,
            displayName: person.displayName,
            sources,
            generatedAt: now,
          }),
      );
    }
    c.header('Content-Type', 'text/calendar; charset=utf-8');
    c.header('Cache-Control', FEED_CACHE_CONTROL);
    c.header('Content-Disposition', `inline; filename="${name}.ics"`);
    return c.body(body);
  };

  const feedRoute = (kind: FeedKind, base: string, operationId: string, summary: string, what: string) =>
    new Api('schedules', feedTokenAuth(kind, deps.secret)).route({
      method: 'get',
      path: `${base}/${FILE}`,
      operationId,
      summary,
      description:
        `The ${what} as an iCalendar feed of final shifts (with runtime overrides), for a calendar app ` +
        'to subscribe to. Authenticated by its read-only feed token in the query (calendar apps cannot ' +
        'send headers; `hark feed-url` prints the URL), not by an API token. The token is checked ' +
        `first. Default range: ${FEED_PAST_MS / 86_400_000} days back to ${FEED_AHEAD_MS / 86_400_000} ` +
        `days ahead; at most ${FEED_MAX_RANGE_MS / 86_400_000} days.`,
      params: z.object({
        name: z
          .string()
          .transform(nameOf)
          .describe(kind === 'schedule' ? 'The schedule name.' : 'The person name.'),
      }),
      query: feedQuery,
      responses: {
        200: { description: 'The shifts as VEVENTs.', content: { 'text/calendar': z.string() } },
        404: 'NotFound',
      },
      handler: (c, { params, query }) => feed(c, kind, params.name, query),
    });

  return [
    feedRoute('schedule', '/schedules', 'scheduleFeed', 'A schedule as an iCalendar feed', 'schedule'),
    feedRoute('person', '/people', 'personFeed', 'A person’s shifts as an iCalendar feed', 'person'),
  ];
}

/**
 * Feeds already written, by feed and range, for as long as the config and the schedule views
 * they were made from are the same objects (a view is replaced when runtime overrides change, the
 * config on a reload). Writing a year of a busy schedule takes tens of milliseconds (ical-generator
 * folds lines character by character) and calendar apps poll: the default range moves a day at a
 * time, so most polls are answered from here without blocking the event loop that pages people.
 */
export class FeedCache {
  private readonly entries = new Map<string, { inputs: readonly object[]; body: string }>();

  constructor(private readonly max = 200) {}

  get(key: string, inputs: readonly object[], make: () => string): string {
    const hit = this.entries.get(key);
    this.entries.delete(key);
    const body =
      hit && hit.inputs.length === inputs.length && hit.inputs.every((x, i) => x === inputs[i])
        ? hit.body
        : make();
    this.entries.set(key, { inputs, body });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return body;
  }
}
