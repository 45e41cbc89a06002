/**
 * The Slack chat provider (src/chat/slack/client.ts) against the strict fake Slack Web API: what
 * each method sends, what Slack's refusals become, and how it behaves when Slack rate-limits,
 * fails, hangs or is not there at all (bounded, and never holding up other calls).
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChatError } from '../../src/chat/provider.js';
import { incidentBlocks } from '../../src/chat/slack/blocks.js';
import {
  createSlackProvider,
  slackPlainText,
  type SlackProviderOptions,
} from '../../src/chat/slack/client.js';
import { startFakeSlack, type FakeSlack, type FakeSlackChannel } from '../support/fake-slack.js';
import { incident, message } from './fixtures.js';

let slack: FakeSlack;
let logLines: string[];
let checkout: FakeSlackChannel;

const ALICE = 'U0ALICE01';
const BOB = 'U0BOB0002';
const CAROL = 'W0CAROL03';

function provider(over: Partial<SlackProviderOptions> = {}) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  return createSlackProvider({
    botToken: slack.botToken,
    apiUrl: slack.url,
    logger: pino({ level: 'debug' }, sink),
    retryMinMs: 5,
    retryMaxMs: 20,
    timeoutMs: 2_000,
    ...over,
  });
}

/** What a call threw, as a ChatError (the test fails if it did not throw one). */
async function failure(p: Promise<unknown>): Promise<ChatError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ChatError) return e;
    throw e;
  }
  throw new Error('expected a ChatError, but the call succeeded');
}

/** A TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

beforeAll(async () => {
  slack = await startFakeSlack();
});
afterAll(async () => {
  await slack.close();
});
beforeEach(() => {
  slack.reset();
  logLines = [];
  for (const u of [ALICE, BOB, CAROL]) slack.addUser(u);
  checkout = slack.addChannel('checkout-alerts', { members: [ALICE] });
});

describe('incident messages', () => {
  it('posts to a channel by #name, answers its ID and ts, with the blocks and the bot token', async () => {
    const p = provider();
    const m = message();
    const ref = await p.postIncident('#checkout-alerts', m);
    expect(ref.channel).toBe(checkout.id);
    expect(ref.id).toMatch(/^\d+\.\d{6}$/);
    const [call] = slack.okCallsTo('chat.postMessage');
    expect(call!.auth).toBe('ok');
    const { text, blocks } = incidentBlocks(m);
    expect(call!.args).toMatchObject({ channel: 'checkout-alerts', text, blocks, unfurl_links: 'false' });
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]).toMatchObject({
      channel: checkout.id,
      ts: ref.id,
      text,
      blocks,
      threadTs: null,
    });
  });

  it('updates the message in place', async () => {
    const p = provider();
    const ref = await p.postIncident(checkout.id, message());
    const acked = message({ incident: incident({ state: 'acknowledged', acknowledgedBy: 'alice' }) });
    await p.updateIncident(ref, acked);
    const [msg] = slack.messages;
    expect(slack.messages).toHaveLength(1);
    expect(msg!.blocks).toEqual(incidentBlocks(acked).blocks);
    expect(msg!.history).toHaveLength(1);
    expect(slack.okCallsTo('chat.update')[0]!.args).toMatchObject({ channel: checkout.id, ts: ref.id });
  });

  it('refuses to update a message that is not there: not-found', async () => {
    const e = await failure(provider().updateIncident({ channel: checkout.id, id: '1.000001' }, message()));
    expect([e.kind, e.code, e.retryable]).toEqual(['not-found', 'message_not_found', false]);
  });

  it('posts timeline events in the thread, as escaped plain text', async () => {
    const p = provider();
    const parent = await p.postIncident(checkout.id, message());
    const reply = await p.postInThread(parent, 'Note by bob: <!channel> rollback & retry');
    expect(reply.channel).toBe(checkout.id);
    const m = slack.messages.find((x) => x.ts === reply.id)!;
    expect(m).toMatchObject({
      threadTs: parent.id,
      text: 'Note by bob: &lt;!channel&gt; rollback &amp; retry',
      blocks: null,
    });
  });
});

describe('incident channels', () => {
  it('creates a channel, invites, posts and pins the summary, and archives it', async () => {
    const p = provider();
    const { channel, created } = await p.createChannel('inc-42-checkout-p99-2s');
    expect(created).toBe(true);
    expect(channel.id).toMatch(/^C[A-Z0-9]+$/);
    expect(channel.name).toBe('inc-42-checkout-p99-2s');
    await p.invite(channel.id, [ALICE, BOB, ALICE]);
    expect([...slack.channels.get(channel.id)!.members]).toEqual([slack.botUserId, ALICE, BOB]);
    expect(slack.okCallsTo('conversations.invite')[0]!.args).toMatchObject({
      users: `${ALICE},${BOB}`,
      force: 'true',
    });
    const summary = await p.postText(
      channel.id,
      'SEV-1 #42 checkout: Checkout p99 > 2s\nRunbook: https://hark.example.com/runbooks/x',
    );
    await p.pin(summary);
    expect(slack.messages.find((m) => m.ts === summary.id)!.pinned).toBe(true);
    await p.archive(channel.id);
    expect(slack.channels.get(channel.id)!.isArchived).toBe(true);
  });

  it('is idempotent: a retried create finds the channel, a retried invite, pin or archive succeeds', async () => {
    const p = provider();
    const first = await p.createChannel('inc-43-checkout');
    const again = await p.createChannel('inc-43-checkout');
    expect(again).toEqual({ channel: first.channel, created: false });
    expect([...slack.channels.values()].filter((c) => c.name === 'inc-43-checkout')).toHaveLength(1);
    await p.invite(first.channel.id, [ALICE]);
    await p.invite(first.channel.id, [ALICE]); // already_in_channel
    await p.invite(first.channel.id, [ALICE, slack.botUserId]); // cant_invite_self among others
    await p.invite(first.channel.id, []); // nothing to do: no call
    expect(slack.callsTo('conversations.invite').map((c) => c.outcome)).toEqual([
      'ok',
      'already_in_channel',
      'already_in_channel',
    ]);
    const summary = await p.postText(first.channel.id, 'summary');
    await p.pin(summary);
    await p.pin(summary);
    await p.archive(first.channel.id);
    await p.archive(first.channel.id);
    expect(slack.callsTo('pins.add').map((c) => c.outcome)).toEqual(['ok', 'already_pinned']);
    expect(slack.callsTo('conversations.archive').map((c) => c.outcome)).toEqual(['ok', 'already_archived']);
  });

  it('finds a channel of that name past the first page of conversations.list', async () => {
    for (let n = 0; n < 230; n++) slack.addChannel(`busy-${n}`);
    const taken = slack.addChannel('inc-44-checkout');
    const r = await provider().createChannel('inc-44-checkout');
    expect(r).toEqual({ channel: { id: taken.id, name: 'inc-44-checkout' }, created: false });
    expect(slack.okCallsTo('conversations.list').map((c) => c.args.cursor ?? null)).toEqual([
      null,
      expect.any(String),
    ]);
  });

  it('refuses when the name belongs to an archived channel, or is not a channel name', async () => {
    const old = slack.addChannel('inc-45-checkout');
    old.isArchived = true;
    const e = await failure(provider().createChannel('inc-45-checkout'));
    expect([e.kind, e.code]).toEqual(['refused', 'name_taken']);
    const bad = await failure(provider().createChannel('Inc 45!'));
    expect([bad.kind, bad.code]).toEqual(['refused', 'invalid_name_specials']);
  });

  it('refuses to invite an unknown user, or to post to an archived channel', async () => {
    const p = provider();
    const { channel } = await p.createChannel('inc-46-checkout');
    const e = await failure(p.invite(channel.id, ['U0NOBODY0']));
    expect([e.kind, e.code]).toEqual(['not-found', 'user_not_found']);
    await p.archive(channel.id);
    const archived = await failure(p.postText(channel.id, 'late'));
    expect([archived.kind, archived.code]).toEqual(['refused', 'is_archived']);
  });
});

describe('ephemeral and direct messages', () => {
  it('posts an ephemeral text to one user in the channel', async () => {
    await provider().postEphemeral(checkout.id, ALICE, '#42 is already resolved by bob');
    expect(slack.ephemerals).toEqual([
      { channel: checkout.id, user: ALICE, text: '#42 is already resolved by bob', ts: expect.any(String) },
    ]);
    const e = await failure(provider().postEphemeral(checkout.id, BOB, 'not a member'));
    expect([e.kind, e.code]).toEqual(['refused', 'user_not_in_channel']);
  });

  it('sends a DM with the buttons, or a plain text, in the one DM channel of that user', async () => {
    const p = provider();
    const m = message();
    const a = await p.directMessage(ALICE, m);
    const b = await p.directMessage(ALICE, 'You are now commander of #42');
    expect(a.channel).toMatch(/^D[A-Z0-9]+$/);
    expect(b.channel).toBe(a.channel);
    expect(slack.messages.map((x) => [x.channel, x.text])).toEqual([
      [a.channel, incidentBlocks(m).text],
      [a.channel, 'You are now commander of #42'],
    ]);
    expect(slack.messages[0]!.blocks).toEqual(incidentBlocks(m).blocks);
  });

  it('a DM to a user Slack does not know is not-found (the pager moves the person on)', async () => {
    const e = await failure(provider().directMessage('U0GONE000', message()));
    expect([e.kind, e.code, e.retryable]).toEqual(['not-found', 'user_not_found', false]);
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
  });
});

describe("Slack's refusals become ChatError kinds", () => {
  it('channel_not_found, not_in_channel', async () => {
    const p = provider();
    const missing = await failure(p.postText('#no-such-channel', 'x'));
    expect([missing.kind, missing.code, missing.message]).toEqual([
      'not-found',
      'channel_not_found',
      'Slack chat.postMessage: channel_not_found',
    ]);
    const outside = slack.addChannel('private-ish', { botIsMember: false });
    const notIn = await failure(p.postIncident(outside.id, message()));
    expect([notIn.kind, notIn.code]).toEqual(['not-in-channel', 'not_in_channel']);
  });

  it('a wrong bot token is auth, and neither token is in the error or the logs', async () => {
    const wrong = 'xoxb-0000000000-wrong-token-value';
    const e = await failure(provider({ botToken: wrong }).postText(checkout.id, 'x'));
    expect([e.kind, e.code]).toEqual(['auth', 'invalid_auth']);
    expect(slack.calls[0]!.auth).toBe('invalid');
    expect(slack.calls[0]!.args).not.toHaveProperty('token');
    const all = [e.message, e.stack ?? '', ...logLines].join('\n');
    expect(all).not.toContain(wrong);
    expect(all).not.toContain(slack.botToken);
    // The failure is logged, structured.
    expect(logLines.map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({
        component: 'slack',
        method: 'chat.postMessage',
        kind: 'auth',
        code: 'invalid_auth',
      }),
    );
  });

  it('an injected Slack error is answered as Slack would', async () => {
    slack.failNext(1, { error: 'missing_scope' });
    const e = await failure(provider().postText(checkout.id, 'x'));
    expect([e.kind, e.code]).toEqual(['auth', 'missing_scope']);
  });
});

describe('rate limits: honoured, without holding anything else up', () => {
  it('a 429 fails at once with its Retry-After, and is not retried by the client', async () => {
    slack.failNext(1, { ratelimited: 7 }, 'chat.postMessage');
    const started = Date.now();
    const e = await failure(provider().postIncident(checkout.id, message()));
    expect(Date.now() - started).toBeLessThan(1_000);
    expect([e.kind, e.code, e.retryAfterMs, e.retryable]).toEqual([
      'rate-limited',
      'ratelimited',
      7_000,
      true,
    ]);
    expect(slack.callsTo('chat.postMessage').map((c) => [c.outcome, c.status])).toEqual([
      ['ratelimited', 429],
    ]);
  });

  it('other calls of the same client go on at once, during and after the rate limit', async () => {
    const p = provider();
    const ref = await p.postIncident(checkout.id, message());
    slack.failNext(1, { ratelimited: 30 }, 'chat.update');
    const started = Date.now();
    const [update, thread] = await Promise.allSettled([
      p.updateIncident(ref, message({ incident: incident({ state: 'acknowledged' }) })),
      p.postInThread(ref, 'acknowledged by alice'),
    ]);
    expect(update.status).toBe('rejected');
    expect(thread.status).toBe('fulfilled');
    await p.postText(checkout.id, 'right after');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a 429 without Retry-After waits a default 30 s', async () => {
    slack.failNext(1, { ratelimited: null });
    const e = await failure(provider().postText(checkout.id, 'x'));
    expect([e.kind, e.retryAfterMs]).toEqual(['rate-limited', 30_000]);
  });
});

describe('Slack failing or away: bounded retries, then unavailable', () => {
  it('retries a 5xx and succeeds when Slack is back', async () => {
    slack.failNext(2, { status: 503 });
    const ref = await provider().postText(checkout.id, 'after the outage');
    expect(slack.callsTo('chat.postMessage').map((c) => c.outcome)).toEqual(['http_503', 'http_503', 'ok']);
    expect(slack.messages.map((m) => m.ts)).toEqual([ref.id]);
  });

  it('gives up after `retries` more attempts: unavailable, retryable', async () => {
    slack.failNext(5, { status: 500 });
    const e = await failure(provider({ retries: 2 }).postText(checkout.id, 'x'));
    expect([e.kind, e.code, e.retryable]).toEqual(['unavailable', 'http_500', true]);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(3);
    const none = await failure(provider({ retries: 0 }).postText(checkout.id, 'x'));
    expect(none.kind).toBe('unavailable');
    expect(slack.callsTo('chat.postMessage')).toHaveLength(4);
  });

  it('a connection refused is unavailable, quickly', async () => {
    const port = await closedPort();
    const started = Date.now();
    const e = await failure(provider({ apiUrl: `http://127.0.0.1:${port}/api/` }).postText('C0ANY0000', 'x'));
    expect([e.kind, e.code]).toEqual(['unavailable', 'request_failed']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a hanging Slack times out per attempt; a reset connection is retried', async () => {
    slack.failNext(1, 'hang');
    const started = Date.now();
    const e = await failure(provider({ timeoutMs: 200, retries: 0 }).postText(checkout.id, 'x'));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect([e.kind, e.code, e.message]).toEqual([
      'unavailable',
      'request_failed',
      'Slack chat.postMessage: timed out',
    ]);
    slack.failNext(1, 'reset');
    await provider().postText(checkout.id, 'after a reset');
    expect(slack.callsTo('chat.postMessage').map((c) => c.outcome)).toEqual(['hang', 'reset', 'ok']);
  });
});

describe('slackPlainText', () => {
  it('escapes each line and keeps line breaks', () => {
    expect(slackPlainText('a < b\nc & d')).toBe('a &lt; b\nc &amp; d');
  });

  it('cuts a long text to 3000 characters on a character boundary', () => {
    const cut = slackPlainText(`${'x'.repeat(10)}\n${'&'.repeat(1000)}`);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/^x{10}\n(&amp;)+…$/);
  });
});
