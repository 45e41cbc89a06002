/** Who holds what, and the final shifts, in the JSON shapes of SPEC section 8 (CLI and HTTP API). */
import { isoUtc } from '../time/format.js';
import type { CompiledSchedule, Holding, ScheduleView } from './engine.js';

export interface WhoRow {
  readonly schedule: string;
  readonly role: string;
  readonly person: string | null;
  readonly since: string | null;
  readonly until: string | null;
}

export interface ShiftRow {
  readonly role: string;
  readonly person: string;
  readonly start: string;
  readonly end: string;
  readonly source: string;
}

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
