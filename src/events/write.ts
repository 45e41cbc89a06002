/**
 * Writing an incident event: to the incident's timeline and to the global event stream in the
 * same atomic step as the change it records (a MULTI here, or inside the change's Lua script with
 * the emit prelude of src/redis/scripts/events.ts).
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
