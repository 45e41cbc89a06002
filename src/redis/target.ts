/**
 * Where Hark's Redis is, from the environment (SPEC 9): `REDIS_URL` (`redis://`, `rediss://`), and
 * `HARK_REDIS_OPTIONS`, a JSON object of ioredis options merged over it — for Sentinel
 * (`{"sentinels": [{"host": "s1", "port": 26379}], "name": "mymaster"}`; REDIS_URL may then be left
 * out, or give the password and db), TLS settings, timeouts. No ioredis here: `hark who` loads
 * this without connecting anywhere.
 */
import type { RedisOptions } from 'ioredis';
import { z } from 'zod';
import { findManagedRedis } from './managed.js';

/** Hark's Redis as the environment describes it. */
export interface RedisTarget {
  readonly url: string | null;
  readonly options: RedisOptions;
  /** For messages: the URL without its password, or the Sentinel master's name. */
  readonly label: string;
}

/** HARK_REDIS_OPTIONS is not usable (the message names the field, never a value). */
export class RedisConfigError extends Error {
  override readonly name = 'RedisConfigError';
}

const sentinelOptions = z
  .object({
    sentinels: z
      .array(z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).loose())
      .min(1)
      .optional(),
    name: z.string().min(1).optional(),
  })
  .loose()
  .refine((o) => !o.sentinels || o.name, {
    message: 'with "sentinels", "name" (the Sentinel master name) is required',
    path: ['name'],
  });

/** A plain URL (the managed local redis-server). */
export function urlTarget(url: string): RedisTarget {
  return { url, options: {}, label: url.replace(/\/\/[^@]*@/, '//***@') };
}

/** REDIS_URL and HARK_REDIS_OPTIONS, or null when neither says where Redis is. */
export function redisTarget(env: NodeJS.ProcessEnv): RedisTarget | null {
  const url = env.REDIS_URL || null;
  let options: RedisOptions = {};
  if (env.HARK_REDIS_OPTIONS) {
    let raw: unknown;
    try {
      raw = JSON.parse(env.HARK_REDIS_OPTIONS);
    } catch {
      throw new RedisConfigError('HARK_REDIS_OPTIONS is not JSON: give a JSON object of ioredis options');
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw new RedisConfigError('HARK_REDIS_OPTIONS must be a JSON object of ioredis options');
    const checked = sentinelOptions.safeParse(raw);
    if (!checked.success) {
      // The path and the rule only: values may hold passwords.
      const issue = checked.error.issues[0]!;
      throw new RedisConfigError(
        `HARK_REDIS_OPTIONS.${issue.path.join('.') || '(root)'}: ${issue.message} (sentinels: [{"host": "...", "port": 26379}], name: "<master>")`,
      );
    }
    options = raw as RedisOptions;
    // Sentinel: follow +switch-master at once instead of waiting for the old primary to fail.
    if (options.sentinels) options = { failoverDetector: true, ...options };
  }
  if (!url && !options.sentinels) return null;
  if (!options.sentinels) return { ...urlTarget(url!), options };
  const sentinels = options.sentinels.map((s) => `${s.host}:${s.port}`).join(', ');
  return { url, options, label: `Sentinel master "${options.name}" (${sentinels})` };
}

/** For the CLI: the environment's Redis, else the one a local `hark serve` started here. */
export function cliRedisTarget(env: NodeJS.ProcessEnv): RedisTarget | null {
  const target = redisTarget(env);
  if (target) return target;
  const url = findManagedRedis();
  return url ? urlTarget(url) : null;
}

/** HARK_REDIS_WAIT_REPLICAS (default 0) and HARK_REDIS_WAIT_MS (default 1000). */
export function durabilityFromEnv(env: NodeJS.ProcessEnv): { replicas: number; timeoutMs: number } {
  const int = (name: string, fallback: number, max: number): number => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    if (!/^\d+$/.test(text) || Number(text) > max)
      throw new RedisConfigError(`${name} must be a whole number from 0 to ${max}`);
    return Number(text);
  };
  return {
    replicas: int('HARK_REDIS_WAIT_REPLICAS', 0, 16),
    timeoutMs: int('HARK_REDIS_WAIT_MS', 1000, 60_000),
  };
}
