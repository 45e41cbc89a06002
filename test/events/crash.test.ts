/**
 * `kill -9` of a process running a subscriber while events are pending: the next process takes
 * over what it had read and not acknowledged, and every event is delivered, in order of first
 * delivery, none lost; the repeats (events handled, not yet acknowledged at the kill) are counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Keys } from '../../src/redis/keys.js';
import { connect, freshKeys, note, until, writeEvents } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(ROOT, 'test/events/fixtures/subscriber-child.ts');
const CLAIM_IDLE_MS = 1000;

let redis: Redis;
const children: ChildProcess[] = [];
beforeAll(async () => {
  redis = await connect();
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => redis.disconnect());

/** Starts a subscriber process; resolves once it runs. */
function child(keys: Keys, consumer: string, slowAt = ''): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: keys.prefix,
      CONSUMER: consumer,
      CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
      SLOW_AT: slowAt,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(c);
  let out = '';
  return new Promise((res, rej) => {
    const on = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) res(c);
    };
    c.stdout!.on('data', on);
    c.stderr!.on('data', on);
    c.once('exit', (code) => rej(new Error(`subscriber process exited ${code}: ${out}`)));
  });
}

const handled = (keys: Keys) => redis.lrange(`${keys.prefix}test:handled`, 0, -1);
const redelivered = async (keys: Keys, consumer: string) =>
  Number((await redis.get(`${keys.prefix}test:redelivered:${consumer}`)) ?? 0);

async function killedAndResumed(sameName: boolean): Promise<void> {
  const keys = freshKeys();
  // It stays on event 40 after handling it: killed there, 40 (and the rest of its read) is pending.
  const first = await child(keys, 'host-a:1', '40');
  const total = 300;
  const expected = Array.from({ length: total }, (_, i) => String(i));
  for (let b = 0; b < total; b += 20) {
    await writeEvents(
      redis,
      keys,
      expected.slice(b, b + 20).map((t) => ({ incident: (Number(t) % 7) + 1, event: note(t) })),
    );
  }
  await until(async () => (await handled(keys)).includes('40'));
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  expect(await handled(keys)).toEqual(expected.slice(0, 41));

  const consumer = sameName ? 'host-a:1' : 'host-b:2';
  const started = Date.now();
  const second = await child(keys, consumer);
  await until(async () => new Set(await handled(keys)).size === total, 20_000);
  // Taken over within about the claim idle time (and the lease's TTL) of the kill.
  expect(Date.now() - started).toBeLessThan(CLAIM_IDLE_MS * 3 + 5000);
  const all = await handled(keys);
  // Every event, in stream order of first delivery; none lost.
  expect([...new Set(all)]).toEqual(expected);
  // The repeats are those the first process had handled and not acknowledged; each was counted.
  expect(all.filter((t) => t === '40')).toHaveLength(2);
  expect(all.length).toBe(total + 1);
  // Redelivered: 40 and the rest of the read it came in (41..49), taken over from the dead one.
  await until(async () => (await redelivered(keys, consumer)) === 10);
  second.kill('SIGTERM');
  await new Promise((r) => second.once('exit', r));
  const groups = (await redis.xinfo('GROUPS', keys.events)) as unknown[][];
  const pending = groups[0]![groups[0]!.indexOf('pending') + 1];
  expect(pending).toBe(0);
}

describe('subscriber processes', () => {
  it('kill -9: another process takes over the pending events; none lost, repeats counted', async () => {
    await killedAndResumed(false);
  });

  it('kill -9 and a restart under the same consumer name (a container with pid 1)', async () => {
    await killedAndResumed(true);
  });
});
