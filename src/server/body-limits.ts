/**
 * Request bodies are refused (413) before they are read when they are larger than the route takes,
 * ahead of any token or signature check: a declared Content-Length over the limit is answered at
 * once, a chunked body is counted as it streams in and refused at the limit (Hono's bodyLimit), and
 * the connection is closed after the answer rather than read to its end.
 *
 * Alerts have their own limit, `settings.max_body` (src/server/api/alerts.ts, enforced the same way).
 * Everything else that takes a body is small: the API's JSON, Twilio's webhooks (form posts of a
 * few KiB), the web UI's forms and the email action pages: at most 64 KiB.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorBody } from './errors.js';

export const SMALL_BODY_BYTES = 64 * 1024;

/** The alert receiver's routes (and Opsgenie's Alert API): limited by settings.max_body instead. */
const ALERT_PATH = /^\/(?:v1\/alerts\/|v2\/enqueue\/?$|v2\/alerts(?:\/|$))/;

export function smallBodies(): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: SMALL_BODY_BYTES,
    onError: (c) => {
      c.header('Connection', 'close');
      const message = `the body is larger than ${SMALL_BODY_BYTES} bytes`;
      const api = c.req.path.startsWith('/v1/') && !c.req.path.startsWith('/v1/twilio/');
      return api ? c.json(errorBody('payload_too_large', message), 413) : c.text(message, 413);
    },
  });
  return (c, next) => (ALERT_PATH.test(c.req.path) ? next() : limit(c, next));
}
