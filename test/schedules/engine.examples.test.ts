/**
 * Hand-written examples of SPEC 1.2, each checked against both the engine and the independent
 * reference in test/oracle/reference.ts. Expected values are worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import type { CoverageWindow, GitOverride, OwnRotation, Rotation, Schedule } from '../../src/config/types.js';
import { CompiledSchedule } from '../../src/schedules/engine.js';
import { parseHandoffRule } from '../../src/schedules/handoff-rule.js';
import type { RuntimeOverride } from '../../src/schedules/overrides.js';
import type { LocalMs } from '../../src/time/local.js';
import { local, referenceShifts, type RefShift } from '../oracle/reference.js';

const L = (text: string) => local(text) as LocalMs;
const Z = (text: string) => Date.parse(text.endsWith('Z') ? text : `${text}Z`);

function own(
  name: string,
  members: string[],
  start: string,
  handoff: string | null,
  extra: { role?: string; end?: string; coverage?: CoverageWindow[] } = {},
): OwnRotation {
  return {
    kind: 'own',
    name,
    role: extra.role ?? 'primary',
    members,
    start: L(start),
    handoff: handoff === null ? null : parseHandoffRule(handoff),
    end: extra.end ? L(extra.end) : null,
    coverage: extra.coverage ?? null,
  };
}

function schedule(timezone: string, rotations: Rotation[], overrides: GitOverride[] = []): Schedule {
  const roles: string[] = [];
  for (const r of rotations) if (!roles.includes(r.role)) roles.push(r.role);
  return { name: 'sched', file: 'schedules/sched.yaml', timezone, rotations, overrides, roles };
}

function engineShifts(s: Schedule, runtime: RuntimeOverride[], from: number, to: number): RefShift[] {
  return new CompiledSchedule(s)
    .withOverrides(runtime)
    .shifts(from, to)
    .map(({ role, person, start, end, source }) => ({ role, person, start, end, source }));
}

/** Shifts written with ISO instants, for readable expectations. */
function iso(shifts: RefShift[]): string[] {
  return shifts.map(
    (s) =>
      `${s.role} ${s.person} ${new Date(s.start).toISOString().slice(0, 16)}Z..${new Date(s.end).toISOString().slice(0, 16)}Z ${s.source}`,
  );
}

function both(
  s: Schedule,
  runtime: RuntimeOverride[],
  from: number,
  to: number,
): { engine: string[]; reference: string[] } {
  return {
    engine: iso(engineShifts(s, runtime, from, to)),
    reference: iso(referenceShifts(s, runtime, from, to)),
  };
}

function expectBoth(
  s: Schedule,
  runtime: RuntimeOverride[],
  from: number,
  to: number,
  expected: string[],
): void {
  const got = both(s, runtime, from, to);
  expect(got.reference, 'reference').toEqual(expected);
  expect(got.engine, 'engine').toEqual(expected);
}

const WEEKDAYS = [1, 2, 3, 4, 5];

describe('SPEC 1.2 example: platform', () => {
  const platform = schedule(
    'America/New_York',
    [
      own('weekly', ['alice', 'bob', 'carol'], '2026-01-05T09:00', 'FREQ=WEEKLY', {
        end: '2026-12-28T09:00',
        coverage: [{ days: WEEKDAYS, from: 9 * 60, to: 17 * 60 }],
      }),
      { kind: 'follows', name: 'backup', role: 'secondary', follows: 'weekly' },
    ],
    [{ role: 'primary', person: 'dave', from: L('2026-03-01T09:00'), to: L('2026-03-02T09:00') }],
  );

  it('first week: alice primary, bob secondary, only 09:00–17:00 EST on weekdays', () => {
    expectBoth(platform, [], Z('2026-01-05T00:00'), Z('2026-01-07T00:00'), [
      'primary alice 2026-01-05T14:00Z..2026-01-05T22:00Z rotation:weekly',
      'primary alice 2026-01-06T14:00Z..2026-01-06T22:00Z rotation:weekly',
      'secondary bob 2026-01-05T14:00Z..2026-01-05T22:00Z rotation:backup',
      'secondary bob 2026-01-06T14:00Z..2026-01-06T22:00Z rotation:backup',
    ]);
  });

  it('the dave override covers Sunday 09:00 to Monday 09:00; week 8 is carol/alice', () => {
    // Week of Feb 23 is shift 7 (bob, secondary carol); Mar 2 is shift 8 (carol, secondary alice).
    expectBoth(platform, [], Z('2026-02-27T00:00'), Z('2026-03-04T00:00'), [
      'primary bob 2026-02-27T14:00Z..2026-02-27T22:00Z rotation:weekly',
      'primary dave 2026-03-01T14:00Z..2026-03-02T14:00Z override:git:0',
      'primary carol 2026-03-02T14:00Z..2026-03-02T22:00Z rotation:weekly',
      'primary carol 2026-03-03T14:00Z..2026-03-03T22:00Z rotation:weekly',
      'secondary carol 2026-02-27T14:00Z..2026-02-27T22:00Z rotation:backup',
      'secondary alice 2026-03-02T14:00Z..2026-03-02T22:00Z rotation:backup',
      'secondary alice 2026-03-03T14:00Z..2026-03-03T22:00Z rotation:backup',
    ]);
  });

  it('09:00 stays 09:00 local after DST (Mar 9 is 13:00Z), and nothing from end on', () => {
    expectBoth(platform, [], Z('2026-03-09T00:00'), Z('2026-03-10T00:00'), [
      'primary alice 2026-03-09T13:00Z..2026-03-09T21:00Z rotation:weekly',
      'secondary bob 2026-03-09T13:00Z..2026-03-09T21:00Z rotation:backup',
    ]);
    // Shift 50 (Dec 21) is carol; from Dec 28 09:00 EST the rotation covers nothing.
    expectBoth(platform, [], Z('2026-12-25T00:00'), Z('2027-01-05T00:00'), [
      'primary carol 2026-12-25T14:00Z..2026-12-25T22:00Z rotation:weekly',
      'secondary alice 2026-12-25T14:00Z..2026-12-25T22:00Z rotation:backup',
    ]);
  });

  it('runtime overrides beat git overrides; the newest runtime override wins', () => {
    const runtime: RuntimeOverride[] = [
      {
        id: 'old',
        schedule: 'sched',
        role: 'primary',
        person: 'erin',
        from: Z('2026-03-01T12:00'),
        to: Z('2026-03-01T20:00'),
        createdAt: 1,
        createdBy: null,
        reason: null,
      },
      {
        id: 'new',
        schedule: 'sched',
        role: 'primary',
        person: 'frank',
        from: Z('2026-03-01T16:00'),
        to: Z('2026-03-01T18:00'),
        createdAt: 2,
        createdBy: null,
        reason: null,
      },
    ];
    expectBoth(platform, runtime, Z('2026-03-01T00:00'), Z('2026-03-02T12:00'), [
      'primary erin 2026-03-01T12:00Z..2026-03-01T16:00Z override:old',
      'primary frank 2026-03-01T16:00Z..2026-03-01T18:00Z override:new',
      'primary erin 2026-03-01T18:00Z..2026-03-01T20:00Z override:old',
      'primary dave 2026-03-01T20:00Z..2026-03-02T12:00Z override:git:0',
    ]);
    const view = new CompiledSchedule(platform).withOverrides(runtime);
    expect(view.holderAt('primary', Z('2026-03-01T17:00'))).toBe('frank');
    expect(view.holderAt('primary', Z('2026-03-01T13:00'))).toBe('erin');
    expect(view.holderAt('primary', Z('2026-03-01T21:00'))).toBe('dave');
    expect(view.holderAt('primary', Z('2026-03-02T15:00'))).toBe('carol');
    expect(view.holderAt('primary', Z('2026-03-02T23:00'))).toBe(null);
    expect(view.holderAt('secondary', Z('2026-03-02T15:00'))).toBe('alice');
  });
});

describe('local times that do not exist or happen twice', () => {
  it('a 02:30 handoff on 2026-03-08 in New York (skipped) happens at 03:30 EDT = 07:30Z', () => {
    const s = schedule('America/New_York', [
      own('daily', ['alice', 'bob'], '2026-03-07T02:30', 'FREQ=DAILY'),
    ]);
    expectBoth(s, [], Z('2026-03-07T00:00'), Z('2026-03-09T12:00'), [
      'primary alice 2026-03-07T07:30Z..2026-03-08T07:30Z rotation:daily',
      'primary bob 2026-03-08T07:30Z..2026-03-09T06:30Z rotation:daily',
      'primary alice 2026-03-09T06:30Z..2026-03-09T12:00Z rotation:daily',
    ]);
  });

  it('a 01:30 handoff on 2026-11-01 in New York (twice) happens at its first occurrence, 05:30Z', () => {
    const s = schedule('America/New_York', [
      own('daily', ['alice', 'bob'], '2026-10-31T01:30', 'FREQ=DAILY'),
    ]);
    expectBoth(s, [], Z('2026-10-31T00:00'), Z('2026-11-02T12:00'), [
      'primary alice 2026-10-31T05:30Z..2026-11-01T05:30Z rotation:daily',
      'primary bob 2026-11-01T05:30Z..2026-11-02T06:30Z rotation:daily',
      'primary alice 2026-11-02T06:30Z..2026-11-02T12:00Z rotation:daily',
    ]);
  });

  it('Lord Howe: 02:15 does not exist on 2026-10-04 (02:00 → 02:30) and becomes 02:45 (+11)', () => {
    const s = schedule('Australia/Lord_Howe', [
      own('daily', ['alice', 'bob'], '2026-10-03T02:15', 'FREQ=DAILY'),
    ]);
    // Oct 3 02:15 +10:30 = Oct 2 15:45Z; Oct 4 02:45 +11 = Oct 3 15:45Z; Oct 5 02:15 +11 = Oct 4 15:15Z.
    expectBoth(s, [], Z('2026-10-02T12:00'), Z('2026-10-05T00:00'), [
      'primary alice 2026-10-02T15:45Z..2026-10-03T15:45Z rotation:daily',
      'primary bob 2026-10-03T15:45Z..2026-10-04T15:15Z rotation:daily',
      'primary alice 2026-10-04T15:15Z..2026-10-05T00:00Z rotation:daily',
    ]);
  });

  it('Lord Howe: 01:45 happens twice on 2026-04-05 (02:00 → 01:30) and means the first (+11)', () => {
    const s = schedule('Australia/Lord_Howe', [
      own('daily', ['alice', 'bob'], '2026-04-04T01:45', 'FREQ=DAILY'),
    ]);
    // Apr 4 01:45 +11 = Apr 3 14:45Z; Apr 5 01:45 first (+11) = Apr 4 14:45Z; Apr 6 01:45 +10:30 = Apr 5 15:15Z.
    expectBoth(s, [], Z('2026-04-03T12:00'), Z('2026-04-06T00:00'), [
      'primary alice 2026-04-03T14:45Z..2026-04-04T14:45Z rotation:daily',
      'primary bob 2026-04-04T14:45Z..2026-04-05T15:15Z rotation:daily',
      'primary alice 2026-04-05T15:15Z..2026-04-06T00:00Z rotation:daily',
    ]);
  });
});

describe('coverage windows', () => {
  it('22:00–06:00 ends the next morning, also across the London fall-back night', () => {
    const s = schedule('Europe/London', [
      own('nights', ['alice', 'bob'], '2026-10-19T09:00', 'FREQ=WEEKLY', {
        coverage: [{ days: [5, 6], from: 22 * 60, to: 6 * 60 }],
      }),
    ]);
    // Fri Oct 23 22:00 BST = 21:00Z → Sat 06:00 BST = 05:00Z; Sat 22:00 BST = 21:00Z → Sun Oct 25
    // 06:00 GMT = 06:00Z (a 9-hour night). Shift 1 (bob) starts Mon Oct 26 09:00.
    expectBoth(s, [], Z('2026-10-23T00:00'), Z('2026-11-01T00:00'), [
      'primary alice 2026-10-23T21:00Z..2026-10-24T05:00Z rotation:nights',
      'primary alice 2026-10-24T21:00Z..2026-10-25T06:00Z rotation:nights',
      'primary bob 2026-10-30T22:00Z..2026-10-31T06:00Z rotation:nights',
      'primary bob 2026-10-31T22:00Z..2026-11-01T00:00Z rotation:nights',
    ]);
  });

  it('a window ending at 24:00 and layering: the rotation listed last wins where it covers', () => {
    const s = schedule('UTC', [
      own('base', ['alice'], '2026-01-05T00:00', null),
      own('evenings', ['bob'], '2026-01-05T00:00', null, {
        coverage: [{ days: [1], from: 18 * 60, to: 1440 }],
      }),
    ]);
    expectBoth(s, [], Z('2026-01-05T00:00'), Z('2026-01-07T00:00'), [
      'primary alice 2026-01-05T00:00Z..2026-01-05T18:00Z rotation:base',
      'primary bob 2026-01-05T18:00Z..2026-01-06T00:00Z rotation:evenings',
      'primary alice 2026-01-06T00:00Z..2026-01-07T00:00Z rotation:base',
    ]);
  });
});

describe('RRULE endings', () => {
  it('COUNT: the last shift runs until end', () => {
    // rrule counts DTSTART as the first occurrence: Jan 5, 6, 7 → handoffs Jan 6 and Jan 7.
    const s = schedule('UTC', [
      own('r', ['a', 'b', 'c'], '2026-01-05T09:00', 'FREQ=DAILY;COUNT=3', { end: '2026-01-10T09:00' }),
    ]);
    expectBoth(s, [], Z('2026-01-05T00:00'), Z('2026-01-12T00:00'), [
      'primary a 2026-01-05T09:00Z..2026-01-06T09:00Z rotation:r',
      'primary b 2026-01-06T09:00Z..2026-01-07T09:00Z rotation:r',
      'primary c 2026-01-07T09:00Z..2026-01-10T09:00Z rotation:r',
    ]);
  });

  it('UNTIL with Z is an instant; without Z a floating local time', () => {
    // New York, daily 02:30 from Mar 6; Mar 8 02:30 is 07:30Z.
    const floating = schedule('America/New_York', [
      own('r', ['a', 'b'], '2026-03-06T02:30', 'FREQ=DAILY;UNTIL=20260308T023000'),
    ]);
    const utc = schedule('America/New_York', [
      own('r', ['a', 'b'], '2026-03-06T02:30', 'FREQ=DAILY;UNTIL=20260308T073000Z'),
    ]);
    const utcEarly = schedule('America/New_York', [
      own('r', ['a', 'b'], '2026-03-06T02:30', 'FREQ=DAILY;UNTIL=20260308T072959Z'),
    ]);
    const withLastHandoff = [
      'primary a 2026-03-06T07:30Z..2026-03-07T07:30Z rotation:r',
      'primary b 2026-03-07T07:30Z..2026-03-08T07:30Z rotation:r',
      'primary a 2026-03-08T07:30Z..2026-03-12T00:00Z rotation:r',
    ];
    expectBoth(floating, [], Z('2026-03-06T00:00'), Z('2026-03-12T00:00'), withLastHandoff);
    expectBoth(utc, [], Z('2026-03-06T00:00'), Z('2026-03-12T00:00'), withLastHandoff);
    expectBoth(utcEarly, [], Z('2026-03-06T00:00'), Z('2026-03-12T00:00'), [
      'primary a 2026-03-06T07:30Z..2026-03-07T07:30Z rotation:r',
      'primary b 2026-03-07T07:30Z..2026-03-12T00:00Z rotation:r',
    ]);
  });
});

describe('UNTIL with Z and handoffs inside a DST gap', () => {
  // New York, 2026-03-08 (02:00–03:00 does not exist), handoffs at :00 and :30 from 01:30 EST:
  //   02:00 → 03:00 EDT = 07:00Z   (≤ UNTIL: a handoff, shift 1)
  //   02:30 → 03:30 EDT = 07:30Z   (> UNTIL: not a handoff)
  //   03:00 EDT        = 07:00Z   (≤ UNTIL: a handoff, shift 2, so alice again)
  //   03:30 EDT and later         (> UNTIL)
  // UNTIL bounds each occurrence (RFC 5545: "bounds the recurrence rule in an inclusive manner";
  // a Z UNTIL is compared with each handoff's instant), so shift 2 (alice) runs on. (The engine
  // once stopped at the first occurrence past UNTIL and dropped 03:00.)
  const s = schedule('America/New_York', [
    own('r', ['alice', 'bob'], '2026-03-08T01:30', 'FREQ=HOURLY;BYMINUTE=0,30;UNTIL=20260308T070000Z'),
  ]);
  const expected = ['primary alice 2026-03-08T06:30Z..2026-03-08T09:00Z rotation:r'];
  const from = Z('2026-03-08T06:00');
  const to = Z('2026-03-08T09:00');

  it('reference: every occurrence at or before UNTIL is a handoff', () => {
    expect(iso(referenceShifts(s, [], from, to))).toEqual(expected);
  });

  it('engine: every occurrence at or before UNTIL is a handoff', () => {
    expect(iso(engineShifts(s, [], from, to))).toEqual(expected);
  });
});
