/**
 * Reading the global event stream (`keys.events`): paging by entry id, its length, and trimming
 * it to `settings.event_retention`. Producers write it with src/events/write.ts; subscribers read
 * it through consumer groups (src/events/subscribers.ts).
 */
import type { Redis } from 'ioredis';
import type { Keys } from '../redis/keys.js';
import { z } from 'zod';
import { parseTimelineEvent } from './schema.js';
import { streamEventSchema, type StreamEvent } from './subscriber.js';

/** A stream entry id: `<ms>-<seq>`. */
export const STREAM_ID_RE = /^\d+-\d+$/;

/** One raw entry as XRANGE / XREADGROUP return it (fields null: the entry was trimmed meanwhile). */
export type RawEntry = [id: string, fields: string[] | null];

/**
 * An entry as a StreamEvent, or null when it is not one (trimmed while pending, or written by
 * something else than src/events/write.ts): such an entry can never be delivered.
 */
export function parseEntry([id, fields]: RawEntry): StreamEvent | null {
  if (!fields) return null;
  let incident: number | null = null;
  let json: string | null = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'incident') incident = Number(fields[i + 1]);
    else if (fields[i] === 'event') json = fields[i + 1]!;
  }
  if (incident === null || !Number.isInteger(incident) || incident < 1 || json === null) return null;
  try {
    const event = parseTimelineEvent(json);
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string') return null;
    return { id, incident, event };
  } catch {
    return null;
  }
}

export interface ReadEventsOptions {
  /** Only entries after this id (exclusive); absent: from the oldest one retained. */
  readonly after?: string;
  readonly limit: number;
}

export const eventPageSchema = z
  .object({
    events: z.array(streamEventSchema).describe('Oldest first.'),
    // The last entry read (an unreadable one included, so paging never sticks on it).
    next: z
      .string()
      .describe('Pass as `after` for the next page: the last id read, else the `after` given, else `0-0`.'),
  })
  .meta({ id: 'EventPage' });
export type EventPage = z.infer<typeof eventPageSchema>;

/** Up to `limit` entries after `after`, oldest first. */
export async function readEvents(redis: Redis, keys: Keys, opts: ReadEventsOptions): Promise<EventPage> {
  const start = opts.after === undefined ? '-' : `(${opts.after}`;
  const raw = (await redis.xrange(keys.events, start, '+', 'COUNT', opts.limit)) as RawEntry[];
  const events: StreamEvent[] = [];
  for (const entry of raw) {
    const e = parseEntry(entry);
    if (e) events.push(e);
  }
  return { events, next: raw.at(-1)?.[0] ?? opts.after ?? '0-0' };
}

/** How many entries the stream holds. */
export function streamLength(redis: Redis, keys: Keys): Promise<number> {
  return redis.xlen(keys.events);
}

/**
 * Drops entries older than `retentionMs` before `now`. Approximate (`MINID ~`): Redis removes
 * whole internal nodes only (`stream-node-max-entries`, 100 by default), so up to that many older
 * entries may stay until the next trim; that keeps a trim cheap. Returns how many were removed.
 *
 * An entry trimmed before a subscriber got to it is lost for that subscriber (a subscriber down
 * for longer than the retention); its pending entries that were trimmed are acknowledged and
 * logged by the runner.
 */
export function trimEvents(redis: Redis, keys: Keys, retentionMs: number, now: number): Promise<number> {
  const minId = `${Math.max(0, Math.floor(now - retentionMs))}-0`;
  return redis.xtrim(keys.events, 'MINID', '~', minId);
}
