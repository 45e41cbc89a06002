/**
 * vitest global setup: one real redis-server per test run, on a free port, data in a temp dir.
 * Tests get its URL with `inject('redisUrl')` and use their own key prefix.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { pino } from 'pino';
import { startManagedRedis } from '../../src/redis/managed.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'hark-test-redis-'));
  const redis = await startManagedRedis(pino({ level: 'silent' }), { dir });
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
