/**
 * Claims held in a string key: a subscriber's lease (src/events/subscribers.ts), a Twilio
 * webhook's claim (src/answers/webhook-replay.ts), a shift post's claim
 * (src/escalation/jobs/shift-channel.ts).
 */
import { defineScript } from './loader.js';

/**
 * Drops a claim if the caller still holds it (it stops, or its work failed and a retry may act).
 * KEYS: 1 the claim key
 * ARGV: 1 the holder's token (a consumer name, a claim token)
 * Returns 1 when dropped, 0 when the key holds anything else (another holder, an answer, nothing).
 * Guarantees: atomic compare-and-delete: never drops another holder's claim or what replaced it.
 */
export const RELEASE_CLAIM = defineScript<readonly [claim: string], readonly [holder: string], 0 | 1>({
  name: 'harkReleaseClaim',
  keys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
});
