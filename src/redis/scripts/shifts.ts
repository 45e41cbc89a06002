/** The shift-notice script (src/escalation/shift-notices.ts, `ShiftAnnouncer`). */
import { defineScript } from './loader.js';

/**
 * Records a new announced holder of a schedule role, only if the record is still the one the
 * caller read: a compare-and-set, so of two workers planning at once, one announces each change.
 * KEYS: 1 the shift-holders hash
 * ARGV: 1 the field (the schedule and role), 2 the value read ('' when there was none), 3 the new value
 * Returns 1 when it was written, 0 when the record had changed meanwhile (nothing written).
 * Guarantees: atomic compare-and-set; repeating a call that wrote answers 0 and writes nothing.
 */
export const SHIFT_ANNOUNCE = defineScript<
  readonly [shiftHolders: string],
  readonly [field: string, expected: string, next: string],
  0 | 1
>({
  name: 'harkShiftAnnounce',
  keys: 1,
  lua: `
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`,
});
