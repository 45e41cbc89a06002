import { describe, expect, it } from 'vitest';
import { HandoffRuleError, parseHandoffRule, SUPPORTED_PARTS } from '../../src/schedules/handoff-rule.js';
import { localMs } from '../../src/time/local.js';

/** The HandoffRuleError message for `rule`, failing the test if it parses. */
function errorOf(rule: string): string {
  try {
    parseHandoffRule(rule);
  } catch (e) {
    expect(e).toBeInstanceOf(HandoffRuleError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(rule)} to be rejected`);
}

describe('parseHandoffRule: accepted rules', () => {
  it('parses FREQ=WEEKLY with defaults for everything else', () => {
    expect(parseHandoffRule('FREQ=WEEKLY')).toEqual({
      text: 'FREQ=WEEKLY',
      freq: 'WEEKLY',
      interval: 1,
      count: null,
      until: null,
      wkst: null,
      byday: [],
      bymonthday: [],
      bymonth: [],
      byhour: [],
      byminute: [],
    });
  });

  it('accepts an RRULE: prefix, lowercase and surrounding spaces', () => {
    const rule = parseHandoffRule('  RRULE:freq=weekly;byday=mo  ');
    expect(rule.freq).toBe('WEEKLY');
    expect(rule.byday).toEqual([{ day: 0, n: 0 }]);
  });

  it('parses every supported part', () => {
    const rule = parseHandoffRule(
      'FREQ=MONTHLY;INTERVAL=2;COUNT=10;WKST=SU;BYDAY=-1FR,2MO;BYMONTH=1,7;BYHOUR=9;BYMINUTE=30',
    );
    expect(rule).toMatchObject({
      freq: 'MONTHLY',
      interval: 2,
      count: 10,
      wkst: 6,
      byday: [
        { day: 4, n: -1 },
        { day: 0, n: 2 },
      ],
      bymonth: [1, 7],
      byhour: [9],
      byminute: [30],
    });
    expect(parseHandoffRule('FREQ=MONTHLY;BYMONTHDAY=1,15,-1').bymonthday).toEqual([1, 15, -1]);
  });

  it('parses UNTIL as a floating local time, or as UTC with Z', () => {
    expect(parseHandoffRule('FREQ=DAILY;UNTIL=20261231').until).toEqual({
      kind: 'local',
      at: localMs(2026, 12, 31),
    });
    expect(parseHandoffRule('FREQ=DAILY;UNTIL=20261231T090000').until).toEqual({
      kind: 'local',
      at: localMs(2026, 12, 31, 9),
    });
    expect(parseHandoffRule('FREQ=DAILY;UNTIL=20261231T090000Z').until).toEqual({
      kind: 'utc',
      at: Date.UTC(2026, 11, 31, 9),
    });
  });

  it.each([
    'FREQ=HOURLY;INTERVAL=12',
    'FREQ=DAILY;BYHOUR=9,21;BYMINUTE=0,30',
    'FREQ=WEEKLY;BYDAY=MO,TH',
    'FREQ=MONTHLY;BYDAY=-1FR',
    'FREQ=MONTHLY;BYMONTHDAY=-31',
    'FREQ=YEARLY;BYDAY=53MO', // only in years with 53 Mondays, but such years exist
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', // leap years
    'FREQ=MONTHLY;BYMONTH=2;BYDAY=5MO', // a leap February that starts on a Monday
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO',
  ])('accepts the rare but possible rule %s', (rule) => {
    expect(() => parseHandoffRule(rule)).not.toThrow();
  });
});

describe('parseHandoffRule: rejected rules', () => {
  it.each([
    ['', 'handoff is empty; expected an RRULE such as FREQ=WEEKLY'],
    ['   ', 'handoff is empty; expected an RRULE such as FREQ=WEEKLY'],
    ['WEEKLY', '"WEEKLY" is not NAME=VALUE; expected an RRULE such as FREQ=WEEKLY;BYDAY=MO'],
    ['=WEEKLY', '"=WEEKLY" is not NAME=VALUE; expected an RRULE such as FREQ=WEEKLY;BYDAY=MO'],
    ['FREQ=WEEKLY;FREQ=DAILY', 'FREQ appears twice'],
    [
      'DTSTART=20260101T000000;FREQ=DAILY',
      "DTSTART is not allowed in handoff: the rotation's start and the schedule's timezone set it",
    ],
    [
      'TZID=UTC;FREQ=DAILY',
      "TZID is not allowed in handoff: the rotation's start and the schedule's timezone set it",
    ],
    ['INTERVAL=2', 'FREQ is required (HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)'],
    ['FREQ=SECONDLY', 'FREQ must be HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, got SECONDLY'],
    ['FREQ=MINUTELY', 'FREQ must be HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, got MINUTELY'],
    ['FREQ=FORTNIGHTLY', 'FREQ must be HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, got FORTNIGHTLY'],
    ['FREQ=DAILY;INTERVAL=0', 'INTERVAL values must be 1 to 1000, got 0'],
    ['FREQ=DAILY;INTERVAL=x', 'INTERVAL must be a comma-separated list of integers, got "X"'],
    ['FREQ=DAILY;INTERVAL=1,2', 'INTERVAL takes one number'],
    ['FREQ=DAILY;COUNT=0', 'COUNT values must be 1 to 100000, got 0'],
    ['FREQ=DAILY;COUNT=1,2', 'COUNT takes one number'],
    ['FREQ=DAILY;COUNT=3;UNTIL=20260101', 'COUNT and UNTIL cannot both be given'],
    [
      'FREQ=DAILY;UNTIL=2026-01-01',
      'UNTIL must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ, got "2026-01-01"',
    ],
    ['FREQ=WEEKLY;WKST=XX', 'WKST must name days as MO, TU, WE, TH, FR, SA, SU, got "XX"'],
    ['FREQ=WEEKLY;BYDAY=MON', 'BYDAY entries look like MO or 1MO or -1FR, got "MON"'],
    ['FREQ=WEEKLY;BYDAY=MO, TU', 'BYDAY entries look like MO or 1MO or -1FR, got " TU"'],
    ['FREQ=WEEKLY;BYDAY=XY', 'BYDAY must name days as MO, TU, WE, TH, FR, SA, SU, got "XY"'],
    ['FREQ=WEEKLY;BYDAY=1MO', 'BYDAY with a number (1MO) needs FREQ=MONTHLY or FREQ=YEARLY'],
    ['FREQ=HOURLY;BYDAY=2MO', 'BYDAY with a number (2MO) needs FREQ=MONTHLY or FREQ=YEARLY'],
    ['FREQ=MONTHLY;BYDAY=6MO', 'BYDAY number must be 1 to 5 or -5 to -1, got 6MO'],
    ['FREQ=YEARLY;BYMONTH=1;BYDAY=6MO', 'BYDAY number must be 1 to 5 or -5 to -1, got 6MO'],
    ['FREQ=YEARLY;BYDAY=54MO', 'BYDAY number must be 1 to 53 or -53 to -1, got 54MO'],
    ['FREQ=WEEKLY;BYMONTHDAY=1', 'BYMONTHDAY cannot be used with FREQ=WEEKLY'],
    ['FREQ=MONTHLY;BYMONTHDAY=0', 'BYMONTHDAY values must be 1 to 31 or -31 to -1, got 0'],
    ['FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY values must be 1 to 31 or -31 to -1, got 32'],
    ['FREQ=MONTHLY;BYMONTHDAY=1,x', 'BYMONTHDAY must be a comma-separated list of integers, got "1,X"'],
    ['FREQ=YEARLY;BYMONTH=13', 'BYMONTH values must be 1 to 12, got 13'],
    ['FREQ=YEARLY;BYMONTH=0', 'BYMONTH values must be 1 to 12, got 0'],
    ['FREQ=DAILY;BYHOUR=24', 'BYHOUR values must be 0 to 23, got 24'],
    ['FREQ=DAILY;BYMINUTE=60', 'BYMINUTE values must be 0 to 59, got 60'],
  ])('rejects %j: %s', (rule, message) => {
    expect(errorOf(rule)).toBe(message);
  });

  it.each(['BYSECOND=0', 'BYSETPOS=1', 'BYWEEKNO=1', 'BYYEARDAY=1', 'X-NAME=1'])(
    'rejects the unsupported part %s and lists the supported ones',
    (part) => {
      const name = part.slice(0, part.indexOf('='));
      expect(errorOf(`FREQ=YEARLY;${part}`)).toBe(
        `unsupported RRULE part ${name} (supported: FREQ, INTERVAL, COUNT, UNTIL, WKST, BYDAY, BYMONTHDAY, BYMONTH, BYHOUR, BYMINUTE)`,
      );
    },
  );

  it('lists exactly the supported parts', () => {
    expect([...SUPPORTED_PARTS]).toEqual([
      'FREQ',
      'INTERVAL',
      'COUNT',
      'UNTIL',
      'WKST',
      'BYDAY',
      'BYMONTHDAY',
      'BYMONTH',
      'BYHOUR',
      'BYMINUTE',
    ]);
  });

  it.each([
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30',
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31',
    'FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31',
    'FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-30',
    'FREQ=MONTHLY;BYMONTHDAY=31;BYDAY=1MO',
    'FREQ=YEARLY;BYMONTH=2;BYDAY=5WE;BYMONTHDAY=1', // Feb 1 is never the 5th Wednesday
  ])('rejects the impossible rule %s', (rule) => {
    expect(errorOf(rule)).toBe(
      'this RRULE matches no date at all (check BYMONTH, BYMONTHDAY and BYDAY together)',
    );
  });

  it('rejects an impossible rule quickly (rrule itself would search until the year 9999)', () => {
    const t0 = performance.now();
    errorOf('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it.each([
    ['FREQ=DAILY;UNTIL=20261332', 'UNTIL is not a valid date and time, got "20261332"'],
    ['FREQ=DAILY;UNTIL=20260230', 'UNTIL is not a valid date and time, got "20260230"'],
    ['FREQ=DAILY;UNTIL=20260101T250000', 'UNTIL is not a valid date and time, got "20260101T250000"'],
  ])('rejects the impossible UNTIL in %s', (rule, message) => {
    expect(errorOf(rule)).toBe(message);
  });
});
