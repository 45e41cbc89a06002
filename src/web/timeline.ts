/**
 * The dashboard's schedule timeline: per role, the final shifts over a window as positioned
 * segments (percent of the window), with the gaps where nobody holds the role made explicit, and
 * day ticks in the viewer's zone. Pure: the page renders what this returns.
 */
import { DateTime } from 'luxon';
import type { ScheduleView } from '../schedules/engine.js';

export type SegmentKind = 'rotation' | 'override' | 'gap';

export interface Segment {
  readonly kind: SegmentKind;
  /** null for a gap. */
  readonly person: string | null;
  readonly start: number;
  readonly end: number;
  /** `rotation:weekly`, `override:git:0`, `override:<id>`; null for a gap. */
  readonly source: string | null;
  /** Position and size in percent of the window. */
  readonly left: number;
  readonly width: number;
}

export interface RoleBar {
  readonly role: string;
  readonly segments: readonly Segment[];
}

export interface Tick {
  readonly left: number;
  readonly label: string;
  /** Monday (or the first tick): drawn stronger. */
  readonly major: boolean;
}

const pct = (t: number, from: number, to: number) => Math.round(((t - from) / (to - from)) * 10_000) / 100;

export function roleBars(view: ScheduleView, roles: readonly string[], from: number, to: number): RoleBar[] {
  const shifts = view.shifts(from, to);
  return roles.map((role) => {
    const segments: Segment[] = [];
    let cursor = from;
    const seg = (
      kind: SegmentKind,
      person: string | null,
      start: number,
      end: number,
      source: string | null,
    ) =>
      segments.push({
        kind,
        person,
        start,
        end,
        source,
        left: pct(start, from, to),
        width: pct(end, from, to) - pct(start, from, to),
      });
    for (const s of shifts) {
      if (s.role !== role) continue;
      if (s.start > cursor) seg('gap', null, cursor, s.start, null);
      seg(s.source.startsWith('override:') ? 'override' : 'rotation', s.person, s.start, s.end, s.source);
      cursor = Math.max(cursor, s.end);
    }
    if (cursor < to) seg('gap', null, cursor, to, null);
    return { role, segments };
  });
}

/** One tick per local midnight in `zone` within [from, to). */
export function dayTicks(from: number, to: number, zone: string): Tick[] {
  const ticks: Tick[] = [];
  let day = DateTime.fromMillis(from, { zone }).startOf('day');
  if (day.toMillis() < from) day = day.plus({ days: 1 });
  for (let i = 0; day.toMillis() < to && i < 400; i++, day = day.plus({ days: 1 })) {
    ticks.push({
      left: pct(day.toMillis(), from, to),
      label: day.toFormat('ccc d'),
      major: day.weekday === 1 || i === 0,
    });
  }
  return ticks;
}
