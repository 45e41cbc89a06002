/**
 * OverrideStore against real Redis: create/list/remove, validation, expiry, the version counter,
 * and the override-aware ScheduleRegistry (precedence; what escalation steps resolve to).
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config, EscalationStep } from '../../src/config/types.js';
import { resolveStep } from '../../src/escalation/targets.js';
import type { Keys } from '../../src/redis/keys.js';
import { OverrideError, OverrideStore, overrideJson } from '../../src/schedules/override-store.js';
import { ScheduleRegistry } from '../../src/schedules/registry.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { at, DAY_MS, freshKeys, HOUR, loadTestConfig, overrideTestConfig, testRedis } from './support.js';

let redis: Redis;
let config: Config;
let keys: Keys;
let now: number;
let store: OverrideStore;

beforeAll(async () => {
  redis = await testRedis();
  config = loadTestConfig(overrideTestConfig());
});
afterAll(() => {
  redis.disconnect();
  cleanupTmpConfigs();
});
beforeEach(() => {
  keys = freshKeys();
  now = at('2026-03-04T12:00:00Z'); // platform: carol primary (Mar 2 09:00 → Mar 9 09:00), alice secondary
  store = new OverrideStore(
    redis,
    keys,
    () => config,
    () => now,
  );
});

async function refused(p: Promise<unknown>): Promise<{ field: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OverrideError) return { field: e.field, message: e.message };
    throw e;
  }
  throw new Error('expected an OverrideError');
}

describe('OverrideStore', () => {
  it('creates overrides with short ids, who made them, when and why; lists and removes them', async () => {
    const a = await store.create({
      schedule: 'platform',
      person: 'bob',
      from: now,
      to: now + 2 * HOUR,
      createdBy: 'person:carol',
      reason: '  dentist  ',
    });
    expect(a).toEqual({
      id: 'o1',
      schedule: 'platform',
      role: 'primary',
      person: 'bob',
      from: now,
      to: now + 2 * HOUR,
      createdAt: now,
      createdBy: 'person:carol',
      reason: 'dentist',
    });
    const b = await store.create({
      schedule: 'platform',
      role: 'secondary',
      person: 'dave',
      from: now - HOUR,
      to: now + HOUR,
      createdBy: null,
    });
    const c = await store.create({
      schedule: 'other',
      role: 'lead',
      person: 'alice',
      to: now + HOUR,
      createdBy: null,
    });
    expect([b.id, c.id]).toEqual(['o2', 'o3']);
    expect(c.from).toBe(now); // from defaults to now
    expect(b.reason).toBeNull();

    expect((await store.list('platform')).map((o) => o.id)).toEqual(['o2', 'o1']); // time order
    expect((await store.list()).map((o) => o.id)).toEqual(['o2', 'o1', 'o3']);
    expect(await store.get('o1')).toEqual(a);

    expect(await store.remove('o1', 'other')).toBeNull(); // not of that schedule: kept
    expect(await store.remove('o1')).toEqual(a);
    expect(await store.remove('o1')).toBeNull();
    expect(await store.get('o1')).toBeNull();
    expect((await store.list()).map((o) => o.id)).toEqual(['o2', 'o3']);
  });

  it('counts ids in base 36', async () => {
    await redis.set(keys.nextOverrideId, 35);
    const o = await store.create({ schedule: 'platform', person: 'bob', to: now + HOUR, createdBy: null });
    expect(o.id).toBe('o10');
  });

  it('answers JSON with ISO instants', async () => {
    const o = await store.create({
      schedule: 'platform',
      person: 'bob',
      to: now + HOUR,
      createdBy: 'token:robot',
    });
    expect(overrideJson(o)).toEqual({
      id: 'o1',
      schedule: 'platform',
      role: 'primary',
      person: 'bob',
      from: '2026-03-04T12:00:00Z',
      to: '2026-03-04T13:00:00Z',
      createdAt: '2026-03-04T12:00:00Z',
      createdBy: 'token:robot',
      reason: null,
    });
  });

  it('refuses bad input, naming the field, and stores nothing', async () => {
    const base = { schedule: 'platform', person: 'bob', to: now + HOUR, createdBy: null };
    expect(await refused(store.create({ ...base, schedule: 'platfrom' }))).toEqual({
      field: 'schedule',
      message: 'unknown schedule "platfrom" (did you mean "platform"?)',
    });
    expect(await refused(store.create({ ...base, schedule: 'zzz' }))).toEqual({
      field: 'schedule',
      message: 'unknown schedule "zzz" (schedules: other, platform)',
    });
    expect(await refused(store.create({ ...base, role: 'tertiary' }))).toEqual({
      field: 'role',
      message: 'schedule "platform" has no role "tertiary" (roles: primary, secondary)',
    });
    // The default role must exist too.
    expect(await refused(store.create({ ...base, schedule: 'other' }))).toEqual({
      field: 'role',
      message: 'schedule "other" has no role "primary" (roles: lead)',
    });
    expect(await refused(store.create({ ...base, person: 'bbo' }))).toEqual({
      field: 'person',
      message: 'unknown person "bbo" (did you mean "bob"?)',
    });
    expect(await refused(store.create({ ...base, to: now }))).toEqual({
      field: 'to',
      message: 'to must be after from',
    });
    expect(await refused(store.create({ ...base, from: now - 2 * HOUR, to: now - HOUR }))).toEqual({
      field: 'to',
      message: 'the override would already be over: to must be in the future',
    });
    expect(await refused(store.create({ ...base, to: now + 90 * DAY_MS + 1 }))).toEqual({
      field: 'to',
      message: 'an override lasts at most 90 days',
    });
    expect(await refused(store.create({ ...base, reason: 'x'.repeat(501) }))).toEqual({
      field: 'reason',
      message: 'the reason is longer than 500 characters',
    });
    expect(await store.list()).toEqual([]);
    expect(await store.version()).toBe(0);
    // Exactly 90 days is fine.
    await store.create({ ...base, to: now + 90 * DAY_MS });
  });

  it('defaults `to` to the end of the current holder’s interval, else 1h', async () => {
    // carol holds primary until Mon 9 Mar 09:00.
    const handoff = await store.create({ schedule: 'platform', person: 'bob', createdBy: null });
    expect(handoff.to).toBe(at('2026-03-09T09:00:00Z'));
    // erin holds lead forever: 1h.
    const lead = await store.create({ schedule: 'other', role: 'lead', person: 'alice', createdBy: null });
    expect(lead.to).toBe(now + HOUR);
    // A runtime override is the current holder's interval too: handing it on ends with it.
    const short = await store.create({
      schedule: 'platform',
      role: 'secondary',
      person: 'dave',
      to: now + 3 * HOUR,
      createdBy: null,
    });
    const onward = await store.create({
      schedule: 'platform',
      role: 'secondary',
      person: 'erin',
      createdBy: null,
    });
    expect(onward.to).toBe(short.to);
  });

  it('drops ended overrides from every answer and deletes them lazily, without counting a change', async () => {
    const soon = await store.create({ schedule: 'platform', person: 'bob', to: now + HOUR, createdBy: null });
    const later = await store.create({
      schedule: 'platform',
      person: 'dave',
      to: now + 5 * HOUR,
      createdBy: null,
    });
    const version = await store.version();
    now += HOUR; // `soon` ends now: to ≤ now
    expect((await store.list()).map((o) => o.id)).toEqual([later.id]);
    expect(await store.get(soon.id)).toBeNull();
    expect(await redis.hkeys(keys.overrides)).toEqual([later.id]);
    expect(await store.version()).toBe(version);
  });

  it('bumps the version on every create and remove, not on reads or misses', async () => {
    expect(await store.version()).toBe(0);
    const o = await store.create({ schedule: 'platform', person: 'bob', to: now + HOUR, createdBy: null });
    expect(await store.version()).toBe(1);
    await store.list();
    await store.remove('o99');
    expect(await store.version()).toBe(1);
    await store.remove(o.id);
    expect(await store.version()).toBe(2);
    expect((await store.load()).version).toBe(2);
  });

  it('keeps its keys under the prefix', async () => {
    await store.create({ schedule: 'platform', person: 'bob', to: now + HOUR, createdBy: null });
    const found = await redis.keys(`${keys.prefix.replace(/[{}]/g, '\\$&')}*`);
    expect(found.sort()).toEqual([keys.nextOverrideId, keys.overrides, keys.overridesVersion].sort());
  });
});

describe('ScheduleRegistry with runtime overrides', () => {
  const step: EscalationStep = {
    notify: [
      { kind: 'schedule', schedule: 'platform', role: 'primary' },
      { kind: 'schedule', schedule: 'platform', role: 'secondary' },
    ],
    escalateAfterMs: 60_000,
  };
  const paged = (registry: ScheduleRegistry, t: number) =>
    resolveStep(step, registry, t).map((r) => r.person);

  it('without an override source answers the config (and `base` always does)', async () => {
    const registry = new ScheduleRegistry(config);
    await registry.refresh();
    expect(registry.view('platform')).toBe(registry.get('platform')!.base);
    expect(registry.view('nope')).toBeUndefined();
    expect(paged(registry, now)).toEqual(['carol', 'alice']);
  });

  it('sees a new override after refresh(); a newer one beats an older; removal restores', async () => {
    const registry = new ScheduleRegistry(config, store);
    await registry.refresh();
    expect(paged(registry, now)).toEqual(['carol', 'alice']);

    const older = await store.create({
      schedule: 'platform',
      person: 'bob',
      to: now + 4 * HOUR,
      createdBy: null,
    });
    await registry.refresh();
    expect(paged(registry, now)).toEqual(['bob', 'alice']);
    expect(registry.get('platform')!.base.holderAt('primary', now)).toBe('carol'); // config only

    now += 1000;
    const newer = await store.create({
      schedule: 'platform',
      person: 'dave',
      from: now - 1000,
      to: now + HOUR,
      createdBy: null,
    });
    await registry.refresh();
    expect(paged(registry, now)).toEqual(['dave', 'alice']);
    expect(registry.view('platform')!.holding('primary', now)).toMatchObject({
      person: 'dave',
      source: `override:${newer.id}`,
    });
    // After the newer one ends, the older one holds again.
    expect(paged(registry, now + 2 * HOUR)).toEqual(['bob', 'alice']);

    await store.remove(newer.id);
    await registry.refresh();
    expect(paged(registry, now)).toEqual(['bob', 'alice']);
    await store.remove(older.id);
    await registry.refresh();
    expect(paged(registry, now)).toEqual(['carol', 'alice']);
  });

  it('runtime overrides beat git overrides', async () => {
    now = at('2026-03-01T12:00:00Z'); // git: dave holds primary 03-01 09:00 → 03-02 09:00
    const registry = new ScheduleRegistry(config, store);
    await registry.refresh();
    expect(registry.view('platform')!.holding('primary', now)).toMatchObject({
      person: 'dave',
      source: 'override:git:0',
    });
    const o = await store.create({ schedule: 'platform', person: 'erin', to: now + HOUR, createdBy: null });
    await registry.refresh();
    expect(registry.view('platform')!.holding('primary', now)).toMatchObject({
      person: 'erin',
      source: `override:${o.id}`,
      until: now + HOUR,
    });
    expect(registry.view('platform')!.holderAt('primary', now + HOUR)).toBe('dave');
  });

  it('is cheap while nothing changes: one GET, the same cached view', async () => {
    await store.create({ schedule: 'platform', person: 'bob', to: now + HOUR, createdBy: null });
    const registry = new ScheduleRegistry(config, store);
    await registry.refresh();
    const view = registry.view('platform');
    let loads = 0;
    const load = store.load.bind(store);
    store.load = () => {
      loads++;
      return load();
    };
    for (let i = 0; i < 5; i++) await registry.refresh();
    expect(loads).toBe(0);
    expect(registry.view('platform')).toBe(view);
    // Another process (another store on the same keys) changes them: the next refresh loads.
    const elsewhere = new OverrideStore(
      redis,
      keys,
      () => config,
      () => now,
    );
    await elsewhere.create({ schedule: 'platform', person: 'dave', to: now + HOUR, createdBy: null });
    await registry.refresh();
    expect(loads).toBe(1);
    expect(registry.view('platform')).not.toBe(view);
    expect(registry.view('platform')!.holderAt('primary', now)).toBe('dave');
  });

  it('reloads when a loaded override ends, so ended ones drop out', async () => {
    const o = await store.create({ schedule: 'platform', person: 'bob', to: now + HOUR, createdBy: null });
    const registry = new ScheduleRegistry(config, store);
    await registry.refresh();
    expect(registry.view('platform')!.holding('primary', now).source).toBe(`override:${o.id}`);
    now += HOUR;
    await registry.refresh();
    // Looking back at the ended override's time: it is gone, as from list().
    expect(registry.view('platform')!.holding('primary', now - 1).source).toBe('rotation:weekly');
  });
});
