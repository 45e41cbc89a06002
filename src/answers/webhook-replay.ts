/**
 * A Twilio webhook is applied once. Twilio retries a webhook it got no answer to with the same
 * parameters, and a signed request captured once can be posted again: both carry the same SID.
 * So the first answer to an inbound SMS (by MessageSid) or a call's keypress (by CallSid, the
 * URL and the digits) is kept for KEEP_MS, and a repeat is answered with it unchanged, acting on
 * nothing — an `ack` replayed after an un-acknowledge acknowledges nothing.
 *
 * The signature is checked first (a request without a valid one goes on to the route, which
 * answers 403). The first request claims the id for CLAIM_MS (SET NX) before acting and stores its
 * answer over the claim; a repeat that arrives while the first is still acting waits up to WAIT_MS
 * for that answer (or, if it never comes, answers nothing rather than act twice). A first request
 * that fails (5xx, Redis down) drops its claim, so Twilio's retry acts. A crash between acting and
 * storing the answer leaves the claim to expire: a repeat after CLAIM_MS acts again, which for
 * acknowledge and resolve changes nothing unless the incident changed meanwhile.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { Keys } from '../redis/keys.js';
import { RELEASE_CLAIM } from '../redis/scripts/claims.js';
import { STORE_TWILIO_ANSWER } from '../redis/scripts/twilio-replay.js';
import { emptyTwiml } from '../pages/twiml.js';
import { twilioVerifier, type Params } from './twilio-webhooks.js';

/** How long a first answer is kept (Twilio retries within hours; SPEC wants a day at least). */
export const KEEP_MS = 48 * 3_600_000;
/** How long a first request may take to act before a repeat may act instead. */
const CLAIM_MS = 60_000;
/** How long a repeat waits for the first request's answer (within Twilio's 15 s timeout). */
const WAIT_MS = 10_000;

const storedAnswer = z.object({ status: z.number().int(), type: z.string(), body: z.string() });
type StoredAnswer = z.infer<typeof storedAnswer>;

export interface ReplayDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  readonly twilioAuthToken: string | null;
  readonly publicUrl: () => string;
}

/**
 * Middleware for a Twilio webhook route: `idOf` names what makes a request the same one (null:
 * not deduplicated). Put it before the route's handler.
 */
export function answerOnce(
  deps: ReplayDeps,
  idOf: (params: Params, c: Context) => string | null,
): MiddlewareHandler {
  const { redis, keys, log } = deps;
  const store = STORE_TWILIO_ANSWER.on(redis);
  const release = RELEASE_CLAIM.on(redis);
  const verified = twilioVerifier(deps);

  const answer = (c: Context, a: StoredAnswer): Response =>
    c.body(a.body, a.status as 200, { 'Content-Type': a.type });

  /** The first request's answer, waiting while it is still acting; null: nobody holds the id. */
  const firstAnswer = async (key: string): Promise<StoredAnswer | 'pending' | null> => {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const value = await redis.get(key);
      if (value === null) return null;
      if (!value.startsWith('pending:')) {
        let json: unknown = null;
        try {
          json = JSON.parse(value);
        } catch {
          // not an answer of ours: act as if there were none
        }
        const parsed = storedAnswer.safeParse(json);
        return parsed.success ? parsed.data : null;
      }
      if (Date.now() >= deadline) return 'pending';
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return async (c, next) => {
    const params = await verified(c);
    const id = params ? idOf(params, c) : null;
    if (!id) return next(); // unsigned (the route answers 403), or nothing to tell repeats apart by
    const key = keys.twilioAnswer(id);
    const claim = `pending:${randomUUID()}`;
    for (let attempt = 0; ; attempt++) {
      if (await redis.set(key, claim, 'PX', CLAIM_MS, 'NX')) break;
      const first = await firstAnswer(key);
      if (first === 'pending' || (first === null && attempt >= 2)) {
        log.warn(
          { id, path: c.req.path },
          'Twilio webhook repeated while the first is still acting: not applied',
        );
        return c.body(emptyTwiml(), 200, { 'Content-Type': 'text/xml; charset=utf-8' });
      }
      if (first !== null) {
        log.info(
          { id, path: c.req.path },
          'Twilio webhook repeated: answered as the first time, nothing applied',
        );
        return answer(c, first);
      }
    }
    try {
      await next();
    } catch (e) {
      await release([key], [claim]).catch(() => 0);
      throw e;
    }
    const res = c.res;
    if (c.error || res.status >= 500) {
      await release([key], [claim]).catch(() => 0);
      return;
    }
    const stored: StoredAnswer = {
      status: res.status,
      type: res.headers.get('content-type') ?? 'text/xml; charset=utf-8',
      body: await res.clone().text(),
    };
    // Acted already: a failure to keep the answer must not turn it into an error.
    await store([key], [claim, JSON.stringify(stored), KEEP_MS]).catch((e: unknown) =>
      log.warn({ id, err: e instanceof Error ? e.message : String(e) }, 'could not keep a Twilio answer'),
    );
  };
}
