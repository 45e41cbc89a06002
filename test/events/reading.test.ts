/** Reading the event stream by id, and trimming it to the retention. */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, streamLength, trimEvents } from '../../src/events/stream.js';
import { startSubscribers } from '../../src/events/subscribers.js';
import { connect, freshKeys, note, silent, until, writeEvents } from './support.js';

let redis: Redis;
beforeAll(async () => {
  redis = await connect();
});
afterAll(() => redis.disconnect());

const NOW = Date.parse('2026-03-04T12:00:00Z');
const DAY = 86_400_000;

describe('readEvents', () => {
  it('pages through the stream after an id, oldest first', async () => {
    const keys = freshKeys();
    await writeEvents(
      redis,
      keys,
      Array.from({ length: 25 }, (_, i) => ({ incident: (i % 3) + 1, event: note(i) })),
    );
    const texts: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await readEvents(redis, keys, { after, limit: 10 });
      if (page.events.length === 0) {
        expect(page.next).toBe(after);
        break;
      }
      pages++;
      for (const e of page.events) {
        expect(e.id).toMatch(/^\d+-\d+$/);
        expect(e.incident).toBe((Number((e.event as { text: string }).text) % 3) + 1);
        texts.push((e.event as { text: string }).text);
      }
      expect(page.next).toBe(page.events.at(-1)!.id);
      after = page.next;
    }
    expect(pages).toBe(3);
    expect(texts).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect(await streamLength(redis, keys)).toBe(25);
    expect((await readEvents(redis, freshKeys(), { limit: 10 })).next).toBe('0-0');
  });

  it('skips an entry that is not an event, and pages past it', async () => {
    const keys = freshKeys();
    await redis.xadd(keys.events, '5-1', 'incident', '1', 'event', '{not json');
    await redis.xadd(keys.events, '5-2', 'something', 'else');
    await redis.xadd(keys.events, '5-3', 'incident', '2', 'event', JSON.stringify(note('ok')));
    const page = await readEvents(redis, keys, { limit: 2 });
    expect(page).toEqual({ events: [], next: '5-2' });
    const rest = await readEvents(redis, keys, { after: page.next, limit: 2 });
    expect(rest.events.map((e) => [e.id, e.incident])).toEqual([['5-3', 2]]);
  });
});

describe('retention', () => {
  it('trims entries older than the retention and keeps the newer ones', async () => {
    const keys = freshKeys();
    // 1,000 entries 8 days old, then 10 from 6 days ago to now (ids are their write times).
    const old = NOW - 8 * DAY;
    const tx = redis.multi();
    for (let i = 0; i < 1000; i++) {
      tx.xadd(keys.events, `${old + i}-0`, 'incident', '1', 'event', JSON.stringify(note(i)));
    }
    for (let i = 0; i < 10; i++) {
      tx.xadd(
        keys.events,
        `${NOW - 6 * DAY + i * 60_000}-0`,
        'incident',
        '2',
        'event',
        JSON.stringify(note(i)),
      );
    }
    await tx.exec();
    const removed = await trimEvents(redis, keys, 7 * DAY, NOW);
    const nodeMax = Number(((await redis.config('GET', 'stream-node-max-entries')) as string[])[1]);
    // Approximate: whole internal nodes go, so at most one node's worth of older entries stays.
    expect(removed).toBeGreaterThanOrEqual(1000 - nodeMax);
    const left = await readEvents(redis, keys, { limit: 2000 });
    expect(left.events.filter((e) => e.incident === 2)).toHaveLength(10);
    expect(left.events.length).toBeLessThanOrEqual(10 + nodeMax);
    expect(await streamLength(redis, keys)).toBe(left.events.length);
  });

  it('is applied by the runner with settings.event_retention, at start', async () => {
    const keys = freshKeys();
    const tx = redis.multi();
    for (let i = 0; i < 500; i++) {
      tx.xadd(keys.events, `${NOW - 3 * DAY + i}-0`, 'incident', '1', 'event', JSON.stringify(note(i)));
    }
    tx.xadd(keys.events, `${NOW - 1000}-0`, 'incident', '2', 'event', JSON.stringify(note('new')));
    await tx.exec();
    const runner = await startSubscribers({
      redis,
      keys,
      subscribers: [],
      log: silent,
      consumer: 'trim:1',
      now: () => NOW,
      retentionMs: () => 2 * DAY,
    });
    try {
      await until(async () => (await streamLength(redis, keys)) < 200);
      const left = await readEvents(redis, keys, { limit: 1000 });
      expect(left.events.at(-1)).toMatchObject({ incident: 2 });
    } finally {
      await runner.stop();
    }
  });
});
