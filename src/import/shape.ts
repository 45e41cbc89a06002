/**
 * Pieces every vendor needs to turn its rotations into Hark's: handoff rules from turn lengths,
 * coverage windows from weekly spans, member order from a rotation's phase, and local times from
 * instants (with a check that the local time means the same instant again).
 */
import { coverageIntervals } from '../schedules/coverage.js';
import type { LocalMs, TimeZone } from '../time/local.js';
import { DAY, HOUR, MINUTE } from '../time/local.js';
import type { PlannedWindow } from './plan.js';

const WEEK_MINUTES = 7 * 24 * 60;
export const WEEK = 7 * DAY;

/** The handoff RRULE for turns of `ms` wall-clock milliseconds, or null if Hark cannot say it. */
export function turnRule(ms: number): string | null {
  if (!Number.isInteger(ms) || ms <= 0) return null;
  if (ms % WEEK === 0) return ms === WEEK ? 'FREQ=WEEKLY' : `FREQ=WEEKLY;INTERVAL=${ms / WEEK}`;
  if (ms % DAY === 0) return ms === DAY ? 'FREQ=DAILY' : `FREQ=DAILY;INTERVAL=${ms / DAY}`;
  if (ms % HOUR === 0) return ms === HOUR ? 'FREQ=HOURLY' : `FREQ=HOURLY;INTERVAL=${ms / HOUR}`;
  return null;
}

/** `members` rotated so that `members[k mod n]` comes first. */
export function rotate<T>(members: readonly T[], k: number): T[] {
  const n = members.length;
  if (n === 0) return [];
  const s = ((k % n) + n) % n;
  return [...members.slice(s), ...members.slice(0, s)];
}

/** floor(a / b) for integers of any sign. */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** A stretch of a week: starts on `day` (0 = Sunday) at `from` minutes, lasts `minutes`. */
export interface WeekSpan {
  readonly day: number;
  readonly from: number;
  readonly minutes: number;
}

/**
 * Coverage windows covering exactly the union of the spans (repeated every week), or null when
 * the spans cover the whole week (no coverage needed). Windows of the same times are joined into
 * one with several days.
 */
export function windowsFor(spans: readonly WeekSpan[]): PlannedWindow[] | null {
  const covered = new Uint8Array(WEEK_MINUTES);
  for (const s of spans) {
    const first = s.day * 1440 + s.from;
    for (let m = 0; m < Math.min(s.minutes, WEEK_MINUTES); m++) covered[(first + m) % WEEK_MINUTES] = 1;
  }
  const gap = covered.indexOf(0);
  if (gap < 0) return null;
  const pieces: PlannedWindow[] = [];
  let m = gap;
  for (let seen = 0; seen < WEEK_MINUTES;) {
    if (!covered[m % WEEK_MINUTES]) {
      m++;
      seen++;
      continue;
    }
    const start = m;
    while (seen < WEEK_MINUTES && covered[m % WEEK_MINUTES]) {
      m++;
      seen++;
    }
    pieces.push(...runWindows(start % WEEK_MINUTES, m - start));
  }
  return joinDays(pieces);
}

/** One covered run as windows: one if it lasts at most a day, else split at local midnights. */
function runWindows(start: number, length: number): PlannedWindow[] {
  const day = Math.floor(start / 1440);
  const from = start % 1440;
  if (length <= 1440) {
    return [{ days: [day % 7], from, to: from + length === 1440 ? 1440 : (from + length) % 1440 }];
  }
  const out: PlannedWindow[] = [];
  let at = start;
  let left = length;
  while (left > 0) {
    const d = Math.floor(at / 1440) % 7;
    const f = at % 1440;
    const len = Math.min(left, 1440 - f);
    out.push({ days: [d], from: f, to: f + len });
    at += len;
    left -= len;
  }
  return out;
}

/** Monday first, as people read a week. */
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];

function joinDays(pieces: readonly PlannedWindow[]): PlannedWindow[] {
  const byTimes = new Map<string, { from: number; to: number; days: Set<number> }>();
  for (const p of pieces) {
    const key = `${p.from}-${p.to}`;
    const entry = byTimes.get(key) ?? { from: p.from, to: p.to, days: new Set<number>() };
    for (const d of p.days) entry.days.add(d);
    byTimes.set(key, entry);
  }
  const out = [...byTimes.values()].map((e) => ({
    from: e.from,
    to: e.to,
    days: WEEK_ORDER.filter((d) => e.days.has(d)),
  }));
  const firstDay = (w: PlannedWindow) => WEEK_ORDER.indexOf(w.days[0]!);
  return out.sort((a, b) => firstDay(a) - firstDay(b) || a.from - b.from || a.to - b.to);
}

/** The local time of an instant, and whether that local time means the instant again. */
export function localOf(zone: TimeZone, t: number): { local: LocalMs; exact: boolean } {
  const local = zone.toLocal(t);
  return { local, exact: zone.toInstant(local) === t };
}

/** Whether a local time is on a whole minute (Hark's coverage and handoffs are). */
export function wholeMinute(ms: number): boolean {
  return ms % MINUTE === 0;
}

/** `HH:MM` of minutes after midnight (1440 is `24:00`). */
export function clock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Minutes of `HH:MM` or `HH:MM:SS`, or null when it has seconds or is not a time. */
export function minutesOf(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59 || (m[3] !== undefined && Number(m[3]) !== 0)) return null;
  return h * 60 + min;
}

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** Whether coverage windows (null: always) cover any of the local range [from, to). */
export function coversAny(
  coverage: readonly PlannedWindow[] | null,
  zone: TimeZone,
  from: LocalMs,
  to: LocalMs,
): boolean {
  const a = zone.toInstant(from);
  const b = zone.toInstant(to);
  if (b <= a) return false;
  return coverage === null || coverageIntervals(coverage, zone, a, b).length > 0;
}
