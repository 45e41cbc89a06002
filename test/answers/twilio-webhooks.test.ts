/**
 * Twilio webhooks end to end: real Redis, BullMQ and HTTP app (the harness), pages sent through the
 * real Twilio transport to the fake Twilio, whose signed status callbacks come back to the harness's
 * public URL. Email (the next notify rule) goes to the console channel, captured as events.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../src/alerts/types.js';
import { stepJobId, type StepJob } from '../../src/escalation/engine.js';
import { pageKey } from '../../src/pages/page.js';
import { saveCallBundle } from '../../src/pages/call-bundles.js';
import { consoleTransports } from '../../src/pages/console.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { createTwilioTransports } from '../../src/pages/twilio.js';
import type { Transports } from '../../src/pages/types.js';
import { route } from '../../src/routing/route.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import {
  signTwilio,
  startFakeTwilio,
  type FakeTwilio,
  type RecordedCall,
  type RecordedMessage,
} from '../support/fake-twilio.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';

const GENERIC = 'generic-token-for-twilio-webhook-tests';
const FROM = '+15555550100';
// A name with '-' and a trailing number: the page key must be read from both ends.
const SAM = { name: 'sam-2', sms: '+15555550201', email: 'sam@example.com' };
const VIC = { name: 'vic', voice: '+15555550202', email: 'vic@example.com' };
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const HANG_UP_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';

const EMAIL_SAM = /^\[page\] EMAIL to sam@example\.com: /;
const EMAIL_VIC = /^\[page\] EMAIL to vic@example\.com: /;

const configDir = (settings: readonly string[] = []) =>
  tmpConfig({
    'hark.yaml': lines(
      'people:',
      `  ${SAM.name}: {sms: "${SAM.sms}", email: ${SAM.email}, notify: {high: [{sms: 0s}, {email: 1m}]}}`,
      `  ${VIC.name}: {voice: "${VIC.voice}", email: ${VIC.email}, notify: {high: [{voice: 0s}, {email: 1m}]}}`,
      'severities:',
      '  - {name: SEV-1, urgency: high, match: {labels: {severity: critical}}}',
      'default_severity: SEV-1',
      'services:',
      '  - {name: texts, escalation_policy: texts, match: {labels: {who: sam}}}',
      '  - {name: calls, escalation_policy: calls, match: {labels: {who: vic}}}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      ...(settings.length > 0 ? ['settings:', ...settings.map((l) => `  ${l}`)] : []),
    ),
    'escalation-policies/texts.yaml': lines(
      'steps:',
      `  - notify: [{person: ${SAM.name}}]`,
      '    escalate_after: 1h',
    ),
    'escalation-policies/calls.yaml': lines(
      'steps:',
      `  - notify: [{person: ${VIC.name}}]`,
      '    escalate_after: 1h',
      `  - notify: [{person: ${SAM.name}}]`,
      '    escalate_after: 1h',
    ),
  });

let fake: FakeTwilio;
let log: PageLog;
let hark: TestHark;
const harks: TestHark[] = [];

beforeAll(async () => {
  fake = await startFakeTwilio();
});
afterEach(async () => {
  for (const h of harks.splice(0)) await h.close();
  fake.reset();
});
afterAll(async () => {
  await fake.close();
  cleanupTmpConfigs();
});

/** A Hark sending sms and voice through the fake Twilio, email to the console. */
async function start(
  opts: { twilioConfigured?: boolean; publicUrl?: string; settings?: readonly string[] } = {},
): Promise<TestHark> {
  log = new PageLog();
  const twilio = createTwilioTransports({
    accountSid: fake.accountSid,
    authToken: fake.authToken,
    from: FROM,
    apiUrl: fake.url,
  });
  const transports: Transports = { sms: twilio, voice: twilio, email: consoleTransports(log.write).email };
  const h = await startTestHark(configDir(opts.settings), {
    escalation: { transports, formats: createPageFormats('test-secret') },
    ...(opts.twilioConfigured === false ? {} : { twilioAuthToken: fake.authToken }),
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
  });
  harks.push(h);
  hark = h;
  return h;
}

async function fire(summary: string, who: 'sam' | 'vic'): Promise<number> {
  const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary, labels: { who, severity: 'critical' } }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

/** Waits until `check` holds (re-checked every 20 ms), or fails naming `what`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The page key of a SID once the pager has recorded it (callbacks for it are understood then). */
async function recorded(sid: string): Promise<string> {
  let key: string | null = null;
  await until(`the page of ${sid} to be recorded`, async () => {
    key = await hark.redis.get(hark.keys.providerMessage(sid));
    return key !== null;
  });
  return key!;
}

async function smsPage(summary = 'Checkout p99 > 2s') {
  const id = await fire(summary, 'sam');
  const msg = await fake.waitFor((r): r is RecordedMessage => r.kind === 'message' && r.to === SAM.sms);
  const key = await recorded(msg.sid);
  expect(key).toBe(pageKey({ incident: id, cycle: 0, loop: 0, step: 0, person: SAM.name, rule: 0 }));
  return { id, msg, key };
}

async function callPage(summary = 'Database down') {
  const id = await fire(summary, 'vic');
  const call = await fake.waitFor((r): r is RecordedCall => r.kind === 'call' && r.to === VIC.voice);
  const key = await recorded(call.sid);
  expect(key).toBe(pageKey({ incident: id, cycle: 0, loop: 0, step: 0, person: VIC.name, rule: 0 }));
  return { id, call, key };
}

/** The state (delayed, waiting, completed...) of the job of the person's second notify rule. */
async function nextRuleState(id: number, person: string): Promise<string | null> {
  const fields = { incident: id, cycle: 0, loop: 0, step: 0, person };
  const job = await hark.escalation!.escalations.queue.getJob(`page-${pageKey({ ...fields, rule: 1 })}`);
  return job ? await job.getState() : null;
}

async function timeline(id: number, type: string) {
  return (await hark.store.get(id))!.timeline!.filter((e) => e.type === type);
}

const record = (key: string) => hark.redis.hgetall(hark.keys.page(key));

/** Hark's own keys and values (BullMQ's bookkeeping left out: job states are checked on their own). */
async function harkState(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const pattern = `${hark.keys.prefix.replace(/[{}*?[\]]/g, '\\$&')}*`;
  for (const key of (await hark.redis.keys(pattern)).sort()) {
    if (key.startsWith(hark.keys.bullPrefix)) continue;
    const type = await hark.redis.type(key);
    const value =
      type === 'string'
        ? await hark.redis.get(key)
        : type === 'hash'
          ? await hark.redis.hgetall(key)
          : type === 'list'
            ? await hark.redis.lrange(key, 0, -1)
            : type === 'zset'
              ? await hark.redis.zrange(key, '0', '-1', 'WITHSCORES')
              : type === 'set'
                ? (await hark.redis.smembers(key)).sort()
                : `(${type})`;
    out[key] = `${type}:${JSON.stringify(value)}`;
  }
  return out;
}

/** A form POST as Twilio sends it; `signature` defaults to the right one for `url` and `params`. */
function twilioPost(
  url: string,
  params: Record<string, string>,
  signature?: string | null,
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const sig = signature === undefined ? signTwilio(fake.authToken, url, params) : signature;
  if (sig !== null) headers['X-Twilio-Signature'] = sig;
  return fetch(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
}

/** The parameters of a status callback for SMS `sid` (as the fake sends them). */
function smsCallback(sid: string, status: string): Record<string, string> {
  return {
    AccountSid: fake.accountSid,
    ApiVersion: '2010-04-01',
    From: FROM,
    MessageSid: sid,
    MessageStatus: status,
    SmsSid: sid,
    SmsStatus: status,
    To: SAM.sms,
    ...(status === 'undelivered' ? { ErrorCode: '30003' } : {}),
  };
}

/** The parameters Twilio posts to a call's TwiML URL when it is answered. */
function voiceRequest(sid: string, answeredBy: string): Record<string, string> {
  return {
    AccountSid: fake.accountSid,
    ApiVersion: '2010-04-01',
    CallSid: sid,
    CallStatus: 'in-progress',
    Called: VIC.voice,
    Caller: FROM,
    Direction: 'outbound-api',
    From: FROM,
    To: VIC.voice,
    AnsweredBy: answeredBy,
    MachineDetectionDuration: '2400',
  };
}

describe('POST /v1/twilio/status', () => {
  it('puts a delivered SMS on the timeline once, however often Twilio repeats it, and moves no one on', async () => {
    await start();
    const { id, msg, key } = await smsPage();
    const sent = await fake.sendStatus(msg.sid, 'sent');
    expect(sent.status).toBe(200);
    expect(sent.body).toBe(EMPTY_TWIML);
    expect((await record(key)).status).toBe('sent');
    expect(await timeline(id, 'page.delivered')).toHaveLength(0);

    expect((await fake.sendStatus(msg.sid, 'delivered')).status).toBe(200);
    const repeats = await Promise.all([1, 2, 3].map(() => fake.sendStatus(msg.sid, 'delivered')));
    expect(repeats.map((r) => r.status)).toEqual([200, 200, 200]);
    // Twilio's callbacks may arrive out of order: a late `sent` does not undo `delivered`.
    expect((await fake.sendStatus(msg.sid, 'sent')).status).toBe(200);

    const delivered = await timeline(id, 'page.delivered');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      person: SAM.name,
      channel: 'sms',
      status: 'delivered',
      providerId: msg.sid,
      page: key,
    });
    expect(await record(key)).toMatchObject({ status: 'delivered', outcome: 'delivered', person: SAM.name });
    expect(await timeline(id, 'page.failed')).toHaveLength(0);
    expect(await nextRuleState(id, SAM.name)).toBe('delayed');
    expect(log.count(EMAIL_SAM)).toBe(0);
  });

  it('moves the person on to their next rule at once when an SMS is undelivered, once however often Twilio repeats it', async () => {
    await start();
    const { id, msg, key } = await smsPage();
    expect(await nextRuleState(id, SAM.name)).toBe('delayed');
    expect(log.count(EMAIL_SAM)).toBe(0);

    const t0 = Date.now();
    const cb = await fake.sendStatus(msg.sid, 'undelivered');
    expect(cb.status).toBe(200);
    await log.waitFor(EMAIL_SAM, 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000); // the rule says 1m

    const repeats = await Promise.all([1, 2, 3].map(() => fake.sendStatus(msg.sid, 'undelivered')));
    expect(repeats.map((r) => r.status)).toEqual([200, 200, 200]);
    const failed = await timeline(id, 'page.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      person: SAM.name,
      channel: 'sms',
      status: 'undelivered',
      errorCode: '30003',
      providerId: msg.sid,
      page: key,
    });
    expect(await record(key)).toMatchObject({ status: 'undelivered', outcome: 'failed', errorCode: '30003' });
    await until('the email page to be recorded', async () => (await timeline(id, 'page.sent')).length === 2);
    expect(log.count(EMAIL_SAM)).toBe(1);
  });

  it('moves the person on when a call is answered by a machine (reported by the status callback)', async () => {
    await start();
    const { id, call } = await callPage();
    expect(call.machineDetection).toBe('Enable');
    expect(call.statusCallback).toBe(`${hark.url}/v1/twilio/status`);
    expect((await fake.sendStatus(call.sid, 'ringing')).status).toBe(200);
    expect(await nextRuleState(id, VIC.name)).toBe('delayed');

    const t0 = Date.now();
    expect((await fake.sendStatus(call.sid, 'completed', { AnsweredBy: 'machine_end_beep' })).status).toBe(
      200,
    );
    await log.waitFor(EMAIL_VIC, 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const failed = await timeline(id, 'page.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      person: VIC.name,
      channel: 'voice',
      status: 'completed',
      answeredBy: 'machine_end_beep',
    });
    expect(await timeline(id, 'page.delivered')).toHaveLength(0);
  });

  it.each(['busy', 'no-answer', 'failed'])('moves the person on when a call is %s', async (status) => {
    await start();
    const { id, call, key } = await callPage();
    expect((await fake.sendStatus(call.sid, 'initiated')).status).toBe(200);
    expect((await fake.sendStatus(call.sid, 'ringing')).status).toBe(200);
    expect(await nextRuleState(id, VIC.name)).toBe('delayed');
    expect(log.count(EMAIL_VIC)).toBe(0);

    const t0 = Date.now();
    expect((await fake.sendStatus(call.sid, status)).status).toBe(200);
    await log.waitFor(EMAIL_VIC, 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await timeline(id, 'page.failed')).toEqual([
      expect.objectContaining({ person: VIC.name, channel: 'voice', status, page: key }),
    ]);
    expect(await record(key)).toMatchObject({ status, outcome: 'failed' });
  });

  it('counts a call a person answered as delivered and moves no one on', async () => {
    await start();
    const { id, call, key } = await callPage();
    expect((await fake.sendStatus(call.sid, 'in-progress', { AnsweredBy: 'human' })).status).toBe(200);
    expect((await fake.sendStatus(call.sid, 'completed', { AnsweredBy: 'human' })).status).toBe(200);
    expect((await fake.sendStatus(call.sid, 'completed', { AnsweredBy: 'human' })).status).toBe(200);
    expect(await timeline(id, 'page.delivered')).toEqual([
      expect.objectContaining({
        person: VIC.name,
        channel: 'voice',
        status: 'in-progress',
        answeredBy: 'human',
      }),
    ]);
    expect(await timeline(id, 'page.failed')).toHaveLength(0);
    expect(await record(key)).toMatchObject({
      status: 'completed',
      outcome: 'delivered',
      answeredBy: 'human',
    });
    expect(await nextRuleState(id, VIC.name)).toBe('delayed');
  });

  it('refuses a forged, tampered or missing signature with 403 and changes nothing', async () => {
    await start();
    const { id, msg } = await smsPage();
    const url = `${hark.url}/v1/twilio/status`;
    const params = smsCallback(msg.sid, 'undelivered');
    const before = await harkState();

    const attempts: [string, Promise<Response>][] = [
      ['no signature', twilioPost(url, params, null)],
      ['an empty signature', twilioPost(url, params, '')],
      ['signed with another auth token', twilioPost(url, params, signTwilio('not-the-token', url, params))],
      [
        'signed for another URL',
        twilioPost(
          url,
          params,
          signTwilio(fake.authToken, 'https://hark.example.com/v1/twilio/status', params),
        ),
      ],
      [
        'a parameter changed after signing',
        twilioPost(url, params, signTwilio(fake.authToken, url, { ...params, MessageStatus: 'delivered' })),
      ],
      [
        'a parameter added after signing',
        twilioPost(url, { ...params, ErrorCode: '30005' }, signTwilio(fake.authToken, url, params)),
      ],
    ];
    for (const [what, res] of attempts) {
      expect({ what, status: (await res).status }).toEqual({ what, status: 403 });
    }
    expect(await harkState()).toEqual(before);
    expect(await nextRuleState(id, SAM.name)).toBe('delayed');
    expect(log.count(EMAIL_SAM)).toBe(0);

    // The same callback, rightly signed, is taken: the refusals above were for the signature alone.
    const res = await twilioPost(url, params);
    expect(res.status).toBe(200);
    await log.waitFor(EMAIL_SAM, 10_000);
    expect(await timeline(id, 'page.failed')).toHaveLength(1);
  });

  it('checks signatures against the public URL Twilio was given, not the one Hark listens on', async () => {
    const PUBLIC = 'https://hark.example.com/pager';
    await start({ publicUrl: PUBLIC });
    const id = await fire('Behind a proxy', 'sam');
    const msg = await fake.waitFor((r): r is RecordedMessage => r.kind === 'message' && r.to === SAM.sms);
    expect(msg.statusCallback).toBe(`${PUBLIC}/v1/twilio/status`);
    await recorded(msg.sid);
    // The proxy forwards Twilio's request to Hark's own address; Twilio signed the public URL.
    const local = `${hark.url}/v1/twilio/status`;
    const params = smsCallback(msg.sid, 'undelivered');
    const before = await harkState();
    expect((await twilioPost(local, params, signTwilio(fake.authToken, local, params))).status).toBe(403);
    expect(await harkState()).toEqual(before);
    const res = await twilioPost(local, params, signTwilio(fake.authToken, msg.statusCallback!, params));
    expect(res.status).toBe(200);
    await log.waitFor(EMAIL_SAM, 10_000);
    expect(await timeline(id, 'page.failed')).toHaveLength(1);
  });

  it('refuses every callback with 403 when Twilio is not configured', async () => {
    await start({ twilioConfigured: false });
    const { id, msg } = await smsPage();
    const before = await harkState();
    const cb = await fake.sendStatus(msg.sid, 'undelivered');
    expect(cb.status).toBe(403);
    expect(await harkState()).toEqual(before);
    expect(await nextRuleState(id, SAM.name)).toBe('delayed');
    expect(log.count(EMAIL_SAM)).toBe(0);
  });

  it('answers 200 to a callback for an unknown SID and changes nothing', async () => {
    await start();
    const { id } = await smsPage();
    const before = await harkState();
    const url = `${hark.url}/v1/twilio/status`;
    const unknown = `SM${randomBytes(16).toString('hex')}`;
    const res = await twilioPost(url, smsCallback(unknown, 'undelivered'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(EMPTY_TWIML);
    const call = await twilioPost(url, {
      AccountSid: fake.accountSid,
      CallSid: `CA${randomBytes(16).toString('hex')}`,
      CallStatus: 'busy',
    });
    expect(call.status).toBe(200);
    expect(await harkState()).toEqual(before);
    expect(await nextRuleState(id, SAM.name)).toBe('delayed');
  });
});

describe('early callbacks and bundles', () => {
  it('applies a callback that arrives before the send is recorded', async () => {
    await start();
    const { id, msg, key } = await smsPage();
    // As if Twilio answered the callback before Hark recorded the SID it got back.
    await hark.redis.del(hark.keys.providerMessage(msg.sid));
    const late = new Promise<void>((res) =>
      setTimeout(() => {
        void hark.redis.set(hark.keys.providerMessage(msg.sid), key).then(() => res());
      }, 400),
    );
    const cb = await fake.sendStatus(msg.sid, 'undelivered');
    await late;
    expect(cb.status).toBe(200);
    expect(await timeline(id, 'page.failed')).toHaveLength(1);
    await log.waitFor(EMAIL_SAM, 10_000);
  });

  const BUNDLE = /^\d+ new incidents: /;
  const bundleMessage = () =>
    fake.waitFor(
      (r): r is RecordedMessage => r.kind === 'message' && r.to === SAM.sms && BUNDLE.test(r.body),
      15_000,
    );

  it('keeps held pages when the bundle fails to send, and sends it on the retry', async () => {
    await start({ settings: ['page_limits: {sms: [{count: 1, per: 2s}]}'] });
    await smsPage('Storm 1');
    fake.failNext(1, 500); // the next request to Twilio is the bundle
    const second = await fire('Storm 2', 'sam');
    const third = await fire('Storm 3', 'sam');
    const bundle = await bundleMessage();
    expect(bundle.body).toMatch(new RegExp(`^2 new incidents: #${second} #${third}`));
    expect(fake.requests.filter((r) => r.status === 500)).toHaveLength(1);
    await recorded(bundle.sid);
    // Twilio accepted two messages for sam: the first page and the bundle (once).
    expect(fake.messages.filter((m) => m.to === SAM.sms)).toHaveLength(2);
  });

  it("applies a bundle's delivery callbacks to every page in it: a failure moves each on", async () => {
    // No email limit: each incident's next rule (email) goes out at once.
    await start({ settings: ['page_limits: {sms: [{count: 1, per: 2s}], email: []}'] });
    await smsPage('Storm 1');
    const second = await fire('Storm 2', 'sam');
    const third = await fire('Storm 3', 'sam');
    const bundle = await bundleMessage();
    const keys = (await recorded(bundle.sid)).split('\n');
    expect(keys).toEqual([
      pageKey({ incident: second, cycle: 0, loop: 0, step: 0, person: SAM.name, rule: 0 }),
      pageKey({ incident: third, cycle: 0, loop: 0, step: 0, person: SAM.name, rule: 0 }),
    ]);
    expect((await fake.sendStatus(bundle.sid, 'undelivered')).status).toBe(200);
    for (const id of [second, third]) {
      expect(await timeline(id, 'page.failed')).toHaveLength(1);
      expect(await nextRuleState(id, SAM.name)).not.toBe('delayed');
    }
    for (const key of keys) expect((await record(key)).status).toBe('undelivered');
    await log.waitFor(EMAIL_SAM, 10_000);
    await until('both emails', async () => log.count(EMAIL_SAM) === 2, 10_000);
  });
});

describe('/v1/twilio/voice/:incident', () => {
  const TITLE = `Disk <full> & "slow" on 'db'`;

  it('serves the TwiML of the page call, with the Gather action on the public URL and the title escaped', async () => {
    await start();
    const { id, call } = await callPage(TITLE);
    expect(call.url).toBe(`${hark.url}/v1/twilio/voice/${id}?person=${VIC.name}`);
    const gather = `action="${hark.url}/v1/twilio/voice/${id}/gather?person=${VIC.name}"`;

    const post = await twilioPost(call.url, voiceRequest(call.sid, 'human'));
    expect(post.status).toBe(200);
    expect(post.headers.get('content-type')).toMatch(/^text\/xml\b/);
    const xml = await post.text();
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Gather /);
    expect(xml).toContain(gather);
    expect(xml).toContain(`Disk &lt;full&gt; &amp; "slow" on 'db'`);
    expect(xml).not.toContain('<full>');

    // Twilio may fetch with GET: its parameters in the query, signed as part of the URL.
    const getUrl = `${call.url}&${new URLSearchParams(voiceRequest(call.sid, 'human')).toString()}`;
    const get = await fetch(getUrl, {
      headers: { 'X-Twilio-Signature': signTwilio(fake.authToken, getUrl, {}) },
    });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^text\/xml\b/);
    expect(await get.text()).toContain(gather);
  });

  it('serves the TwiML for the public URL Twilio was given', async () => {
    const PUBLIC = 'https://hark.example.com/pager';
    await start({ publicUrl: PUBLIC });
    const id = await fire('Behind a proxy', 'vic');
    const call = await fake.waitFor((r): r is RecordedCall => r.kind === 'call' && r.to === VIC.voice);
    expect(call.url).toBe(`${PUBLIC}/v1/twilio/voice/${id}?person=${VIC.name}`);
    const local = `${hark.url}/v1/twilio/voice/${id}?person=${VIC.name}`;
    const params = voiceRequest(call.sid, 'human');
    expect((await twilioPost(local, params, signTwilio(fake.authToken, local, params))).status).toBe(403);
    const res = await twilioPost(local, params, signTwilio(fake.authToken, call.url, params));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`action="${PUBLIC}/v1/twilio/voice/${id}/gather?person=${VIC.name}"`);
  });

  it('hangs up on an answering machine and moves the person on', async () => {
    await start();
    const { id, call, key } = await callPage();
    expect(await nextRuleState(id, VIC.name)).toBe('delayed');
    const t0 = Date.now();
    const res = await twilioPost(call.url, voiceRequest(call.sid, 'machine_start'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml\b/);
    expect(await res.text()).toBe(HANG_UP_TWIML);
    await log.waitFor(EMAIL_VIC, 10_000);
    expect(Date.now() - t0).toBeLessThan(10_000);

    // The status callbacks that follow repeat what is known: still one failure, one email.
    expect((await fake.sendStatus(call.sid, 'in-progress', { AnsweredBy: 'machine_start' })).status).toBe(
      200,
    );
    expect((await fake.sendStatus(call.sid, 'completed', { AnsweredBy: 'machine_start' })).status).toBe(200);
    expect(await timeline(id, 'page.failed')).toEqual([
      expect.objectContaining({ person: VIC.name, channel: 'voice', answeredBy: 'machine_start' }),
    ]);
    expect(await timeline(id, 'page.delivered')).toHaveLength(0);
    expect(await record(key)).toMatchObject({
      status: 'completed',
      outcome: 'failed',
      answeredBy: 'machine_start',
    });
    expect(log.count(EMAIL_VIC)).toBe(1);
  });

  it('hangs up on a fax', async () => {
    await start();
    const { call } = await callPage();
    const res = await twilioPost(call.url, voiceRequest(call.sid, 'fax'));
    expect(await res.text()).toBe(HANG_UP_TWIML);
    await log.waitFor(EMAIL_VIC, 10_000);
  });

  it('refuses a forged or missing signature with 403 and changes nothing', async () => {
    await start();
    const { id, call } = await callPage();
    const params = voiceRequest(call.sid, 'machine_start');
    const before = await harkState();
    const otherPerson = call.url.replace(`person=${VIC.name}`, 'person=sam-2');
    const attempts: [string, Promise<Response>][] = [
      ['no signature', twilioPost(call.url, params, null)],
      ['signed with another auth token', twilioPost(call.url, params, signTwilio('nope', call.url, params))],
      [
        'signed without the query',
        twilioPost(call.url, params, signTwilio(fake.authToken, `${hark.url}/v1/twilio/voice/${id}`, params)),
      ],
      [
        'another person in the query',
        twilioPost(otherPerson, params, signTwilio(fake.authToken, call.url, params)),
      ],
      ['GET without a signature', fetch(call.url)],
    ];
    for (const [what, res] of attempts) {
      const r = await res;
      expect({ what, status: r.status }).toEqual({ what, status: 403 });
      expect(await r.text()).not.toContain('<Response>');
    }
    expect(await harkState()).toEqual(before);
    expect(await nextRuleState(id, VIC.name)).toBe('delayed');
    expect(log.count(EMAIL_VIC)).toBe(0);
  });

  it('says so for an unknown incident', async () => {
    await start();
    const url = `${hark.url}/v1/twilio/voice/987?person=${VIC.name}`;
    const res = await twilioPost(url, voiceRequest(`CA${randomBytes(16).toString('hex')}`, 'human'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml\b/);
    const xml = await res.text();
    expect(xml).toContain('<Say>This is Hark. There is no incident 9 8 7. Goodbye.</Say><Hangup/>');
    expect(xml).not.toContain('<Gather');
  });
});

describe('bundled calls', () => {
  const spoken = (n: number) => String(n).split('').join(' ');
  const said = (xml: string) =>
    [...xml.matchAll(/<Say>([^<]*)<\/Say>/g)].map((m) =>
      m[1]!.replace(/&apos;/g, "'").replace(/&amp;/g, '&'),
    );
  const gatherOf = (xml: string) => /<Gather [^>]*action="([^"]+)"/.exec(xml)![1]!.replace(/&amp;/g, '&');
  const press = (url: string, sid: string, digits: string) =>
    twilioPost(url, { AccountSid: fake.accountSid, CallSid: sid, Digits: digits, From: FROM, To: VIC.voice });

  /** vic's first call, then three more incidents held by the call limit and sent as one call. */
  async function heldCall() {
    await start({ settings: ['page_limits: {voice: [{count: 1, per: 2s}]}'] });
    const first = await callPage('Storm 1');
    const ids = [await fire('Storm 2', 'vic'), await fire('Storm 3', 'vic'), await fire('Storm 4', 'vic')];
    const call = await fake.waitFor(
      (r): r is RecordedCall => r.kind === 'call' && r.to === VIC.voice && r.sid !== first.call.sid,
      15_000,
    );
    await recorded(call.sid);
    const answer = await twilioPost(call.url, voiceRequest(call.sid, 'human'));
    expect(answer.status).toBe(200);
    return { ids, call, xml: await answer.text() };
  }

  it('speaks every incident it carries, and 4 acknowledges all of them', async () => {
    const { ids, call, xml } = await heldCall();
    const says = said(xml).join(' ');
    // Soft: a call that names one incident and acknowledges one reports both failures.
    expect.soft(says).toContain('You have 3 new incidents.');
    for (const [i, id] of ids.entries()) {
      expect.soft(says).toContain(`Number ${spoken(id)}, SEV 1, service calls: Storm ${i + 2}.`);
    }
    expect.soft(says).toContain('Press 4 to acknowledge all 3, 6 to resolve all 3, 5 to escalate all 3 now');
    // Only what the person was told is marked bundled: each of the three, on the call's SID.
    for (const id of ids) {
      expect(await timeline(id, 'page.bundled')).toEqual([
        expect.objectContaining({ person: VIC.name, channel: 'voice', providerId: call.sid, incidents: ids }),
      ]);
    }

    const gather = gatherOf(xml);
    expect
      .soft(gather)
      .toMatch(new RegExp(`^${hark.url}/v1/twilio/voice/${ids[0]}/gather\\?person=vic&bundle=`));
    const res = await press(gather, call.sid, '4');
    expect(res.status).toBe(200);
    expect
      .soft(said(await res.text()))
      .toEqual([`Acknowledged 3 incidents: ${ids.map(spoken).join(', ')}. Goodbye.`]);
    for (const id of ids) {
      expect(await hark.store.get(id)).toMatchObject({
        state: 'acknowledged',
        acknowledgedBy: `person:${VIC.name}`,
      });
    }
  });

  it('6 resolves all of them, telling which were already acknowledged by someone else; * repeats', async () => {
    const { ids, call, xml } = await heldCall();
    const gather = gatherOf(xml);
    // Someone else acknowledges one while the call rings.
    await hark.ops.acknowledge(ids[1]!, `person:${SAM.name}`, SAM.name, new Date());
    const again = await press(gather, call.sid, '*');
    const redirect = /<Redirect method="POST">([^<]+)<\/Redirect>/
      .exec(await again.text())![1]!
      .replace(/&amp;/g, '&');
    expect(redirect).toBe(call.url);
    const replay = said(await (await twilioPost(redirect, voiceRequest(call.sid, 'human'))).text()).join(' ');
    expect(replay).toContain(
      `Number ${spoken(ids[1]!)}, SEV 1, service calls: Storm 3. Now acknowledged by sam 2.`,
    );

    expect(said(await (await press(gather, call.sid, '4')).text())).toEqual([
      `Acknowledged 2 incidents: ${spoken(ids[0]!)}, ${spoken(ids[2]!)}. ` +
        `Incident ${spoken(ids[1]!)} is already acknowledged by ${SAM.name}. Goodbye.`,
    ]);
    expect(said(await (await press(gather, call.sid, '6')).text())).toEqual([
      `Resolved 3 incidents: ${ids.map(spoken).join(', ')}. Goodbye.`,
    ]);
    for (const id of ids) expect((await hark.store.get(id))!.state).toBe('resolved');
  });

  it('5 escalates all of them at once; another key does nothing', async () => {
    const { ids, call, xml } = await heldCall();
    const gather = gatherOf(xml);
    expect(said(await (await press(gather, call.sid, '9')).text())).toEqual([
      'That key does nothing. Press 4 to acknowledge all, 6 to resolve all, 5 to escalate all. Goodbye.',
    ]);
    expect(said(await (await press(gather, call.sid, '5')).text())).toEqual([
      `Escalated 3 incidents to the next step: ${ids.map(spoken).join(', ')}. Goodbye.`,
    ]);
    for (const id of ids) {
      expect(await timeline(id, 'incident.escalated')).toEqual([
        expect.objectContaining({ actor: `person:${VIC.name}` }),
      ]);
    }
    // The same keypress again on the same call is a replay (Twilio's retry): the first answer, nothing done.
    expect(said(await (await press(gather, call.sid, '5')).text())).toEqual([
      `Escalated 3 incidents to the next step: ${ids.map(spoken).join(', ')}. Goodbye.`,
    ]);
    for (const id of ids) expect(await timeline(id, 'incident.escalated')).toHaveLength(1);
    // On another call: the policy has no step after the second.
    const again = call.sid.replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    expect(said(await (await press(gather, again, '5')).text())[0]).toMatch(
      /^Nothing was escalated\. Incident [\d ]+: no further step is pending \(the policy has run out\)\./,
    );
  });

  /**
   * A bundled call to vic of `n` incidents opened straight in the store, each paged to vic with its
   * second step pending (an hour away); its TwiML is fetched. Answers the gather URL and CallSid.
   */
  async function bigBundle(n: number) {
    // Step 2 pages sam by SMS: one goes out, the rest are held (not thousands of messages).
    await start({ settings: ['page_limits: {sms: [{count: 1, per: 1h}]}'] });
    const now = new Date();
    const ids: number[] = [];
    for (let i = 0; i < n; i += 250) {
      const opened = await Promise.all(
        Array.from({ length: Math.min(250, n - i) }, (_, j) => {
          const alert: NormalizedAlert = {
            source: 'generic',
            integration: 'scripts',
            key: `storm-${i + j}`,
            status: 'firing',
            action: null,
            summary: `Storm ${i + j}`,
            details: null,
            labels: { who: 'vic', severity: 'critical' },
            annotations: {},
            links: [],
            runbookUrl: null,
            startsAt: null,
            endsAt: null,
          };
          return hark.store.ingest(alert, route(hark.config, alert)!, false, now);
        }),
      );
      const steps = opened.map((r): StepJob => ({
        kind: 'step',
        incident: r.id,
        cycle: 0,
        loop: 0,
        step: 1,
      }));
      await hark.escalation!.escalations.queue.addBulk(
        steps.map((data) => ({ name: 'step', data, opts: { jobId: stepJobId(data), delay: 3_600_000 } })),
      );
      const p = hark.redis.pipeline();
      for (const r of opened) {
        p.zadd(hark.keys.pagedTo(VIC.name), now.getTime(), String(r.id));
        p.hset(hark.keys.incident(r.id), 'nextLoop', 0, 'nextStep', 1);
      }
      await p.exec();
      ids.push(...opened.map((r) => r.id));
    }
    ids.sort((a, b) => a - b);
    const bundle = await saveCallBundle(hark.redis, hark.keys, { person: VIC.name, incidents: ids });
    const sid = `CA${randomBytes(16).toString('hex')}`;
    const answer = await twilioPost(
      `${hark.url}/v1/twilio/voice/${ids[0]}?person=vic&bundle=${bundle}`,
      voiceRequest(sid, 'human'),
    );
    expect(said(await answer.text()).join(' ')).toContain(`You have ${n} new incidents.`);
    return { ids, sid, gather: `${hark.url}/v1/twilio/voice/${ids[0]}/gather?person=vic&bundle=${bundle}` };
  }

  /** A keypress and what was said, failing if the answer takes longer than Twilio waits (15 s). */
  async function pressInTime(gather: string, sid: string, digits: string) {
    const t0 = Date.now();
    // Twilio gives up on an answer after 15 s (and says "an application error has occurred").
    const res = await Promise.race([
      press(gather, sid, digits),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no answer to the keypress within 15 s')), 15_000),
      ),
    ]);
    expect(res.status).toBe(200);
    return { said: said(await res.text()), ms: Date.now() - t0 };
  }

  const pendingSteps = async () =>
    (await hark.escalation!.escalations.queue.getJobs(['delayed', 'waiting'], 0, -1)).filter(
      (j) => (j.data as { kind: string }).kind === 'step',
    ).length;

  it("a bundle of 2,000 incidents: 4 answers well within Twilio's 15 s, acknowledges all and stops their escalation", async () => {
    const { ids, sid, gather } = await bigBundle(2000);
    const r = await pressInTime(gather, sid, '4');
    expect(r.said).toEqual(['Acknowledged 2000 incidents. Goodbye.']);
    expect(r.ms).toBeLessThan(5_000);
    expect(new Set(await hark.store.states(ids))).toEqual(new Set(['acknowledged']));
    expect(await pendingSteps()).toBe(0);
  }, 60_000);

  it("a bundle of 2,000 incidents: 5 escalates all within Twilio's 15 s", async () => {
    const { ids, sid, gather } = await bigBundle(2000);
    expect(await pendingSteps()).toBe(2000);
    const r = await pressInTime(gather, sid, '5');
    expect(r.said).toEqual(['Escalated 2000 incidents to the next step. Goodbye.']);
    expect(r.ms).toBeLessThan(5_000);
    for (const id of [ids[0]!, ids[1999]!]) {
      expect(await timeline(id, 'incident.escalated')).toEqual([
        expect.objectContaining({ actor: `person:${VIC.name}` }),
      ]);
    }
  }, 60_000);

  it('acts only for the person it was placed for, and only on incidents paged to them', async () => {
    const { ids, call, xml } = await heldCall();
    const gather = gatherOf(xml);
    const otherPerson = gather.replace('person=vic', `person=${SAM.name}`);
    expect(said(await (await press(otherPerson, call.sid, '4')).text())).toEqual([
      'This call has expired or is not for you. Nothing was done. Goodbye.',
    ]);
    const unknown = gather.replace(/bundle=[^&]+/, 'bundle=AAAAAAAAAAAAAAAA');
    expect(said(await (await press(unknown, call.sid, '4')).text())).toEqual([
      'This call has expired or is not for you. Nothing was done. Goodbye.',
    ]);
    for (const id of ids) expect((await hark.store.get(id))!.state).toBe('triggered');
    expect(said(await (await press(gather, call.sid, '4')).text())[0]).toMatch(/^Acknowledged 3 incidents: /);

    // A bundle naming an incident that was paged to someone else does not touch it.
    const { id: samsIncident } = await smsPage('Not for vic');
    const bundle = await saveCallBundle(hark.redis, hark.keys, {
      person: VIC.name,
      incidents: [samsIncident],
    });
    const forged = `${hark.url}/v1/twilio/voice/${samsIncident}/gather?person=vic&bundle=${bundle}`;
    expect(said(await (await press(forged, call.sid, '6')).text())).toEqual([
      `Nothing was resolved. Incident ${spoken(samsIncident)} was not paged to you. Goodbye.`,
    ]);
    expect((await hark.store.get(samsIncident))!.state).toBe('triggered');
  });
});
