/**
 * The fake Slack itself: strict where Slack is, and its requests to Hark signed as Slack signs
 * them. A small receiver here does what Hark's Slack routes will do (check the v0 signature over the
 * raw body, then parse), so these tests also show that the fake's signer, written independently,
 * agrees with src/chat/slack/verify.ts, and that a forged, aged or unsigned request is refused.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseInteraction, parseSlashRequest } from '../../src/chat/commands.js';
import { createSlackProvider } from '../../src/chat/slack/client.js';
import { verifySlackHeaders } from '../../src/chat/slack/verify.js';
import { signSlack, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { incident, message } from './fixtures.js';

let slack: FakeSlack;
let receiver: Server;
let base: string;
/** Every request the receiver took (signature good), parsed. */
let taken: unknown[];

const ALICE = 'U0ALICE01';

beforeAll(async () => {
  slack = await startFakeSlack();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const headers = { get: (n: string) => (req.headers[n] as string | undefined) ?? null };
      const check = verifySlackHeaders(slack.signingSecret, headers, raw, Date.now());
      if (!check.ok) {
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end(check.reason);
        return;
      }
      const text = raw.toString('utf8');
      const parsed = req.url === '/slack/commands' ? parseSlashRequest(text) : parseInteraction(text);
      taken.push(parsed);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await slack.close();
  await new Promise<void>((r) => receiver.close(() => r()));
});
beforeEach(() => {
  slack.reset();
  taken = [];
  slack.addUser(ALICE, 'alice');
});

describe('requests to Hark, signed as Slack signs them', () => {
  it('a slash command: form-encoded, as Slack sends it, and verified', async () => {
    const ops = slack.addChannel('ops', { members: [ALICE] });
    const d = await slack.sendSlashCommand(`${base}/slack/commands`, {
      user: ALICE,
      text: 'ack 42',
      channel: ops.id,
    });
    expect(d.status).toBe(200);
    expect(d.signature).toBe(signSlack(slack.signingSecret, d.timestamp, d.rawBody));
    expect(Object.fromEntries(new URLSearchParams(d.rawBody))).toMatchObject({
      command: '/hark',
      text: 'ack 42',
      user_id: ALICE,
      user_name: 'alice',
      channel_id: ops.id,
      channel_name: 'ops',
      team_id: slack.teamId,
    });
    expect(taken).toEqual([
      expect.objectContaining({ user: ALICE, channel: ops.id, parsed: { kind: 'ack', incident: 42 } }),
    ]);
  });

  it('a button press on a message Hark posted, read back as the incident and the action', async () => {
    const ch = slack.addChannel('checkout-alerts', { members: [ALICE] });
    const p = createSlackProvider({
      botToken: slack.botToken,
      apiUrl: slack.url,
      logger: pino({ level: 'silent' }),
    });
    const ref = await p.postIncident(ch.id, message());
    const posted = slack.messages.find((m) => m.ts === ref.id)!;
    const d = await slack.pressButton(`${base}/slack/interactivity`, {
      user: ALICE,
      message: posted,
      actionId: 'hark_ack',
    });
    expect(d.status).toBe(200);
    expect(taken).toEqual([
      {
        kind: 'button',
        action: 'ack',
        incident: 42,
        user: ALICE,
        team: slack.teamId,
        channel: ch.id,
        messageTs: ref.id,
        responseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/actions\//),
      },
    ]);
    // A resolved message has no buttons: nobody can press Acknowledge on it.
    await p.updateIncident(ref, message({ incident: incident({ state: 'resolved' }) }));
    await expect(
      slack.pressButton(`${base}/slack/interactivity`, {
        user: ALICE,
        message: posted,
        actionId: 'hark_ack',
      }),
    ).rejects.toThrow(/has no button hark_ack \(buttons: none\)/);
  });

  it('forged (another secret), replayed (6 minutes old), from the future, or unsigned: refused', async () => {
    const url = `${base}/slack/commands`;
    const cmd = { user: ALICE, text: 'resolve 42' };
    const now = Math.floor(Date.now() / 1000);
    expect((await slack.sendSlashCommand(url, cmd, { secret: 'not-the-signing-secret' })).status).toBe(401);
    expect((await slack.sendSlashCommand(url, cmd, { timestamp: now - 360 })).body).toBe('stale');
    expect((await slack.sendSlashCommand(url, cmd, { timestamp: now + 360 })).body).toBe('stale');
    expect((await slack.sendSlashCommand(url, cmd, { unsigned: true })).body).toBe('missing');
    // A real request replayed later with its own (then old) timestamp and signature.
    const first = await slack.sendSlashCommand(url, cmd);
    expect(first.status).toBe(200);
    const replay = await slack.sendSigned(url, first.rawBody, {
      timestamp: Number(first.timestamp) - 301,
      signature: first.signature,
    });
    expect([replay.status, replay.body]).toEqual([401, 'stale']);
    // The same body with its signature but another timestamp: the signature no longer matches.
    const moved = await slack.sendSigned(url, first.rawBody, {
      timestamp: Number(first.timestamp) + 1,
      signature: first.signature,
    });
    expect([moved.status, moved.body]).toEqual([401, 'mismatch']);
    expect(taken).toHaveLength(1);
  });

  it('records what is posted to a response_url it handed out', async () => {
    await slack.sendSlashCommand(`${base}/slack/commands`, { user: ALICE, text: 'help' });
    const url = (taken[0] as { responseUrl: string }).responseUrl;
    await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"text":"hi"}',
    });
    expect(slack.responses).toEqual([{ path: new URL(url).pathname, body: { text: 'hi' } }]);
  });
});

describe('the Web API is strict', () => {
  const post = (method: string, body: Record<string, string>, token: string | null = slack.botToken) =>
    fetch(`${slack.url}${method}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: new URLSearchParams(body).toString(),
    }).then((r) => r.json() as Promise<{ ok: boolean; error?: string }>);

  it('checks the token', async () => {
    const ch = slack.addChannel('general');
    expect(await post('chat.postMessage', { channel: ch.id, text: 'x' }, null)).toEqual({
      ok: false,
      error: 'not_authed',
    });
    expect(await post('chat.postMessage', { channel: ch.id, text: 'x' }, 'xoxb-wrong')).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(slack.calls.map((c) => c.auth)).toEqual(['none', 'invalid']);
    expect(slack.messages).toEqual([]);
  });

  it('refuses a message without text, with malformed blocks, or to a channel it cannot post in', async () => {
    const ch = slack.addChannel('general');
    expect(await post('chat.postMessage', { channel: ch.id })).toEqual({ ok: false, error: 'no_text' });
    expect(
      await post('chat.postMessage', { channel: ch.id, text: 'x', blocks: '{"type":"section"}' }),
    ).toEqual({
      ok: false,
      error: 'invalid_blocks',
    });
    expect(
      await post('chat.postMessage', {
        channel: ch.id,
        text: 'x',
        blocks: JSON.stringify(Array(51).fill({ type: 'divider' })),
      }),
    ).toEqual({
      ok: false,
      error: 'invalid_blocks',
    });
    expect(await post('chat.postMessage', { channel: 'C0NOPE000', text: 'x' })).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    const outside = slack.addChannel('outside', { botIsMember: false });
    expect(await post('chat.postMessage', { channel: outside.id, text: 'x' })).toEqual({
      ok: false,
      error: 'not_in_channel',
    });
    expect(await post('chat.postMessage', { channel: ch.id, text: 'x', thread_ts: '1.000001' })).toEqual({
      ok: false,
      error: 'message_not_found',
    });
  });

  it('answers unknown_method and records it as unexpected', async () => {
    expect(await post('chat.delete', { channel: 'C0ANY0000', ts: '1.1' })).toEqual({
      ok: false,
      error: 'unknown_method',
    });
    expect(slack.unexpected.map((c) => c.method)).toEqual(['chat.delete']);
  });

  it('answers a rate limit with HTTP 429 and Retry-After', async () => {
    slack.failNext(1, { ratelimited: 12 });
    const r = await fetch(`${slack.url}auth.test`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${slack.botToken}` },
    });
    expect([r.status, r.headers.get('retry-after'), await r.json()]).toEqual([
      429,
      '12',
      { ok: false, error: 'ratelimited' },
    ]);
    expect(await post('auth.test', {})).toMatchObject({
      ok: true,
      user_id: slack.botUserId,
      team_id: slack.teamId,
    });
  });
});
