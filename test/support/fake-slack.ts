/**
 * A strict fake of Slack's Web API, on a free port, and Slack's side of interactivity.
 *
 * The Web API part serves what Hark uses (`chat.postMessage`, `chat.update`, `chat.postEphemeral`,
 * `conversations.create`, `.invite`, `.archive`, `.open`, `.list`, `pins.add`, `auth.test`) at
 * `POST <url><method>`, form-encoded or JSON, and answers like Slack: HTTP 200 with `{"ok": true, ...}`
 * or `{"ok": false, "error": "<code>"}`. It checks the bot token (`Authorization: Bearer`, or a
 * `token` parameter; `not_authed` / `invalid_auth`), and keeps the state Slack would: channels and
 * their members, messages and their threads, pins, archives, DMs. It refuses what Slack refuses:
 * an unknown channel or user (`channel_not_found`, `user_not_found`), a bot that is not a member
 * (`not_in_channel`), an archived channel (`is_archived`), a taken or invalid channel name
 * (`name_taken`, `invalid_name_specials`), a message with no text (`no_text`) or malformed blocks
 * (`invalid_blocks`), an update of an unknown message (`message_not_found`). Every call is recorded;
 * a call to any other method is answered `unknown_method` and recorded in `unexpected`.
 *
 * Failures are injected with `failNext`: an HTTP status (a 5xx outage), a Slack error, Slack's
 * rate limit (HTTP 429 with `Retry-After` and `{"ok":false,"error":"ratelimited"}`), or a request
 * that hangs or whose connection is reset.
 *
 * The interactivity part sends what Slack sends to an app's Request URLs: slash commands
 * (form-encoded) and button presses (`block_actions`, form-encoded `payload=<JSON>`), signed with
 * Slack's v0 algorithm (`X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw
 * body>")>`, `X-Slack-Request-Timestamp`). The signature is computed here with node:crypto,
 * independently of src/chat/slack/verify.ts; a test can forge it (another secret), age it (an old
 * timestamp, a replay) or leave it out. `response_url`s point back at this server, which records
 * what is posted to them.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startFakeHttp } from './fake-http.js';

export type SlackArgs = Readonly<Record<string, unknown>>;

export interface RecordedSlackCall {
  readonly method: string;
  /** The arguments as received; `blocks`, `attachments` and `metadata` parsed from their JSON. */
  readonly args: SlackArgs;
  /** How the request authenticated: with the right token, a wrong one, or none. */
  readonly auth: 'ok' | 'invalid' | 'none';
  /** `ok`, the Slack error answered, `http_<status>`, `ratelimited`, `hang` or `reset`. */
  outcome: string;
  /** The HTTP status answered (0 while hanging or after a reset). */
  status: number;
  readonly at: Date;
}

export interface FakeSlackMessage {
  readonly channel: string;
  readonly ts: string;
  /** The bot's user ID: every message here is the bot's. */
  readonly user: string;
  readonly threadTs: string | null;
  text: string;
  blocks: readonly Record<string, unknown>[] | null;
  pinned: boolean;
  /** Earlier versions, oldest first (each `chat.update` pushes the one it replaces). */
  readonly history: { readonly text: string; readonly blocks: readonly Record<string, unknown>[] | null }[];
}

export interface FakeSlackChannel {
  readonly id: string;
  readonly name: string;
  /** A DM (`conversations.open`): `D…`, members the bot and the user. */
  readonly isIm: boolean;
  isArchived: boolean;
  readonly members: Set<string>;
  readonly created: number;
}

export interface FakeSlackEphemeral {
  readonly channel: string;
  readonly user: string;
  readonly text: string;
  readonly ts: string;
}

/** A POST to a `response_url` this fake handed out. */
export interface FakeSlackResponse {
  readonly path: string;
  readonly body: unknown;
}

/** An injected failure. */
export type SlackFailure =
  /** An HTTP status (a 5xx outage, a proxy's 404). */
  | { readonly status: number }
  /** HTTP 200 with `{"ok": false, "error": <error>}`. */
  | { readonly error: string }
  /** HTTP 429 with `Retry-After: <ratelimited>` (seconds; null: no header). */
  | { readonly ratelimited: number | null }
  /** Never answer / drop the connection. */
  | 'hang'
  | 'reset';

/** How a request to Hark is signed: Slack's way by default; or forged, aged or unsigned. */
export interface SignOptions {
  /** The X-Slack-Request-Timestamp, in Unix seconds (default: now). */
  readonly timestamp?: number;
  /** Sign with this secret instead (a forgery). */
  readonly secret?: string;
  /** Send this X-Slack-Signature as it is. */
  readonly signature?: string;
  /** Send no signature headers at all. */
  readonly unsigned?: boolean;
}

/** What was sent to Hark, and what Hark answered. */
export interface SlackDelivery {
  readonly url: string;
  readonly rawBody: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly status: number;
  readonly contentType: string | null;
  readonly body: string;
}

export interface SlashCommand {
  /** The Slack user who typed it. */
  readonly user: string;
  /** What follows the command: `ack 42`. */
  readonly text: string;
  readonly command?: string;
  readonly channel?: string;
  readonly userName?: string;
}

export interface ButtonPress {
  readonly user: string;
  /** The message whose button is pressed: it must have a button with this `action_id`. */
  readonly message: FakeSlackMessage;
  readonly actionId: string;
  readonly userName?: string;
}

export interface FakeSlack {
  /** The Web API's base URL, ending in `/` (`slackApiUrl`). */
  readonly url: string;
  readonly botToken: string;
  readonly signingSecret: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly calls: readonly RecordedSlackCall[];
  readonly unexpected: readonly RecordedSlackCall[];
  readonly channels: ReadonlyMap<string, FakeSlackChannel>;
  readonly messages: readonly FakeSlackMessage[];
  readonly ephemerals: readonly FakeSlackEphemeral[];
  readonly responses: readonly FakeSlackResponse[];
  readonly deliveries: readonly SlackDelivery[];
  /** A workspace member (`U…` or `W…`); the bot is one from the start. */
  addUser(id: string, name?: string): void;
  /** A public channel; the bot is a member unless `botIsMember: false`. */
  addChannel(
    name: string,
    opts?: { id?: string; members?: readonly string[]; botIsMember?: boolean },
  ): FakeSlackChannel;
  channelNamed(name: string): FakeSlackChannel | undefined;
  callsTo(method: string): RecordedSlackCall[];
  /** Successful calls to `method`, in order. */
  okCallsTo(method: string): RecordedSlackCall[];
  /** Answer the next `n` calls (to `method` only, if given) with `failure`. */
  failNext(n: number, failure: SlackFailure, method?: string): void;
  /** The first recorded call to `method` (already there, or yet to come) that matches. */
  waitForCall(
    method: string,
    predicate?: (c: RecordedSlackCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedSlackCall>;
  /** A slash command, as Slack posts it to the command's Request URL. */
  sendSlashCommand(url: string, command: SlashCommand, sign?: SignOptions): Promise<SlackDelivery>;
  /** A button press (`block_actions`), as Slack posts it to the Interactivity Request URL. */
  pressButton(url: string, press: ButtonPress, sign?: SignOptions): Promise<SlackDelivery>;
  /** Posts a form body signed as `sign` says (for hand-made payloads). */
  sendSigned(url: string, rawBody: string, sign?: SignOptions): Promise<SlackDelivery>;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeSlackOptions {
  readonly botToken?: string;
  readonly signingSecret?: string;
}

/** Slack's v0 signature, from Slack's documentation (not src/chat/slack/verify.ts). */
export function signSlack(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

const JSON_ARGS = new Set(['blocks', 'attachments', 'metadata']);
const CHANNEL_NAME_RE = /^[a-z0-9_-]+$/;
const MAX_BLOCKS = 50;
const MAX_TEXT = 40_000;

const slackId = (prefix: string) =>
  `${prefix}${Array.from(randomBytes(10), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[b % 36]).join('')}`;

class SlackRefusal extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}
const refuse = (code: string): never => {
  throw new SlackRefusal(code);
};

function str(args: SlackArgs, name: string): string | null {
  const v = args[name];
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
}

function bool(args: SlackArgs, name: string): boolean {
  const v = args[name];
  return v === true || v === 'true' || v === '1';
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken =
    opts.botToken ?? `xoxb-${randomBytes(6).toString('hex')}-${randomBytes(12).toString('hex')}`;
  const signingSecret = opts.signingSecret ?? randomBytes(16).toString('hex');
  const teamId = slackId('T');
  const botUserId = slackId('U');
  const appId = slackId('A');
  const events = new EventEmitter();
  events.setMaxListeners(0);

  const calls: RecordedSlackCall[] = [];
  const unexpected: RecordedSlackCall[] = [];
  const channels = new Map<string, FakeSlackChannel>();
  const messages: FakeSlackMessage[] = [];
  const ephemerals: FakeSlackEphemeral[] = [];
  const responses: FakeSlackResponse[] = [];
  const deliveries: SlackDelivery[] = [];
  const users = new Map<string, string>([[botUserId, 'hark']]);
  const dms = new Map<string, string>();
  let failures: { failure: SlackFailure; method: string | null }[] = [];
  const hanging = new Set<ServerResponse>();
  let tsCounter = 0;
  let createdCounter = 0;

  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, '0')}`;

  const channelOf = (ref: string | null): FakeSlackChannel => {
    if (!ref) return refuse('channel_not_found');
    const byId = channels.get(ref);
    if (byId) return byId;
    const name = ref.startsWith('#') ? ref.slice(1) : ref;
    return [...channels.values()].find((c) => !c.isIm && c.name === name) ?? refuse('channel_not_found');
  };
  const writable = (c: FakeSlackChannel): FakeSlackChannel => {
    if (c.isArchived) refuse('is_archived');
    if (!c.members.has(botUserId)) refuse('not_in_channel');
    return c;
  };
  const messageOf = (channel: FakeSlackChannel, ts: string | null): FakeSlackMessage =>
    messages.find((m) => m.channel === channel.id && m.ts === ts) ?? refuse('message_not_found');

  /** Text and blocks as Slack checks them: one of them, blocks a list of at most 50 typed blocks. */
  const content = (args: SlackArgs): { text: string; blocks: Record<string, unknown>[] | null } => {
    const text = str(args, 'text') ?? '';
    const raw = args['blocks'];
    let blocks: Record<string, unknown>[] | null = null;
    if (raw !== undefined) {
      if (
        !Array.isArray(raw) ||
        raw.length > MAX_BLOCKS ||
        raw.some((b) => !b || typeof b !== 'object' || typeof (b as { type?: unknown }).type !== 'string')
      ) {
        refuse('invalid_blocks');
      }
      blocks = raw as Record<string, unknown>[];
    }
    if (text === '' && (blocks === null || blocks.length === 0)) refuse('no_text');
    if (text.length > MAX_TEXT) refuse('msg_too_long');
    return { text, blocks };
  };

  const channelJson = (c: FakeSlackChannel) => ({
    id: c.id,
    name: c.name,
    is_channel: !c.isIm,
    is_im: c.isIm,
    is_private: false,
    is_archived: c.isArchived,
    is_member: c.members.has(botUserId),
    created: c.created,
    creator: botUserId,
    num_members: c.members.size,
  });

  const addChannel = (
    name: string,
    o: { id?: string; members?: readonly string[]; botIsMember?: boolean; isIm?: boolean } = {},
  ): FakeSlackChannel => {
    const c: FakeSlackChannel = {
      id: o.id ?? slackId(o.isIm ? 'D' : 'C'),
      name,
      isIm: o.isIm ?? false,
      isArchived: false,
      members: new Set([...(o.botIsMember === false ? [] : [botUserId]), ...(o.members ?? [])]),
      created: Math.floor(Date.now() / 1000) + createdCounter++,
    };
    channels.set(c.id, c);
    return c;
  };

  const methods: Readonly<Record<string, (args: SlackArgs) => Record<string, unknown>>> = {
    'auth.test': () => ({
      url: 'https://fake-workspace.slack.com/',
      team: 'Fake Workspace',
      user: 'hark',
      team_id: teamId,
      user_id: botUserId,
      bot_id: 'B0HARK',
    }),

    'chat.postMessage': (args) => {
      const c = writable(channelOf(str(args, 'channel')));
      const { text, blocks } = content(args);
      const threadTs = str(args, 'thread_ts');
      if (threadTs !== null) {
        const parent = messageOf(c, threadTs);
        if (parent.threadTs !== null) refuse('thread_not_found'); // a reply is no thread parent
      }
      const m: FakeSlackMessage = {
        channel: c.id,
        ts: nextTs(),
        user: botUserId,
        threadTs,
        text,
        blocks,
        pinned: false,
        history: [],
      };
      messages.push(m);
      return {
        channel: c.id,
        ts: m.ts,
        message: {
          type: 'message',
          user: botUserId,
          bot_id: 'B0HARK',
          text,
          ts: m.ts,
          ...(blocks ? { blocks } : {}),
        },
      };
    },

    'chat.update': (args) => {
      const c = channels.get(str(args, 'channel') ?? '') ?? refuse('channel_not_found'); // an ID only
      const m = messageOf(c, str(args, 'ts'));
      if (m.user !== botUserId) refuse('cant_update_message');
      if (c.isArchived) refuse('is_archived');
      const { text, blocks } = content(args);
      m.history.push({ text: m.text, blocks: m.blocks });
      m.text = text;
      m.blocks = blocks;
      return { channel: c.id, ts: m.ts, text };
    },

    'chat.postEphemeral': (args) => {
      const c = writable(channelOf(str(args, 'channel')));
      const user = str(args, 'user');
      if (!user || !users.has(user)) refuse('user_not_found');
      if (!c.members.has(user!)) refuse('user_not_in_channel');
      const { text } = content(args);
      const e: FakeSlackEphemeral = { channel: c.id, user: user!, text, ts: nextTs() };
      ephemerals.push(e);
      return { message_ts: e.ts };
    },

    'conversations.create': (args) => {
      const name = str(args, 'name');
      if (!name) refuse('invalid_name_required');
      if (name!.length > 80) refuse('invalid_name_maxlength');
      if (!CHANNEL_NAME_RE.test(name!)) refuse('invalid_name_specials');
      if ([...channels.values()].some((c) => !c.isIm && c.name === name)) refuse('name_taken');
      return { channel: channelJson(addChannel(name!)) };
    },

    'conversations.invite': (args) => {
      const c = channels.get(str(args, 'channel') ?? '') ?? refuse('channel_not_found');
      if (c.isArchived) refuse('is_archived');
      if (!c.members.has(botUserId)) refuse('not_in_channel');
      const list = (str(args, 'users') ?? '').split(',').filter((u) => u !== '');
      if (list.length === 0) refuse('no_user');
      const errors: { user: string; ok: false; error: string }[] = [];
      for (const u of list) {
        const problem =
          u === botUserId
            ? 'cant_invite_self'
            : !users.has(u)
              ? 'user_not_found'
              : c.members.has(u)
                ? 'already_in_channel'
                : null;
        if (problem) errors.push({ user: u, ok: false, error: problem });
      }
      // Without force, one problem fails the whole call; with force, the valid users are invited.
      if (errors.length > 0 && (!bool(args, 'force') || errors.length === list.length))
        refuse(errors[0]!.error);
      for (const u of list) if (!errors.some((e) => e.user === u)) c.members.add(u);
      return { channel: channelJson(c), ...(errors.length > 0 ? { errors } : {}) };
    },

    'conversations.archive': (args) => {
      const c = channels.get(str(args, 'channel') ?? '') ?? refuse('channel_not_found');
      if (c.isIm) refuse('method_not_supported_for_channel_type');
      if (c.isArchived) refuse('already_archived');
      if (!c.members.has(botUserId)) refuse('not_in_channel');
      c.isArchived = true;
      return {};
    },

    'conversations.open': (args) => {
      const list = (str(args, 'users') ?? '').split(',').filter((u) => u !== '');
      if (list.length === 0) refuse('users_list_not_supplied');
      if (list.length > 1) refuse('not_enough_users'); // a group DM: Hark never opens one
      const user = list[0]!;
      if (!users.has(user) || user === botUserId) refuse('user_not_found');
      let id = dms.get(user);
      if (!id) {
        id = addChannel(`dm-${user}`, { members: [user], isIm: true }).id;
        dms.set(user, id);
      }
      return { channel: { id } };
    },

    'conversations.list': (args) => {
      const limit = Math.min(Math.max(Number(str(args, 'limit') ?? 100) || 100, 1), 1000);
      const types = (str(args, 'types') ?? 'public_channel').split(',');
      const excludeArchived = bool(args, 'exclude_archived');
      const all = [...channels.values()]
        .filter((c) => (c.isIm ? types.includes('im') : types.includes('public_channel')))
        .filter((c) => !(excludeArchived && c.isArchived))
        .sort((a, b) => a.created - b.created);
      const cursor = str(args, 'cursor');
      const start = cursor
        ? Number(
            Buffer.from(cursor, 'base64')
              .toString('utf8')
              .replace(/^offset:/, ''),
          )
        : 0;
      if (!Number.isInteger(start) || start < 0) refuse('invalid_cursor');
      const page = all.slice(start, start + limit);
      const next =
        start + limit < all.length ? Buffer.from(`offset:${start + limit}`).toString('base64') : '';
      return { channels: page.map(channelJson), response_metadata: { next_cursor: next } };
    },

    'pins.add': (args) => {
      const c = channels.get(str(args, 'channel') ?? '') ?? refuse('channel_not_found');
      if (c.isArchived) refuse('is_archived');
      if (!c.members.has(botUserId)) refuse('not_in_channel');
      const m = messageOf(c, str(args, 'timestamp'));
      if (m.pinned) refuse('already_pinned');
      m.pinned = true;
      return {};
    },
  };

  const send = (
    res: ServerResponse,
    rec: RecordedSlackCall,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    rec.status = status;
    const json = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
      ...headers,
    });
    res.end(json);
  };

  const parseArgs = (req: IncomingMessage, raw: string): Record<string, unknown> | null => {
    const type = req.headers['content-type'] ?? '';
    if (/^application\/json\b/i.test(type)) {
      try {
        const v: unknown = JSON.parse(raw);
        return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(raw)) {
      if (JSON_ARGS.has(k)) {
        try {
          out[k] = JSON.parse(v);
        } catch {
          out[k] = v; // left as text: the method refuses it
        }
      } else out[k] = v;
    }
    return out;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (path.startsWith('/actions/') || path.startsWith('/commands/')) {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // kept as text
      }
      responses.push({ path, body });
      events.emit('response');
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const method = path.replace(/^\/api\//, '');
    const args = parseArgs(req, raw) ?? {};
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
    const given = bearer ?? str(args, 'token');
    const auth: RecordedSlackCall['auth'] = given === null ? 'none' : given === botToken ? 'ok' : 'invalid';
    const shown = { ...args };
    delete shown['token'];
    const rec: RecordedSlackCall = { method, args: shown, auth, outcome: '', status: 0, at: new Date() };
    calls.push(rec);
    const done = (outcome: string) => {
      rec.outcome = outcome;
      events.emit('call', rec);
    };

    const handler = path.startsWith('/api/') && req.method === 'POST' ? methods[method] : undefined;
    if (!handler) {
      unexpected.push(rec);
      send(res, rec, 200, { ok: false, error: 'unknown_method' });
      done('unknown_method');
      return;
    }
    const at = failures.findIndex((f) => f.method === null || f.method === method);
    if (at >= 0) {
      const { failure } = failures.splice(at, 1)[0]!;
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
      if ('status' in failure) {
        send(res, rec, failure.status, `${failure.status} Service Unavailable`);
        done(`http_${failure.status}`);
        return;
      }
      if ('ratelimited' in failure) {
        const headers: Record<string, string> =
          failure.ratelimited === null ? {} : { 'Retry-After': String(failure.ratelimited) };
        send(res, rec, 429, { ok: false, error: 'ratelimited' }, headers);
        done('ratelimited');
        return;
      }
      send(res, rec, 200, { ok: false, error: failure.error });
      done(failure.error);
      return;
    }
    if (auth !== 'ok') {
      const error = auth === 'none' ? 'not_authed' : 'invalid_auth';
      send(res, rec, 200, { ok: false, error });
      done(error);
      return;
    }
    try {
      const result = handler(args);
      send(res, rec, 200, { ok: true, ...result });
      done('ok');
    } catch (e) {
      if (!(e instanceof SlackRefusal)) throw e;
      send(res, rec, 200, { ok: false, error: e.code });
      done(e.code);
    }
  };

  const server = await startFakeHttp(handle, 2 << 20);
  const { port } = server;
  const base = `http://127.0.0.1:${port}`;

  async function sendSigned(url: string, rawBody: string, sign: SignOptions = {}): Promise<SlackDelivery> {
    const timestamp = String(sign.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = sign.signature ?? signSlack(sign.secret ?? signingSecret, timestamp, rawBody);
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (!sign.unsigned) {
      headers['X-Slack-Request-Timestamp'] = timestamp;
      headers['X-Slack-Signature'] = signature;
    }
    const res = await fetch(url, { method: 'POST', headers, body: rawBody, redirect: 'manual' });
    const delivery: SlackDelivery = {
      url,
      rawBody,
      timestamp,
      signature,
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: await res.text(),
    };
    deliveries.push(delivery);
    return delivery;
  }

  const responseUrl = (kind: 'actions' | 'commands') =>
    `${base}/${kind}/${teamId}/${Date.now()}${tsCounter}/${randomBytes(12).toString('hex')}`;
  const triggerId = () => `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;

  function waitForCall(
    method: string,
    predicate: (c: RecordedSlackCall) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<RecordedSlackCall> {
    const match = (c: RecordedSlackCall) => c.method === method && c.outcome !== '' && predicate(c);
    const found = calls.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const onCall = (c: RecordedSlackCall) => {
        if (!match(c)) return;
        clearTimeout(timer);
        events.off('call', onCall);
        resolve(c);
      };
      const timer = setTimeout(() => {
        events.off('call', onCall);
        const seen = calls.map((c) => `${c.method}:${c.outcome}`);
        reject(
          new Error(
            `fake Slack: no ${method} call matched within ${timeoutMs} ms (calls: ${seen.join(', ') || 'none'})`,
          ),
        );
      }, timeoutMs);
      events.on('call', onCall);
    });
  }

  return {
    url: `${base}/api/`,
    botToken,
    signingSecret,
    teamId,
    botUserId,
    calls,
    unexpected,
    channels,
    messages,
    ephemerals,
    responses,
    deliveries,
    addUser(id, name = id.toLowerCase()) {
      if (!/^[UW][A-Z0-9]{2,}$/.test(id)) throw new Error(`fake Slack: ${id} is not a Slack user ID`);
      users.set(id, name);
    },
    addChannel(name, o = {}) {
      if (!CHANNEL_NAME_RE.test(name)) throw new Error(`fake Slack: ${name} is not a channel name`);
      for (const m of o.members ?? []) if (!users.has(m)) throw new Error(`fake Slack: unknown user ${m}`);
      return addChannel(name, o);
    },
    channelNamed: (name) => [...channels.values()].find((c) => !c.isIm && c.name === name),
    callsTo: (method) => calls.filter((c) => c.method === method),
    okCallsTo: (method) => calls.filter((c) => c.method === method && c.outcome === 'ok'),
    failNext(n, failure, method) {
      for (let i = 0; i < n; i++) failures.push({ failure, method: method ?? null });
    },
    waitForCall,
    sendSigned,
    sendSlashCommand(url, cmd, sign) {
      const channel = cmd.channel ? channels.get(cmd.channel) : undefined;
      const params = new URLSearchParams({
        token: 'verification-token-not-used',
        team_id: teamId,
        team_domain: 'fake-workspace',
        channel_id: channel?.id ?? cmd.channel ?? 'C0GENERAL0',
        channel_name: channel?.name ?? 'general',
        user_id: cmd.user,
        user_name: cmd.userName ?? users.get(cmd.user) ?? cmd.user.toLowerCase(),
        command: cmd.command ?? '/hark',
        text: cmd.text,
        api_app_id: appId,
        is_enterprise_install: 'false',
        response_url: responseUrl('commands'),
        trigger_id: triggerId(),
      });
      return sendSigned(url, params.toString(), sign);
    },
    async pressButton(url, press, sign) {
      const m = press.message;
      const c = channels.get(m.channel);
      const found = (m.blocks ?? []).flatMap((b) =>
        b.type === 'actions' && Array.isArray(b.elements)
          ? (b.elements as Record<string, unknown>[]).map((e) => ({ block: b, element: e }))
          : [],
      );
      const hit = found.find((f) => f.element.action_id === press.actionId);
      if (!hit) {
        throw new Error(
          `fake Slack: message ${m.ts} has no button ${press.actionId} (buttons: ${found.map((f) => String(f.element.action_id)).join(', ') || 'none'})`,
        );
      }
      const { block, element } = hit;
      const payload = {
        type: 'block_actions',
        user: {
          id: press.user,
          username: press.userName ?? users.get(press.user) ?? press.user.toLowerCase(),
          name: press.userName ?? users.get(press.user) ?? press.user.toLowerCase(),
          team_id: teamId,
        },
        api_app_id: appId,
        token: 'verification-token-not-used',
        container: { type: 'message', message_ts: m.ts, channel_id: m.channel, is_ephemeral: false },
        trigger_id: triggerId(),
        team: { id: teamId, domain: 'fake-workspace' },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: m.channel, name: c?.isIm ? 'directmessage' : (c?.name ?? 'unknown') },
        message: {
          type: 'message',
          user: m.user,
          bot_id: 'B0HARK',
          text: m.text,
          ts: m.ts,
          blocks: m.blocks ?? [],
        },
        state: { values: {} },
        response_url: responseUrl('actions'),
        actions: [
          {
            action_id: element.action_id,
            block_id: block.block_id,
            text: element.text,
            value: element.value,
            ...(element.style ? { style: element.style } : {}),
            type: element.type,
            action_ts: `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1_000_000).padStart(6, '0')}`,
          },
        ],
      };
      return sendSigned(url, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), sign);
    },
    reset() {
      calls.length = 0;
      unexpected.length = 0;
      channels.clear();
      messages.length = 0;
      ephemerals.length = 0;
      responses.length = 0;
      deliveries.length = 0;
      dms.clear();
      users.clear();
      users.set(botUserId, 'hark');
      failures = [];
      for (const res of hanging) res.destroy();
    },
    async close() {
      for (const res of hanging) res.destroy();
      await server.close();
    },
  };
}
