/**
 * ShiftAnnouncer (src/escalation/shift-notices.ts) at fixed instants: the holder announced per
 * role, compared with the schedules; each change announced once however many workers compare at
 * once, and a notice current only while its change is.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ShiftAnnouncer } from '../../src/escalation/shift-notices.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys } from '../../src/redis/keys.js';
import { OverrideStore } from '../../src/schedules/override-store.js';
import { ScheduleRegistry } from '../../src/schedules/registry.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';

afterAll(cleanupTmpConfigs);

const MINUTE = 60_000;
const T = Date.parse('2026-03-10T01:00:00Z');

async function setup() {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      ...['alice', 'bob', 'carol'].map((p, i) => `  ${p}: {sms: "+1555555060${i}"}`),
      'services:',
      '  - {name: web, escalation_policy: main}',
    ),
    'schedules/platform.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: weekly, role: primary, members: [alice], start: 2026-01-01T00:00}',
      '  - {name: backup, role: secondary, members: [carol], start: 2026-01-01T00:00}',
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{schedule: platform}]'),
  });
  const config = loadConfig(dir, { env: {} }).config;
  const redis = connectRedis(inject('redisUrl'));
  redis.on('error', () => {});
  await whenReady(redis);
  const keys = makeKeys(`{announce-${randomUUID().slice(0, 8)}}:`);
  let now = T;
  const store = new OverrideStore(
    redis,
    keys,
    () => config,
    () => now,
  );
  const log = pino({ level: 'silent' });
  // Four workers, each with its own registry (its own cache), on one Redis.
  const workers = [0, 1, 2, 3].map(
    () =>
      new ShiftAnnouncer(
        { redis, keys, schedules: () => new ScheduleRegistry(config, store), log },
        10 * MINUTE,
      ),
  );
  return { redis, store, workers, setNow: (t: number) => (now = t) };
}

describe('ShiftAnnouncer', () => {
  it('announces each real change of holder once, however many workers compare at once', async () => {
    const { redis, store, workers, setNow } = await setup();
    try {
      const all = (t: number, fresh = false) =>
        Promise.all(workers.map((w) => w.reconcile('platform', 'primary', t, fresh)));
      // A new install: the holder of 10 minutes ago is the baseline; nobody is told.
      expect(await workers[0]!.fresh()).toBe(true);
      expect(await all(T, true)).toEqual([null, null, null, null]);
      expect(await workers[0]!.fresh()).toBe(false);
      expect(await workers[0]!.announced('platform', 'primary')).toEqual({
        person: 'alice',
        from: null,
        seq: 0,
      });

      await store.create({
        schedule: 'platform',
        person: 'bob',
        from: T,
        to: T + 60 * MINUTE,
        createdBy: null,
      });
      const changed = (await all(T + 1000)).filter((a) => a !== null);
      expect(changed).toEqual([
        { schedule: 'platform', role: 'primary', person: 'bob', from: 'alice', seq: 1 },
      ]);
      expect(workers[0]!.tells(changed[0]!)).toEqual([
        { schedule: 'platform', role: 'primary', seq: 1, person: 'bob', side: 'incoming' },
        { schedule: 'platform', role: 'primary', seq: 1, person: 'alice', side: 'outgoing' },
      ]);
      // Planning again changes nothing.
      expect(await all(T + 2000)).toEqual([null, null, null, null]);

      // A notice is current while its change is (not for someone else, not after bob's hour: below).
      const bobIn = {
        schedule: 'platform',
        role: 'primary',
        seq: 1,
        person: 'bob',
        side: 'incoming',
      } as const;
      expect(await workers[1]!.current(bobIn, T + 3000)).toEqual({
        schedule: 'platform',
        role: 'primary',
        at: T + 3000,
        from: 'alice',
        to: 'bob',
      });
      expect(await workers[1]!.current({ ...bobIn, person: 'carol' }, T + 3000)).toBeNull();
      // bob → carol → bob before anyone compares: no change.
      const o2 = await store.create({
        schedule: 'platform',
        person: 'carol',
        createdBy: null,
        to: T + 60 * MINUTE,
      });
      await store.remove(o2.id);
      expect(await all(T + 4000)).toEqual([null, null, null, null]);
      // A role nothing was announced for, on an install that announced before: its holder is told.
      expect(await workers[2]!.reconcile('platform', 'secondary', T + 5000, false)).toEqual({
        schedule: 'platform',
        role: 'secondary',
        person: 'carol',
        from: null,
        seq: 1,
      });
      // (last: the store drops bob's override once it has ended)
      setNow(T + 61 * MINUTE);
      expect(await workers[1]!.current(bobIn, T + 61 * MINUTE)).toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});
