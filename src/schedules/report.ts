/** Who holds what, and the final shifts, in the JSON shapes of SPEC section 8 (CLI and HTTP API). */
import { z } from 'zod';
import { isoUtc } from '../time/format.js';
import type { CompiledSchedule, Holding, ScheduleView } from './engine.js';

const instant = z.iso.datetime({ offset: true });

export const whoRowSchema = z
  .object({
    schedule: z.string(),
    role: z.string(),
    person: z.string().nullable().describe('null where nobody holds the role.'),
    since: instant.nullable(),
    until: instant.nullable(),
  })
  .readonly()
  .meta({ id: 'OncallRow' });
export type WhoRow = z.infer<typeof whoRowSchema>;

export const shiftRowSchema = z
  .object({
    role: z.string(),
    person: z.string(),
    start: instant,
    end: instant,
    source: z.string().meta({
      description: '`rotation:<name>`, `override:git:<index>` or `override:<id>` (a runtime override).',
      examples: ['rotation:weekly', 'override:git:0', 'override:o3'],
    }),
  })
  .readonly()
  .meta({ id: 'Shift' });
export type ShiftRow = z.infer<typeof shiftRowSchema>;

/** Each role of the schedule at `at`, with the holding behind it (for tables). */
export function whoRows(
  schedule: CompiledSchedule,
  at: number,
  view: ScheduleView = schedule.base,
): { row: WhoRow; holding: Holding }[] {
  return schedule.roles.map((role) => {
    const holding = view.holding(role, at);
    return {
      holding,
      row: {
        schedule: schedule.name,
        role,
        person: holding.person,
        since: holding.since === null ? null : isoUtc(holding.since),
        until: holding.until === null ? null : isoUtc(holding.until),
      },
    };
  });
}

export function shiftRows(
  schedule: CompiledSchedule,
  from: number,
  to: number,
  view: ScheduleView = schedule.base,
): ShiftRow[] {
  return view.shifts(from, to).map((s) => ({
    role: s.role,
    person: s.person,
    start: isoUtc(s.start),
    end: isoUtc(s.end),
    source: s.source,
  }));
}
