/**
 * `hark events [--after ID] [--follow] [--json]`: the incident event stream, one line per event
 * (time, #incident, type, actor, details), oldest first. Straight from Redis (REDIS_URL, else the
 * local one `hark serve` runs), or through a server (`--server URL --token T`: GET /v1/events).
 *
 * Without --after it prints every event retained; with --follow it then keeps printing new ones
 * until Ctrl-C (with --follow and no --after it starts from now). --json prints one JSON object
 * per line: `{"id", "incident", "event"}`; an id is what --after takes.
 */
import type { Redis } from 'ioredis';
import { parseEntry, readEvents, STREAM_ID_RE, type EventPage, type RawEntry } from '../../events/stream.js';
import type { StreamEvent } from '../../events/subscriber.js';
import { describeEvent } from '../../incidents/describe.js';
import { actorName } from '../../incidents/model.js';
import { blockingOptions } from '../../redis/connect.js';
import { keys as makeKeys } from '../../redis/keys.js';
import type { CliEnv } from '../context.js';
import { CheckFailed, UsageError } from '../output.js';
import { connectCliRedis } from '../redis.js';

export interface EventsFlags {
  readonly server?: string;
  readonly token?: string;
  readonly json?: boolean;
  readonly after?: string;
  readonly follow?: boolean;
}

/** How many events one read asks for. */
const PAGE = 1000;
/** How often --follow asks a server for new events. */
const POLL_MS = 1000;
/** How long --follow waits on Redis (XREAD BLOCK) before asking again. */
const BLOCK_MS = 5000;

interface EventSource {
  /** Up to PAGE events after `after`. */
  page(after: string | undefined): Promise<EventPage>;
  /** New events after `after`, waiting a while for some (an empty page: none yet). */
  wait(after: string): Promise<EventPage>;
  /** The id "now" is at: events after it are new. */
  now(): Promise<string>;
  close(): Promise<void>;
}

export function formatEvent(e: StreamEvent): string {
  const ev = e.event;
  const at = typeof ev.at === 'string' ? ev.at.replace(/\.\d+Z$/, 'Z') : '-';
  const actor = typeof ev.actor === 'string' ? actorName(ev.actor) : '-';
  const detail = ev.type === 'role.assigned' ? `${ev.role} → ${ev.person}` : describeEvent(ev);
  return `${at}  ${`#${e.incident}`.padEnd(6)} ${ev.type.padEnd(24)} ${actor.padEnd(12)} ${detail}`.trimEnd();
}

export async function eventsCommand(flags: EventsFlags, cli: CliEnv): Promise<void> {
  if (flags.after !== undefined && !STREAM_ID_RE.test(flags.after)) {
    throw new UsageError(
      `invalid --after "${flags.after}": use an event id such as 1764082800000-0 (hark events --json shows them)`,
    );
  }
  const source = flags.server ? serverSource(flags.server, flags, cli) : await redisSource(cli);
  const print = (events: readonly StreamEvent[]) => {
    for (const e of events) cli.out.stdout(`${flags.json ? JSON.stringify(e) : formatEvent(e)}\n`);
  };
  try {
    let after = flags.after ?? (flags.follow ? await source.now() : undefined);
    for (;;) {
      const page = await source.page(after);
      print(page.events);
      if (page.next === after) break;
      after = page.next;
    }
    if (!flags.follow) return;
    let from = after ?? '0-0';
    for (;;) {
      const page = await source.wait(from);
      print(page.events);
      from = page.next;
    }
  } finally {
    await source.close();
  }
}

function serverSource(server: string, flags: EventsFlags, cli: CliEnv): EventSource {
  const base = server.replace(/\/+$/, '');
  const token = flags.token ?? cli.env.HARK_API_TOKEN;
  if (!token) throw new UsageError('--server needs --token (or HARK_API_TOKEN)');
  const page = async (after: string | undefined): Promise<EventPage> => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (after !== undefined) q.set('after', after);
    let res: Response;
    try {
      res = await fetch(`${base}/v1/events?${q.toString()}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
    } catch (e) {
      throw new CheckFailed(`hark: cannot reach ${base}: ${(e as Error).message}`);
    }
    const json = (await res.json().catch(() => null)) as
      (EventPage & { error?: { message?: string } }) | null;
    if (res.status !== 200 || !json)
      throw new CheckFailed(`hark: ${json?.error?.message ?? `HTTP ${res.status}`}`);
    return json;
  };
  return {
    page,
    wait: async (after) => {
      const got = await page(after);
      if (got.events.length === 0) await new Promise((r) => setTimeout(r, POLL_MS));
      return got;
    },
    // The server's stream ids are its Redis's clock; this one is close enough to watch from.
    now: () => Promise.resolve(`${cli.now()}-0`),
    close: async () => {},
  };
}

async function redisSource(cli: CliEnv): Promise<EventSource> {
  const redis = await connectCliRedis(
    cli.env,
    'hark: no Redis to read events from: set REDIS_URL, run this where `hark serve` runs, or use --server URL --token T',
  );
  const keys = makeKeys(cli.env.HARK_REDIS_PREFIX || undefined);
  let blocking: Redis | null = null;
  return {
    page: (after) => readEvents(redis, keys, { after, limit: PAGE }),
    wait: async (after) => {
      // XREAD BLOCK holds its connection: one of its own, without a command timeout.
      if (!blocking) {
        blocking = redis.duplicate(blockingOptions);
        blocking.on('error', () => {});
      }
      const reply = (await blocking.xread(
        'COUNT',
        PAGE,
        'BLOCK',
        BLOCK_MS,
        'STREAMS',
        keys.events,
        after,
      )) as [string, RawEntry[]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      const events = entries.map(parseEntry).filter((e): e is StreamEvent => e !== null);
      return { events, next: entries.at(-1)?.[0] ?? after };
    },
    now: async () => {
      const last = (await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1)) as RawEntry[];
      return last[0]?.[0] ?? '0-0';
    },
    close: async () => {
      (blocking as Redis | null)?.disconnect();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
