/** Coverage windows (SPEC 1.2): local weekly windows turned into instant intervals. */
import type { CoverageWindow } from '../config/types.js';
import { DAY, MINUTE, localDate, localWeekday, type LocalMs, type TimeZone } from '../time/local.js';
import { union, type Interval } from './intervals.js';

/** The instants in [from, to) that the windows cover, as sorted disjoint intervals. */
export function coverageIntervals(
  windows: readonly CoverageWindow[],
  zone: TimeZone,
  from: number,
  to: number,
): Interval[] {
  const first = localDate(zone.toLocal(from)) - 2 * DAY;
  const last = localDate(zone.toLocal(to)) + DAY;
  const raw: Interval[] = [];
  for (let day = first; day <= last; day += DAY) {
    const weekday = localWeekday(day as LocalMs);
    for (const w of windows) {
      if (!w.days.includes(weekday)) continue;
      const endDay = w.to <= w.from ? day + DAY : day;
      const start = zone.toInstant((day + w.from * MINUTE) as LocalMs);
      const end = zone.toInstant((endDay + w.to * MINUTE) as LocalMs);
      const s = Math.max(start, from);
      const e = Math.min(end, to);
      if (e > s) raw.push({ start: s, end: e });
    }
  }
  return union(raw);
}
