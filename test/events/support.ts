/** Helpers for the event stream tests: a connection, a fresh key prefix, events written as producers do. */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { inject } from 'vitest';
import type { TimelineEvent } from '../../src/events/schema.js';
import { addEvent } from '../../src/events/write.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys, type Keys } from '../../src/redis/keys.js';

export const silent = pino({ level: process.env.HARK_TEST_LOG ?? 'silent' });

export async function connect(): Promise<Redis> {
  const redis = connectRedis(inject('redisUrl'));
  redis.on('error', () => {});
  await whenReady(redis);
  return redis;
}

export function freshKeys(): Keys {
  return makeKeys(`{ev-${randomUUID().slice(0, 8)}}:`);
}

/** A note event; `n` is its text, so a test can tell events apart. */
export function note(n: number | string): TimelineEvent {
  return { type: 'note.added', at: '2026-03-04T12:00:00.000Z', actor: 'person:alice', text: String(n) };
}

/** Writes events as a producer does (the timeline entry and the stream entry in one MULTI). */
export async function writeEvents(
  redis: Redis,
  keys: Keys,
  events: readonly { incident: number; event: TimelineEvent }[],
): Promise<void> {
  const tx = redis.multi();
  for (const e of events) addEvent(tx, keys, e.incident, e.event);
  await tx.exec();
}

/** Polls `check` until it holds. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
