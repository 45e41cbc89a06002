/**
 * Connecting to Redis: fail fast when it is unreachable or stops answering, so requests get a 503
 * instead of hanging. Down (refused, reset) fails at once: no offline queue. Frozen (SIGSTOP, a
 * stuck host: the TCP connection stays open and nothing answers) fails after `commandTimeout`.
 * BullMQ's worker connections turn the command timeout off (`blockingOptions`): they block on
 * purpose and simply resume when Redis does.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from './target.js';

/** How long one command may go unanswered before it fails (HARK_REDIS_OPTIONS `commandTimeout`). */
export const COMMAND_TIMEOUT_MS = 2000;
/** How long opening a connection may take (HARK_REDIS_OPTIONS `connectTimeout`). */
export const CONNECT_TIMEOUT_MS = 2000;

/** Options for a connection that runs blocking commands (a BullMQ Worker's): no command timeout. */
export const blockingOptions: RedisOptions = {
  maxRetriesPerRequest: null,
  enableOfflineQueue: true,
  commandTimeout: undefined,
};

/** Redis did not answer in time; isRedisDown (src/server/errors.ts) makes it a 503. */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';
}

/**
 * `work`, or a RedisTimeoutError after `ms`: for calls that may wait on something other than one
 * command with its own timeout (BullMQ waits for a connection to be ready before its first command).
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(
      () => rej(new RedisTimeoutError(`Redis did not answer within ${ms} ms (${what})`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The command timeout a connection runs with. */
/**
 * A connection of a BullMQ queue's or worker's own (BullMQ does not close connections it is
 * given): its errors are reported by the main connection's handler.
 */
export function ownConnection(redis: Redis, options: RedisOptions = {}): Redis {
  const connection = redis.duplicate(options);
  connection.on('error', () => {});
  return connection;
}

export function commandTimeoutOf(redis: Redis): number {
  return redis.options.commandTimeout ?? COMMAND_TIMEOUT_MS;
}

export function connectTarget(target: RedisTarget, options: RedisOptions = {}): Redis {
  return connectRedis(target.url, { ...target.options, ...options });
}

export function connectRedis(url: string | null, options: RedisOptions = {}): Redis {
  const defaults: RedisOptions = {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
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
    timer.unref(); // a start that failed otherwise must not wait for it to exit
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
