/**
 * iCal feeds of final shifts (SPEC section 7): one VEVENT per row of `shiftRows` — the shifts
 * exactly as `hark shifts` and `/v1/schedules/:name/shifts` give them, runtime overrides included
 * when the view has them. Pure: the views, the range and the clock in, the ICS text out.
 *
 * Times are UTC (`DTSTART:…Z`, whole seconds), so no VTIMEZONE is needed; the schedule's zone is
 * named in each event's description. A UID is derived from the feed kind, schedule, role, start and person, so
 * a calendar app that refreshes the feed updates an event whose end moved instead of adding a
 * second one. Shifts are TRANSPARENT: being on call does not make a person busy.
 */
import ical, { ICalEventTransparency } from 'ical-generator';
import { createHash } from 'node:crypto';
import { humanTime, isoUtc } from '../time/format.js';
import type { CompiledSchedule, ScheduleView } from './engine.js';
import type { FeedKind } from './feed-token.js';
import { shiftRows, type ShiftRow } from './report.js';

const DAY_MS = 86_400_000;

/** The default range of a feed: from 7 days ago to 90 days ahead (whole UTC days). */
export const FEED_PAST_MS = 7 * DAY_MS;
export const FEED_AHEAD_MS = 90 * DAY_MS;
/** The longest range a feed answers. */
export const FEED_MAX_RANGE_MS = 400 * DAY_MS;
/** REFRESH-INTERVAL / X-PUBLISHED-TTL: how often calendar apps are asked to poll. */
export const FEED_REFRESH_SECONDS = 15 * 60;

export interface FeedRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The range a feed shows when the query names none: now − 7 days to now + 90 days, widened to
 * whole UTC days so the clipped first shift keeps its start (and its UID) for a day at a time.
 */
export function defaultFeedRange(now: number): FeedRange {
  return {
    from: Math.floor((now - FEED_PAST_MS) / DAY_MS) * DAY_MS,
    to: Math.ceil((now + FEED_AHEAD_MS) / DAY_MS) * DAY_MS,
  };
}

/** A schedule and the view of it to show (the registry's view has the runtime overrides). */
export interface FeedSource {
  readonly schedule: CompiledSchedule;
  readonly view: ScheduleView;
}

export interface ScheduleCalendarInput extends FeedRange {
  readonly source: FeedSource;
  /** A person's display name (`Alice Example`); default: the config key. */
  readonly displayName?: (person: string) => string;
  /** DTSTAMP of every event (the time the feed was made). */
  readonly generatedAt: number;
}

export interface PersonCalendarInput extends FeedRange {
  /** The person (config key). */
  readonly person: string;
  readonly displayName?: string;
  /** Every schedule to look in; shifts of other people are left out. */
  readonly sources: readonly FeedSource[];
  readonly generatedAt: number;
}

/** One event: a shift row and the schedule it is of. */
interface FeedEvent {
  readonly schedule: CompiledSchedule;
  readonly row: ShiftRow;
  readonly summary: string;
}

/** A stable, opaque UID: the same shift of the same feed keeps it across refreshes. */
export function shiftUid(
  kind: FeedKind,
  schedule: string,
  row: Pick<ShiftRow, 'role' | 'start' | 'person'>,
): string {
  const hash = createHash('sha256')
    .update(`${kind}\n${schedule}\n${row.role}\n${row.start}\n${row.person}`)
    .digest('hex')
    .slice(0, 32);
  return `${hash}@hark`;
}

/** `rotation "weekly"`, `git override #0`, `runtime override o1`. */
export function describeSource(source: string): string {
  if (source.startsWith('rotation:')) return `rotation "${source.slice('rotation:'.length)}"`;
  if (source.startsWith('override:git:')) return `git override #${source.slice('override:git:'.length)}`;
  if (source.startsWith('override:')) return `runtime override ${source.slice('override:'.length)}`;
  return source;
}

function description(e: FeedEvent, holder: string, range: FeedRange): string {
  const zone = e.schedule.zone.name;
  const start = Date.parse(e.row.start);
  const end = Date.parse(e.row.end);
  const lines = [
    `${holder} is ${e.row.role} on call for ${e.schedule.name}.`,
    `Source: ${describeSource(e.row.source)} (${e.row.source})`,
    `Schedule time zone: ${zone}`,
    `Local time: ${humanTime(start, zone)} – ${humanTime(end, zone)}`,
  ];
  const beyond = [start <= range.from ? 'have begun earlier' : '', end >= range.to ? 'go on later' : ''];
  if (beyond.some(Boolean))
    lines.push(
      `Cut to this feed's range (${isoUtc(range.from)} – ${isoUtc(range.to)}): the shift may ${beyond.filter(Boolean).join(' and ')}.`,
    );
  return lines.join('\n');
}

function calendar(
  kind: FeedKind,
  name: string,
  caption: string,
  events: readonly FeedEvent[],
  holder: (person: string) => string,
  input: FeedRange & { readonly generatedAt: number },
): string {
  const cal = ical({
    name,
    description: caption,
    prodId: { company: 'Hark', product: 'Hark on-call', language: 'EN' },
    ttl: FEED_REFRESH_SECONDS,
  });
  const stamp = new Date(input.generatedAt);
  for (const e of events) {
    cal.createEvent({
      id: shiftUid(kind, e.schedule.name, e.row),
      start: new Date(e.row.start),
      end: new Date(e.row.end),
      stamp,
      summary: e.summary,
      description: description(e, holder(e.row.person), input),
      transparency: ICalEventTransparency.TRANSPARENT,
      x: {
        'X-HARK-SCHEDULE': e.schedule.name,
        'X-HARK-ROLE': e.row.role,
        'X-HARK-PERSON': e.row.person,
        'X-HARK-SOURCE': e.row.source,
      },
    });
  }
  return cal.toString();
}

/** The feed of one schedule: every role's final shifts in the range, `platform primary: Alice`. */
export function scheduleCalendar(input: ScheduleCalendarInput): string {
  const { schedule, view } = input.source;
  const holder = input.displayName ?? ((p: string) => p);
  const events = shiftRows(schedule, input.from, input.to, view).map((row) => ({
    schedule,
    row,
    summary: `${schedule.name} ${row.role}: ${holder(row.person)}`,
  }));
  return calendar(
    'schedule',
    `Hark: ${schedule.name}`,
    `On-call shifts of the ${schedule.name} schedule (${schedule.zone.name}), from Hark`,
    events,
    holder,
    input,
  );
}

/** The feed of one person: their final shifts in every schedule and role, `On call: platform primary`. */
export function personCalendar(input: PersonCalendarInput): string {
  const events: FeedEvent[] = [];
  for (const { schedule, view } of input.sources) {
    for (const row of shiftRows(schedule, input.from, input.to, view)) {
      if (row.person === input.person)
        events.push({ schedule, row, summary: `On call: ${schedule.name} ${row.role}` });
    }
  }
  events.sort(
    (a, b) =>
      Date.parse(a.row.start) - Date.parse(b.row.start) ||
      (a.schedule.name < b.schedule.name ? -1 : a.schedule.name > b.schedule.name ? 1 : 0) ||
      (a.row.role < b.row.role ? -1 : a.row.role > b.row.role ? 1 : 0),
  );
  const shown = input.displayName ?? input.person;
  return calendar(
    'person',
    `Hark: ${input.person} on call`,
    `On-call shifts of ${shown} in every schedule, from Hark`,
    events,
    () => shown,
    input,
  );
}
