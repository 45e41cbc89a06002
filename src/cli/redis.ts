/** The CLI's Redis: REDIS_URL / HARK_REDIS_OPTIONS, else the one a local `hark serve` started. */
import type { Redis } from 'ioredis';
import { connectTarget, whenReady } from '../redis/connect.js';
import { cliRedisTarget } from '../redis/target.js';
import { CheckFailed } from './output.js';

/** A ready connection, or CheckFailed: `missing` when there is no Redis to try, else unreachable. */
export async function connectCliRedis(env: NodeJS.ProcessEnv, missing: string): Promise<Redis> {
  const target = cliRedisTarget(env);
  if (!target) throw new CheckFailed(missing);
  const redis = connectTarget(target);
  redis.on('error', () => {});
  try {
    await whenReady(redis, 3000);
  } catch {
    redis.disconnect();
    throw new CheckFailed(`hark: Redis at ${target.label} is not reachable`);
  }
  return redis;
}
