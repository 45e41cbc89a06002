/**
 * Shift-change notices: a change seconds away tells the incoming and outgoing person, once; a
 * runtime override (SMS, API) tells them within seconds, a burst once per real change of holder,
 * and a shift that is over by the time it would be told is never told.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys } from '../../src/redis/keys.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import {
  fakeTwilioTransports,
  signTwilio,
  startFakeTwilio,
  type FakeTwilio,
  type RecordedMessage,
} from '../support/fake-twilio.js';
import { shiftNoticesSettled, startTestHark, type TestHark } from '../support/harness.js';

const SAM = '+15555550401';
const VIC = '+15555550402';
const GENERIC = 'generic-token-for-notice-tests';
let fake: FakeTwilio;
let hark: TestHark | null = null;

beforeAll(async () => {
  fake = await startFakeTwilio();
});
afterEach(async () => {
  await hark?.close();
  fake.reset();
});
afterAll(async () => {
  await fake.close();
  cleanupTmpConfigs();
});

/** `YYYY-MM-DDTHH:MM:SS` in UTC for an instant. */
const local = (t: number) => new Date(t).toISOString().slice(0, 19);

describe('shift-change notices', () => {
  it('tells the incoming person (with open incidents) and the outgoing one, once each, and reminds ahead', async () => {
    const change = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const dir = tmpConfig({
      'hark.yaml': lines(
        'people:',
        `  sam: {sms: "${SAM}", notify: {high: [{sms: 0s}]}}`,
        `  vic: {sms: "${VIC}", notify: {high: [{sms: 0s}]}, remind_before: 2s}`,
        'services:',
        '  - {name: web, escalation_policy: main}',
        'integrations:',
        `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
        'settings:',
        '  page_limits: {sms: [], voice: []}',
      ),
      'schedules/platform.yaml': lines(
        'timezone: UTC',
        'rotations:',
        '  - {name: weekly, role: primary, members: [sam], start: 2026-01-01T00:00}',
        'overrides:',
        `  - {role: primary, person: vic, from: ${local(change)}, to: ${local(change + 3_600_000)}}`,
      ),
      'escalation-policies/main.yaml': lines(
        'steps:',
        '  - notify: [{schedule: platform}]',
        '    escalate_after: 1h',
      ),
    });
    hark = await startTestHark(dir, {
      escalation: {
        transports: fakeTwilioTransports(fake, undefined, '+15555550400'),
        formats: createPageFormats('secret'),
      },
    });
    const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
      body: JSON.stringify({ status: 'firing', summary: 'Open during handoff' }),
    });
    const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;

    const reminder = await fake.waitFor(
      (r) => r.kind === 'message' && r.to === VIC && r.body.startsWith('Reminder:'),
    );
    expect(reminder.kind === 'message' && reminder.body).toMatch(
      /^Reminder: you are primary on call for platform from .+\.$/,
    );
    expect(reminder.at.getTime()).toBeLessThan(change);
    const incoming = await fake.waitFor(
      (r) => r.kind === 'message' && r.to === VIC && r.body.startsWith('You are now'),
    );
    expect(incoming.kind === 'message' && incoming.body).toMatch(
      new RegExp(`^You are now primary on call for platform until .+\\. Open: #${id}$`),
    );
    expect(incoming.at.getTime()).toBeGreaterThanOrEqual(change);
    const outgoing = await fake.waitFor(
      (r) => r.kind === 'message' && r.to === SAM && r.body.includes('took over'),
    );
    expect(outgoing.kind === 'message' && outgoing.body).toBe(
      'vic took over primary on call for platform from you.',
    );
    // Planning goes on every 300 ms; nobody is told twice.
    await new Promise((r) => setTimeout(r, 1000));
    const notices = fake.messages.filter(
      (m) => !m.body.includes(`#${id} `) || m.body.startsWith('You are now'),
    );
    expect(notices.filter((m) => m.to === VIC)).toHaveLength(2);
    expect(notices.filter((m) => m.to === SAM)).toHaveLength(1);
  });
});

const PHONE = {
  alice: '+15555550411',
  bob: '+15555550412',
  carol: '+15555550413',
  dave: '+15555550414',
} as const;
type Name = keyof typeof PHONE;
const API = 'api-token-for-notice-tests-0123456';
const HOST = '+15555550410';
const MINUTE = 60_000;

/** alice always holds platform's primary unless an override says otherwise. */
function overrideConfig(scheduleExtra: string[] = []): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      ...Object.entries(PHONE).map(([n, p]) => `  ${n}: {sms: "${p}", notify: {high: [{sms: 0s}]}}`),
      'services:',
      '  - {name: web, escalation_policy: main}',
      'api_tokens:',
      `  - {name: ops, token: "${API}"}`,
      'settings:',
      '  page_limits: {sms: [], voice: []}',
    ),
    'schedules/platform.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: weekly, role: primary, members: [alice], start: 2026-01-01T00:00}',
      ...scheduleExtra,
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: platform}]',
      '    escalate_after: 1h',
    ),
  });
}

/** A Hark whose shift planner runs every 5 minutes, as in production. */
async function startOverrideHark(dir: string, now?: () => number): Promise<TestHark> {
  return startTestHark(dir, {
    escalation: {
      transports: fakeTwilioTransports(fake, undefined, HOST),
      formats: createPageFormats('secret'),
    },
    twilioAuthToken: fake.authToken,
    shiftPlanEveryMs: 5 * MINUTE,
    ...(now ? { now } : {}),
  });
}

async function sms(h: TestHark, from: Name, body: string): Promise<string> {
  const url = `${h.url}/v1/twilio/sms`;
  const params = {
    From: PHONE[from],
    To: HOST,
    Body: body,
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    AccountSid: fake.accountSid,
  };
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': signTwilio(fake.authToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  expect(res.status).toBe(200);
  return /<Message>([\s\S]*)<\/Message>/.exec(await res.text())?.[1] ?? '';
}

async function override(h: TestHark, person: Name, extra: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${h.url}/v1/schedules/platform/overrides`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API}` },
    body: JSON.stringify({ person, duration: '1h', ...extra }),
  });
  expect(res.status).toBe(201);
}

const to = (name: Name) => (r: { kind: string; to: string }) => r.kind === 'message' && r.to === PHONE[name];
const incoming = (name: Name) => (r: RecordedMessage | { kind: 'call' }) =>
  to(name)(r as RecordedMessage) && (r as RecordedMessage).body.startsWith('You are now primary');
const tookOver = (name: Name, by: Name) => (r: RecordedMessage | { kind: 'call' }) =>
  to(name)(r as RecordedMessage) &&
  (r as RecordedMessage).body === `${by} took over primary on call for platform from you.`;
const bodiesTo = (name: Name) => fake.messages.filter((m) => m.to === PHONE[name]).map((m) => m.body);

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('shift-change notices of runtime overrides', () => {
  it('SMS take and handoff tell the incoming and outgoing holder within seconds', async () => {
    hark = await startOverrideHark(overrideConfig());
    const h = hark;
    await shiftNoticesSettled(h); // the worker's own plan when it starts
    const t0 = Date.now();
    expect(await sms(h, 'bob', 'take platform 1h')).toMatch(/^You are primary on call for platform until /);
    const bobIn = await fake.waitFor(incoming('bob'));
    expect(bobIn.kind === 'message' && bobIn.body).toMatch(
      /^You are now primary on call for platform until \w{3} \d\d \w{3} \d{4} \d\d:\d\d UTC\.$/,
    );
    await fake.waitFor(tookOver('alice', 'bob'));
    expect(Date.now() - t0).toBeLessThan(5000);

    const t1 = Date.now();
    expect(await sms(h, 'bob', 'handoff platform carol 1h')).toMatch(/^carol is now primary on call/);
    await fake.waitFor(incoming('carol'));
    await fake.waitFor(tookOver('bob', 'carol'));
    expect(Date.now() - t1).toBeLessThan(5000);
    await shiftNoticesSettled(h);
    expect(bodiesTo('alice')).toEqual(['bob took over primary on call for platform from you.']);
    expect(bodiesTo('bob')).toHaveLength(2);
    expect(bodiesTo('carol')).toHaveLength(1);
  });

  it('an API override tells both holders within seconds; a burst tells once per real change of holder', async () => {
    hark = await startOverrideHark(overrideConfig());
    const h = hark;
    await shiftNoticesSettled(h); // the worker's own plan when it starts
    const t0 = Date.now();
    await override(h, 'bob');
    await fake.waitFor(incoming('bob'));
    await fake.waitFor(tookOver('alice', 'bob'));
    expect(Date.now() - t0).toBeLessThan(5000);
    await shiftNoticesSettled(h);

    // Five overrides in a row: the holder goes bob → carol → dave → alice → dave → carol. One
    // real change (bob → carol): carol and bob are told; dave and alice, who held it for moments, not.
    for (const p of ['carol', 'dave', 'alice', 'dave', 'carol'] as const) await override(h, p);
    await fake.waitFor(incoming('carol'));
    await fake.waitFor(tookOver('bob', 'carol'));
    await shiftNoticesSettled(h);
    // There and back again (carol → dave → carol): no change, nobody is told.
    for (const p of ['dave', 'carol'] as const) await override(h, p);
    await shiftNoticesSettled(h);
    await override(h, 'dave');
    await fake.waitFor(incoming('dave'));
    await fake.waitFor(tookOver('carol', 'dave'));
    await shiftNoticesSettled(h);

    expect(bodiesTo('alice')).toEqual(['bob took over primary on call for platform from you.']);
    expect(bodiesTo('bob')).toEqual([
      expect.stringMatching(/^You are now primary on call for platform until /),
      'carol took over primary on call for platform from you.',
    ]);
    expect(bodiesTo('carol')).toEqual([
      expect.stringMatching(/^You are now primary on call for platform until /),
      'dave took over primary on call for platform from you.',
    ]);
    expect(bodiesTo('dave')).toEqual([
      expect.stringMatching(/^You are now primary on call for platform until /),
    ]);
  });

  it('never tells a shift that was over before it was planned ("until 01:21" at 01:22)', async () => {
    // 01:22 UTC; bob held primary 01:20:30 → 01:21:30 (a config override), while no worker ran.
    const now = Date.parse('2026-03-10T01:22:00Z');
    hark = await startOverrideHark(
      overrideConfig([
        'overrides:',
        '  - {role: primary, person: bob, from: 2026-03-10T01:20:30, to: 2026-03-10T01:21:30}',
      ]),
      () => now,
    );
    const h = hark;
    // The worker plans at once when it starts; then carol takes over through the API.
    await shiftNoticesSettled(h);
    expect(bodiesTo('bob')).toEqual([]);
    await override(h, 'carol');
    await fake.waitFor(incoming('carol'));
    await fake.waitFor(tookOver('alice', 'carol'));
    await shiftNoticesSettled(h);
    expect(bodiesTo('bob')).toEqual([]);
    expect(bodiesTo('alice')).toEqual(['carol took over primary on call for platform from you.']);
    expect(bodiesTo('carol')).toEqual([
      'You are now primary on call for platform until Tue 10 Mar 2026 02:22 UTC.',
    ]);
  });

  it('does not send a notice whose shift ended before it could be sent', async () => {
    let now = Date.parse('2026-03-10T01:20:00Z');
    hark = await startOverrideHark(overrideConfig(), () => now);
    const h = hark;
    await shiftNoticesSettled(h);
    // bob takes primary for one minute; Twilio refuses the notices at first (an outage) ...
    fake.failNext(2, 503);
    await override(h, 'bob', { duration: '1m' });
    await until(() => fake.requests.filter((q) => q.status === 503).length === 2);
    now += 2 * MINUTE; // ... and by the time the notices are retried, bob's minute is over.
    await shiftNoticesSettled(h);
    expect(bodiesTo('bob')).toEqual([]);
    expect(bodiesTo('alice')).toEqual([]);
  });
});

describe('shift-change notices across processes', () => {
  it('an API process and a worker process: an override and a config reload are told within seconds', async () => {
    const dir = overrideConfig();
    const prefix = `{notices-${randomUUID().slice(0, 8)}}:`;
    const servers: RunningServer[] = [];
    const redis = connectRedis(inject('redisUrl'));
    redis.on('error', () => {});
    try {
      const start = (api: boolean, worker: boolean) =>
        startServer({
          configDir: dir,
          env: {
            REDIS_URL: inject('redisUrl'),
            HARK_REDIS_PREFIX: prefix,
            PORT: '0',
            HOST: '127.0.0.1',
            TWILIO_ACCOUNT_SID: fake.accountSid,
            TWILIO_AUTH_TOKEN: fake.authToken,
            TWILIO_FROM: HOST,
            TWILIO_API_URL: fake.url,
          },
          api,
          worker,
          log: pino({ level: process.env.HARK_TEST_LOG ?? 'silent' }),
        }).then((r) => (servers.push(r), r));
      // The worker (planner every 5 minutes, as in production) and an API-only process.
      await start(false, true);
      const api = await start(true, false);
      await whenReady(redis);
      // The worker's start-up plan has recorded who holds primary (alice).
      const holders = makeKeys(prefix).shiftHolders;
      for (const end = Date.now() + 5000; (await redis.hlen(holders)) === 0;) {
        if (Date.now() > end) throw new Error('the worker recorded no holder within 5 s of starting');
        await new Promise((r) => setTimeout(r, 20));
      }

      const t0 = Date.now();
      const res = await fetch(`${api.listening}/v1/schedules/platform/overrides`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${API}` },
        body: JSON.stringify({ role: 'primary', person: 'bob', duration: '1h' }),
      });
      expect(res.status).toBe(201);
      await fake.waitFor(incoming('bob'));
      await fake.waitFor(tookOver('alice', 'bob'));
      expect(Date.now() - t0).toBeLessThan(5000);

      // A reload that gives the role a second one: primary stays with bob (the override), and
      // the new secondary, carol, is told at once.
      writeFileSync(
        join(dir, 'schedules/platform.yaml'),
        lines(
          'timezone: UTC',
          'rotations:',
          '  - {name: weekly, role: primary, members: [alice], start: 2026-01-01T00:00}',
          '  - {name: backup, role: secondary, members: [carol], start: 2026-01-01T00:00}',
        ),
      );
      const t1 = Date.now();
      const reload = await fetch(`${api.listening}/v1/config/reload`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${API}` },
      });
      expect(reload.status).toBe(200);
      const carol = await fake.waitFor((r) => to('carol')(r) && r.kind === 'message');
      expect(carol.kind === 'message' && carol.body).toBe('You are now secondary on call for platform.');
      expect(Date.now() - t1).toBeLessThan(5000);
    } finally {
      for (const r of servers) await r.stop();
      redis.disconnect();
    }
  });
});
