/**
 * Runtime overrides over HTTP (SPEC sections 6 and 7):
 *
 *   GET    /v1/schedules/:name/overrides        {"overrides": [Override, ...]}   (live ones, in time order)
 *   POST   /v1/schedules/:name/overrides        {role?, person, from?, to? | duration?, reason?, as?}
 *                                               → 201 {"override": Override}
 *   DELETE /v1/schedules/:name/overrides/:id    → {"override": Override} (the removed one)
 *
 * `from` defaults to now; without `to` or `duration` the override lasts until the end of the
 * current holder's interval (a handoff), else 1h. Times are ISO 8601, local to the schedule
 * without an offset, or `now`. The override is created by the token's actor, or by `as` (a person,
 * as the CLI's --as).
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { DURATION_HELP, parseDuration } from '../../config/duration.js';
import type { ApiToken, Config } from '../../config/types.js';
import type { Keys } from '../../redis/keys.js';
import type { CompiledSchedule } from '../../schedules/engine.js';
import type { OverrideStore } from '../../schedules/override-store.js';
import { OverrideError, overrideJson, overrideJsonSchema } from '../../schedules/override-store.js';
import type { ScheduleRegistry } from '../../schedules/registry.js';
import { parseTimeArg, TIME_HELP } from '../../time/parse-time.js';
import { actorOf, tokenApi } from '../auth.js';
import { ApiError } from '../errors.js';
import { scheduleParams } from './oncall.js';
import type { Api } from './route.js';

export interface OverrideApiDeps {
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly now: () => Date;
  /** The runtime overrides (built once by the process, with its shift planner attached). */
  readonly overrides: OverrideStore;
}

const createBody = z
  .strictObject({
    role: z.string().min(1).optional().describe('Default: primary.'),
    person: z.string().min(1),
    from: z.string().optional(),
    to: z.string().optional().describe('Not with `duration`.'),
    duration: z
      .string()
      .optional()
      .meta({ description: 'Not with `to`.', examples: ['2h', '1h30m'] }),
    reason: z.string().optional(),
    as: z.string().optional().describe('Create it in the name of this person.'),
  })
  .meta({
    id: 'NewOverride',
    description:
      'Times are ISO 8601, local to the schedule without an offset, or `now`. `from` defaults to now; ' +
      'without `to` or `duration` the override lasts until the current holder’s interval ends, else 1h.',
  });

const overrideAnswer = (description: string) => ({
  description,
  json: z.object({ override: overrideJsonSchema }),
});

export function overrideApi(deps: OverrideApiDeps): Api<ApiToken> {
  const store = deps.overrides;

  /** The schedule of the path, or 404. */
  const scheduleOf = (name: string): CompiledSchedule => {
    const compiled = deps.schedules().get(name);
    if (!compiled) throw new ApiError(404, 'not_found', `there is no schedule "${name}"`);
    return compiled;
  };

  return tokenApi('schedules', deps.config)
    .route({
      method: 'get',
      path: '/schedules/:name/overrides',
      operationId: 'listOverrides',
      summary: 'Runtime overrides of a schedule',
      description: 'The live ones, in time order.',
      params: scheduleParams,
      responses: {
        200: { description: 'The overrides.', json: z.object({ overrides: z.array(overrideJsonSchema) }) },
        404: 'NotFound',
      },
      handler: async (c, { params }) => {
        const compiled = scheduleOf(params.name);
        return c.json({ overrides: (await store.list(compiled.name)).map(overrideJson) });
      },
    })
    .route({
      method: 'post',
      path: '/schedules/:name/overrides',
      operationId: 'createOverride',
      summary: 'Create a runtime override',
      params: scheduleParams,
      body: createBody,
      responses: { 201: overrideAnswer('Created.'), 404: 'NotFound' },
      handler: async (c, { auth: token, params, body }) => {
        const compiled = scheduleOf(params.name);
        const zone = compiled.zone.name;
        const now = deps.now().getTime();
        const time = (field: 'from' | 'to', text: string): number => {
          const t = parseTimeArg(text, zone, now);
          if (t === null) throw new ApiError(400, 'invalid_body', `invalid ${field}: ${TIME_HELP}`, field);
          return t;
        };
        const from = body.from === undefined ? now : time('from', body.from);
        let to: number | undefined;
        if (body.to !== undefined && body.duration !== undefined)
          throw new ApiError(400, 'invalid_body', 'give to or duration, not both', 'duration');
        if (body.to !== undefined) to = time('to', body.to);
        if (body.duration !== undefined) {
          const ms = parseDuration(body.duration);
          if (ms === null || ms === 0)
            throw new ApiError(400, 'invalid_body', `invalid duration: ${DURATION_HELP}`, 'duration');
          to = from + ms;
        }
        let createdBy = actorOf(token);
        if (body.as !== undefined) {
          if (!deps.config().people.has(body.as))
            throw new ApiError(400, 'invalid_body', `unknown person "${body.as}"`, 'as');
          createdBy = `person:${body.as}`;
        }
        try {
          const o = await store.create({
            schedule: compiled.name,
            role: body.role,
            person: body.person,
            from,
            to,
            createdBy,
            reason: body.reason ?? null,
          });
          return c.json({ override: overrideJson(o) }, 201);
        } catch (e) {
          if (e instanceof OverrideError) throw new ApiError(400, 'invalid_body', e.message, e.field);
          throw e;
        }
      },
    })
    .route({
      method: 'delete',
      path: '/schedules/:name/overrides/:id',
      operationId: 'removeOverride',
      summary: 'Remove a runtime override',
      params: scheduleParams.extend({ id: z.string().describe('The override id.') }),
      responses: { 200: overrideAnswer('The removed override.'), 404: 'NotFound' },
      handler: async (c, { params }) => {
        const compiled = scheduleOf(params.name);
        const removed = await store.remove(params.id, compiled.name);
        if (!removed)
          throw new ApiError(404, 'not_found', `schedule "${compiled.name}" has no override "${params.id}"`);
        return c.json({ override: overrideJson(removed) });
      },
    });
}
