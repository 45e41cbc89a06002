/**
 * Reference renderers of the vendors' final schedules, written from their documented semantics
 * with luxon (not Hark's engine): who is on call every 15 minutes, merged into entries. The
 * fixtures' rendered schedules (PagerDuty final_schedule, Opsgenie timeline, OnCall final_shifts)
 * are made with these (support/make-fixtures.ts), so --verify compares two independent readings
 * of the same export. Every boundary in the fixtures falls on a quarter hour.
 */
import { DateTime } from 'luxon';

export const STEP = 15 * 60_000;

export interface Entry {
  start: number;
  end: number;
  who: string;
}

/** Samples `who(t)` (null: nobody) every STEP in [from, to) and merges equal neighbours. */
export function sample(from: number, to: number, who: (t: number) => string | null): Entry[] {
  const out: Entry[] = [];
  for (let t = from; t < to; t += STEP) {
    const w = who(t);
    if (w === null) continue;
    const last = out[out.length - 1];
    if (last && last.end === t && last.who === w) last.end = t + STEP;
    else out.push({ start: t, end: t + STEP, who: w });
  }
  return out;
}

/** Wall-clock fields of t in zone as a floating number of ms (local arithmetic). */
export function floating(t: number, zone: string): number {
  const d = DateTime.fromMillis(t, { zone });
  return Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second);
}

/** Minutes since local midnight and the local weekday (0 = Sunday). */
export function localClock(t: number, zone: string): { minute: number; weekday: number } {
  const d = DateTime.fromMillis(t, { zone });
  return { minute: d.hour * 60 + d.minute, weekday: d.weekday % 7 };
}

/** ISO 8601 with the zone's offset, as PagerDuty writes instants. */
export function isoIn(t: number, zone: string): string {
  return DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true })!;
}

/** The instant of a wall-clock time in a zone. */
export function at(local: string, zone: string): number {
  return DateTime.fromISO(local, { zone }).toMillis();
}

/** Whether minute-of-week m (0 = Sunday 00:00) is in [start, start + length), wrapping. */
export function inWeekSpan(m: number, start: number, length: number): boolean {
  return (((m - start) % 10080) + 10080) % 10080 < length;
}

// ------------------------------------------------------------------------------ PagerDuty

export interface PdLayer {
  start: string;
  end?: string | null;
  rotation_virtual_start: string;
  rotation_turn_length_seconds: number;
  users: { user: { id: string } }[];
  restrictions?: {
    type: string;
    start_time_of_day: string;
    duration_seconds: number;
    start_day_of_week?: number;
  }[];
}

/** PagerDuty: overrides on top, then layers in API order (highest first); restrictions mask turns. */
export function pagerdutyWho(
  zone: string,
  layers: PdLayer[],
  overrides: { start: string; end: string; user: { id: string } }[],
): (t: number) => string | null {
  return (t) => {
    for (const o of overrides) if (Date.parse(o.start) <= t && t < Date.parse(o.end)) return o.user.id;
    for (const l of layers) {
      if (t < Date.parse(l.start) || (l.end && t >= Date.parse(l.end))) continue;
      if (l.restrictions && l.restrictions.length > 0) {
        const { minute, weekday } = localClock(t, zone);
        const m = weekday * 1440 + minute;
        const ok = l.restrictions.some((r) => {
          const [h, mi] = r.start_time_of_day.split(':').map(Number);
          const from = h! * 60 + mi!;
          const len = r.duration_seconds / 60;
          if (r.type === 'daily_restriction')
            return [0, 1, 2, 3, 4, 5, 6].some((d) => inWeekSpan(m, d * 1440 + from, len));
          return inWeekSpan(m, (r.start_day_of_week! % 7) * 1440 + from, len);
        });
        if (!ok) continue;
      }
      const k = Math.floor(
        (floating(t, zone) - floating(Date.parse(l.rotation_virtual_start), zone)) /
          (l.rotation_turn_length_seconds * 1000),
      );
      const n = l.users.length;
      return l.users[((k % n) + n) % n]!.user.id;
    }
    return null;
  };
}

// ------------------------------------------------------------------------------ Opsgenie

const OG_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const OG_UNIT = { hourly: 3_600_000, daily: 86_400_000, weekly: 7 * 86_400_000 } as const;

export interface OgRotation {
  id: string;
  startDate: string;
  endDate?: string;
  type: keyof typeof OG_UNIT;
  length: number;
  participants: { type: string; id?: string }[];
  timeRestriction?:
    | {
        type: 'time-of-day';
        restriction: { startHour: number; startMin: number; endHour: number; endMin: number };
      }
    | {
        type: 'weekday-and-time-of-day';
        restrictions: {
          startDay: string;
          startHour: number;
          startMin: number;
          endDay: string;
          endHour: number;
          endMin: number;
        }[];
      };
}

/**
 * Opsgenie, one rotation: participants take turns of `length` units from startDate (wall-clock
 * time in the schedule's zone); a time restriction limits when the rotation is on call; an
 * override for the rotation (or for all rotations) replaces the participant.
 */
export function opsgenieWho(
  zone: string,
  r: OgRotation,
  overrides: { startDate: string; endDate: string; user: { id: string }; rotations: { id: string }[] }[],
): (t: number) => string | null {
  return (t) => {
    for (const o of overrides) {
      if (
        (o.rotations.length === 0 || o.rotations.some((x) => x.id === r.id)) &&
        Date.parse(o.startDate) <= t &&
        t < Date.parse(o.endDate)
      ) {
        return o.user.id;
      }
    }
    if (t < Date.parse(r.startDate) || (r.endDate && t >= Date.parse(r.endDate))) return null;
    const tr = r.timeRestriction;
    if (tr) {
      const { minute, weekday } = localClock(t, zone);
      if (tr.type === 'time-of-day') {
        const x = tr.restriction;
        const from = x.startHour * 60 + x.startMin;
        const len = (((x.endHour * 60 + x.endMin - from) % 1440) + 1440) % 1440 || 1440;
        if ((((minute - from) % 1440) + 1440) % 1440 >= len) return null;
      } else {
        const m = weekday * 1440 + minute;
        const ok = tr.restrictions.some((x) => {
          const from = OG_DAYS.indexOf(x.startDay) * 1440 + x.startHour * 60 + x.startMin;
          const to = OG_DAYS.indexOf(x.endDay) * 1440 + x.endHour * 60 + x.endMin;
          return inWeekSpan(m, from, (((to - from) % 10080) + 10080) % 10080 || 10080);
        });
        if (!ok) return null;
      }
    }
    const k = Math.floor(
      (floating(t, zone) - floating(Date.parse(r.startDate), zone)) / (r.length * OG_UNIT[r.type]),
    );
    const n = r.participants.length;
    return r.participants[((k % n) + n) % n]!.id ?? null;
  };
}

// ------------------------------------------------------------------------------ Grafana OnCall

const OC_DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

export interface OcShift {
  type: 'single_event' | 'recurrent_event' | 'rolling_users' | 'override';
  start: string;
  rotation_start?: string;
  duration: number;
  level?: number;
  frequency?: 'hourly' | 'daily' | 'weekly' | null;
  interval?: number | null;
  until?: string | null;
  week_start?: string;
  by_day?: string[] | null;
  users?: string[];
  rolling_users?: string[][];
  start_rotation_from_user_index?: number | null;
}

interface OcEvent {
  start: number;
  end: number;
  users: string[];
  level: number;
}

/**
 * Grafana OnCall, one shift, as its iCal export generates events: a turn is `interval` units
 * (weeks begin on week_start); a rolling shift's user groups take the turns in order (from
 * start_rotation_from_user_index), each turn's events being the shift's occurrences in its first
 * unit; turns before rotation_start are not on call (for web schedules: turns that end after it
 * are); events start at most at `until`.
 */
export function oncallEvents(x: OcShift, zone: string, web: boolean, horizon: number): OcEvent[] {
  const D = x.duration * 1000;
  const level = x.type === 'override' ? Infinity : (x.level ?? 0);
  const s0 = DateTime.fromISO(x.start, { zone });
  // Durations are wall-clock time (Python adds a timedelta to the local date-time), so an event
  // of 7 days ends at the same local time a week later across a DST change.
  const wallEnd = (start: DateTime) =>
    DateTime.fromMillis(floating(start.toMillis(), zone) + D, { zone: 'UTC' })
      .setZone(zone, { keepLocalTime: true })
      .toMillis();
  const ev = (start: DateTime, users: string[]): OcEvent => ({
    start: start.toMillis(),
    end: wallEnd(start),
    users,
    level,
  });
  if (x.type === 'single_event' || x.type === 'override' || !x.frequency) {
    return [ev(s0, x.type === 'override' && x.rolling_users ? x.rolling_users[0]! : (x.users ?? []))];
  }
  const i = x.interval ?? 1;
  const days = x.by_day?.length ? x.by_day.map((d) => OC_DAYS.indexOf(d)) : null;
  const wkst = OC_DAYS.indexOf(x.week_start ?? 'SU');
  const order = [0, 1, 2, 3, 4, 5, 6].map((k) => (wkst + k) % 7);
  const wd = (d: DateTime) => d.weekday % 7;
  let start = s0;
  if (days && !days.includes(wd(start))) {
    const first = order.find((d) => days.includes(d))!;
    start = start.plus({ days: (first - wd(start) + 7) % 7 });
  }
  const weekOf = (d: DateTime) => d.minus({ days: (wd(d) - wkst + 7) % 7 }).startOf('day');
  const at = (day: DateTime) => day.set({ hour: start.hour, minute: start.minute, second: 0 });
  const periodStart = (p: number): DateTime => {
    if (p === 0) return start;
    if (x.frequency === 'hourly') return start.plus({ hours: p * i });
    if (x.frequency === 'daily' && !days) return start.plus({ days: p * i });
    if (x.frequency === 'daily') {
      let d = start;
      for (let k = 0; k < p;) {
        d = d.plus({ days: 1 });
        if (days!.includes(wd(d))) k++;
      }
      return d;
    }
    const week = weekOf(start).plus({ weeks: p * i });
    const first = days ? order.find((d) => days.includes(d))! : wd(start);
    return at(week.plus({ days: (first - wkst + 7) % 7 }));
  };
  const eventsOf = (ps: DateTime): DateTime[] => {
    if (x.frequency !== 'weekly') return [ps];
    const week = weekOf(ps);
    return (days ?? [wd(ps)])
      .map((d) => at(week.plus({ days: (d - wkst + 7) % 7 })))
      .filter((e) => e >= ps)
      .sort((a, b) => a.toMillis() - b.toMillis());
  };
  const rolling = x.type === 'rolling_users';
  const groups = rolling ? x.rolling_users! : [x.users ?? []];
  const k0 = rolling ? (x.start_rotation_from_user_index ?? 0) : 0;
  const queue = [...groups.slice(k0), ...groups.slice(0, k0)];
  const rs = x.rotation_start ? DateTime.fromISO(x.rotation_start, { zone }).toMillis() : s0.toMillis();
  const until = x.until ? DateTime.fromISO(x.until, { zone }).toMillis() : Infinity;
  const out: OcEvent[] = [];
  for (let p = 0; ; p++) {
    const ps = periodStart(p);
    if (ps.toMillis() > Math.min(horizon, until)) break;
    const active = !rolling || (web ? wallEnd(ps) > rs : ps.toMillis() >= rs);
    if (!active) continue;
    for (const e of eventsOf(ps)) if (e.toMillis() <= until) out.push(ev(e, queue[p % queue.length]!));
  }
  return out;
}

/** OnCall's final schedule: the highest level on call wins (overrides above all); ties share. */
export function oncallFinal(events: OcEvent[]): (t: number) => string[] {
  return (t) => {
    const now = events.filter((e) => e.start <= t && t < e.end);
    if (now.length === 0) return [];
    const top = Math.max(...now.map((e) => e.level));
    return [...new Set(now.filter((e) => e.level === top).flatMap((e) => e.users))].sort();
  };
}
