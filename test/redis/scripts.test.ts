/**
 * The Lua scripts (src/redis/scripts/) against a real Redis: every script of the registry
 * compiles (SCRIPT LOAD), the registry lists every script of the folder under a unique name, a
 * bound script keeps working after the server forgets it (SCRIPT FLUSH: EVALSHA falls back to
 * EVAL; a pipeline keeps its order), binding twice is harmless, and no code outside the folder
 * runs Lua itself.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys } from '../../src/redis/keys.js';
import { startManagedRedis, type ManagedRedis } from '../../src/redis/managed.js';
import { SCRIPTS } from '../../src/redis/scripts/index.js';
import { defineScript, type ScriptInfo } from '../../src/redis/scripts/loader.js';
import { SHIFT_ANNOUNCE } from '../../src/redis/scripts/shifts.js';

const ROOT = join(import.meta.dirname, '../..');
const FOLDER = join(ROOT, 'src/redis/scripts');

async function connect(url: string): Promise<Redis> {
  const redis = connectRedis(url);
  redis.on('error', () => {});
  await whenReady(redis);
  return redis;
}

function isScript(v: unknown): v is ScriptInfo {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.name === 'string' && typeof o.lua === 'string' && typeof o.on === 'function';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

describe('the registry', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connect(inject('redisUrl'));
  });
  afterAll(() => redis.disconnect());

  it('every script compiles: SCRIPT LOAD answers its SHA', async () => {
    expect(SCRIPTS.length).toBeGreaterThanOrEqual(10);
    for (const s of SCRIPTS) {
      const sha = await redis.script('LOAD', s.lua).catch((e: Error) => `${s.name}: ${e.message}`);
      expect(sha, s.name).toBe(s.sha);
    }
  });

  it('lists every script defined in src/redis/scripts/, each once, under a unique name', async () => {
    const found: ScriptInfo[] = [];
    for (const file of readdirSync(FOLDER).filter((f) => f.endsWith('.ts'))) {
      const mod = (await import(join(FOLDER, file))) as Record<string, unknown>;
      if (file === 'index.ts') continue;
      for (const value of Object.values(mod)) if (isScript(value)) found.push(value);
    }
    expect(found.map((s) => s.name).sort()).toEqual(SCRIPTS.map((s) => s.name).sort());
    expect(new Set(SCRIPTS.map((s) => s.name)).size).toBe(SCRIPTS.length);
    for (const s of SCRIPTS) expect(found).toContain(s);
  });

  it('refuses a second script under a name already defined, and a name that is not hark…', () => {
    expect(() => defineScript({ name: SHIFT_ANNOUNCE.name, keys: 1, lua: 'return 1' })).toThrow(
      /two scripts are named "harkShiftAnnounce"/,
    );
    expect(() => defineScript({ name: 'get', keys: 1, lua: 'return 1' })).toThrow(/must be hark/);
  });

  it('checks the number of keys of a call', () => {
    const announce = SHIFT_ANNOUNCE.on(redis);
    const wrong = ['a', 'b'] as unknown as readonly [string];
    expect(() => announce(wrong, ['f', '', 'x'])).toThrow(/takes 1 keys, was given 2/);
  });
});

describe('after SCRIPT FLUSH', () => {
  // A Redis of its own: flushing the shared one would make other test files' scripts reload.
  let managed: ManagedRedis;
  let dir: string;
  let redis: Redis;
  const k = makeKeys('{scripts-test}:');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hark-scripts-redis-'));
    managed = await startManagedRedis(pino({ level: 'silent' }), { dir });
    redis = await connect(managed.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await managed.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const exists = async (sha: string) => ((await redis.script('EXISTS', sha)) as number[])[0];

  it('a bound script runs again (EVALSHA falls back to EVAL on NOSCRIPT), alone and in a pipeline', async () => {
    const announce = SHIFT_ANNOUNCE.on(redis);
    expect(await announce([k.shiftHolders], ['f', '', 'one'])).toBe(1);
    expect(await exists(SHIFT_ANNOUNCE.sha)).toBe(1);

    await redis.script('FLUSH');
    expect(await exists(SHIFT_ANNOUNCE.sha)).toBe(0);
    expect(await announce([k.shiftHolders], ['f', 'one', 'two'])).toBe(1);
    expect(await announce([k.shiftHolders], ['f', 'one', 'three'])).toBe(0); // compare-and-set
    expect(await exists(SHIFT_ANNOUNCE.sha)).toBe(1);

    await redis.script('FLUSH');
    const p = redis.pipeline();
    SHIFT_ANNOUNCE.queue(p, [k.shiftHolders], ['f', 'two', 'four']);
    p.hget(k.shiftHolders, 'f');
    expect(await p.exec()).toEqual([
      [null, 1],
      [null, 'four'],
    ]);
  });

  it('binding twice on one connection is harmless: both calls work', async () => {
    const first = SHIFT_ANNOUNCE.on(redis);
    const second = SHIFT_ANNOUNCE.on(redis);
    await redis.del(k.shiftHolders);
    expect(await first([k.shiftHolders], ['g', '', 'a'])).toBe(1);
    expect(await second([k.shiftHolders], ['g', 'a', 'b'])).toBe(1);
    expect(await redis.hget(k.shiftHolders, 'g')).toBe('b');
  });

  it('a pipeline keeps its order whatever the script cache holds, on any connection', async () => {
    const other = await connect(managed.url);
    try {
      await redis.del(k.shiftHolders);
      await redis.script('FLUSH');
      for (const [before, after] of [
        ['', 'x'],
        ['x', 'xx'],
      ] as const) {
        const p = other.pipeline();
        SHIFT_ANNOUNCE.queue(p, [k.shiftHolders], ['h', before, after]);
        p.hget(k.shiftHolders, 'h');
        expect(await p.exec()).toEqual([
          [null, 1],
          [null, after],
        ]);
      }
      await redis.script('FLUSH');
      const tx = other.multi();
      SHIFT_ANNOUNCE.queue(tx, [k.shiftHolders], ['h', 'xx', 'xxx']);
      tx.hget(k.shiftHolders, 'h');
      expect(await tx.exec()).toEqual([
        [null, 1],
        [null, 'xxx'],
      ]);
    } finally {
      other.disconnect();
    }
  });
});

describe('the source', () => {
  it('runs Lua only through src/redis/scripts/ (no defineCommand, eval or Lua text elsewhere)', () => {
    const offenders: string[] = [];
    const files = sourceFiles(join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      if (file.startsWith(FOLDER + '/')) continue;
      const text = readFileSync(file, 'utf8');
      for (const bad of ['defineCommand', '.eval(', '.evalsha(', "redis.call('", 'redis.call("']) {
        if (text.includes(bad)) offenders.push(`${relative(ROOT, file)}: ${bad}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
