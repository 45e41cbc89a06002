/** The chat scripts (src/chat/announcer.ts: archiving incident channels after they resolve). */
import { defineScript } from './loader.js';

/**
 * Claims the incident channels due to be archived, so that only this sweep archives them now.
 * KEYS: 1 the archive-due zset (member: JSON {incident, channel} → due ms)
 * ARGV: 1 now (ms), 2 when a claim lapses (ms: another sweep retries it then), 3 at most this many
 * Returns the claimed members (their due time moved to ARGV[2]).
 * Guarantees: atomic claim, so two sweepers never take the same member at once; a sweeper that
 * dies leaves its claims to be retried when they lapse (at-least-once archiving).
 */
export const CLAIM_ARCHIVES = defineScript<
  readonly [archiveDue: string],
  readonly [nowMs: number, claimUntilMs: number, limit: number],
  string[]
>({
  name: 'harkClaimArchives',
  keys: 1,
  lua: `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], m) end
return due
`,
});
