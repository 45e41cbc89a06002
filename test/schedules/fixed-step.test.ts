/** The fixed-step fast path for plain HOURLY/DAILY/WEEKLY rules equals rrule's expansion. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expandWithRRule,
  expandLocal,
  fixedStep,
  parseHandoffRule,
} from '../../src/schedules/handoff-rule.js';
import { localMs, type LocalMs } from '../../src/time/local.js';

describe('fixed-step handoff expansion', () => {
  it('is used only for plain HOURLY, DAILY and WEEKLY rules', () => {
    expect(fixedStep(parseHandoffRule('FREQ=WEEKLY;INTERVAL=2'))).toBe(14 * 86_400_000);
    expect(fixedStep(parseHandoffRule('FREQ=HOURLY;INTERVAL=12'))).toBe(12 * 3_600_000);
    expect(fixedStep(parseHandoffRule('FREQ=WEEKLY;BYDAY=MO'))).toBeNull();
    expect(fixedStep(parseHandoffRule('FREQ=DAILY;BYHOUR=9,21'))).toBeNull();
    expect(fixedStep(parseHandoffRule('FREQ=MONTHLY'))).toBeNull();
  });

  it('gives the same occurrences as rrule, with COUNT and floating UNTIL', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('HOURLY', 'DAILY', 'WEEKLY'),
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
        fc.integer({ min: 0, max: 365 * 24 * 4 - 1 }),
        fc.integer({ min: 1, max: 400 }),
        (freq, interval, count, untilDays, startQuarterHours, limitDays) => {
          const start = (localMs(2026, 1, 1) + startQuarterHours * 900_000) as LocalMs;
          let text = `FREQ=${freq};INTERVAL=${interval}`;
          if (count !== undefined) text += `;COUNT=${count}`;
          else if (untilDays !== undefined) {
            const u = new Date(start + untilDays * 86_400_000 + 3_600_000);
            text += `;UNTIL=${u.toISOString().replace(/[-:]/g, '').slice(0, 15)}`;
          }
          const rule = parseHandoffRule(text);
          const limit = (start + limitDays * 86_400_000) as LocalMs;
          expect(expandLocal(rule, start, limit)).toEqual(expandWithRRule(rule, start, limit));
        },
      ),
      { numRuns: 300 },
    );
  });
});
