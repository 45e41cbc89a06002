/** Test helper: an ICS text parsed back with ical.js (not the library that wrote it). */
import ICAL from 'ical.js';
import { lines, tmpConfig } from '../config/tmpconfig.js';

export interface ParsedEvent {
  readonly uid: string;
  readonly summary: string;
  readonly description: string;
  readonly start: string;
  readonly end: string;
  /** Whether DTSTART / DTEND were written in UTC (`…Z`). */
  readonly utc: boolean;
  readonly schedule: string;
  readonly role: string;
  readonly person: string;
  readonly source: string;
}

export interface ParsedFeed {
  readonly name: string;
  readonly events: ParsedEvent[];
}

const iso = (t: ICAL.Time) => t.toJSDate().toISOString().replace('.000Z', 'Z');

export function parseFeed(text: string): ParsedFeed {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    const x = (name: string) => String(vevent.getFirstPropertyValue(name) ?? '');
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      start: iso(event.startDate),
      end: iso(event.endDate),
      utc:
        event.startDate.zone === ICAL.Timezone.utcTimezone &&
        event.endDate.zone === ICAL.Timezone.utcTimezone,
      schedule: x('x-hark-schedule'),
      role: x('x-hark-role'),
      person: x('x-hark-person'),
      source: x('x-hark-source'),
    };
  });
  return { name: String(calendar.getFirstPropertyValue('x-wr-calname') ?? ''), events };
}

/** The fields a shift row has, for comparing events with `shiftRows` output. */
export function asRows(events: readonly ParsedEvent[]) {
  return events.map((e) => ({
    role: e.role,
    person: e.person,
    start: e.start,
    end: e.end,
    source: e.source,
  }));
}

/**
 * The feed tests' config. `platform` (America/New_York): primary rotates weekly alice → bob →
 * carol from Mon 2026-01-05 09:00, covering weekdays 09:00–17:00 only (nights and weekends are
 * gaps); secondary follows it; git overrides give primary to dave on 2026-03-03 10:00–12:00 and
 * 2030-06-04 10:00–12:00. `payments` (Europe/Berlin): primary alternates alice, bob daily at 08:00.
 */
export function feedTestConfig(apiToken: string): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {name: Alice Example, sms: "+15555550101"}',
      '  bob: {name: Bob Builder, sms: "+15555550102"}',
      '  carol: {sms: "+15555550103"}',
      '  dave: {sms: "+15555550104"}',
      '  erin: {sms: "+15555550105"}',
      'services:',
      '  - {name: main, escalation_policy: main}',
      'api_tokens:',
      `  - {name: cli, token: "${apiToken}", person: alice}`,
    ),
    'schedules/platform.yaml': lines(
      'timezone: America/New_York',
      'rotations:',
      '  - name: weekly',
      '    members: [alice, bob, carol]',
      '    start: 2026-01-05T09:00',
      '    handoff: FREQ=WEEKLY',
      '    coverage:',
      '      - {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}',
      '  - {name: backup, role: secondary, follows: weekly}',
      'overrides:',
      '  - {role: primary, person: dave, from: 2026-03-03T10:00, to: 2026-03-03T12:00}',
      '  - {role: primary, person: dave, from: 2030-06-04T10:00, to: 2030-06-04T12:00}',
    ),
    'schedules/payments.yaml': lines(
      'timezone: Europe/Berlin',
      'rotations:',
      '  - {name: daily, members: [alice, bob], start: 2026-01-01T08:00, handoff: FREQ=DAILY}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: platform}]',
      '    escalate_after: 30m',
    ),
  });
}
