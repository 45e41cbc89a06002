import { describe, expect, it } from 'vitest';
import { formatLocal, parseLocal, TimeZone, type LocalMs } from '../../src/time/local.js';
import { parseTimeArg } from '../../src/time/parse-time.js';

const at = (zone: string, local: string) =>
  new Date(new TimeZone(zone).toInstant(parseLocal(local)!)).toISOString();

describe('the machine time zone of this run', () => {
  it('is the one npm test set (the engine must not depend on it)', () => {
    expect(process.env.TZ).toMatch(/^[A-Za-z_]+(\/[A-Za-z_]+)*$/);
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(process.env.TZ);
    const offset = new Date(Date.UTC(2026, 0, 15, 12)).getTimezoneOffset();
    expect(offset).toBe(
      process.env.TZ === 'America/Los_Angeles' ? 480 : process.env.TZ === 'UTC' ? 0 : offset,
    );
  });
});

describe('local time → instant (SPEC 1.2)', () => {
  it('maps ordinary times with the zone offset', () => {
    expect(at('America/New_York', '2026-01-05T09:00')).toBe('2026-01-05T14:00:00.000Z');
    expect(at('America/New_York', '2026-07-06T09:00')).toBe('2026-07-06T13:00:00.000Z');
    expect(at('Asia/Kolkata', '2026-03-08T02:30')).toBe('2026-03-07T21:00:00.000Z');
  });

  it('moves a nonexistent time forward by the gap', () => {
    expect(at('America/New_York', '2026-03-08T02:30')).toBe('2026-03-08T07:30:00.000Z'); // = 03:30 EDT
    expect(at('America/New_York', '2026-03-08T02:00')).toBe('2026-03-08T07:00:00.000Z'); // = 03:00 EDT
    expect(at('Europe/London', '2026-03-29T01:15')).toBe('2026-03-29T01:15:00.000Z'); // = 02:15 BST
    expect(at('Australia/Lord_Howe', '2026-10-04T02:15')).toBe('2026-10-03T15:45:00.000Z'); // 30-minute gap: = 02:45 +11
    expect(at('Pacific/Chatham', '2026-09-27T02:50')).toBe('2026-09-26T14:05:00.000Z'); // gap 02:45–03:45: = 03:50 +13:45
    expect(at('America/St_Johns', '2026-03-08T02:30')).toBe('2026-03-08T06:00:00.000Z'); // = 03:30 NDT (-02:30)
  });

  it('takes the first occurrence of an ambiguous time', () => {
    expect(at('America/New_York', '2026-11-01T01:30')).toBe('2026-11-01T05:30:00.000Z'); // EDT, not EST
    expect(at('Europe/London', '2026-10-25T01:30')).toBe('2026-10-25T00:30:00.000Z'); // BST
    expect(at('Australia/Lord_Howe', '2026-04-05T01:45')).toBe('2026-04-04T14:45:00.000Z'); // +11, not +10:30
    expect(at('Australia/Sydney', '2026-04-05T02:30')).toBe('2026-04-04T15:30:00.000Z'); // AEDT
    expect(at('Pacific/Chatham', '2026-04-05T03:00')).toBe('2026-04-04T13:15:00.000Z'); // +13:45
  });

  it('keeps the local time on both sides of the gap when going back', () => {
    const ny = new TimeZone('America/New_York');
    for (const local of ['2026-03-07T09:00', '2026-03-09T09:00', '2026-10-31T09:00', '2026-11-02T09:00']) {
      expect(formatLocal(ny.toLocal(ny.toInstant(parseLocal(local)!)))).toBe(local);
    }
  });
});

describe('parseLocal', () => {
  it('accepts dates and date-times without an offset, and nothing else', () => {
    expect(formatLocal(parseLocal('2026-01-05')!)).toBe('2026-01-05T00:00');
    expect(formatLocal(parseLocal('2026-01-05T09:30:15')!)).toBe('2026-01-05T09:30:15');
    for (const bad of [
      '2026-02-30T09:00',
      '2026-13-01',
      '2026-01-05T24:00',
      '2026-01-05T09:00Z',
      '5 Jan',
      '',
    ]) {
      expect(parseLocal(bad)).toBeNull();
    }
    expect(parseLocal('2026-01-05T09:00')).toBe(Date.UTC(2026, 0, 5, 9) as LocalMs);
  });
});

describe('TIME arguments', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  it('reads local times in the schedule zone, instants with offsets, and now', () => {
    expect(parseTimeArg('2026-03-08T01:30', 'America/New_York', now)).toBe(
      Date.parse('2026-03-08T06:30:00Z'),
    );
    expect(parseTimeArg('2026-03-08T06:30Z', 'America/New_York', now)).toBe(
      Date.parse('2026-03-08T06:30:00Z'),
    );
    expect(parseTimeArg('2026-03-08T07:30+01:00', 'UTC', now)).toBe(Date.parse('2026-03-08T06:30:00Z'));
    expect(parseTimeArg('2026-03-08T07:30+0100', 'UTC', now)).toBe(Date.parse('2026-03-08T06:30:00Z'));
    expect(parseTimeArg('now', 'UTC', now)).toBe(now);
    expect(parseTimeArg('yesterday', 'UTC', now)).toBeNull();
  });
});

describe('UTC offsets', () => {
  it('agree with luxon at every hour and around every transition of 2026–2027 in many zones', async () => {
    const { IANAZone } = await import('luxon');
    const zones = [
      'America/New_York',
      'Europe/London',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
      'Australia/Sydney',
      'America/St_Johns',
      'Asia/Kolkata',
      'UTC',
      'Africa/Casablanca',
      'America/Santiago',
      'Asia/Tehran',
      'Pacific/Kiritimati',
    ];
    for (const name of zones) {
      const zone = new TimeZone(name);
      const luxon = IANAZone.create(name);
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2028, 0, 1); t += 15 * 60_000) {
        if (zone.offsetAt(t) !== luxon.offset(t) * 60_000)
          throw new Error(`${name} at ${new Date(t).toISOString()}`);
      }
    }
    expect(new TimeZone('Asia/Kolkata').offsetAt(0)).toBe(19_800_000);
    expect(new TimeZone('America/St_Johns').offsetAt(Date.UTC(2026, 0, 1))).toBe(-12_600_000);
  });
});
