/**
 * The Slack chat provider: `ChatProvider` on Slack's Web API with `@slack/web-api`.
 *
 * Its behaviour on failure is chosen for a pager, where chat must never hold anything else up:
 *
 * - **Rate limits** (HTTP 429): the call fails at once with `ChatError('rate-limited')` and the
 *   `Retry-After` Slack sent (`rejectRateLimitedCalls`). The library's default instead pauses its
 *   whole request queue and sleeps, which would delay every other Slack call of the process; the
 *   caller (a queued job) retries this one call after `retryAfterMs` instead.
 * - **Network errors, timeouts and 5xx** are retried by the library a bounded number of times with
 *   a short backoff (`retries`, default 2, each attempt at most `timeoutMs`, default 10 s; the
 *   library's default is 10 retries over about 30 minutes), then fail as `unavailable`.
 * - **Slack's refusals** (`ok: false`) are never retried; they map to `ChatError` kinds
 *   (`channel_not_found` → `not-found`, `invalid_auth` → `auth`, ...).
 *
 * The token is sent as `Authorization: Bearer`; it is in no log line and no error message. The
 * library's own log lines go to pino (component `slack`) at warn and above.
 */
import type { KnownBlock } from '@slack/types';
import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
  type Logger as SlackLogger,
} from '@slack/web-api';
import type { Logger } from '../../log.js';
import {
  ChatError,
  type ChannelRef,
  type ChatErrorKind,
  type ChatProvider,
  type IncidentMessage,
  type MessageRef,
} from '../provider.js';
import { fit, incidentBlocks } from './blocks.js';

export interface SlackProviderOptions {
  /** The bot token (`xoxb-...`). Secret. */
  readonly botToken: string;
  /** Base URL of the Web API (a test server); default `https://slack.com/api/`. */
  readonly apiUrl?: string;
  readonly logger: Logger;
  /** How long one HTTP attempt may take (default 10 s). */
  readonly timeoutMs?: number;
  /** Retries after a network error, timeout or 5xx (default 2; 0: none). */
  readonly retries?: number;
  /** The first retry's delay (default 250 ms); it doubles up to `retryMaxMs` (default 2 s). */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

/** When Slack says 429 without a usable Retry-After, wait this long. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;
/** A plain text posted to Slack is cut to this many characters (Slack's limit is 40 000). */
export const MAX_TEXT = 3_000;
/** At most this many pages of conversations.list are read to find a channel by name. */
const MAX_LIST_PAGES = 20;

/** Slack error codes, by what the caller should do about them. */
const KINDS: Readonly<Record<string, ChatErrorKind>> = {
  channel_not_found: 'not-found',
  user_not_found: 'not-found',
  users_not_found: 'not-found',
  message_not_found: 'not-found',
  thread_not_found: 'not-found',
  no_such_user: 'not-found',
  user_disabled: 'not-found',
  not_in_channel: 'not-in-channel',
  invalid_auth: 'auth',
  not_authed: 'auth',
  account_inactive: 'auth',
  token_revoked: 'auth',
  token_expired: 'auth',
  missing_scope: 'auth',
  not_allowed_token_type: 'auth',
  no_permission: 'auth',
  team_access_not_granted: 'auth',
  ekm_access_denied: 'auth',
  ratelimited: 'rate-limited',
  rate_limited: 'rate-limited',
  internal_error: 'unavailable',
  fatal_error: 'unavailable',
  service_unavailable: 'unavailable',
  request_timeout: 'unavailable',
};

/** Turns whatever the Web API client threw into a `ChatError` (messages name no token). */
export function toChatError(method: string, e: unknown): ChatError {
  if (e instanceof ChatError) return e;
  if (e instanceof WebAPIRateLimitedError) {
    return new ChatError('rate-limited', 'ratelimited', `Slack ${method}: rate limited`, e.retryAfter * 1000);
  }
  if (e instanceof WebAPIPlatformError) {
    const code = e.data.error;
    const kind = KINDS[code] ?? 'refused';
    const retryAfter = e.data.response_metadata?.retryAfter;
    return new ChatError(
      kind,
      code,
      `Slack ${method}: ${code}`,
      kind === 'rate-limited' ? (retryAfter ? retryAfter * 1000 : DEFAULT_RETRY_AFTER_MS) : null,
    );
  }
  if (e instanceof WebAPIHTTPError) {
    return new ChatError(
      e.statusCode >= 500 ? 'unavailable' : 'refused',
      `http_${e.statusCode}`,
      `Slack ${method}: HTTP ${e.statusCode}`,
    );
  }
  if (e instanceof WebAPIRequestError) {
    return new ChatError('unavailable', 'request_failed', `Slack ${method}: ${describe(e.original)}`);
  }
  // A 429 without a Retry-After the library can read ("Retry header did not contain a valid timeout").
  if (e instanceof Error && /retry header|rate limit/i.test(e.message)) {
    return new ChatError(
      'rate-limited',
      'ratelimited',
      `Slack ${method}: rate limited`,
      DEFAULT_RETRY_AFTER_MS,
    );
  }
  return new ChatError('unavailable', 'request_failed', `Slack ${method}: ${describe(e)}`);
}

/** What went wrong with a request, without its URL's query or anything sent. */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return 'request failed';
  const cause = (e as { cause?: unknown }).cause;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : null;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  return code ? `${e.message} (${code})` : e.message;
}

/** The library's log lines, as pino lines. */
function slackLogger(log: Logger): SlackLogger {
  let level = LogLevel.WARN;
  const order = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
  const at = (l: LogLevel) => (msg: unknown[]) => {
    if (order.indexOf(l) < order.indexOf(level)) return;
    const text = msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m)))
      .join(' ');
    log[l === LogLevel.DEBUG ? 'debug' : l]({ component: 'slack' }, text);
  };
  return {
    debug: (...m: unknown[]) => at(LogLevel.DEBUG)(m),
    info: (...m: unknown[]) => at(LogLevel.INFO)(m),
    warn: (...m: unknown[]) => at(LogLevel.WARN)(m),
    error: (...m: unknown[]) => at(LogLevel.ERROR)(m),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * A plain text for Slack: escaped for mrkdwn line by line, at most MAX_TEXT characters, cut (with
 * `…`) on a character boundary of the last line that fits.
 */
export function slackPlainText(text: string): string {
  const out: string[] = [];
  let room = MAX_TEXT;
  for (const line of text.split(/\r?\n/)) {
    const whole = fit(line, Number.MAX_SAFE_INTEGER);
    if (whole.length <= room) {
      out.push(whole);
      room -= whole.length + 1;
      continue;
    }
    if (room > 1) out.push(fit(line, room));
    break;
  }
  return out.join('\n');
}

/** A channel as Slack's methods take it: an ID as it is, `#name` as `name`. */
function channelArg(channel: string): string {
  return channel.startsWith('#') ? channel.slice(1) : channel;
}

export interface SlackProvider extends ChatProvider {
  readonly name: 'slack';
  /** The underlying client (for what the interface does not cover yet). */
  readonly client: WebClient;
}

export function createSlackProvider(opts: SlackProviderOptions): SlackProvider {
  const log = opts.logger.child({ component: 'slack' });
  const client = new WebClient(opts.botToken, {
    slackApiUrl: opts.apiUrl ?? 'https://slack.com/api/',
    logger: slackLogger(log),
    timeout: opts.timeoutMs ?? 10_000,
    rejectRateLimitedCalls: true,
    retryConfig: {
      retries: opts.retries ?? 2,
      factor: 2,
      minTimeout: opts.retryMinMs ?? 250,
      maxTimeout: opts.retryMaxMs ?? 2_000,
      randomize: true,
    },
  });

  /** Runs one Web API call; every failure becomes a ChatError. */
  async function call<T>(method: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      const err = toChatError(method, e);
      log.warn(
        { method, kind: err.kind, code: err.code, retryAfterMs: err.retryAfterMs },
        `slack ${method} failed`,
      );
      throw err;
    }
  }

  /** Calls that Slack refuses because what they ask is done already count as done. */
  async function idempotent(
    method: string,
    done: readonly string[],
    run: () => Promise<unknown>,
  ): Promise<void> {
    try {
      await call(method, run);
    } catch (e) {
      if (e instanceof ChatError && done.includes(e.code)) return;
      throw e;
    }
  }

  const ref = (method: string, r: { channel?: string; ts?: string }): MessageRef => {
    if (!r.channel || !r.ts)
      throw new ChatError('refused', 'bad_response', `Slack ${method}: no channel or ts in the answer`);
    return { channel: r.channel, id: r.ts };
  };

  async function post(
    channel: string,
    text: string,
    blocks?: KnownBlock[],
    threadTs?: string,
  ): Promise<MessageRef> {
    const r = await call('chat.postMessage', () =>
      client.chat.postMessage({
        channel: channelArg(channel),
        text,
        ...(blocks ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
        unfurl_media: false,
      }),
    );
    return ref('chat.postMessage', r);
  }

  async function findChannel(name: string): Promise<ChannelRef | null> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const r = await call('conversations.list', () =>
        client.conversations.list({
          types: 'public_channel',
          exclude_archived: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        }),
      );
      const found = r.channels?.find((c) => c.name === name && !c.is_archived);
      if (found?.id) return { id: found.id, name };
      cursor = r.response_metadata?.next_cursor || undefined;
      if (!cursor) return null;
    }
    return null;
  }

  return {
    name: 'slack',
    client,

    async postIncident(channel: string, message: IncidentMessage): Promise<MessageRef> {
      const { text, blocks } = incidentBlocks(message);
      return post(channel, text, blocks);
    },

    async updateIncident(target: MessageRef, message: IncidentMessage): Promise<void> {
      const { text, blocks } = incidentBlocks(message);
      await call('chat.update', () =>
        client.chat.update({ channel: target.channel, ts: target.id, text, blocks }),
      );
    },

    postInThread(parent: MessageRef, text: string): Promise<MessageRef> {
      return post(parent.channel, slackPlainText(text), undefined, parent.id);
    },

    postText(channel: string, text: string): Promise<MessageRef> {
      return post(channel, slackPlainText(text));
    },

    async createChannel(name: string) {
      try {
        const r = await call('conversations.create', () =>
          client.conversations.create({ name, is_private: false }),
        );
        if (!r.channel?.id)
          throw new ChatError(
            'refused',
            'bad_response',
            'Slack conversations.create: no channel in the answer',
          );
        return { channel: { id: r.channel.id, name: r.channel.name ?? name }, created: true };
      } catch (e) {
        if (!(e instanceof ChatError) || e.code !== 'name_taken') throw e;
        const found = await findChannel(name);
        if (!found) {
          throw new ChatError(
            'refused',
            'name_taken',
            `Slack conversations.create: a channel named ${name} exists but is archived or private`,
          );
        }
        return { channel: found, created: false };
      }
    },

    async invite(channel: string, users: readonly string[]): Promise<void> {
      const unique = [...new Set(users)];
      if (unique.length === 0) return;
      await idempotent('conversations.invite', ['already_in_channel', 'cant_invite_self'], () =>
        client.conversations.invite({ channel, users: unique.join(','), force: true }),
      );
    },

    async pin(target: MessageRef): Promise<void> {
      await idempotent('pins.add', ['already_pinned'], () =>
        client.pins.add({ channel: target.channel, timestamp: target.id }),
      );
    },

    async archive(channel: string): Promise<void> {
      await idempotent('conversations.archive', ['already_archived'], () =>
        client.conversations.archive({ channel }),
      );
    },

    async postEphemeral(channel: string, user: string, text: string): Promise<void> {
      await call('chat.postEphemeral', () =>
        client.chat.postEphemeral({ channel: channelArg(channel), user, text: slackPlainText(text) }),
      );
    },

    async directMessage(user: string, content: IncidentMessage | string): Promise<MessageRef> {
      const r = await call('conversations.open', () => client.conversations.open({ users: user }));
      const dm = r.channel?.id;
      if (!dm)
        throw new ChatError('refused', 'bad_response', 'Slack conversations.open: no channel in the answer');
      if (typeof content === 'string') return post(dm, slackPlainText(content));
      const { text, blocks } = incidentBlocks(content);
      return post(dm, text, blocks);
    },
  };
}
