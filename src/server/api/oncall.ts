/** Who is on call and final shifts over HTTP (SPEC sections 7 and 8, same shapes as the CLI). */
import { z } from 'zod';
import type { ApiToken, Config } from '../../config/types.js';
import type { ScheduleRegistry } from '../../schedules/registry.js';
import { shiftRows, shiftRowSchema, whoRows, whoRowSchema, type WhoRow } from '../../schedules/report.js';
import { parseTimeArg, TIME_HELP } from '../../time/parse-time.js';
import { tokenApi } from '../auth.js';
import { ApiError } from '../errors.js';
import type { Api } from './route.js';

export interface OncallApiDeps {
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly now: () => Date;
}

/** At most this long a range of shifts at a time. */
const MAX_SHIFTS_MS = 366 * 86_400_000 * 2;

const instant = (name: string, text: string, zone: string, now: number): number => {
  const t = parseTimeArg(text, zone, now);
  if (t === null) throw new ApiError(400, 'invalid_query', `invalid ${name}: ${TIME_HELP}`, name);
  return t;
};

const TIME = 'ISO 8601 (local to the schedule without an offset) or `now`.';

export const scheduleParams = z.object({
  name: z.string().describe('The schedule name (its file name without `.yaml`).'),
});

export function oncallApi(deps: OncallApiDeps): Api<ApiToken> {
  return tokenApi('schedules', deps.config)
    .route({
      method: 'get',
      path: '/oncall',
      operationId: 'whoIsOnCall',
      summary: 'Who holds each role of each schedule',
      query: z.strictObject({
        at: z.string().optional().describe(`${TIME} Default: now.`),
        schedule: z.string().optional().describe('Only this schedule.'),
      }),
      responses: {
        200: {
          description: 'Every role, with `person: null` where nobody holds it.',
          json: z.object({ oncall: z.array(whoRowSchema) }),
        },
        404: 'NotFound',
      },
      handler: async (c, { query: q }) => {
        const registry = deps.schedules();
        await registry.refresh();
        const now = deps.now().getTime();
        const out: WhoRow[] = [];
        for (const name of q.schedule ? [q.schedule] : registry.names()) {
          const compiled = registry.get(name);
          if (!compiled) throw new ApiError(404, 'not_found', `there is no schedule "${name}"`, 'schedule');
          const at = instant('at', q.at ?? 'now', compiled.zone.name, now);
          out.push(...whoRows(compiled, at, registry.view(name)).map((r) => r.row));
        }
        return c.json({ oncall: out });
      },
    })
    .route({
      method: 'get',
      path: '/schedules/:name/shifts',
      operationId: 'listShifts',
      summary: 'Final shifts with their source',
      description: `Per role, in time order, clipped to [from, to); at most ${MAX_SHIFTS_MS / 86_400_000} days at a time.`,
      params: scheduleParams,
      query: z.strictObject({ from: z.string().describe(TIME), to: z.string().describe(TIME) }),
      responses: {
        200: { description: 'The shifts.', json: z.object({ shifts: z.array(shiftRowSchema) }) },
        404: 'NotFound',
      },
      handler: async (c, { params, query: q }) => {
        const registry = deps.schedules();
        const compiled = registry.get(params.name);
        if (!compiled) throw new ApiError(404, 'not_found', `there is no schedule "${params.name}"`);
        const now = deps.now().getTime();
        const from = instant('from', q.from, compiled.zone.name, now);
        const to = instant('to', q.to, compiled.zone.name, now);
        if (to <= from) throw new ApiError(400, 'invalid_query', 'to must be after from', 'to');
        if (to - from > MAX_SHIFTS_MS)
          throw new ApiError(400, 'invalid_query', 'at most two years at a time', 'to');
        await registry.refresh();
        return c.json({ shifts: shiftRows(compiled, from, to, registry.view(compiled.name)) });
      },
    });
}
