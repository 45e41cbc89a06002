/** The page limit script (src/pages/limits.ts, `PageLimiter`; SPEC section 4). */
import { defineScript } from './loader.js';

/**
 * Checks a page against a person's limits for a channel and, if they allow it, records it.
 * KEYS: 1 the person's sent-pages zset for the channel (member → send time ms)
 * ARGV: 1 now (ms), 2 the member (`page:<page key>`, or a unique one for a bundle),
 *       3.. the limits, per pair: count, window (ms)
 * Returns 0 when the page may go (and records it), else the instant (ms) it may. A member already
 * recorded may go (0, nothing recorded): an attempt of the same page took its place (and may not
 * have gone out).
 * Guarantees: atomic check-and-record, so every worker shares the limits; idempotent per member;
 * the zset keeps only the longest window's sends and expires a second after it.
 */
export const TAKE_PAGE = defineScript<
  readonly [sent: string],
  readonly [nowMs: number, member: string, ...limits: number[]],
  number
>({
  name: 'harkTakePage',
  keys: 1,
  lua: `
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
`,
});
