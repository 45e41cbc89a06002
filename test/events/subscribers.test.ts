/**
 * The subscriber runner against a real Redis: every event in stream order, a throwing subscriber
 * retried without holding up another, one consumer at a time across processes, a new subscriber
 * starting at the end of the stream, graceful stop, and the lag on /metrics.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StreamEvent, Subscriber } from '../../src/events/subscriber.js';
import {
  startSubscribers,
  type SubscriberRunner,
  type SubscriberRunnerOptions,
} from '../../src/events/subscribers.js';
import { Metrics } from '../../src/metrics.js';
import type { Keys } from '../../src/redis/keys.js';
import { connect, freshKeys, note, silent, until, writeEvents } from './support.js';

let redis: Redis;
const runners: SubscriberRunner[] = [];
beforeAll(async () => {
  redis = await connect();
});
afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
});
afterAll(() => redis.disconnect());

async function run(
  keys: Keys,
  subscribers: Subscriber[],
  opts: Partial<SubscriberRunnerOptions> = {},
): Promise<SubscriberRunner> {
  const runner = await startSubscribers({
    redis,
    keys,
    subscribers,
    log: silent,
    consumer: 'test:1',
    now: () => Date.parse('2026-03-04T12:00:00Z'),
    retentionMs: () => Number.MAX_SAFE_INTEGER, // never trims here (stream.test.ts trims)
    claimIdleMs: 500,
    retryMinMs: 20,
    retryMaxMs: 100,
    blockMs: 200,
    ...opts,
  });
  runners.push(runner);
  return runner;
}

/** A subscriber that records `incident:text` of each event it handles. */
function recorder(name: string, seen: string[] = []): Subscriber & { seen: string[] } {
  return {
    name,
    seen,
    handle: async (e: StreamEvent) => {
      seen.push(`${e.incident}:${(e.event as { text: string }).text}`);
    },
  };
}

/** 5 incidents, `count` events round-robin, written in batches of 10. */
async function writeMany(keys: Keys, count: number, from = 0): Promise<string[]> {
  const expected: string[] = [];
  for (let b = from; b < from + count; b += 10) {
    const batch = [];
    for (let i = b; i < Math.min(b + 10, from + count); i++) {
      batch.push({ incident: (i % 5) + 1, event: note(i) });
      expected.push(`${(i % 5) + 1}:${i}`);
    }
    await writeEvents(redis, keys, batch);
  }
  return expected;
}

const groupInfo = async (keys: Keys, name: string) => {
  const groups = (await redis.xinfo('GROUPS', keys.events)) as unknown[][];
  const flat = groups.find((g) => g[1] === name)!;
  const o: Record<string, unknown> = {};
  for (let i = 0; i < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
  return o;
};

describe('subscriber runner', () => {
  it('delivers every event once, in stream order, and acknowledges it', async () => {
    const keys = freshKeys();
    const a = recorder('a');
    const b = recorder('b');
    const metrics = new Metrics(false);
    await run(keys, [a, b], { metrics });
    const expected = await writeMany(keys, 200);
    await until(() => a.seen.length >= 200 && b.seen.length >= 200);
    expect(a.seen).toEqual(expected);
    expect(b.seen).toEqual(expected);
    await until(async () => (await groupInfo(keys, 'a')).pending === 0);
    expect(await groupInfo(keys, 'a')).toMatchObject({ pending: 0, lag: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('hark_subscriber_delivered_total{subscriber="a"} 200');
    expect(text).toContain('hark_subscriber_lag{subscriber="b"} 0');
    expect(text).toContain('hark_event_stream_length 200');
    expect(text).not.toContain('hark_subscriber_redelivered_total{subscriber="a"}');
  });

  it('retries a throwing subscriber on the same event, in order, without holding up another', async () => {
    const keys = freshKeys();
    let throws = 0;
    const flakySeen: string[] = [];
    const flaky: Subscriber = {
      name: 'flaky',
      handle: async (e) => {
        const text = (e.event as { text: string }).text;
        // The first event fails 5 times: later ones must wait for it, not jump ahead.
        if (text === '0' && throws < 5) {
          throws++;
          throw new Error('receiver down');
        }
        flakySeen.push(`${e.incident}:${text}`);
      },
    };
    const hung: Subscriber = { name: 'hung', handle: () => new Promise(() => {}) };
    const fast = recorder('fast');
    const arrived: number[] = [];
    const timed: Subscriber = {
      name: 'fast',
      handle: async (e) => {
        await fast.handle(e);
        arrived.push(Date.now());
      },
    };
    const metrics = new Metrics(false);
    await run(keys, [flaky, hung, timed], { metrics, retryMinMs: 100, retryMaxMs: 400, stopGraceMs: 100 });
    const written = Date.now();
    const expected = await writeMany(keys, 20);
    await until(() => fast.seen.length >= 20);
    // The fast subscriber had every event within a second, while the others fail or hang (the
    // flaky one needs 1.5 s of retries for its first event).
    expect(arrived.at(-1)! - written).toBeLessThan(1000);
    expect(fast.seen).toEqual(expected);
    expect(flakySeen).toEqual([]);
    await until(() => flakySeen.length >= 20, 10_000);
    expect(flakySeen).toEqual(expected);
    expect(throws).toBe(5);
    const text = await metrics.registry.metrics();
    expect(text).toContain('hark_subscriber_failures_total{subscriber="flaky"} 5');
    expect(text).toContain('hark_subscriber_delivered_total{subscriber="flaky"} 20');
    // The hung one has read its first event (pending) and left the other 19 unread: 20 unacknowledged.
    expect(text).toContain('hark_subscriber_lag{subscriber="hung"} 20');
    expect(text).toContain('hark_subscriber_pending{subscriber="hung"} ');
  });

  it("waits an error's retryAfterMs (a rate limit's Retry-After) before the retry, beyond the backoff's cap", async () => {
    const keys = freshKeys();
    const attempts: number[] = [];
    const limited: Subscriber = {
      name: 'limited',
      handle: async () => {
        attempts.push(Date.now());
        if (attempts.length === 1) throw Object.assign(new Error('rate limited'), { retryAfterMs: 600 });
        if (attempts.length === 2) throw new Error('down'); // no hint: the backoff (20 ms) again
      },
    };
    await run(keys, [limited], { retryMinMs: 20, retryMaxMs: 100 });
    await writeEvents(redis, keys, [{ incident: 1, event: note(0) }]);
    await until(() => attempts.length >= 3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(590);
    expect(attempts[2]! - attempts[1]!).toBeLessThan(500);
  });

  it('runs one consumer at a time across processes, and the other takes over when it stops', async () => {
    const keys = freshKeys();
    // Handling takes a moment: two consumers reading at once would interleave and reorder.
    const slowRecorder = (seen: string[]): Subscriber => ({
      name: 's',
      handle: async (e) => {
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        seen.push(`${e.incident}:${(e.event as { text: string }).text}`);
      },
    });
    const a: string[] = [];
    const b: string[] = [];
    const first = await run(keys, [slowRecorder(a)], { consumer: 'host-a:1' });
    await run(keys, [slowRecorder(b)], { consumer: 'host-b:2' });
    const one = await writeMany(keys, 50);
    await until(() => a.length + b.length >= 50);
    await first.stop();
    const two = await writeMany(keys, 50, 50);
    await until(() => a.length + b.length >= 100, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(a).toEqual(one);
    expect(b).toEqual(two);
  });

  it('starts a new subscriber at the end of the stream, and a known one where it left off', async () => {
    const keys = freshKeys();
    await writeMany(keys, 10); // history from before the subscriber existed: not replayed
    const seen: string[] = [];
    const first = await run(keys, [recorder('late', seen)]);
    const live = await writeMany(keys, 10, 10);
    await until(() => seen.length >= 10);
    await first.stop();
    const whileStopped = await writeMany(keys, 10, 20);
    await run(keys, [recorder('late', seen)], { consumer: 'test:2' });
    await until(() => seen.length >= 20);
    expect(seen).toEqual([...live, ...whileStopped]);
  });

  it('stop() waits for the event being handled, and acknowledges it', async () => {
    const keys = freshKeys();
    let started = false;
    let finished = false;
    const slow: Subscriber = {
      name: 'slow',
      handle: async () => {
        started = true;
        await new Promise((r) => setTimeout(r, 300));
        finished = true;
      },
    };
    const runner = await run(keys, [slow]);
    await writeEvents(redis, keys, [{ incident: 1, event: note(1) }]);
    await until(() => started);
    await runner.stop();
    expect(finished).toBe(true);
    expect(await groupInfo(keys, 'slow')).toMatchObject({ pending: 0 });
    expect(await redis.exists(keys.subscriberLease('slow'))).toBe(0);
  });

  it('refuses subscriber names that cannot name a group or a metric label, and two of one name', async () => {
    const keys = freshKeys();
    await expect(run(keys, [recorder('Bad Name')])).rejects.toThrow('invalid subscriber name "Bad Name"');
    await expect(run(keys, [recorder('x'), recorder('x')])).rejects.toThrow('two subscribers are named "x"');
  });
});
