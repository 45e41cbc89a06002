/**
 * Slack's v0 request signatures (https://api.slack.com/authentication/verifying-requests-from-slack):
 * every request Slack sends (slash commands, button presses) carries
 *
 *   X-Slack-Request-Timestamp: <unix seconds>
 *   X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + timestamp + ":" + raw body)>
 *
 * A request is taken only when the signature is right over the body exactly as received (before any
 * form or JSON parsing) and the timestamp is at most 5 minutes from now, either way: an older one may
 * be a replay. The comparison is constant-time (`sameText`). Nothing here logs or returns the secret
 * or the expected signature.
 */
import { createHmac } from 'node:crypto';
import { sameText } from '../../signing.js';

/** How far the request's timestamp may be from now, in seconds (Slack's recommendation). */
export const SLACK_MAX_SKEW_SECONDS = 300;

export const SLACK_SIGNATURE_HEADER = 'x-slack-signature';
export const SLACK_TIMESTAMP_HEADER = 'x-slack-request-timestamp';

/** Why a request was refused: say nothing more to the sender than 401 / 403. */
export type SlackRefusal =
  /** A header is absent. */
  | 'missing'
  /** A header is not of the form Slack sends (`v0=` + 64 hex digits; whole seconds). */
  | 'malformed'
  /** The timestamp is more than 5 minutes from now: maybe a replay. */
  | 'stale'
  /** The signature does not match the body with this signing secret. */
  | 'mismatch';

export type SlackVerification =
  { readonly ok: true } | { readonly ok: false; readonly reason: SlackRefusal; readonly message: string };

export interface SlackRequest {
  /** The `X-Slack-Request-Timestamp` header, as received. */
  readonly timestamp: string | null | undefined;
  /** The `X-Slack-Signature` header, as received. */
  readonly signature: string | null | undefined;
  /** The body exactly as received: bytes, or the text they decode to as UTF-8. */
  readonly rawBody: string | Uint8Array;
}

/** `v0=` and the hex HMAC-SHA256 of `v0:<timestamp>:<raw body>` with `signingSecret`. */
export function slackSignature(
  signingSecret: string,
  timestamp: string,
  rawBody: string | Uint8Array,
): string {
  if (signingSecret.length === 0) throw new Error('the Slack signing secret is empty');
  const mac = createHmac('sha256', signingSecret).update(`v0:${timestamp}:`, 'utf8');
  mac.update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody);
  return `v0=${mac.digest('hex')}`;
}

const SIGNATURE_RE = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP_RE = /^[1-9]\d{0,11}$/;

/** Whether `request` was signed by Slack with `signingSecret` within 5 minutes of `nowMs`. */
export function verifySlackRequest(
  signingSecret: string,
  request: SlackRequest,
  nowMs: number,
): SlackVerification {
  const { timestamp, signature } = request;
  if (!timestamp || !signature) {
    return refuse(
      'missing',
      `no ${!timestamp ? 'X-Slack-Request-Timestamp' : 'X-Slack-Signature'} header: not a request from Slack`,
    );
  }
  if (!TIMESTAMP_RE.test(timestamp)) {
    return refuse('malformed', 'X-Slack-Request-Timestamp is not a Unix time in whole seconds');
  }
  if (!SIGNATURE_RE.test(signature)) {
    return refuse('malformed', 'X-Slack-Signature is not a v0 signature (v0= and 64 hex digits)');
  }
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (!(skew <= SLACK_MAX_SKEW_SECONDS)) {
    return refuse(
      'stale',
      `X-Slack-Request-Timestamp is ${Math.round(skew)} s from now (at most ${SLACK_MAX_SKEW_SECONDS} s): refused as a possible replay`,
    );
  }
  if (!sameText(slackSignature(signingSecret, timestamp, request.rawBody), signature)) {
    return refuse('mismatch', 'X-Slack-Signature does not match the body: check the signing secret');
  }
  return { ok: true };
}

/** `verifySlackRequest` with the two headers read from `headers` (any case). */
export function verifySlackHeaders(
  signingSecret: string,
  headers: { get(name: string): string | null },
  rawBody: string | Uint8Array,
  nowMs: number,
): SlackVerification {
  return verifySlackRequest(
    signingSecret,
    {
      timestamp: headers.get(SLACK_TIMESTAMP_HEADER),
      signature: headers.get(SLACK_SIGNATURE_HEADER),
      rawBody,
    },
    nowMs,
  );
}

function refuse(reason: SlackRefusal, message: string): SlackVerification {
  return { ok: false, reason, message };
}
