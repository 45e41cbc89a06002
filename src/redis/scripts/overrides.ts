/** The runtime override script (src/schedules/override-store.ts, `OverrideStore`). */
import { defineScript } from './loader.js';

/**
 * Removes one override if it is there (and of the schedule, when one is given) and counts the
 * change.
 * KEYS: 1 the overrides hash (id → override JSON), 2 the overrides' version counter
 * ARGV: 1 the override's id, 2 its schedule, or '' for any
 * Returns the removed override's JSON, or null when there was none (or of another schedule).
 * Guarantees: atomic: the removal and the version increment go together; removing again (or
 * concurrently) removes nothing and counts nothing.
 */
export const REMOVE_OVERRIDE = defineScript<
  readonly [overrides: string, version: string],
  readonly [id: string, schedule: string],
  string | null
>({
  name: 'harkRemoveOverride',
  keys: 2,
  lua: `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return false end
if ARGV[2] ~= '' and cjson.decode(json).schedule ~= ARGV[2] then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('INCR', KEYS[2])
return json
`,
});
