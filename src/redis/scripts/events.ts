/**
 * The emit prelude: not a script of its own, but the Lua function every script that records an
 * incident event starts with (incidents.ts, pages.ts), so that a change and its event are one
 * atomic step. The same two writes as `addEvent` (src/events/write.ts) does in a MULTI.
 *
 * `emit(timelineKey, streamKey, id, json)`: RPUSH json to the incident's timeline, and XADD an
 * entry `incident` = id, `event` = json to the event stream. Both keys must be among the calling
 * script's KEYS, or built from them by the script (Redis Cluster).
 */
export const EMIT_LUA = `
local function emit(timelineKey, streamKey, id, json)
  redis.call('RPUSH', timelineKey, json)
  redis.call('XADD', streamKey, '*', 'incident', tostring(id), 'event', json)
end
`;
