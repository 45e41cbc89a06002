/**
 * One structured log line per HTTP request (pino-http), written when the response has been sent.
 * Handlers add what the line should say with `noteRequest` — the event (`alert rejected`,
 * `twilio signature rejected`, `answer received`), its level and fields — so that one request is
 * one line, not a line from the handler and another from the logger.
 *
 * The line carries the method, the path, the client address, the status and the time taken; never
 * headers (Authorization, cookies, X-Hark-Token, X-Twilio-Signature), the query (feed tokens) or
 * the token of an email action link (`/a/<token>`).
 */
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LevelWithSilent } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../log.js';

/** What a handler adds to its request's log line. */
export interface RequestNote {
  /** The line's message (default `request completed`, or `request failed` for a 5xx). */
  readonly msg?: string;
  /** The line's level (default: error for 5xx, warn for 401 and 403, debug for probes, else info). */
  readonly level?: LevelWithSilent;
  readonly [field: string]: unknown;
}

const notes = new WeakMap<IncomingMessage, RequestNote>();

function incomingOf(c: Context): IncomingMessage | null {
  return (c.env as Partial<HttpBindings> | undefined)?.incoming ?? null;
}

/** Adds fields (and the message or level) to this request's log line; later notes win. */
export function noteRequest(c: Context, note: RequestNote): void {
  const incoming = incomingOf(c);
  if (incoming) notes.set(incoming, { ...notes.get(incoming), ...note });
}

/** The error a 5xx answer came from, for the line's `err` (with its stack). */
export function noteRequestError(c: Context, err: Error): void {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing) outgoing.err = err;
}

/** Probes and scrapes: logged at debug, as they come every few seconds. */
const QUIET = /^\/(healthz|readyz|metrics|static\/)/;

/** The path as logged: an email action link's token is a credential. */
export function loggedPath(url: string | undefined): string {
  const path = (url ?? '').split('?')[0]!;
  return path.replace(/^\/a\/[^/]+/, '/a/[redacted]');
}

function levelOf(req: IncomingMessage, res: ServerResponse, err?: Error): LevelWithSilent {
  const note = notes.get(req);
  if (note?.level) return note.level;
  if (err || res.statusCode >= 500) return 'error';
  if (QUIET.test(req.url ?? '')) return 'debug';
  if (res.statusCode === 401 || res.statusCode === 403) return 'warn';
  return 'info';
}

function fieldsOf(req: IncomingMessage): Record<string, unknown> {
  const note = notes.get(req);
  if (!note) return {};
  const fields: Record<string, unknown> = { ...note };
  delete fields['msg'];
  delete fields['level'];
  return fields;
}

interface SerializedRequest {
  readonly id?: unknown;
  readonly method?: string;
  readonly url?: string;
  readonly remoteAddress?: string;
}

/** The Hono middleware: start it first, so every answer (errors, 404s) gets its line. */
export function requestLogger(log: Logger): MiddlewareHandler {
  const http = pinoHttp({
    logger: log,
    serializers: {
      req: (req: SerializedRequest) => ({
        id: req.id,
        method: req.method,
        path: loggedPath(req.url),
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: levelOf,
    customProps: fieldsOf,
    customSuccessMessage: (req) => notes.get(req)?.msg ?? 'request completed',
    customErrorMessage: (req) => notes.get(req)?.msg ?? 'request failed',
    // A 5xx without an exception behind it (a 503 for Redis down) needs no made-up error.
    customErrorObject: (_req, res, _error, val: Record<string, unknown>) =>
      res.err ? val : { res: val['res'], responseTime: val['responseTime'] },
  });
  return async (c, next) => {
    const bindings = c.env as Partial<HttpBindings> | undefined;
    if (bindings?.incoming && bindings.outgoing) http(bindings.incoming, bindings.outgoing);
    await next();
  };
}
