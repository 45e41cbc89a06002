/**
 * Answers in, end to end: signed SMS replies (built here with Twilio's algorithm), call keypresses
 * and the email action pages act on incidents through the running Hark; escalation stops.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SMS_HELP_TEXT } from '../../src/answers/sms-grammar.js';
import { signActionToken } from '../../src/pages/action-token.js';
import { actionSecret, createPageFormats } from '../../src/pages/page-formats.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import {
  fakeTwilioTransports,
  signTwilio,
  startFakeTwilio,
  type FakeTwilio,
} from '../support/fake-twilio.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const GENERIC = 'generic-token-for-reply-tests';
const SAM = '+15555550301';
const VIC = '+15555550302';
let fake: FakeTwilio;
let hark: TestHark;
let messages = 0;

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

async function start(): Promise<void> {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      `  sam: {sms: "${SAM}", voice: "${SAM}", email: sam@example.com, notify: {high: [{sms: 0s}]}}`,
      `  vic: {sms: "${VIC}", notify: {high: [{sms: 0s}]}}`,
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
      '  - {name: backup, role: secondary, members: [vic], start: 2026-01-01T00:00}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{person: sam}]',
      '    escalate_after: 1h',
      '  - notify: [{person: vic}]',
      '    escalate_after: 1h',
    ),
  });
  hark = await startTestHark(dir, {
    escalation: {
      transports: fakeTwilioTransports(fake, undefined, '+15555550300'),
      formats: createPageFormats('unused-here'),
    },
    twilioAuthToken: fake.authToken,
  });
}

async function fire(summary: string): Promise<number> {
  const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary }),
  });
  const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
  await fake.waitFor((r) => r.kind === 'message' && r.to === SAM && r.body.includes(`#${id} `));
  return id;
}

/** A reply signed the way Twilio signs it, for the URL Twilio was given. */
async function twilioPost(path: string, params: Record<string, string>, sign = true) {
  const url = `${hark.url}${path}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(sign ? { 'X-Twilio-Signature': signTwilio(fake.authToken, url, params) } : {}),
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: await res.text() };
}

const sms = (from: string, body: string) =>
  twilioPost('/v1/twilio/sms', {
    From: from,
    To: '+15555550300',
    Body: body,
    MessageSid: `SM${String(++messages).padStart(32, '0')}`, // each a new message: a repeat is a replay
    AccountSid: fake.accountSid,
  });
const reply = (twiml: string) =>
  /<Message>([\s\S]*)<\/Message>/
    .exec(twiml)?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&') ?? null;

describe('SMS replies', () => {
  it('42a acknowledges #42, says so, and stops the escalation', async () => {
    await start();
    const id = await fire('Checkout p99 > 2s');
    const r = await sms(SAM, `${id}a`);
    expect(r.status).toBe(200);
    expect(reply(r.body)).toBe(`Acknowledged #${id} web: Checkout p99 > 2s`);
    const incident = (await hark.store.get(id))!;
    expect(incident).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'person:sam', commander: 'sam' });
    const jobs = await hark.escalation!.escalations.queue.getJobs(['delayed', 'waiting'], 0, -1);
    expect(
      jobs.filter(
        (j) =>
          (j.data as { incident: number; kind: string }).incident === id &&
          (j.data as { kind: string }).kind !== 'ack-timeout',
      ),
    ).toEqual([]);
    const again = await sms(SAM, ` ACK  ${id} `);
    expect(reply(again.body)).toBe(`#${id} is already acknowledged by sam.`);
    const resolved = await sms(SAM, `res ${id}`);
    expect(reply(resolved.body)).toBe(`Resolved #${id} web: Checkout p99 > 2s`);
    expect(reply((await sms(SAM, `${id}a`)).body)).toBe(`#${id} is already resolved by sam.`);
  });

  it('a, aa and rr act on what was paged to this number', async () => {
    await start();
    const one = await fire('First');
    const two = await fire('Second');
    expect(reply((await sms(SAM, 'a')).body)).toBe(`Acknowledged #${two} web: Second`);
    expect(reply((await sms(SAM, 'aa')).body)).toBe(`Acknowledged #${one}`);
    expect(reply((await sms(SAM, 'rr')).body)).toBe(`Resolved #${two} #${one}`);
    expect(reply((await sms(SAM, 'aa')).body)).toBe('Nothing paged to you is open.');
  });

  it('refuses what was not paged to the sender, ignores unknown numbers and forged requests', async () => {
    await start();
    const id = await fire('Not yours');
    const before = (await hark.store.get(id, false))!;
    expect(reply((await sms(VIC, `${id}a`)).body)).toBe(`#${id} was not paged to you; nothing done.`);
    expect(reply((await sms(SAM, '99999a')).body)).toBe('There is no incident #99999.');
    const stranger = await sms('+15555559999', `${id}a`);
    expect(stranger.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    const forged = await twilioPost('/v1/twilio/sms', { From: SAM, Body: `${id}a` }, false);
    expect(forged.status).toBe(403);
    expect(await hark.store.get(id, false)).toEqual(before);
  });

  it('answers help in one SMS, and stops answering a number that keeps sending garbage', async () => {
    await start();
    expect(reply((await sms(SAM, 'HELP')).body)).toBe(SMS_HELP_TEXT);
    for (let i = 0; i < 3; i++) expect(reply((await sms(SAM, 'what is this')).body)).toMatch(/Reply help/);
    expect(reply((await sms(SAM, 'what is this')).body)).toBeNull();
  });
});

describe('SMS take, handoff and oncall', () => {
  it("take makes the sender primary at once; oncall shows it; handoff gives the sender's role away", async () => {
    await start();
    expect(reply((await sms(VIC, 'oncall')).body)).toBe('platform: primary sam, secondary vic');
    const take = reply((await sms(VIC, 'take platform 2h')).body)!;
    expect(take).toMatch(
      /^You are primary on call for platform until \d\d \w{3} \d{4} \d\d:\d\d UTC \(o\w+\)\.$/,
    );
    expect(reply((await sms(SAM, 'oncall')).body)).toBe('platform: primary vic, secondary vic');
    // The override took effect at once: the outgoing primary is told who took over.
    const told = await fake.waitFor(
      (r) => r.kind === 'message' && r.to === SAM && r.body.includes('took over'),
    );
    expect(told.kind === 'message' && told.body).toBe('vic took over primary on call for platform from you.');
    // Escalation now pages the taker.
    const id = await (async () => {
      const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
        body: JSON.stringify({ status: 'firing', summary: 'Who gets this' }),
      });
      return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
    })();
    await fake.waitFor((r) => r.kind === 'message' && r.to === SAM && r.body.includes(`#${id} `));
    expect(reply((await sms(SAM, 'handoff platform vic 1h')).body)).toBe(
      'Not done: you are not on call on platform now.',
    );
    const back = reply((await sms(VIC, 'handoff platform sam 1h')).body)!;
    expect(back).toMatch(/^sam is now primary on call for platform until .+ \(o\w+\)\.$/);
    expect(reply((await sms(VIC, 'oncall')).body)).toBe('platform: primary sam, secondary vic');
    expect(reply((await sms(VIC, 'take nowhere')).body)).toBe(
      'Not done: unknown schedule "nowhere" (schedules: platform)',
    );
  });
});

describe('call keys', () => {
  it('4 acknowledges, 6 resolves, * repeats the message; signatures are checked', async () => {
    await start();
    const id = await fire('Call me');
    const gather = (digits: string, sign = true) =>
      twilioPost(
        `/v1/twilio/voice/${id}/gather?person=sam`,
        { Digits: digits, CallSid: `CA${'1'.repeat(32)}`, AccountSid: fake.accountSid },
        sign,
      );
    expect((await gather('4', false)).status).toBe(403);
    const repeat = await gather('*');
    expect(repeat.body).toContain(
      `<Redirect method="POST">${hark.url}/v1/twilio/voice/${id}?person=sam</Redirect>`,
    );
    expect((await gather('4')).body).toContain(
      `<Say>Incident ${String(id).split('').join(' ')} is acknowledged. Goodbye.</Say>`,
    );
    expect((await hark.store.get(id))!.acknowledgedBy).toBe('person:sam');
    expect((await gather('6')).body).toContain('is resolved. Goodbye.');
    expect((await hark.store.get(id))!.state).toBe('resolved');
  });
});

describe('email action pages', () => {
  it('GET shows the incident and a button without changing anything; POST acts as the recipient', async () => {
    await start();
    const id = await fire('Email me');
    const secret = await actionSecret(hark.redis, hark.keys);
    const token = signActionToken(
      { incident: id, person: 'sam', action: 'acknowledge', expiresAt: Date.now() + 60_000 },
      secret,
    );
    const get = await fetch(`${hark.url}/a/${token}`);
    expect(get.status).toBe(200);
    const html = await get.text();
    expect(html).toContain(
      `<form method="post"><button type="submit">Acknowledge #${id} as sam</button></form>`,
    );
    expect((await hark.store.get(id))!.state).toBe('triggered');
    const post = await fetch(`${hark.url}/a/${token}`, { method: 'POST' });
    expect(post.status).toBe(200);
    expect(await post.text()).toContain(`<h1>Acknowledged #${id}</h1>`);
    expect((await hark.store.get(id))!).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'person:sam',
    });
    expect((await fetch(`${hark.url}/a/${token}`, { method: 'POST' })).status).toBe(409);
  });

  it('refuses expired and altered links', async () => {
    await start();
    const id = await fire('Old link');
    const secret = await actionSecret(hark.redis, hark.keys);
    const expired = signActionToken(
      { incident: id, person: 'sam', action: 'resolve', expiresAt: Date.now() - 1 },
      secret,
    );
    expect((await fetch(`${hark.url}/a/${expired}`, { method: 'POST' })).status).toBe(410);
    const forged = signActionToken(
      { incident: id, person: 'sam', action: 'resolve', expiresAt: Date.now() + 60_000 },
      'another-secret',
    );
    expect((await fetch(`${hark.url}/a/${forged}`, { method: 'POST' })).status).toBe(403);
    expect((await hark.store.get(id))!.state).toBe('triggered');
  });
});
