/** The page record script (src/pages/store.ts, `PageStore`). */
import { EMIT_LUA } from './events.js';
import { defineScript } from './loader.js';

/**
 * Applies one provider report (a Twilio status callback) to a page record.
 * KEYS: 1 the page record hash, 2 the incident's timeline, 3 the incident hash, 4 the event stream
 * ARGV: 1 the provider status, 2 its rank (how far along it is), 3 the outcome it decides
 *       ('' | delivered | failed), 4 AnsweredBy ('' none), 5 ErrorCode ('' none), 6 now ISO,
 *       7 the timeline event's JSON (recorded when this report decides the outcome)
 * Returns {what, outcome}: what = missing (no such record: nothing written) | stale (older or
 * repeated: nothing changed) | changed | decided (this report decided the page's outcome);
 * outcome = the page's outcome after it ('' none).
 * Guarantees: atomic with its event: the outcome is decided once, by the first deciding report,
 * and its timeline event is written with it (emit) only then; reports arriving out of order
 * never move the status back; a repeated report changes nothing.
 */
export const APPLY_PAGE_STATUS = defineScript<
  readonly [page: string, timeline: string, incident: string, events: string],
  readonly [
    status: string,
    rank: number,
    outcome: '' | 'delivered' | 'failed',
    answeredBy: string,
    errorCode: string,
    nowIso: string,
    event: string,
  ],
  [what: 'missing' | 'stale' | 'changed' | 'decided', outcome: '' | 'delivered' | 'failed']
>({
  name: 'harkPageStatus',
  keys: 4,
  lua: `${EMIT_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local cur = redis.call('HMGET', KEYS[1], 'providerStatus', 'providerRank', 'answeredBy', 'outcome')
local curRank = tonumber(cur[2] or '0') or 0
local rank = tonumber(ARGV[2])
local changed = false
if rank > curRank or (rank == curRank and ARGV[1] ~= cur[1]) then
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'providerStatus', ARGV[1], 'providerRank', ARGV[2],
    'statusAt', ARGV[6])
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'errorCode', ARGV[5]) end
  changed = true
end
if ARGV[4] ~= '' and ARGV[4] ~= cur[3] and rank >= curRank then
  redis.call('HSET', KEYS[1], 'answeredBy', ARGV[4])
  changed = true
end
local outcome = cur[4] or ''
if not changed then return {'stale', outcome} end
if outcome == '' and ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'outcome', ARGV[3])
  local id = redis.call('HGET', KEYS[3], 'id')
  if id then emit(KEYS[2], KEYS[4], id, ARGV[7]) end
  return {'decided', ARGV[3]}
end
return {'changed', outcome}
`,
});
