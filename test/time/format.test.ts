import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { humanTime } from '../../src/time/format.js';

const ZONES = [
  'UTC',
  'America/New_York',
  'America/Los_Angeles',
  'Europe/London',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kolkata',
  'America/St_Johns',
];

describe('humanTime', () => {
  it('says what luxon says, in zones with odd offsets and DST, at random instants over three years', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') }),
        (zone, t) => {
          expect(humanTime(t, zone)).toBe(
            DateTime.fromMillis(t, { zone }).toFormat('ccc dd LLL yyyy HH:mm ZZZZ'),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('shows midnight as 00:00 and an unknown zone as invalid', () => {
    expect(humanTime(Date.parse('2026-01-05T00:00:00Z'), 'UTC')).toBe('Mon 05 Jan 2026 00:00 UTC');
    expect(humanTime(Date.parse('2026-01-05T14:00:00Z'), 'America/New_York')).toBe(
      'Mon 05 Jan 2026 09:00 EST',
    );
    expect(humanTime(0, 'Mars/Olympus')).toBe('Invalid DateTime');
  });
});
