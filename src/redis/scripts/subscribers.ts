/**
 * The subscriber lease scripts (src/events/subscribers.ts): one consumer at a time runs a
 * subscriber, the one whose name the lease key holds; it renews the lease well within its TTL.
 */
import { defineScript } from './loader.js';

/**
 * Takes or renews a subscriber's lease.
 * KEYS: 1 the subscriber's lease key
 * ARGV: 1 this consumer's name (`host:pid`), 2 the lease's TTL (ms)
 * Returns 1 if this consumer holds the lease now (taken, or renewed for another TTL), 0 if
 * another consumer holds it (nothing changed).
 * Guarantees: atomic: of consumers taking a free lease at once, exactly one gets it; a lease is
 * never taken over before it expires.
 */
export const TAKE_LEASE = defineScript<
  readonly [lease: string],
  readonly [consumer: string, ttlMs: number],
  0 | 1
>({
  name: 'harkTakeSubscriberLease',
  keys: 1,
  lua: `
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`,
});
