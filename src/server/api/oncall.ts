/** Who is on call and final shifts over HTTP (SPEC sections 7 and 8, same shapes as the CLI). */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../../config/types.js';
import type { ScheduleRegistry } from '../../schedules/registry.js';
import { shiftRows, whoRows, type WhoRow } from '../../schedules/report.js';
import { parseTimeArg, TIME_HELP } from '../../time/parse-time.js';
import { apiTokenFor } from '../auth.js';
import { ApiError } from '../errors.js';
import { parseQuery } from '../validate.js';

export interface OncallApiDeps {
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly now: () => Date;
}

const instant = (name: string, text: string, zone: string, now: number): number => {
  const t = parseTimeArg(text, zone, now);
  if (t === null) throw new ApiError(400, 'invalid_query', `invalid ${name}: ${TIME_HELP}`, name);
  return t;
};

export function oncallRoutes(app: Hono, deps: OncallApiDeps): void {
  app.get('/v1/oncall', async (c) => {
    const config = deps.config();
    apiTokenFor(config, c.req.header('authorization'));
    const q = parseQuery(c, z.strictObject({ at: z.string().optional(), schedule: z.string().optional() }));
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
  });

  app.get('/v1/schedules/:name/shifts', async (c) => {
    const config = deps.config();
    apiTokenFor(config, c.req.header('authorization'));
    const registry = deps.schedules();
    const compiled = registry.get(c.req.param('name'));
    if (!compiled) throw new ApiError(404, 'not_found', `there is no schedule "${c.req.param('name')}"`);
    const q = parseQuery(c, z.strictObject({ from: z.string(), to: z.string() }));
    const now = deps.now().getTime();
    const from = instant('from', q.from, compiled.zone.name, now);
    const to = instant('to', q.to, compiled.zone.name, now);
    if (to <= from) throw new ApiError(400, 'invalid_query', 'to must be after from', 'to');
    if (to - from > 366 * 86_400_000 * 2)
      throw new ApiError(400, 'invalid_query', 'at most two years at a time', 'to');
    await registry.refresh();
    return c.json({ shifts: shiftRows(compiled, from, to, registry.view(compiled.name)) });
  });
}
