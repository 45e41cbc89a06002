/**
 * Slack incident messages, threads and incident channels from the event stream, end to end: a
 * real Hark (startTestHark: real Redis, escalation with the fake Twilio) posting to the fake
 * Slack. Waits are on recorded calls and messages (polled with a deadline), never sleeps.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { incidentChannelName } from '../../src/chat/provider.js';
import type { StreamEvent } from '../../src/events/subscriber.js';
import { readEvents } from '../../src/events/stream.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startFakeSlack, type FakeSlack, type FakeSlackMessage } from '../support/fake-slack.js';
import {
  fakeTwilioTransports,
  startFakeTwilio,
  type FakeTwilio,
  type RecordedMessage,
} from '../support/fake-twilio.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const GENERIC = 'generic-token-for-chat-announcer';
const API = 'api-token-for-chat-announcer';
const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const ALICE_PHONE = '+15555550601';
const BOB_PHONE = '+15555550602';

let slack: FakeSlack;
let twilio: FakeTwilio;
let h: TestHark | null = null;

beforeAll(async () => {
  slack = await startFakeSlack();
  twilio = await startFakeTwilio();
});
afterAll(async () => {
  await slack.close();
  await twilio.close();
  cleanupTmpConfigs();
});
let serviceChannel = '';
beforeEach(() => {
  slack.reset();
  twilio.reset();
  slack.addUser(ALICE, 'alice');
  slack.addUser(BOB, 'bob');
  serviceChannel = slack.addChannel('checkout-alerts').id;
});
afterEach(async () => {
  await h?.close();
  h = null;
});

function config(archiveAfter = '1s'): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      `  alice: {name: Alice Example, sms: "${ALICE_PHONE}", slack: ${ALICE}, notify: {high: [{sms: 0s}], low: [{sms: 0s}]}}`,
      `  bob: {name: Bob, sms: "${BOB_PHONE}", slack: ${BOB}, notify: {high: [{sms: 0s}], low: [{sms: 0s}]}}`,
      '  carol: {sms: "+15555550603", notify: {high: [{sms: 0s}], low: [{sms: 0s}]}}',
      'severities:',
      '  - {name: SEV-1, urgency: high, match: {labels: {severity: critical}}}',
      '  - {name: SEV-2, urgency: high, match: {labels: {severity: major}}}',
      '  - {name: SEV-3, urgency: low, match: {labels: {severity: info}}}',
      'default_severity: SEV-3',
      'services:',
      '  - name: checkout',
      '    match: {labels: {team: payments}}',
      '    escalation_policy: main',
      '    runbook: checkout-latency',
      '    slack_channel: checkout-alerts',
      '  - {name: search, match: {labels: {team: search}}, escalation_policy: main, slack_channel: gone-channel}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'api_tokens:',
      `  - {name: cli, token: "${API}", person: bob}`,
      'slack:',
      '  bot_token: "${SLACK_BOT_TOKEN}"',
      '  signing_secret: "${SLACK_SIGNING_SECRET}"',
      `  incident_channels: {from: SEV-1, archive_after: ${archiveAfter}}`,
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{person: alice}, {person: carol}]',
      '    escalate_after: 1h',
      '  - notify: [{person: bob}]',
      '    escalate_after: 1h',
    ),
    'runbooks/checkout-latency.md': '# Checkout latency\n',
  });
}

async function start(slackApiUrl = slack.url, archiveAfter = '1s'): Promise<TestHark> {
  h = await startTestHark(config(archiveAfter), {
    env: { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret },
    escalation: {
      transports: fakeTwilioTransports(twilio, undefined, '+15555550600'),
      formats: createPageFormats('secret-for-chat-tests'),
    },
    slackApiUrl,
    chatSubscriber: true,
  });
  return h;
}

async function fire(summary: string, labels: Record<string, string>): Promise<number> {
  const res = await fetch(`${h!.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({
      status: 'firing',
      summary,
      labels,
      links: [{ href: 'https://grafana.example.com/d/checkout', text: 'Dashboard' }],
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

async function act(id: number, verb: 'acknowledge' | 'resolve' | 'escalate'): Promise<void> {
  const res = await fetch(`${h!.url}/v1/incidents/${id}/${verb}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API}` },
  });
  expect(res.status).toBe(200);
}

/** Polls `check` until it gives a value (not null/undefined/false), within the deadline. */
async function until<T>(
  what: string,
  check: () => T | null | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) {
      const seen = slack.calls.map((c) => `${c.method}:${c.outcome}`).join(', ');
      throw new Error(`timed out waiting for ${what} (Slack calls: ${seen || 'none'})`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

const topLevel = (channel: string): FakeSlackMessage[] =>
  slack.messages.filter((m) => m.channel === channel && m.threadTs === null);
const threadOf = (m: FakeSlackMessage): string[] =>
  slack.messages.filter((r) => r.channel === m.channel && r.threadTs === m.ts).map((r) => r.text);
const shown = (m: FakeSlackMessage): string => JSON.stringify(m.blocks);
const smsTo = (phone: string): RecordedMessage[] =>
  twilio.messages.filter((m) => m.to === phone && m.kind === 'message');

describe('the Slack announcer', () => {
  it('SEV-1: a channel of its own with the responders and a pinned summary, linked from the service message; updated and threaded on escalate, ack and resolve; archived after archive_after', async () => {
    await start();
    const id = await fire('Checkout p99 > 2s', { team: 'payments', severity: 'critical' });
    const name = `inc-${id}-checkout-p99-2s`;

    const message = await until('the service message', () => topLevel(serviceChannel)[0]);
    const room = slack.channelNamed(name)!;
    expect(room).toBeDefined();
    expect(slack.okCallsTo('conversations.create').map((c) => c.args.name)).toEqual([name]);
    // Step 1 pages alice and carol: alice is invited (carol has no Slack user); bob is not paged yet.
    expect(room.members.has(ALICE)).toBe(true);
    expect(room.members.has(BOB)).toBe(false);
    const [summary, ...others] = topLevel(room.id);
    expect(others).toEqual([]);
    expect(summary!.pinned).toBe(true);
    expect(summary!.text).toContain(`SEV-1 #${id} checkout: Checkout p99 &gt; 2s`);
    expect(summary!.text).toContain(`Runbook: ${h!.url}/runbooks/checkout-latency`);
    expect(summary!.text).toContain('Roles: none yet');
    expect(summary!.text).toContain('Paged: Alice Example, carol');

    // The service message: severity, title, service, runbook, the alert's link, who is paged,
    // the buttons, and the incident channel.
    expect(message.text).toBe(`SEV-1 #${id} checkout: Checkout p99 &gt; 2s`);
    const blocks = shown(message);
    for (const part of [
      `SEV-1 #${id} checkout: Checkout p99 > 2s`,
      '*Service*\\ncheckout',
      `*Paged:* <@${ALICE}>, carol`,
      `|Runbook>`,
      '<https://grafana.example.com/d/checkout|Dashboard>',
      `Channel: <#${room.id}>`,
      'hark_ack',
      'hark_resolve',
      'hark_escalate',
    ])
      expect(blocks).toContain(part);
    // The SMS went out too.
    await twilio.waitFor((m) => m.kind === 'message' && m.to === ALICE_PHONE);

    // Escalate: step 2 pages bob, who is invited; the message shows him, a thread line says so.
    await act(id, 'escalate');
    await until('bob invited', () => room.members.has(BOB));
    await until('the step 2 line', () => threadOf(message).find((t) => t === 'Step 2: paging Bob'));
    await until('the message showing bob paged', () => shown(message).includes(`*Paged:* <@${BOB}>`));
    expect(threadOf(message)).toContain(`Escalated by Bob`);

    // Acknowledge through the API: the message says who, a thread line and a line in the room.
    await act(id, 'acknowledge');
    await until('the message acknowledged', () => shown(message).includes(`Acknowledged by <@${BOB}>`));
    expect(message.text).toBe(`SEV-1 #${id} checkout: Checkout p99 &gt; 2s (acknowledged)`);
    expect(shown(message)).not.toContain('hark_ack');
    await until('the ack line', () => threadOf(message).includes('Acknowledged by Bob'));
    await until('the ack line in the room', () =>
      topLevel(room.id).some((m) => m.text === 'Acknowledged by Bob'),
    );

    // Resolve: updated (no buttons), threaded, and the channel archived a second later.
    const resolvedAt = Date.now();
    await act(id, 'resolve');
    await until('the message resolved', () => shown(message).includes(`Resolved by <@${BOB}>`));
    expect(shown(message)).not.toContain('hark_resolve');
    await until('the resolve line', () => threadOf(message).includes('Resolved by Bob'));
    await until('the resolve line in the room', () =>
      topLevel(room.id).some((m) => m.text === 'Resolved by Bob. This channel will be archived in 1s.'),
    );
    const archive = await slack.waitForCall('conversations.archive', (c) => c.args.channel === room.id, 5000);
    expect(archive.outcome).toBe('ok');
    expect(archive.at.getTime()).toBeGreaterThanOrEqual(resolvedAt + 1000);
    expect(room.isArchived).toBe(true);

    // One message, one channel, each thread line once; nothing Slack does not know.
    expect(topLevel(serviceChannel)).toHaveLength(1);
    expect(slack.callsTo('conversations.create')).toHaveLength(1);
    const thread = threadOf(message);
    expect(new Set(thread).size).toBe(thread.length);
    expect(slack.unexpected).toEqual([]);
    expect(slack.calls.every((c) => c.auth === 'ok')).toBe(true);
  });

  it('a severity below the policy gets the service message and no channel', async () => {
    await start();
    const low = await fire('Checkout slowish', { team: 'payments', severity: 'major' });
    const high = await fire('Checkout down', { team: 'payments', severity: 'critical' });
    // Events are handled in order: once the SEV-1's channel exists, the SEV-2 was handled.
    await until('the SEV-1 channel', () => slack.channelNamed(`inc-${high}-checkout-down`));
    await until('both messages', () => topLevel(serviceChannel).length === 2 || null);
    const [first] = topLevel(serviceChannel);
    expect(first!.text).toBe(`SEV-2 #${low} checkout: Checkout slowish`);
    expect(shown(first!)).not.toContain('Channel: <#');
    expect(slack.okCallsTo('conversations.create').map((c) => c.args.name)).toEqual([
      `inc-${high}-checkout-down`,
    ]);
  });

  it('Slack answering 500: the SMS goes out on time, and the message catches up with no duplicate channel or summary', async () => {
    await start();
    // Every call fails for a while (the create, with the client's own retries: one failed
    // delivery), then the pin fails (twice over) after the channel and its summary were made.
    slack.failNext(3, { status: 500 });
    slack.failNext(4, { status: 500 }, 'pins.add');
    const fired = Date.now();
    const id = await fire('Checkout down', { team: 'payments', severity: 'critical' });
    const sms = await twilio.waitFor((m) => m.kind === 'message' && m.to === ALICE_PHONE);
    expect(sms.at.getTime() - fired).toBeLessThan(1000);
    // Acknowledged while Slack is away: the message shows it when it catches up.
    await act(id, 'acknowledge');

    const message = await until('the service message', () => topLevel(serviceChannel)[0]);
    expect(slack.calls.filter((c) => c.outcome === 'http_500').length).toBe(7);
    const posted = slack.okCallsTo('chat.postMessage').find((c) => c.args.channel === 'checkout-alerts')!;
    expect(posted.at.getTime()).toBeGreaterThan(sms.at.getTime());
    await until('the message acknowledged', () => shown(message).includes(`Acknowledged by <@${BOB}>`));
    await until('the ack line', () => threadOf(message).includes('Acknowledged by Bob'));

    const name = incidentChannelName((await h!.store.get(id, false))!);
    const creates = slack.callsTo('conversations.create');
    expect(creates.filter((c) => c.outcome === 'ok')).toHaveLength(1);
    expect(creates.at(-1)!.outcome).toBe('ok'); // none after the one that made it
    expect([...slack.channels.values()].filter((c) => c.name === name)).toHaveLength(1);
    const room = slack.channelNamed(name)!;
    const summaries = topLevel(room.id).filter((m) => m.text.startsWith('SEV-1'));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.pinned).toBe(true);
    expect(topLevel(serviceChannel)).toHaveLength(1);
    expect(threadOf(message).filter((t) => t === 'Acknowledged by Bob')).toHaveLength(1);
    expect(smsTo(ALICE_PHONE)).toHaveLength(1);
  });

  it('Slack unreachable (connection refused) for a while: the SMS goes out on time; when Slack returns the message is posted once', async () => {
    const gate = await startGate(slack.url);
    await start(gate.url);
    await gate.down();
    const fired = Date.now();
    const id = await fire('Checkout down', { team: 'payments', severity: 'critical' });
    const sms = await twilio.waitFor((m) => m.kind === 'message' && m.to === ALICE_PHONE);
    expect(sms.at.getTime() - fired).toBeLessThan(1000);
    // The subscriber has failed on the event twice (each after the client's own retries).
    await untilAsync(async () => (await failures(h!)) >= 2);
    expect(slack.calls).toEqual([]);
    await gate.up();

    const message = await until('the service message', () => topLevel(serviceChannel)[0]);
    expect(message.text).toBe(`SEV-1 #${id} checkout: Checkout down`);
    const room = await until('the channel', () => slack.channelNamed(`inc-${id}-checkout-down`));
    expect(slack.okCallsTo('conversations.create')).toHaveLength(1);
    expect(topLevel(room.id)).toHaveLength(1);
    expect(topLevel(serviceChannel)).toHaveLength(1);
    expect(smsTo(ALICE_PHONE)).toHaveLength(1);
    await gate.close();
  });

  it("honours Slack's 429 Retry-After, without delaying the SMS", async () => {
    await start();
    slack.failNext(1, { ratelimited: 1 }, 'chat.postMessage');
    const fired = Date.now();
    const id = await fire('Checkout slowish', { team: 'payments', severity: 'info' });
    const sms = await twilio.waitFor((m) => m.kind === 'message' && m.to === ALICE_PHONE);
    expect(sms.at.getTime() - fired).toBeLessThan(1000);
    const message = await until('the service message', () => topLevel(serviceChannel)[0]);
    expect(message.text).toBe(`SEV-3 #${id} checkout: Checkout slowish`);
    const posts = slack.callsTo('chat.postMessage');
    expect(posts.map((c) => c.outcome)).toEqual(['ratelimited', 'ok']);
    // The harness's runner backs off at most 500 ms: the wait is Slack's Retry-After (1 s).
    expect(posts[1]!.at.getTime() - posts[0]!.at.getTime()).toBeGreaterThanOrEqual(1000);
    expect(sms.at.getTime()).toBeLessThan(posts[1]!.at.getTime());
  });

  it('a create that Slack already did (a crash before Hark recorded it) finds the channel', async () => {
    await start();
    const next = Number((await h!.redis.get(h!.keys.nextIncidentId)) ?? 0) + 1;
    const name = `inc-${next}-checkout-down`;
    const existing = slack.addChannel(name);
    const id = await fire('Checkout down', { team: 'payments', severity: 'critical' });
    expect(id).toBe(next);
    const message = await until('the service message', () => topLevel(serviceChannel)[0]);
    expect(shown(message)).toContain(`Channel: <#${existing.id}>`);
    expect(slack.callsTo('conversations.create').map((c) => c.outcome)).toEqual(['name_taken']);
    expect([...slack.channels.values()].filter((c) => c.name === name)).toHaveLength(1);
    expect(existing.members.has(ALICE)).toBe(true);
    expect(topLevel(existing.id)[0]!.pinned).toBe(true);
  });

  it('a redelivered event updates the message and posts nothing twice', async () => {
    await start();
    const id = await fire('Checkout down', { team: 'payments', severity: 'critical' });
    const message = await until('the service message', () => topLevel(serviceChannel)[0]);
    await act(id, 'acknowledge');
    await until('the ack line', () => threadOf(message).includes('Acknowledged by Bob'));
    const room = slack.channelNamed(`inc-${id}-checkout-down`)!;
    await untilAsync(async () => (await lag(h!)) === 0); // the subscriber is done with every event
    const events = (await readEvents(h!.redis, h!.keys, { limit: 1000 })).events.filter(
      (e: StreamEvent) => e.incident === id,
    );
    const opened = events.find((e) => e.event.type === 'incident.opened')!;
    const acked = events.find((e) => e.event.type === 'incident.acknowledged')!;
    const subscriber = h!.parts.subscribers.find((s) => s.name === 'slack')!;
    const before = { posts: slack.callsTo('chat.postMessage').length, updates: message.history.length };
    await subscriber.handle(opened);
    await subscriber.handle(acked);
    // Nothing posted again, and no update that would change nothing.
    expect(slack.callsTo('chat.postMessage')).toHaveLength(before.posts);
    expect(slack.callsTo('conversations.create')).toHaveLength(1);
    expect(message.history.length).toBe(before.updates);
    // Had Hark not recorded what the message shows (a crash after the update), it updates it again.
    await h!.redis.hdel(h!.keys.chatIncident('slack', id), 'shown');
    await subscriber.handle(opened);
    expect(message.history.length).toBe(before.updates + 1);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(before.posts);
    expect(shown(message)).toContain(`Acknowledged by <@${BOB}>`);
    expect(topLevel(room.id).filter((m) => m.text.startsWith('SEV-1'))).toHaveLength(1);
    expect(threadOf(message).filter((t) => t === 'Acknowledged by Bob')).toHaveLength(1);
  });

  it("a channel Slack does not know is logged and skipped: the incident's own channel is still made, and the stream moves on", async () => {
    await start();
    const search = await fire('Search down', { team: 'search', severity: 'critical' });
    await fire('Checkout slowish', { team: 'payments', severity: 'info' });
    const message = await until('the next incident message', () => topLevel(serviceChannel)[0]);
    expect(message.text).toContain('Checkout slowish');
    expect(slack.callsTo('chat.postMessage').some((c) => c.outcome === 'channel_not_found')).toBe(true);
    const room = slack.channelNamed(`inc-${search}-search-down`)!;
    expect(topLevel(room.id)[0]!.pinned).toBe(true);
  });
});

/** The subscriber's failed deliveries so far (hark_subscriber_failures_total). */
async function failures(t: TestHark): Promise<number> {
  const text = await t.metrics.registry.metrics();
  const m = /hark_subscriber_failures_total\{subscriber="slack"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Events the subscriber has not handled yet (hark_subscriber_lag: unread + pending). */
async function lag(t: TestHark): Promise<number> {
  const text = await t.metrics.registry.metrics();
  const m = /hark_subscriber_lag\{subscriber="slack"\} (\d+)/.exec(text);
  return m ? Number(m[1]) : Infinity;
}

async function untilAsync(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A gate in front of the fake Slack on a port of its own: `down()` stops listening (connections
 * are refused), `up()` listens on the same port again and forwards every request.
 */
async function startGate(target: string): Promise<{
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}> {
  const origin = new URL(target).origin;
  let server: Server | null = null;
  let port = 0;
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization']) {
        const v = req.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      fetch(`${origin}${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers,
        body: Buffer.concat(chunks),
      })
        .then(async (r) => {
          const out: Record<string, string> = {};
          for (const name of ['content-type', 'retry-after']) {
            const v = r.headers.get(name);
            if (v !== null) out[name] = v;
          }
          res.writeHead(r.status, out).end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  };
  const up = () =>
    new Promise<void>((res, rej) => {
      const s = createServer(forward);
      s.once('error', rej);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        res();
      });
    });
  const down = () =>
    new Promise<void>((res) => {
      const s = server;
      server = null;
      if (!s) return res();
      s.close(() => res());
      s.closeAllConnections();
    });
  await up();
  return { url: `http://127.0.0.1:${port}/api/`, up, down, close: down };
}
