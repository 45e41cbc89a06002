/**
 * The iCal builder (pure): the events parsed back with ical.js are exactly the rows of
 * `shiftRows` for the same range — rotation, coverage gaps, `follows`, git and runtime overrides,
 * across DST — in UTC, with stable UIDs. Runs under two machine zones (the `tz` project).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { CompiledSchedule } from '../../src/schedules/engine.js';
import {
  defaultFeedRange,
  describeSource,
  FEED_AHEAD_MS,
  FEED_PAST_MS,
  personCalendar,
  scheduleCalendar,
  type FeedSource,
} from '../../src/schedules/ical.js';
import type { RuntimeOverride } from '../../src/schedules/overrides.js';
import { shiftRows } from '../../src/schedules/report.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { asRows, feedTestConfig, parseFeed } from '../support/ical.js';

let config: Config;
beforeAll(() => {
  config = loadConfig(feedTestConfig('api-token-feeds-0123456789'), { env: {} }).config;
});
afterAll(cleanupTmpConfigs);

const Z = (text: string) => Date.parse(text);
const FROM = Z('2026-02-26T00:00:00Z');
const TO = Z('2026-03-12T00:00:00Z'); // across the US DST change on 8 Mar
const GENERATED = Z('2026-03-01T12:00:00Z');

const runtime: RuntimeOverride[] = [
  {
    id: 'o7',
    schedule: 'payments',
    role: 'primary',
    person: 'erin',
    from: Z('2026-03-02T10:00:00Z'),
    to: Z('2026-03-02T14:00:00Z'),
    createdAt: Z('2026-03-01T00:00:00Z'),
    createdBy: 'person:erin',
    reason: null,
  },
  {
    id: 'o8',
    schedule: 'payments',
    role: 'primary',
    person: 'alice',
    from: Z('2026-03-05T20:00:00Z'),
    to: Z('2026-03-06T02:00:00Z'),
    createdAt: Z('2026-03-01T00:00:00Z'),
    createdBy: null,
    reason: 'swap',
  },
];

function source(name: string, overrides: RuntimeOverride[] = []): FeedSource {
  const schedule = new CompiledSchedule(config.schedules.get(name)!);
  return { schedule, view: schedule.withOverrides(overrides.filter((o) => o.schedule === name)) };
}

const displayName = (p: string) => config.people.get(p)!.displayName;

describe('scheduleCalendar', () => {
  it('has one UTC event per shift row, with the rotation, the coverage gaps and a git override', () => {
    const src = source('platform');
    const rows = shiftRows(src.schedule, FROM, TO, src.view);
    const feed = parseFeed(
      scheduleCalendar({ source: src, from: FROM, to: TO, displayName, generatedAt: GENERATED }),
    );
    expect(feed.name).toBe('Hark: platform');
    expect(asRows(feed.events)).toEqual(rows);
    // The rows are what the fixture says: weekday windows only, dave's git override cut out of carol's day.
    expect(rows.filter((r) => r.role === 'primary').slice(0, 6)).toEqual([
      {
        role: 'primary',
        person: 'bob',
        start: '2026-02-26T14:00:00Z',
        end: '2026-02-26T22:00:00Z',
        source: 'rotation:weekly',
      },
      {
        role: 'primary',
        person: 'bob',
        start: '2026-02-27T14:00:00Z',
        end: '2026-02-27T22:00:00Z',
        source: 'rotation:weekly',
      },
      {
        role: 'primary',
        person: 'carol',
        start: '2026-03-02T14:00:00Z',
        end: '2026-03-02T22:00:00Z',
        source: 'rotation:weekly',
      },
      {
        role: 'primary',
        person: 'carol',
        start: '2026-03-03T14:00:00Z',
        end: '2026-03-03T15:00:00Z',
        source: 'rotation:weekly',
      },
      {
        role: 'primary',
        person: 'dave',
        start: '2026-03-03T15:00:00Z',
        end: '2026-03-03T17:00:00Z',
        source: 'override:git:0',
      },
      {
        role: 'primary',
        person: 'carol',
        start: '2026-03-03T17:00:00Z',
        end: '2026-03-03T22:00:00Z',
        source: 'rotation:weekly',
      },
    ]);
    // After the DST change the 09:00–17:00 window is 13:00–21:00 UTC.
    expect(rows).toContainEqual({
      role: 'primary',
      person: 'alice',
      start: '2026-03-09T13:00:00Z',
      end: '2026-03-09T21:00:00Z',
      source: 'rotation:weekly',
    });
    expect(rows.some((r) => r.role === 'secondary')).toBe(true);
    for (const e of feed.events) {
      expect(e.utc).toBe(true);
      expect(e.schedule).toBe('platform');
      expect(e.summary).toBe(`platform ${e.role}: ${displayName(e.person)}`);
      expect(e.description).toContain('Schedule time zone: America/New_York');
      expect(e.description).toContain(`Source: ${describeSource(e.source)} (${e.source})`);
    }
    expect(feed.events.find((e) => e.person === 'dave')!.description).toContain(
      'Source: git override #0 (override:git:0)',
    );
    expect(feed.events.find((e) => e.person === 'alice')!.summary).toBe('platform primary: Alice Example');
    expect(new Set(feed.events.map((e) => e.uid)).size).toBe(feed.events.length);
  });

  it('keeps UIDs stable: the same shift has the same UID on the next refresh, even when its end moves', () => {
    const a = parseFeed(
      scheduleCalendar({ source: source('payments'), from: FROM, to: TO, generatedAt: GENERATED }),
    );
    const b = parseFeed(
      scheduleCalendar({
        source: source('payments', runtime),
        from: FROM,
        to: TO,
        generatedAt: GENERATED + 60_000,
      }),
    );
    // Erin's override cuts the 2 Mar shift (07:00Z, Berlin 08:00) at 10:00Z: same UID, new end.
    const before = a.events.find((e) => e.start === '2026-03-02T07:00:00Z')!;
    const after = b.events.find((e) => e.start === '2026-03-02T07:00:00Z')!;
    expect(before.end).toBe('2026-03-03T07:00:00Z');
    expect(after.end).toBe('2026-03-02T10:00:00Z');
    expect(after.uid).toBe(before.uid);
    const unchanged = a.events.find((e) => e.start === '2026-02-27T07:00:00Z')!;
    expect(b.events.find((e) => e.start === unchanged.start)!.uid).toBe(unchanged.uid);
  });

  it('describes runtime overrides and a shift cut by the range', () => {
    const feed = parseFeed(
      scheduleCalendar({ source: source('payments', runtime), from: FROM, to: TO, generatedAt: GENERATED }),
    );
    const erin = feed.events.find((e) => e.person === 'erin')!;
    expect(erin).toMatchObject({
      source: 'override:o7',
      start: '2026-03-02T10:00:00Z',
      end: '2026-03-02T14:00:00Z',
    });
    expect(erin.description).toContain('Source: runtime override o7 (override:o7)');
    expect(erin.description).toContain('Schedule time zone: Europe/Berlin');
    expect(erin.description).toMatch(/^Local time: Mon 02 Mar 2026 11:00 \S+ – Mon 02 Mar 2026 15:00 \S+$/m);
    expect(feed.events[0]!.start).toBe('2026-02-26T00:00:00Z');
    expect(feed.events[0]!.description).toContain('the shift may have begun earlier');
  });

  it('is an empty calendar when nobody is on call in the range', () => {
    const src = source('platform');
    const text = scheduleCalendar({
      source: src,
      from: Z('2026-03-07T00:00:00Z'),
      to: Z('2026-03-08T00:00:00Z'), // a Saturday: outside every coverage window
      generatedAt: GENERATED,
    });
    expect(parseFeed(text)).toEqual({ name: 'Hark: platform', events: [] });
    expect(text).toMatch(/^BEGIN:VCALENDAR\r\n/);
  });
});

describe('personCalendar', () => {
  it("has the person's shifts in every schedule and role, runtime overrides included", () => {
    const sources = [source('platform', runtime), source('payments', runtime)];
    const feed = parseFeed(
      personCalendar({
        person: 'alice',
        displayName: 'Alice Example',
        sources,
        from: FROM,
        to: TO,
        generatedAt: GENERATED,
      }),
    );
    expect(feed.name).toBe('Hark: alice on call');
    const expected = sources.flatMap((s) =>
      shiftRows(s.schedule, FROM, TO, s.view)
        .filter((r) => r.person === 'alice')
        .map((r) => ({ schedule: s.schedule.name, ...r })),
    );
    const got = feed.events.map((e) => ({ schedule: e.schedule, ...asRows([e])[0]! }));
    const key = (r: { schedule: string; role: string; start: string }) =>
      `${r.start} ${r.schedule} ${r.role}`;
    expect(got).toEqual([...expected].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));
    // Both schedules and both platform roles, and the runtime override.
    expect(new Set(got.map((r) => `${r.schedule}/${r.role}`))).toEqual(
      new Set(['platform/primary', 'platform/secondary', 'payments/primary']),
    );
    expect(got).toContainEqual({
      schedule: 'payments',
      role: 'primary',
      person: 'alice',
      start: '2026-03-05T20:00:00Z',
      end: '2026-03-06T02:00:00Z',
      source: 'override:o8',
    });
    for (const e of feed.events) {
      expect(e.person).toBe('alice');
      expect(e.summary).toBe(`On call: ${e.schedule} ${e.role}`);
      expect(e.utc).toBe(true);
    }
    // The same shift in the schedule feed has a different UID (two subscribed calendars never clash).
    const scheduleUids = new Set(
      parseFeed(
        scheduleCalendar({ source: sources[1]!, from: FROM, to: TO, generatedAt: GENERATED }),
      ).events.map((e) => e.uid),
    );
    expect(feed.events.some((e) => scheduleUids.has(e.uid))).toBe(false);
  });
});

describe('defaultFeedRange', () => {
  it('is 7 days back to 90 days ahead, widened to whole UTC days', () => {
    const now = Z('2026-03-04T15:27:12.345Z');
    expect(defaultFeedRange(now)).toEqual({
      from: Z('2026-02-25T00:00:00Z'),
      to: Z('2026-06-03T00:00:00Z'),
    });
    const r = defaultFeedRange(now);
    expect(r.from).toBeLessThanOrEqual(now - FEED_PAST_MS);
    expect(r.to).toBeGreaterThanOrEqual(now + FEED_AHEAD_MS);
  });
});
