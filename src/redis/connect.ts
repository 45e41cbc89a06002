/** Connecting to Redis: fail fast when it is unreachable, so requests get a 503 instead of hanging. */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './target.js';

export function connectTarget(target: RedisTarget, options: RedisOptions = {}): Redis {
  return connectRedis(target.url, { ...target.options, ...options });
}

export function connectRedis(url: string | null, options: RedisOptions = {}): Redis {
  const defaults: RedisOptions = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
    // After a failover the old primary answers writes with READONLY: reconnect (through Sentinel,
    // to the new primary) and send the command again; it was not run.
    reconnectOnError: (e) => (e.message.startsWith('READONLY') ? 2 : false),
    ...options,
  };
  return url ? new Redis(url, defaults) : new Redis(defaults);
}

/** Resolves once the client is ready (or rejects after `timeoutMs`). */
export function whenReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      cleanup();
      rej(new Error(`Redis not reachable within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      res();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
