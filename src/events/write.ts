/**
 * Writing an incident event: to the incident's timeline and to the global event stream in the
 * same atomic step as the change it records (a MULTI, or inside the change's Lua script).
 *
 * A stream entry has two fields: `incident` (the id) and `event` (the event's JSON, the same text
 * as the timeline entry). Entry ids are Redis stream ids (`<ms>-<seq>`); subscribers and
 * `GET /v1/events?after=` page by them.
 */
import type { ChainableCommander } from 'ioredis';
import type { Keys } from '../redis/keys.js';
import type { TimelineEvent } from './schema.js';

/** Adds the event's two writes (timeline, stream) to a MULTI that carries its state change. */
export function addEvent(tx: ChainableCommander, keys: Keys, incident: number, event: TimelineEvent): void {
  const json = JSON.stringify(event);
  tx.rpush(keys.incidentTimeline(incident), json);
  tx.xadd(keys.events, '*', 'incident', String(incident), 'event', json);
}

/**
 * The same for Lua scripts: prepend to a script, then `emit(timelineKey, streamKey, id, json)`.
 * The stream key must be one of the script's KEYS (Redis Cluster).
 */
export const EMIT_LUA = `
local function emit(timelineKey, streamKey, id, json)
  redis.call('RPUSH', timelineKey, json)
  redis.call('XADD', streamKey, '*', 'incident', tostring(id), 'event', json)
end
`;
