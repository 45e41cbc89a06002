/**
 * Slack DMs and ntfy pushes as notify channels, end to end (docs/slack.md, docs/ntfy.md): a real
 * Hark, real Redis and BullMQ, the strict fake Slack Web API and the strict fake ntfy server. The
 * pages follow the rules SMS pages do: recorded as pages, a refusal moves the person on to their next
 * rule at once, a rate limit delays that one page until its Retry-After, a 5xx is retried, limits
 * bundle. ntfy's buttons POST Hark's signed action links; a GET never acts.
 */
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { consoleTransports } from '../../src/pages/console.js';
import { verifyActionToken } from '../../src/pages/action-token.js';
import { actionSecret, createPageFormats } from '../../src/pages/page-formats.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys } from '../../src/redis/keys.js';
import type { TimelineEvent } from '../../src/incidents/model.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { clockFrom } from '../support/clock.js';
import { startFakeNtfy, type FakeNtfy, type FakeNtfyMessage } from '../support/fake-ntfy.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';

const GENERIC = 'generic-token-for-chat-push-pages';
const ALICE = 'U0ALICE01';
const BOB = 'U0BOB0002'; // not a member of the fake workspace: user_not_found
const DAVE = 'U0DAVE004';
const CAROL_TOPIC = 'hark-carol-7x2k9';
const DAY = 86_400_000;

let slack: FakeSlack;
let ntfy: FakeNtfy;
let redis: Redis;
let hark: TestHark | null = null;
let log: PageLog;
let secret: string;
/** Added to the clock of Hark (and of its action links): moves time on for expiry. */
let offset = 0;

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.addUser(ALICE, 'alice');
  slack.addUser(DAVE, 'dave');
  ntfy = await startFakeNtfy();
  redis = connectRedis(inject('redisUrl'));
  redis.on('error', () => {});
  await whenReady(redis);
});
afterAll(async () => {
  await slack.close();
  await ntfy.close();
  redis.disconnect();
  cleanupTmpConfigs();
});
beforeEach(() => {
  slack.reset();
  slack.addUser(ALICE, 'alice');
  slack.addUser(DAVE, 'dave');
  ntfy.reset();
  offset = 0;
});
afterEach(async () => {
  await hark?.close();
  hark = null;
});

function config(ntfyLimits = '[]'): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      `  alice: {sms: "+15555550101", slack: ${ALICE}, notify: {high: [{slack: 0m}, {sms: 10m}]}}`,
      `  bob: {sms: "+15555550102", slack: ${BOB}, notify: {high: [{slack: 0m}, {sms: 10m}]}}`,
      `  carol: {sms: "+15555550103", ntfy: ${CAROL_TOPIC}, notify: {high: [{ntfy: 0m}, {sms: 10m}], low: [{ntfy: 0m}, {sms: 10m}]}}`,
      `  dave: {sms: "+15555550104", slack: ${DAVE}, notify: {high: [{slack: 0m}]}}`,
      'severities:',
      '  - {name: SEV-1, urgency: high, match: {labels: {severity: critical}}}',
      '  - {name: SEV-3, urgency: low, match: {labels: {severity: warning}}}',
      'default_severity: SEV-1',
      'services:',
      ...['alice', 'bob', 'carol', 'dave'].map(
        (p) => `  - {name: for-${p}, escalation_policy: ${p}, match: {labels: {team: ${p}}}}`,
      ),
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'slack:',
      '  bot_token: "${SLACK_BOT_TOKEN}"',
      '  signing_secret: "${SLACK_SIGNING_SECRET}"',
      '  incident_channels: false',
      'ntfy:',
      `  url: ${ntfy.url}`,
      '  token: "${NTFY_TOKEN}"',
      'settings:',
      `  page_limits: {sms: [], voice: [], slack: [], ntfy: ${ntfyLimits}}`,
    ),
    ...Object.fromEntries(
      ['alice', 'bob', 'carol', 'dave'].map((p) => [
        `escalation-policies/${p}.yaml`,
        lines('steps:', `  - notify: [{person: ${p}}]`, '    escalate_after: 1h'),
      ]),
    ),
  });
}

async function start(ntfyLimits?: string): Promise<TestHark> {
  log = new PageLog();
  const prefix = `{test-${randomUUID().slice(0, 8)}}:`;
  // The secret the action pages check, made before Hark starts so its page formats sign with it.
  secret = await actionSecret(redis, makeKeys(prefix));
  const base = clockFrom('2026-03-04T12:00:00Z');
  const now = () => base() + offset;
  hark = await startTestHark(config(ntfyLimits), {
    prefix,
    now,
    env: {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      NTFY_TOKEN: ntfy.token!,
    },
    slackApiUrl: slack.url,
    escalation: { transports: consoleTransports(log.write), formats: createPageFormats(secret, now) },
  });
  return hark;
}

async function fire(team: string, summary: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await fetch(`${hark!.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary, labels: { team, severity: 'critical' }, ...extra }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

async function until<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type PageEventType = 'page.sent' | 'page.failed' | 'page.throttled';

/** The incident's timeline events of one page event type. */
async function pageEvents<T extends PageEventType>(
  id: number,
  type: T,
): Promise<Extract<TimelineEvent, { type: T }>[]> {
  const incident = await hark!.store.get(id, true);
  return ((incident?.timeline ?? []) as TimelineEvent[]).filter(
    (e): e is Extract<TimelineEvent, { type: T }> => e.type === type,
  );
}

const pageSent = (id: number, channel: string) =>
  until(`#${id}'s ${channel} page to be recorded`, async () =>
    (await pageEvents(id, 'page.sent')).find((e) => e.channel === channel),
  );

/** Waits until a page's job has finished (its bookkeeping done: nothing more is written for it). */
const jobDone = (h: TestHark, page: string) =>
  until(`page ${page}'s job to finish`, async () => {
    const job = await h.escalation!.escalations.queue.getJob(`page-${page}`);
    return job && (await job.getState()) === 'completed';
  });

/** The DM messages the fake Slack holds for a user. */
const dmsTo = (user: string) => {
  const dm = [...slack.channels.values()].find((c) => c.isIm && c.members.has(user));
  return dm ? slack.messages.filter((m) => m.channel === dm.id) : [];
};

describe('Slack DMs', () => {
  it('a page is a DM with the incident message and its buttons, recorded as a page', async () => {
    const h = await start();
    const id = await fire('alice', 'Checkout p99 > 2s');
    const post = await slack.waitForCall('chat.postMessage', (c) => c.outcome === 'ok');
    const open = slack.okCallsTo('conversations.open');
    expect(open.map((c) => c.args.users)).toEqual([ALICE]);
    const [dm] = dmsTo(ALICE);
    expect(post.args.channel).toBe(dm!.channel);
    expect(dm!.text).toBe(`SEV-1 #${id} for-alice: Checkout p99 &gt; 2s`); // escaped for mrkdwn
    const buttons = (dm!.blocks ?? [])
      .filter((b) => b.type === 'actions')
      .flatMap((b) => (b as { elements: { action_id: string; value: string }[] }).elements);
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      ['hark_ack', String(id)],
      ['hark_resolve', String(id)],
      ['hark_escalate', String(id)],
    ]);
    // Alice is the one paged, mentioned; the message links to the incident in Hark.
    const text = JSON.stringify(dm!.blocks);
    expect(text).toContain(`*Paged:* <@${ALICE}>`);
    expect(text).toContain(`${h.url}/i/${id}|Open #${id} in Hark`);

    const sent = await pageSent(id, 'slack');
    expect(sent).toMatchObject({ person: 'alice', via: 'slack', providerId: `${dm!.channel}/${dm!.ts}` });
    expect(await h.redis.hget(h.keys.page(sent.page), 'status')).toBe('sent');
    // Once: a page key sends one DM; the SMS is ten minutes away and not sent.
    expect(dmsTo(ALICE)).toHaveLength(1);
    expect(log.pages).toEqual([]);
    expect(slack.calls.every((c) => c.auth === 'ok')).toBe(true);
  });

  it('user_not_found fails the page and moves the person on to their SMS at once', async () => {
    const h = await start();
    const id = await fire('bob', 'Bob has no Slack here');
    // The SMS rule is ten minutes out: it comes now because the DM failed for good.
    await log.waitFor(/^\[page\] SMS to \+15555550102: /, 10_000);
    const failed = (await pageEvents(id, 'page.failed')).filter((e) => e.channel === 'slack');
    expect(failed).toMatchObject([{ person: 'bob', error: 'Slack DM failed: user_not_found' }]);
    expect(await h.redis.hget(h.keys.page(failed[0]!.page), 'status')).toBe('failed');
    // Not retried: a refusal is final.
    expect(slack.callsTo('conversations.open').map((c) => c.outcome)).toEqual(['user_not_found']);
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
  });

  it('a 429 delays only that page, until its Retry-After; other people are paged meanwhile', async () => {
    await start();
    slack.failNext(1, { ratelimited: 3 }, 'conversations.open');
    const first = await fire('alice', 'Rate limited DM');
    const limited = await slack.waitForCall('conversations.open', (c) => c.outcome === 'ratelimited');
    // Another person's DM (the same Slack client) and SMS go out at once.
    const other = await fire('dave', 'Not held up');
    await slack.waitForCall('chat.postMessage', (c) => dmsTo(DAVE).some((m) => m.channel === c.args.channel));
    const daveAt = Date.now();
    expect(daveAt - limited.at.getTime()).toBeLessThan(2_500);
    await pageSent(other, 'slack');

    // Alice's page is tried again after the 3 s Slack asked for, not moved on and not failed.
    await until('alice to get her DM', async () => dmsTo(ALICE).length === 1);
    const retried = slack.okCallsTo('conversations.open').find((c) => c.args.users === ALICE)!;
    expect(retried.at.getTime() - limited.at.getTime()).toBeGreaterThanOrEqual(2_900);
    const sent = await pageSent(first, 'slack');
    expect(sent.person).toBe('alice');
    expect(await pageEvents(first, 'page.failed')).toEqual([]);
    expect(log.pages).toEqual([]); // no SMS: the person was not moved on
    expect(dmsTo(ALICE)).toHaveLength(1);
  });
});

describe('ntfy pushes', () => {
  const actionOf = (m: FakeNtfyMessage, label: string) => m.actions.find((a) => a.label === label)!;
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/a/') + 3);

  it('the notification: priority 5, runbook, Acknowledge / Resolve POSTing signed links bound to the person', async () => {
    const h = await start();
    const id = await fire('carol', 'Checkout p99 > 2s', { runbook_url: 'https://wiki.example.com/checkout' });
    const m = await ntfy.waitForMessage((x) => x.topic === CAROL_TOPIC);
    expect(ntfy.requests[0]).toMatchObject({ method: 'POST', path: '/', auth: 'ok' });
    expect(m).toMatchObject({
      title: `SEV-1 #${id} for-carol: Checkout p99 > 2s`,
      priority: 5,
      tags: ['rotating_light'],
      click: `${h.url}/i/${id}`,
    });
    expect(m.message).toContain('Runbook: https://wiki.example.com/checkout');
    expect(m.actions.map((a) => [a.action, a.label, a.method ?? null])).toEqual([
      ['http', 'Acknowledge', 'POST'],
      ['http', 'Resolve', 'POST'],
      ['view', 'Runbook', null],
    ]);
    expect(actionOf(m, 'Runbook').url).toBe('https://wiki.example.com/checkout');
    const now = Date.parse('2026-03-04T12:00:00Z');
    for (const [label, action] of [
      ['Acknowledge', 'acknowledge'],
      ['Resolve', 'resolve'],
    ] as const) {
      const url = actionOf(m, label).url!;
      expect(url.startsWith(`${h.url}/a/`)).toBe(true);
      const checked = verifyActionToken(tokenOf(url), secret, now + 60_000);
      expect(checked).toMatchObject({ ok: true, payload: { incident: id, person: 'carol', action } });
      if (checked.ok) expect(checked.payload.expiresAt).toBeGreaterThan(now + DAY - 120_000);
    }
    const sent = await pageSent(id, 'ntfy');
    expect(sent).toMatchObject({ person: 'carol', via: 'ntfy', providerId: m.id });
    expect(ntfy.messages).toHaveLength(1);
  });

  it('low urgency uses priority 3', async () => {
    await start();
    const res = await fetch(`${hark!.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
      body: JSON.stringify({
        status: 'firing',
        summary: 'Disk 80%',
        labels: { team: 'carol', severity: 'warning' },
      }),
    });
    expect(res.status).toBe(202);
    const m = await ntfy.waitForMessage();
    expect(m).toMatchObject({ priority: 3, tags: ['warning'] });
    expect(m.title).toMatch(/^SEV-3 #\d+ for-carol: Disk 80%$/);
  });

  it('pressing Acknowledge (a POST) acknowledges as the person and stops the escalation; a GET does nothing', async () => {
    const h = await start();
    const id = await fire('carol', 'Ack me from the phone');
    const m = await ntfy.waitForMessage();
    const sent = await pageSent(id, 'ntfy');
    // The SMS rule waits ten minutes in the queue.
    const smsJob = `page-${sent.page.replace(/-0$/, '-1')}`;
    expect(await h.escalation!.escalations.queue.getJob(smsJob)).toBeDefined();

    // A GET (a link preview, a browser) shows a page and changes nothing.
    await jobDone(h, sent.page);
    const before = await h.snapshot();
    const get = await fetch(actionOf(m, 'Acknowledge').url!);
    expect(get.status).toBe(200);
    expect(await get.text()).toContain(`Acknowledge #${id} as carol`);
    expect(await h.snapshot()).toEqual(before);

    const pressed = await ntfy.pressAction(m, 'Acknowledge');
    expect(pressed.status).toBe(200);
    expect(pressed.body).toContain(`Acknowledged #${id}`);
    expect(await h.store.get(id, false)).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'person:carol',
    });
    // The escalation stopped: the pending SMS page is gone from the queue.
    await until(
      'the SMS page to be cancelled',
      async () => !(await h.escalation!.escalations.queue.getJob(smsJob)),
    );
    // Pressed again: refused with the same words as SMS, nothing changes.
    const again = await ntfy.pressAction(m, 'Acknowledge');
    expect(again.status).toBe(409);
    expect(again.body).toContain(`#${id} is already acknowledged by carol`);
    // Resolve still works from the same notification.
    expect((await ntfy.pressAction(m, 'Resolve')).status).toBe(200);
    expect((await h.store.get(id, false))!.state).toBe('resolved');
    expect(log.pages).toEqual([]);
  });

  it('a tampered or expired link is refused and changes nothing', async () => {
    const h = await start();
    const id = await fire('carol', 'Old notification');
    const m = await ntfy.waitForMessage();
    await jobDone(h, (await pageSent(id, 'ntfy')).page);
    const url = actionOf(m, 'Acknowledge').url!;
    const token = tokenOf(url);
    const before = await h.snapshot();
    // Another incident, another person, another action, or a cut token: all refused.
    const swapped = `${url.slice(0, url.length - token.length)}${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await fetch(swapped, { method: 'POST' })).status).toBe(403);
    expect((await fetch(`${url}x`, { method: 'POST' })).status).toBe(403);
    const resolve = actionOf(m, 'Resolve').url!;
    const [rPayload] = tokenOf(resolve).split('.');
    const [, aMac] = token.split('.');
    expect((await fetch(`${h.url}/a/${rPayload}.${aMac}`, { method: 'POST' })).status).toBe(403);
    expect(await h.snapshot()).toEqual(before);
    // A day later the link has expired.
    offset = DAY + 60_000;
    const old = await fetch(url, { method: 'POST' });
    expect(old.status).toBe(410);
    expect((await h.store.get(id, false))!.state).toBe('triggered');
  });

  it('ntfy refusing (403) moves the person on to SMS at once; a 5xx is retried and then sent', async () => {
    await start();
    ntfy.failNext(1, { status: 403 });
    const refused = await fire('carol', 'Topic closed');
    await log.waitFor(/^\[page\] SMS to \+15555550103: /, 10_000);
    expect((await pageEvents(refused, 'page.failed')).map((e) => [e.channel, e.error])).toEqual([
      ['ntfy', 'ntfy publish failed: HTTP 403, ntfy error 40301: forbidden'],
    ]);

    log.pages.length = 0;
    ntfy.failNext(1, { status: 502 });
    const flaky = await fire('carol', 'Server blip');
    const m = await ntfy.waitForMessage((x) => x.title?.includes(`#${flaky} `) ?? false, 10_000);
    expect(m.priority).toBe(5);
    expect(ntfy.requests.map((r) => r.outcome)).toEqual(['http_403', 'http_502', 'ok']);
    await pageSent(flaky, 'ntfy');
    expect(await pageEvents(flaky, 'page.failed')).toEqual([]);
    expect(log.pages).toEqual([]);
  });

  it('over the page limit, the held pages go out as one notification with a button per incident', async () => {
    await start('[{count: 1, per: 2s}]');
    const a = await fire('carol', 'First');
    await ntfy.waitForMessage();
    const b = await fire('carol', 'Second');
    const c = await fire('carol', 'Third');
    await until(
      'both to be held',
      async () =>
        (await pageEvents(b, 'page.throttled')).length + (await pageEvents(c, 'page.throttled')).length === 2,
    );
    const bundle = await ntfy.waitForMessage((x) => x.title?.startsWith('2 new incidents') ?? false, 10_000);
    expect(bundle.title).toBe(`2 new incidents: #${b} #${c}`);
    expect(bundle.actions.map((x) => x.label)).toEqual([`Acknowledge #${b}`, `Acknowledge #${c}`]);
    expect(ntfy.messages.map((x) => x.title)).toEqual([`SEV-1 #${a} for-carol: First`, bundle.title]);
    // Each button acts on its own incident.
    expect((await ntfy.pressAction(bundle, `Acknowledge #${c}`)).status).toBe(200);
    expect((await hark!.store.get(c, false))!.state).toBe('acknowledged');
    expect((await hark!.store.get(b, false))!.state).toBe('triggered');
  });
});
