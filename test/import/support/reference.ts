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
