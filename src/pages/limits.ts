/**
 * Per person and channel page limits (SPEC section 4), checked and recorded atomically in Redis
 * so that every worker process shares them.
 */
import type { Redis } from 'ioredis';
import type { PageLimit } from '../config/types.js';

/**
 * KEYS: 1 the person's sent-pages zset for the channel
 * ARGV: 1 now ms, 2 the member (the page's own, or a unique one), 3.. count, per pairs
 * Returns 0 when the page may go (and records it), else the ms instant it may. A member already
 * recorded may go: an attempt of the same page took its place (and may not have gone out).
 */
const TAKE = `
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
local now = tonumber(ARGV[1])
local longest, allowedAt = 0, 0
for i = 3, #ARGV, 2 do
  local count, per = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  if per > longest then longest = per end
  local recent = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - per), '+inf', 'WITHSCORES')
  local n = #recent / 2
  if n >= count then
    -- The window frees up when the (n - count + 1)-th oldest send in it ages out.
    local at = tonumber(recent[(n - count) * 2 + 2]) + per
    if at > allowedAt then allowedAt = at end
  end
end
if allowedAt > 0 then return allowedAt end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
redis.call('PEXPIRE', KEYS[1], longest + 1000)
return 0
`;

type TakeFn = (key: string, ...args: (string | number)[]) => Promise<number>;

export class PageLimiter {
  private readonly take: TakeFn;
  private seq = 0;

  constructor(private readonly redis: Redis) {
    redis.defineCommand('harkTakePage', { numberOfKeys: 1, lua: TAKE });
    this.take = (redis as unknown as Record<string, TakeFn>).harkTakePage!.bind(redis);
  }

  /**
   * Records a page and returns null if the limits allow it now, else when they will. `page`: the
   * page's key, so that its retry — after a provider error, or a worker killed mid-send — is not
   * held back by its own earlier attempt (absent: a bundle, counted on its own).
   */
  async tryTake(
    key: string,
    limits: readonly PageLimit[],
    now: number,
    page?: string,
  ): Promise<number | null> {
    if (limits.length === 0) return null;
    const member =
      page !== undefined
        ? `page:${page}`
        : `${now}-${process.pid}-${this.seq++}-${Math.random().toString(36).slice(2, 8)}`;
    const args = limits.flatMap((l) => [l.count, l.perMs]);
    const at = Number(await this.take(key, now, member, ...args));
    return at === 0 ? null : at;
  }
}
