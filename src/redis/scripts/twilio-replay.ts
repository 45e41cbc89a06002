/**
 * The scripts of Twilio webhook replay protection (src/answers/webhook-replay.ts): a first request
 * claims the webhook's id (SET NX `pending:<uuid>`), acts, then stores its answer over the claim,
 * or drops the claim when it failed.
 */
import { defineScript } from './loader.js';

/**
 * Stores the first answer to a Twilio webhook over this request's claim, unless another
 * request's answer is there already (the first stored answer stays).
 * KEYS: 1 the answer key
 * ARGV: 1 this request's claim token, 2 the answer (JSON), 3 how long to keep it (ms)
 * Returns 1 when stored, 0 when another request's answer was kept.
 * Guarantees: atomic; an answer once stored is never replaced (a claim, this one's or an
 * expired-and-retaken one, is).
 */
export const STORE_TWILIO_ANSWER = defineScript<
  readonly [answer: string],
  readonly [claim: string, answer: string, keepMs: number],
  0 | 1
>({
  name: 'harkStoreTwilioAnswer',
  keys: 1,
  lua: `
local v = redis.call('GET', KEYS[1])
if v and v ~= ARGV[1] and string.sub(v, 1, 8) ~= 'pending:' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`,
});
