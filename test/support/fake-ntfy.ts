/**
 * A strict fake ntfy server (docs/ntfy.md), on a free port: ntfy's JSON publish API — a POST (or
 * PUT) of the whole message as JSON to the server's root — and the phone's side of action buttons.
 *
 * It answers like ntfy: HTTP 200 with the published message (`{"id": ..., "event": "message", ...}`),
 * or ntfy's error JSON (`{"code": 40301, "http": 403, "error": "forbidden", "link": ...}`). With a
 * token it is a server whose topics are closed to anonymous users: no `Authorization` is 403
 * (40301), a wrong one 401 (40101). It checks the message as ntfy does, and more strictly (so a
 * mistake in Hark is caught here, not on a phone): a JSON object with known fields only, a valid
 * topic, priority 1–5, tags a list of strings, click an http(s) URL, at most 3 actions each with a
 * label, an http(s) URL and only its action's fields, and a message of at most 4096 bytes (ntfy
 * would turn a longer one into an attachment). Every request is recorded; anything that is not a
 * publish to the root is answered 404 (40401) and recorded in `unexpected`.
 *
 * Failures are injected with `failNext`: an HTTP status (with ntfy's error JSON for it), ntfy's
 * rate limit (429, 42901, with or without `Retry-After`), or a request that hangs or is reset.
 *
 * `pressAction` does what the ntfy app does when an action button is tapped: an `http` action
 * sends its request (POST by default, with its headers and body) from the phone; a `view` action
 * opens its URL (a GET).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFakeHttp } from './fake-http.js';

export interface FakeNtfyAction {
  readonly id: string;
  readonly action: 'view' | 'http' | 'broadcast';
  readonly label: string;
  readonly url?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly clear?: boolean;
}

/** A message as ntfy stored and delivered it. */
export interface FakeNtfyMessage {
  readonly id: string;
  readonly time: number;
  readonly topic: string;
  readonly title: string | null;
  readonly message: string;
  readonly priority: number;
  readonly tags: readonly string[];
  readonly click: string | null;
  readonly actions: readonly FakeNtfyAction[];
  /** The JSON as received. */
  readonly json: Readonly<Record<string, unknown>>;
}

export interface RecordedNtfyRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | null;
  /** With the server's token, another one, or none. */
  readonly auth: 'ok' | 'invalid' | 'none';
  readonly body: string;
  /** `ok`, the ntfy error code answered (`40017`), `http_<status>`, `ratelimited`, `hang` or `reset`. */
  outcome: string;
  status: number;
  readonly at: Date;
}

export type NtfyFailure =
  /** An HTTP status with ntfy's error JSON for it (500, 502, 403, 400...). */
  | { readonly status: number }
  /** 429 with ntfy's 42901 and `Retry-After: <seconds>` (null: no header, as ntfy itself sends). */
  | { readonly ratelimited: number | null }
  | 'hang'
  | 'reset';

/** What a tapped action button's request got back. */
export interface ActionResult {
  readonly status: number;
  readonly body: string;
}

export interface FakeNtfy {
  /** The server's base URL (`ntfy.url` in hark.yaml), no trailing slash. */
  readonly url: string;
  /** The access token it takes, or null (a server open to anonymous publishing). */
  readonly token: string | null;
  readonly requests: readonly RecordedNtfyRequest[];
  readonly unexpected: readonly RecordedNtfyRequest[];
  readonly messages: readonly FakeNtfyMessage[];
  messagesTo(topic: string): FakeNtfyMessage[];
  /** The first message (already published, or yet to come) that matches. */
  waitForMessage(predicate?: (m: FakeNtfyMessage) => boolean, timeoutMs?: number): Promise<FakeNtfyMessage>;
  /** The first finished request (already answered, or yet to come) that matches. */
  waitForRequest(
    predicate?: (r: RecordedNtfyRequest) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedNtfyRequest>;
  /** Answer the next `n` publishes with `failure`. */
  failNext(n: number, failure: NtfyFailure): void;
  /** Taps the action button labelled `label` of `message`, as the ntfy app does. */
  pressAction(message: FakeNtfyMessage, label: string): Promise<ActionResult>;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeNtfyOptions {
  /** Require this access token (default: a random `tk_...`); null: anonymous publishing. */
  readonly token?: string | null;
}

/** ntfy's errors (server/errors.go), by what the fake answers. */
const ERRORS: Readonly<Record<string, { code: number; http: number; error: string }>> = {
  badRequest: { code: 40000, http: 400, error: 'invalid request' },
  priority: { code: 40007, http: 400, error: 'invalid priority parameter' },
  topic: { code: 40009, http: 400, error: 'invalid request: topic invalid' },
  json: { code: 40017, http: 400, error: 'invalid request: request body must be message JSON' },
  actions: { code: 40018, http: 400, error: 'invalid request: actions invalid' },
  unauthorized: { code: 40101, http: 401, error: 'unauthorized' },
  forbidden: { code: 40301, http: 403, error: 'forbidden' },
  notFound: { code: 40401, http: 404, error: 'page not found' },
  tooLarge: { code: 41303, http: 413, error: 'JSON body too large' },
  tooMany: { code: 42901, http: 429, error: 'limit reached: too many requests' },
  internal: { code: 50001, http: 500, error: 'internal server error' },
};

const byStatus = (status: number) =>
  Object.values(ERRORS).find((e) => e.http === status) ?? {
    code: status * 100 + 1,
    http: status,
    error: status >= 500 ? 'server error' : 'invalid request',
  };

const TOPIC_RE = /^[-_A-Za-z0-9]{1,64}$/;
const MESSAGE_FIELDS = new Set([
  'topic',
  'message',
  'title',
  'tags',
  'priority',
  'actions',
  'click',
  'attach',
  'markdown',
  'icon',
  'filename',
  'delay',
  'email',
  'call',
]);
const ACTION_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  view: new Set(['action', 'label', 'url', 'clear']),
  http: new Set(['action', 'label', 'url', 'method', 'headers', 'body', 'clear']),
  broadcast: new Set(['action', 'label', 'intent', 'extras', 'clear']),
};
const MAX_MESSAGE_BYTES = 4096;
const MAX_BODY_BYTES = 32_768;

class NtfyRefusal extends Error {
  constructor(readonly kind: keyof typeof ERRORS) {
    super(kind);
  }
}
const refuse = (kind: keyof typeof ERRORS): never => {
  throw new NtfyRefusal(kind);
};

const isHttpUrl = (v: unknown): v is string => {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

const messageId = () =>
  Array.from(randomBytes(12), (b) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[b % 62])
    .join('')
    .slice(0, 12);

function parseAction(raw: unknown): FakeNtfyAction {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return refuse('actions');
  const a = raw as Record<string, unknown>;
  const kind = a.action;
  if (kind !== 'view' && kind !== 'http' && kind !== 'broadcast') return refuse('actions');
  const allowed = ACTION_FIELDS[kind]!;
  if (Object.keys(a).some((k) => !allowed.has(k))) refuse('actions');
  if (typeof a.label !== 'string' || a.label.trim() === '') refuse('actions');
  if (kind !== 'broadcast' && !isHttpUrl(a.url)) refuse('actions');
  if (a.clear !== undefined && typeof a.clear !== 'boolean') refuse('actions');
  if (a.method !== undefined && (typeof a.method !== 'string' || !/^[A-Z]+$/.test(a.method)))
    refuse('actions');
  if (a.body !== undefined && typeof a.body !== 'string') refuse('actions');
  if (
    a.headers !== undefined &&
    (!a.headers ||
      typeof a.headers !== 'object' ||
      Object.values(a.headers as object).some((v) => typeof v !== 'string'))
  ) {
    refuse('actions');
  }
  return { id: messageId().slice(0, 10), ...(a as Omit<FakeNtfyAction, 'id'>) };
}

function parseMessage(raw: string): FakeNtfyMessage {
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) refuse('tooLarge');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return refuse('json');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return refuse('json');
  const m = json as Record<string, unknown>;
  if (Object.keys(m).some((k) => !MESSAGE_FIELDS.has(k))) refuse('json');
  if (typeof m.topic !== 'string' || !TOPIC_RE.test(m.topic)) refuse('topic');
  if (m.message !== undefined && typeof m.message !== 'string') refuse('json');
  if (typeof m.message === 'string' && Buffer.byteLength(m.message, 'utf8') > MAX_MESSAGE_BYTES)
    refuse('tooLarge');
  if (m.title !== undefined && typeof m.title !== 'string') refuse('json');
  if (
    m.priority !== undefined &&
    (typeof m.priority !== 'number' || !Number.isInteger(m.priority) || m.priority < 1 || m.priority > 5)
  ) {
    refuse('priority');
  }
  if (m.tags !== undefined && (!Array.isArray(m.tags) || m.tags.some((t) => typeof t !== 'string')))
    refuse('json');
  if (m.click !== undefined && !isHttpUrl(m.click)) refuse('badRequest');
  if (m.actions !== undefined && (!Array.isArray(m.actions) || m.actions.length > 3)) refuse('actions');
  const actions = ((m.actions as unknown[] | undefined) ?? []).map(parseAction);
  return {
    id: messageId(),
    time: Math.floor(Date.now() / 1000),
    topic: m.topic as string,
    title: (m.title as string | undefined) ?? null,
    message: (m.message as string | undefined) || 'triggered',
    priority: (m.priority as number | undefined) ?? 3,
    tags: (m.tags as string[] | undefined) ?? [],
    click: (m.click as string | undefined) ?? null,
    actions,
    json: m,
  };
}

export async function startFakeNtfy(opts: FakeNtfyOptions = {}): Promise<FakeNtfy> {
  const token = opts.token === undefined ? `tk_${randomBytes(15).toString('hex').slice(0, 29)}` : opts.token;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const requests: RecordedNtfyRequest[] = [];
  const unexpected: RecordedNtfyRequest[] = [];
  const messages: FakeNtfyMessage[] = [];
  let failures: NtfyFailure[] = [];
  const hanging = new Set<ServerResponse>();

  const send = (
    res: ServerResponse,
    rec: RecordedNtfyRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    rec.status = status;
    res
      .writeHead(status, { 'Content-Type': 'application/json', ...headers })
      .end(`${JSON.stringify(body)}\n`);
  };
  const error = (
    res: ServerResponse,
    rec: RecordedNtfyRequest,
    e: { code: number; http: number; error: string },
    headers?: Record<string, string>,
  ) => send(res, rec, e.http, { ...e, link: 'https://ntfy.sh/docs/publish/' }, headers);

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)$/.exec(header)?.[1] ?? null;
    const auth: RecordedNtfyRequest['auth'] =
      header === '' ? 'none' : token !== null && bearer === token ? 'ok' : 'invalid';
    const rec: RecordedNtfyRequest = {
      method: req.method ?? '',
      path,
      contentType: req.headers['content-type'] ?? null,
      auth,
      body: raw,
      outcome: '',
      status: 0,
      at: new Date(),
    };
    requests.push(rec);
    const done = (outcome: string) => {
      rec.outcome = outcome;
      events.emit('request', rec);
    };

    if (path !== '/' || (req.method !== 'POST' && req.method !== 'PUT')) {
      unexpected.push(rec);
      error(res, rec, ERRORS.notFound!);
      done(String(ERRORS.notFound!.code));
      return;
    }
    const failure = failures.shift();
    if (failure !== undefined) {
      if (failure === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        done('hang');
        return;
      }
      if (failure === 'reset') {
        done('reset');
        req.socket.destroy();
        return;
      }
      if ('ratelimited' in failure) {
        const headers: Record<string, string> =
          failure.ratelimited === null ? {} : { 'Retry-After': String(failure.ratelimited) };
        error(res, rec, ERRORS.tooMany!, headers);
        done('ratelimited');
        return;
      }
      error(res, rec, byStatus(failure.status));
      done(`http_${failure.status}`);
      return;
    }
    // A server closed to anonymous users: no token is forbidden, a wrong one unauthorized.
    if (token !== null && auth !== 'ok') {
      const e = auth === 'none' ? ERRORS.forbidden! : ERRORS.unauthorized!;
      error(res, rec, e);
      done(String(e.code));
      return;
    }
    if (token === null && auth === 'invalid') {
      error(res, rec, ERRORS.unauthorized!);
      done(String(ERRORS.unauthorized!.code));
      return;
    }
    try {
      const m = parseMessage(raw);
      messages.push(m);
      send(res, rec, 200, {
        id: m.id,
        time: m.time,
        expires: m.time + 43_200,
        event: 'message',
        topic: m.topic,
        ...(m.title !== null ? { title: m.title } : {}),
        message: m.message,
        priority: m.priority,
        ...(m.tags.length > 0 ? { tags: m.tags } : {}),
        ...(m.click !== null ? { click: m.click } : {}),
        ...(m.actions.length > 0 ? { actions: m.actions } : {}),
      });
      done('ok');
      events.emit('message', m);
    } catch (e) {
      if (!(e instanceof NtfyRefusal)) throw e;
      const answer = ERRORS[e.kind]!;
      error(res, rec, answer);
      done(String(answer.code));
    }
  };

  const server = await startFakeHttp(handle, 1 << 20);
  const url = `http://127.0.0.1:${server.port}`;

  function waitFor<T>(
    list: readonly T[],
    event: string,
    predicate: (x: T) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const found = list.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const on = (x: T) => {
        if (!predicate(x)) return;
        clearTimeout(timer);
        events.off(event, on);
        resolve(x);
      };
      const timer = setTimeout(() => {
        events.off(event, on);
        const seen = requests.map((r) => `${r.method} ${r.path}:${r.outcome}`);
        reject(
          new Error(
            `fake ntfy: no ${what} matched within ${timeoutMs} ms (requests: ${seen.join(', ') || 'none'})`,
          ),
        );
      }, timeoutMs);
      events.on(event, on);
    });
  }

  return {
    url,
    token,
    requests,
    unexpected,
    messages,
    messagesTo: (topic) => messages.filter((m) => m.topic === topic),
    waitForMessage: (predicate = () => true, timeoutMs = 10_000) =>
      waitFor(messages, 'message', predicate, timeoutMs, 'message'),
    waitForRequest: (predicate = () => true, timeoutMs = 10_000) =>
      waitFor(requests, 'request', (r) => r.outcome !== '' && predicate(r), timeoutMs, 'request'),
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    async pressAction(message, label) {
      const action = message.actions.find((a) => a.label === label);
      if (!action) throw new Error(`fake ntfy: message ${message.id} has no action labelled ${label}`);
      if (action.action === 'broadcast' || !action.url)
        throw new Error('fake ntfy: a broadcast has no request');
      const method = action.action === 'view' ? 'GET' : (action.method ?? 'POST');
      const res = await fetch(action.url, {
        method,
        headers: { 'User-Agent': 'ntfy/1.16.0 (fake)', ...(action.headers ?? {}) },
        ...(method === 'GET' || method === 'HEAD' ? {} : { body: action.body ?? '' }),
        redirect: 'manual',
      });
      return { status: res.status, body: await res.text() };
    },
    reset() {
      requests.length = 0;
      unexpected.length = 0;
      messages.length = 0;
      failures = [];
    },
    async close() {
      for (const res of hanging) res.destroy();
      await server.close();
    },
  };
}
