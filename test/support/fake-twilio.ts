/**
 * A strict fake of Twilio's REST API (the only paid service Hark talks to), on a free port.
 *
 * It serves what Hark uses — `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` and `/Calls.json`,
 * form-encoded, HTTP Basic auth with the account SID and auth token — and answers like Twilio:
 * 201 with the JSON resource (`sid` SM…/CA…, `status: "queued"`), or Twilio's error JSON
 * `{code, message, more_info, status}` (401 bad credentials, 400 a missing or malformed parameter).
 * Every request is recorded; one to anything else is answered 404 and recorded in `unexpected`, so
 * a test can assert that nothing unexpected happened.
 *
 * Status callbacks go back the way Twilio sends them: a form-encoded POST to the resource's
 * StatusCallback URL, signed with `X-Twilio-Signature` = base64(HMAC-SHA1(auth token, full URL +
 * each POST parameter's name and value, sorted by name)). That signature is computed here with
 * node:crypto, independently of the `twilio` package Hark validates with.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFakeHttp } from './fake-http.js';
import { consoleTransports } from '../../src/pages/console.js';
import { createTwilioTransports } from '../../src/pages/twilio.js';
import type { EmailTransport, Transports } from '../../src/pages/types.js';

export type Params = Readonly<Record<string, string | readonly string[]>>;

export interface RecordedMessage {
  readonly kind: 'message';
  readonly sid: string;
  readonly to: string;
  readonly from: string;
  readonly body: string;
  readonly statusCallback: string | null;
  /** The POST parameters exactly as received (a repeated name gives an array). */
  readonly params: Params;
  readonly at: Date;
  /** The last status reported through `sendStatus` (`queued` at first). */
  status: string;
}

export interface RecordedCall {
  readonly kind: 'call';
  readonly sid: string;
  readonly to: string;
  readonly from: string;
  /** Where Twilio fetches the TwiML (`Url`). */
  readonly url: string;
  readonly statusCallback: string | null;
  /** `StatusCallbackEvent` (Twilio's default, when absent, is `completed` only). */
  readonly statusCallbackEvents: readonly string[];
  readonly machineDetection: string | null;
  readonly params: Params;
  readonly at: Date;
  status: string;
}

export type Recorded = RecordedMessage | RecordedCall;

/** Any HTTP request the fake received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Params;
  /** The answer's status (0 while a `hang` request is pending). */
  status: number;
  readonly at: Date;
}

/** A status callback the fake sent, and what Hark answered. */
export interface SentCallback {
  readonly sid: string;
  readonly url: string;
  readonly params: Readonly<Record<string, string>>;
  readonly signature: string;
  readonly status: number;
  readonly body: string;
}

/** Twilio's error body. */
export interface TwilioErrorBody {
  readonly code: number;
  readonly message: string;
  readonly more_info: string;
  readonly status: number;
}

/** An injected failure: an HTTP status, or `hang` (never answer) / `reset` (drop the connection). */
export type Failure = number | 'hang' | 'reset';

export interface FakeTwilio {
  /** Base URL: TWILIO_API_URL for Hark (with `basePath`, if one was given). */
  readonly url: string;
  readonly accountSid: string;
  readonly authToken: string;
  /** Messages and calls Twilio accepted (201), in order. */
  readonly messages: readonly RecordedMessage[];
  readonly calls: readonly RecordedCall[];
  /** Every request, failed ones included. */
  readonly requests: readonly RecordedRequest[];
  /** Requests to anything but the two endpoints above. */
  readonly unexpected: readonly RecordedRequest[];
  readonly callbacks: readonly SentCallback[];
  /** Answer the next `n` API requests with `failure` (before checking credentials, like an outage). */
  failNext(n: number, failure: Failure, error?: { code: number; message: string }): void;
  /** Always answer requests for this `To` with `status` (400: Twilio error 21211, invalid number). */
  failTo(number: string, status: number, error?: { code: number; message: string }): void;
  /** The first recorded message or call (already there, or yet to come) that matches. */
  waitFor<T extends Recorded>(predicate: (r: Recorded) => r is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (r: Recorded) => boolean, timeoutMs?: number): Promise<Recorded>;
  /**
   * Sends the status callback Twilio would send for `sid` (MessageStatus or CallStatus `status`),
   * signed, to its StatusCallback URL. `extra` adds or overrides parameters (AnsweredBy, ErrorCode...).
   * Throws when Twilio would send nothing: no StatusCallback, or a call event it was not asked for.
   */
  sendStatus(sid: string, status: string, extra?: Readonly<Record<string, string>>): Promise<SentCallback>;
  /** Forgets everything recorded and every injected failure. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeTwilioOptions {
  readonly accountSid?: string;
  readonly authToken?: string;
  /** Serve the API under this path prefix (a gateway), e.g. `/twilio`. */
  readonly basePath?: string;
}

const API_VERSION = '2010-04-01';
const E164 = /^\+[1-9]\d{1,14}$/;
const MESSAGE_STATUSES = new Set([
  'queued',
  'sending',
  'sent',
  'failed',
  'delivered',
  'undelivered',
  'read',
  'canceled',
  'accepted',
  'scheduled',
]);
/** A call status → the StatusCallbackEvent that reports it. */
const CALL_STATUS_EVENT: Readonly<Record<string, string>> = {
  queued: 'initiated',
  initiated: 'initiated',
  ringing: 'ringing',
  'in-progress': 'answered',
  completed: 'completed',
  busy: 'completed',
  'no-answer': 'completed',
  canceled: 'completed',
  failed: 'completed',
};
const CALL_EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);
const MACHINE_DETECTION = new Set(['Enable', 'DetectMessageEnd']);

/** Twilio's generic codes for an injected status. */
function genericError(status: number): { code: number; message: string } {
  switch (status) {
    case 400:
      return { code: 21211, message: "Invalid 'To' Phone Number" };
    case 401:
      return { code: 20003, message: 'Authenticate' };
    case 404:
      return { code: 20404, message: 'The requested resource was not found' };
    case 429:
      return { code: 20429, message: 'Too Many Requests' };
    case 503:
      return { code: 20503, message: 'Service Unavailable' };
    default:
      return status >= 500
        ? { code: 20500, message: 'Internal Server Error' }
        : { code: 20001, message: 'Bad Request' };
  }
}

function errorBody(status: number, code: number, message: string): TwilioErrorBody {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Twilio's date format in resources (RFC 2822). */
const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');
const newSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

function parseForm(body: string): Params {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

/** A single-valued parameter (the first, if repeated), or null when absent. */
function one(params: Params, name: string): string | null {
  const v = params[name];
  if (v === undefined) return null;
  return typeof v === 'string' ? v : (v[0] ?? null);
}

function many(params: Params, name: string): readonly string[] {
  const v = params[name];
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Twilio's signature, implemented from its documentation (not with the `twilio` package). */
export function signTwilio(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? newSid('AC');
  const authToken = opts.authToken ?? randomBytes(16).toString('hex');
  const basePath = (opts.basePath ?? '').replace(/\/+$/, '');
  const events = new EventEmitter();
  events.setMaxListeners(0);

  const messages: RecordedMessage[] = [];
  const calls: RecordedCall[] = [];
  const requests: RecordedRequest[] = [];
  const unexpected: RecordedRequest[] = [];
  const callbacks: SentCallback[] = [];
  let failures: { failure: Failure; error: { code: number; message: string } | undefined }[] = [];
  let failingTo = new Map<string, { status: number; error: { code: number; message: string } | undefined }>();
  const sequence = new Map<string, number>();
  const hanging = new Set<ServerResponse>();

  const route = new RegExp(
    `^${basePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${API_VERSION}/Accounts/([^/]+)/(Messages|Calls)\\.json$`,
  );

  const send = (res: ServerResponse, rec: RecordedRequest, status: number, body: unknown) => {
    rec.status = status;
    const json = JSON.stringify(body);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
      'Twilio-Request-Id': newSid('RQ'),
    };
    if (status === 401) headers['WWW-Authenticate'] = 'Basic realm="Twilio API"';
    res.writeHead(status, headers);
    res.end(json);
  };
  const sendError = (
    res: ServerResponse,
    rec: RecordedRequest,
    status: number,
    code: number,
    message: string,
  ) => send(res, rec, status, errorBody(status, code, message));

  const authorized = (req: IncomingMessage, pathSid: string): boolean => {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(\S+)$/i.exec(header);
    if (!m?.[1]) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    return safeEqual(user, accountSid) && safeEqual(password, authToken) && pathSid === accountSid;
  };

  /** Twilio's checks for a new message: the error to answer, or null. */
  const checkMessage = (p: Params): [number, string] | null => {
    const to = one(p, 'To');
    const from = one(p, 'From');
    const body = one(p, 'Body');
    const callback = one(p, 'StatusCallback');
    if (!to) return [21604, "A 'To' phone number is required."];
    if (!from && !one(p, 'MessagingServiceSid')) return [21603, "A 'From' phone number is required."];
    if (!body && !one(p, 'MediaUrl')) return [21602, 'Message body is required.'];
    if (!E164.test(to)) return [21211, `Invalid 'To' Phone Number: ${to}`];
    if (from && !E164.test(from)) return [21212, `Invalid From Number (caller ID): ${from}`];
    if (body && body.length > 1600) {
      return [21617, 'The concatenated message body exceeds the 1600 character limit.'];
    }
    if (callback !== null && !isHttpUrl(callback)) return [21609, `Invalid StatusCallback url: ${callback}`];
    return null;
  };

  /** Twilio's checks for a new call (21200, the Calls resource's generic code, where no specific one is known). */
  const checkCall = (p: Params): [number, string] | null => {
    const to = one(p, 'To');
    const from = one(p, 'From');
    const url = one(p, 'Url');
    const callback = one(p, 'StatusCallback');
    const amd = one(p, 'MachineDetection');
    if (!to) return [21201, "No 'To' number is specified"];
    if (!from) return [21213, "No 'From' number is specified"];
    if (!url && !one(p, 'Twiml') && !one(p, 'ApplicationSid')) return [21205, 'Url parameter is required.'];
    if (!E164.test(to)) return [21211, `Invalid 'To' Phone Number: ${to}`];
    if (!E164.test(from)) return [21212, `Invalid From Number (caller ID): ${from}`];
    if (url !== null && !isHttpUrl(url)) return [21205, `Invalid Url: ${url}`];
    if (callback !== null && !isHttpUrl(callback)) return [21205, `Invalid StatusCallback url: ${callback}`];
    const bad = many(p, 'StatusCallbackEvent').find((e) => !CALL_EVENTS.has(e));
    if (bad !== undefined) return [21200, `Invalid StatusCallbackEvent: ${bad}`];
    if (amd !== null && !MACHINE_DETECTION.has(amd)) return [21200, `Invalid MachineDetection: ${amd}`];
    return null;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const form = /^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '');
    const params = form ? parseForm(raw) : {};
    const rec: RecordedRequest = { method: req.method ?? '', path, params, status: 0, at: new Date() };
    requests.push(rec);

    const m = route.exec(path);
    if (!m || req.method !== 'POST') {
      unexpected.push(rec);
      sendError(res, rec, 404, 20404, `The requested resource ${path} was not found`);
      return;
    }
    const [, pathSid = '', resource] = m;

    const injected = failures.shift();
    if (injected) {
      if (injected.failure === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (injected.failure === 'reset') {
        req.socket.destroy();
        return;
      }
      const e = injected.error ?? genericError(injected.failure);
      sendError(res, rec, injected.failure, e.code, e.message);
      return;
    }
    if (!authorized(req, pathSid)) {
      sendError(res, rec, 401, 20003, 'Authenticate');
      return;
    }
    const problem = resource === 'Messages' ? checkMessage(params) : checkCall(params);
    if (problem) {
      sendError(res, rec, 400, problem[0], problem[1]);
      return;
    }
    const to = one(params, 'To') ?? '';
    const failing = failingTo.get(to);
    if (failing) {
      const e = failing.error ?? genericError(failing.status);
      sendError(
        res,
        rec,
        failing.status,
        e.code,
        failing.status === 400 && !failing.error ? `${e.message}: ${to}` : e.message,
      );
      return;
    }

    const now = new Date();
    const from = one(params, 'From') ?? '';
    const statusCallback = one(params, 'StatusCallback');
    if (resource === 'Messages') {
      const msg: RecordedMessage = {
        kind: 'message',
        sid: newSid('SM'),
        to,
        from,
        body: one(params, 'Body') ?? '',
        statusCallback,
        params,
        at: now,
        status: 'queued',
      };
      messages.push(msg);
      send(res, rec, 201, {
        account_sid: accountSid,
        api_version: API_VERSION,
        body: msg.body,
        date_created: rfc2822(now),
        date_sent: null,
        date_updated: rfc2822(now),
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from,
        messaging_service_sid: null,
        num_media: '0',
        num_segments: '1',
        price: null,
        price_unit: 'USD',
        sid: msg.sid,
        status: 'queued',
        subresource_uris: { media: `/${API_VERSION}/Accounts/${accountSid}/Messages/${msg.sid}/Media.json` },
        to,
        uri: `/${API_VERSION}/Accounts/${accountSid}/Messages/${msg.sid}.json`,
      });
      events.emit('record', msg);
    } else {
      const call: RecordedCall = {
        kind: 'call',
        sid: newSid('CA'),
        to,
        from,
        url: one(params, 'Url') ?? '',
        statusCallback,
        statusCallbackEvents: params['StatusCallbackEvent']
          ? many(params, 'StatusCallbackEvent')
          : ['completed'],
        machineDetection: one(params, 'MachineDetection'),
        params,
        at: now,
        status: 'queued',
      };
      calls.push(call);
      send(res, rec, 201, {
        account_sid: accountSid,
        annotation: null,
        answered_by: null,
        api_version: API_VERSION,
        caller_name: null,
        date_created: rfc2822(now),
        date_updated: rfc2822(now),
        direction: 'outbound-api',
        duration: null,
        end_time: null,
        forwarded_from: null,
        from,
        from_formatted: from,
        group_sid: null,
        parent_call_sid: null,
        phone_number_sid: newSid('PN'),
        price: null,
        price_unit: 'USD',
        sid: call.sid,
        start_time: null,
        status: 'queued',
        subresource_uris: {},
        to,
        to_formatted: to,
        trunk_sid: null,
        uri: `/${API_VERSION}/Accounts/${accountSid}/Calls/${call.sid}.json`,
        queue_time: '0',
      });
      events.emit('record', call);
    }
  };

  const server = await startFakeHttp(handle, 1 << 20);
  const { port } = server;

  const all = (): Recorded[] => [...messages, ...calls].sort((a, b) => a.at.getTime() - b.at.getTime());
  const find = (sid: string): Recorded | undefined =>
    messages.find((m) => m.sid === sid) ?? calls.find((c) => c.sid === sid);

  function waitFor(predicate: (r: Recorded) => boolean, timeoutMs = 5_000): Promise<Recorded> {
    const found = all().find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        events.off('record', onRecord);
      };
      const onRecord = (r: Recorded) => {
        let match: boolean;
        try {
          match = predicate(r);
        } catch (err) {
          done();
          reject(err as Error);
          return;
        }
        if (match) {
          done();
          resolve(r);
        }
      };
      const timer = setTimeout(() => {
        done();
        const seen = all().map((r) => `${r.kind} to ${r.to}`);
        reject(
          new Error(
            `fake Twilio: nothing matched within ${timeoutMs} ms (recorded: ${seen.join(', ') || 'nothing'})`,
          ),
        );
      }, timeoutMs);
      events.on('record', onRecord);
    });
  }

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    accountSid,
    authToken,
    messages,
    calls,
    requests,
    unexpected,
    callbacks,
    failNext(n, failure, error) {
      for (let i = 0; i < n; i++) failures.push({ failure, error });
    },
    failTo(number, status, error) {
      failingTo.set(number, { status, error });
    },
    waitFor: waitFor as FakeTwilio['waitFor'],
    async sendStatus(sid, status, extra = {}) {
      const r = find(sid);
      if (!r) throw new Error(`fake Twilio: no message or call ${sid}`);
      if (!r.statusCallback)
        throw new Error(`fake Twilio: ${sid} has no StatusCallback; Twilio would send nothing`);
      let params: Record<string, string>;
      if (r.kind === 'message') {
        if (!MESSAGE_STATUSES.has(status)) throw new Error(`fake Twilio: no message status ${status}`);
        params = {
          AccountSid: accountSid,
          ApiVersion: API_VERSION,
          From: r.from,
          MessageSid: r.sid,
          MessageStatus: status,
          SmsSid: r.sid,
          SmsStatus: status,
          To: r.to,
          ...(status === 'failed' || status === 'undelivered' ? { ErrorCode: '30003' } : {}),
        };
      } else {
        const event = CALL_STATUS_EVENT[status];
        if (!event) throw new Error(`fake Twilio: no call status ${status}`);
        if (!r.statusCallbackEvents.includes(event)) {
          throw new Error(
            `fake Twilio: ${sid} did not ask for '${event}' events; Twilio would not send '${status}'`,
          );
        }
        const n = sequence.get(sid) ?? 0;
        sequence.set(sid, n + 1);
        params = {
          AccountSid: accountSid,
          ApiVersion: API_VERSION,
          CallSid: r.sid,
          CallStatus: status,
          CallbackSource: 'call-progress-events',
          Called: r.to,
          Caller: r.from,
          Direction: 'outbound-api',
          From: r.from,
          SequenceNumber: String(n),
          Timestamp: rfc2822(new Date()),
          To: r.to,
        };
      }
      Object.assign(params, extra);
      r.status = status;
      const signature = signTwilio(authToken, r.statusCallback, params);
      const res = await fetch(r.statusCallback, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-Twilio-Signature': signature,
          'User-Agent': 'TwilioProxy/1.1',
          'I-Twilio-Idempotency-Token': randomBytes(16).toString('hex'),
        },
        body: new URLSearchParams(params).toString(),
        redirect: 'manual',
      });
      const sent: SentCallback = {
        sid,
        url: r.statusCallback,
        params,
        signature,
        status: res.status,
        body: await res.text(),
      };
      callbacks.push(sent);
      return sent;
    },
    reset() {
      messages.length = 0;
      calls.length = 0;
      requests.length = 0;
      unexpected.length = 0;
      callbacks.length = 0;
      failures = [];
      failingTo = new Map();
      sequence.clear();
      for (const res of hanging) res.destroy();
    },
    async close() {
      for (const res of hanging) res.destroy();
      await server.close();
    },
  };
}

/** Hark's transports for tests: SMS and calls through the fake Twilio, email to `email` (default: dropped). */
export function fakeTwilioTransports(
  fake: FakeTwilio,
  email: EmailTransport = consoleTransports(() => {}).email,
  from = '+15555550100',
): Transports {
  const twilio = createTwilioTransports({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    from,
    apiUrl: fake.url,
  });
  return { sms: twilio, voice: twilio, email };
}
