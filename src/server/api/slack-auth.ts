/**
 * The `Auth` of the requests Slack sends (slash commands, button presses): Slack's v0 signature
 * (src/chat/slack/verify.ts) over the body exactly as received, a timestamp at most 5 minutes from
 * now, and no exact replay of a request taken before.
 *
 * In this order, before anything else of the request is read or answered:
 *   1. no `slack:` section in hark.yaml: 404 `not_found` (Slack is off; nothing tells a prober more);
 *   2. a missing, malformed, stale or wrong signature: 401 `unauthorized`, and nothing is written;
 *   3. a request whose signature was taken already (a captured request posted again within the
 *      window its timestamp is accepted in): 401 `unauthorized`. The signature of each request
 *      taken is kept in Redis (`keys.slackRequest`) for as long as its timestamp is accepted, so a
 *      replay is refused while it could pass step 2, and is stale after. Slack itself never
 *      resends a slash command or an interaction with the same signature.
 * The handlers get the raw body (as text) and the Slack section it was checked with.
 */
import type { Context } from 'hono';
import type { Redis } from 'ioredis';
import type { Config, SlackConfig } from '../../config/types.js';
import type { Keys } from '../../redis/keys.js';
import {
  SLACK_MAX_SKEW_SECONDS,
  SLACK_SIGNATURE_HEADER,
  SLACK_TIMESTAMP_HEADER,
  verifySlackHeaders,
} from '../../chat/slack/verify.js';
import { errorBody } from '../errors.js';
import { noteRequest } from '../request-log.js';
import type { Auth } from './route.js';

export interface SlackSigned {
  /** The body as received, decoded as UTF-8 (form-encoded: Slack sends ASCII). */
  readonly rawBody: string;
  /** The section the signature was checked with. */
  readonly slack: SlackConfig;
}

export interface SlackAuthDeps {
  readonly config: () => Config;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly now: () => Date;
}

/**
 * How long a taken request's signature is kept: its timestamp is accepted from 5 minutes before
 * to 5 minutes after it, so 10 minutes from whenever it arrives covers it, plus a minute of margin.
 */
export const SLACK_REPLAY_WINDOW_MS = (2 * SLACK_MAX_SKEW_SECONDS + 60) * 1000;

export function slackAuth(deps: SlackAuthDeps): Auth<SlackSigned> {
  const refuse = (c: Context, reason: string, message: string): Response => {
    noteRequest(c, { slack: 'refused', reason });
    return c.json(errorBody('unauthorized', message), 401);
  };
  return {
    kind: 'slackSignature',
    security: [{ slackSignature: [] }],
    responses: {
      401: 'SlackUnauthorized',
      404: 'SlackOff',
    },
    check: async (c) => {
      const slack = deps.config().slack;
      if (!slack) {
        return c.json(
          errorBody('not_found', 'Slack is not configured here: hark.yaml has no slack: section'),
          404,
        );
      }
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const verified = verifySlackHeaders(
        slack.signingSecret,
        { get: (name) => c.req.header(name) ?? null },
        bytes,
        deps.now().getTime(),
      );
      if (!verified.ok) return refuse(c, verified.reason, verified.message);
      const signature = c.req.header(SLACK_SIGNATURE_HEADER)!;
      const first = await deps.redis.set(
        deps.keys.slackRequest(signature.slice(3)),
        c.req.header(SLACK_TIMESTAMP_HEADER)!,
        'PX',
        SLACK_REPLAY_WINDOW_MS,
        'NX',
      );
      if (first === null) {
        return refuse(c, 'replay', 'this signed request was received already: refused as a replay');
      }
      return { rawBody: new TextDecoder().decode(bytes), slack };
    },
  };
}
