/**
 * SMS answers that act on more than one named incident, and replays (issue 10, items 4, 7, 9):
 * `a` alone answers for the latest page to the sender's phone, `aa` / `rr` over thousands of
 * incidents answer at once and finish in the background, and a replayed Twilio webhook (same
 * MessageSid, or CallSid and keys) gets its first answer and changes nothing.
 */
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NormalizedAlert } from '../../src/alerts/types.js';
import { bulkDoneText, bulkStartedText } from '../../src/answers/bulk-answers.js';
import { stepJobId, type StepJob } from '../../src/escalation/engine.js';
import type { BulkOutcome } from '../../src/incidents/store.js';
import { consoleTransports } from '../../src/pages/console.js';
import { BulkAnswerQueue, BulkAnswerWorker } from '../../src/queues/bulk-answers.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys } from '../../src/redis/keys.js';
import { route } from '../../src/routing/route.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import {
  fakeTwilioTransports,
  signTwilio,
  startFakeTwilio,
  type FakeTwilio,
} from '../support/fake-twilio.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';

const GENERIC = 'generic-token-for-sms-answer-tests';
const SAM = '+15555550401';
const BEN = '+15555550402';
let fake: FakeTwilio;
let hark: TestHark;
let emails: PageLog;
let sids = 0;

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

async function start(pageLimits = '{sms: [], voice: []}'): Promise<void> {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      `  sam: {sms: "${SAM}", voice: "${SAM}", email: sam@example.com,`,
      '        notify: {high: [{sms: 0s}], low: [{email: 0s}]}}',
      `  ben: {sms: "${BEN}", notify: {high: [{sms: 0s}]}}`,
      'severities:',
      '  - {name: high, urgency: high}',
      '  - {name: low, urgency: low, match: {labels: {severity: [low]}}}',
      'default_severity: high',
      'services:',
      '  - {name: web, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'settings:',
      `  page_limits: ${pageLimits}`,
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{person: sam}, {person: ben}]',
      '    escalate_after: 1h',
    ),
  });
  emails = new PageLog();
  hark = await startTestHark(dir, {
    escalation: {
      transports: fakeTwilioTransports(fake, consoleTransports(emails.write).email, '+15555550400'),
      formats: createPageFormats('unused-here'),
    },
    twilioAuthToken: fake.authToken,
  });
}

/** Fires an alert over HTTP (it opens an incident and pages) and returns the incident id. */
async function post(summary: string, severity?: string): Promise<number> {
  const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary, ...(severity ? { severity } : {}) }),
  });
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

/** Fires an alert and waits for sam's SMS page of it. */
async function fire(summary: string): Promise<number> {
  const id = await post(summary);
  await fake.waitFor((r) => r.kind === 'message' && r.to === SAM && r.body.includes(`#${id} `));
  return id;
}

/** A request signed the way Twilio signs it, for the URL Twilio was given. */
async function twilioPost(path: string, params: Record<string, string>, sign = true) {
  const url = `${hark.url}${path}`;
  const t0 = Date.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(sign ? { 'X-Twilio-Signature': signTwilio(fake.authToken, url, params) } : {}),
    },
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.text(), ms: Date.now() - t0 };
}

const smsParams = (from: string, body: string, sid = `SM${String(++sids).padStart(32, '0')}`) => ({
  From: from,
  To: '+15555550400',
  Body: body,
  MessageSid: sid,
  AccountSid: fake.accountSid,
});
const sms = (from: string, body: string, sid?: string) =>
  twilioPost('/v1/twilio/sms', smsParams(from, body, sid));
const reply = (twiml: string) =>
  /<Message>([\s\S]*)<\/Message>/
    .exec(twiml)?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&') ?? null;

const eventsOf = async (id: number, type: string) =>
  (await hark.store.get(id))!.timeline!.filter((e) => e.type === type);

/**
 * `n` open incidents straight in the store, each with its first escalation step pending (so the
 * overdue sweep leaves them alone), paged to sam unless `paged` is false.
 */
async function openMany(n: number, paged = true, name = 'bulk'): Promise<number[]> {
  const now = new Date();
  const ids: number[] = [];
  for (let i = 0; i < n; i += 250) {
    const batch = Array.from({ length: Math.min(250, n - i) }, (_, j): NormalizedAlert => ({
      source: 'generic',
      integration: 'scripts',
      key: `${name}-${i + j}`,
      status: 'firing',
      action: null,
      summary: `${name} ${i + j}`,
      details: null,
      labels: {},
      annotations: {},
      links: [],
      runbookUrl: null,
      startsAt: null,
      endsAt: null,
    }));
    const opened = (
      await Promise.all(batch.map((a) => hark.store.ingest(a, route(hark.config, a)!, false, now)))
    ).map((r) => r.id);
    const steps = opened.map((incident): StepJob => ({
      kind: 'step',
      incident,
      cycle: 0,
      loop: 0,
      step: 0,
    }));
    await hark.escalation!.escalations.queue.addBulk(
      steps.map((data) => ({ name: 'step', data, opts: { jobId: stepJobId(data), delay: 3_600_000 } })),
    );
    if (paged) {
      const p = hark.redis.pipeline();
      for (const id of opened) p.zadd(hark.keys.pagedTo('sam'), now.getTime(), String(id));
      await p.exec();
    }
    ids.push(...opened);
  }
  return ids;
}

describe('a alone', () => {
  it('answers for the latest incident paged to the phone, even when someone else acknowledged it', async () => {
    await start();
    const one = await fire('First');
    const two = await fire('Second');
    await fake.waitFor((r) => r.kind === 'message' && r.to === BEN && r.body.includes(`#${two} `));
    expect(reply((await sms(BEN, `${two}a`)).body)).toBe(`Acknowledged #${two} web: Second`);
    expect(reply((await sms(SAM, 'a')).body)).toBe(`#${two} is already acknowledged by ben.`);
    expect((await hark.store.get(one, false))!.state).toBe('triggered');
    expect(reply((await sms(SAM, `${one}a`)).body)).toBe(`Acknowledged #${one} web: First`);
  });

  it('does not count an email page as paged to the number', async () => {
    await start();
    const one = await fire('Texted');
    const mailed = await post('Mailed only', 'low');
    await emails.waitFor(new RegExp(`#${mailed}\\b`));
    expect(reply((await sms(SAM, 'a')).body)).toBe(`Acknowledged #${one} web: Texted`);
    expect((await hark.store.get(mailed, false))!.state).toBe('triggered');
  });

  it('after a bundle of several incidents, asks which one instead of guessing', async () => {
    await start('{sms: [{count: 1, per: 2s}]}');
    await fire('Storm 1');
    const second = await post('Storm 2');
    const third = await post('Storm 3');
    await fake.waitFor(
      (r) =>
        r.kind === 'message' && r.to === SAM && r.body.includes(`#${second}`) && r.body.includes(`#${third}`),
      10_000,
    );
    expect(reply((await sms(SAM, 'a')).body)).toBe(
      `Your latest page had 2 incidents (#${second} #${third}). Reply e.g. ${third}a for one, aa for all.`,
    );
    expect((await hark.store.get(second, false))!.state).toBe('triggered');
    expect((await hark.store.get(third, false))!.state).toBe('triggered');
  });
});

describe('aa and rr over many incidents', () => {
  /** Pending escalation jobs of these incidents (of `kind`; default: all but ack timeouts). */
  const pendingFor = async (ids: readonly number[], kind?: string) => {
    const wanted = new Set(ids);
    const jobs = await hark.escalation!.escalations.queue.getJobs(['delayed', 'waiting'], 0, -1);
    return jobs.filter((j) => {
      const data = j.data as { incident: number; kind: string };
      return wanted.has(data.incident) && (kind ? data.kind === kind : data.kind !== 'ack-timeout');
    }).length;
  };

  it('aa for 4,000 incidents answers at once, then acknowledges all, stops their escalation, and reports', async () => {
    await start();
    const ids = await openMany(4000);
    const [notSams] = await openMany(1, false, 'not-paged-to-sam');
    expect(await pendingFor(ids)).toBe(4000);

    const r = await sms(SAM, 'aa');
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(2000);
    expect(reply(r.body)).toBe('Acknowledging 4,000 incidents... An SMS follows when done.');

    const report = await fake.waitFor(
      (m) => m.kind === 'message' && m.to === SAM && m.body.startsWith('Acknowledged'),
      15_000,
    );
    expect(report.kind === 'message' && report.body).toBe('Acknowledged 4,000 incidents.');
    expect(new Set(await hark.store.states(ids))).toEqual(new Set(['acknowledged']));
    expect(await pendingFor(ids)).toBe(0);
    // Each acknowledgement re-triggers after settings.ack_timeout if not resolved, as a single one does.
    expect(await pendingFor(ids, 'ack-timeout')).toBe(4000);
    const sample = (await hark.store.get(ids[1234]!))!;
    expect(sample).toMatchObject({ acknowledgedBy: 'person:sam', commander: 'sam' });
    expect(sample.timeline!.filter((e) => e.type === 'incident.acknowledged')).toHaveLength(1);
    expect(await hark.redis.zscore(hark.keys.escalationDue, String(ids[0]))).toBeNull();
    expect((await hark.store.get(notSams!, false))!.state).toBe('triggered');
  }, 30_000);

  it('rr over more than a few incidents resolves them in the background, acknowledged ones too', async () => {
    await start();
    const ids = await openMany(30);
    await hark.ops.acknowledge(ids[0]!, 'person:ben', 'ben', new Date());
    const r = await sms(SAM, 'rr');
    expect(reply(r.body)).toBe('Resolving 30 incidents... An SMS follows when done.');
    const report = await fake.waitFor(
      (m) => m.kind === 'message' && m.to === SAM && m.body.startsWith('Resolved'),
      10_000,
    );
    expect(report.kind === 'message' && report.body).toBe('Resolved 30 incidents.');
    expect(new Set(await hark.store.states(ids))).toEqual(new Set(['resolved']));
    expect(await pendingFor(ids)).toBe(0);
  });
});

describe('bulk answer jobs', () => {
  it('a job retried after a crash part-way finishes the rest, reports all, and acts once on each', async () => {
    await start();
    const ids = await openMany(40);
    // The first attempt acknowledged half, then the process died before finishing.
    await hark.ops.acknowledgeMany(ids.slice(0, 20), 'person:sam', 'sam', new Date());
    const queue = new BulkAnswerQueue(hark.redis, hark.keys);
    try {
      await queue.enqueue({ action: 'acknowledge', person: 'sam', to: SAM, ids }, 'SMretried');
      const report = await fake.waitFor(
        (m) => m.kind === 'message' && m.to === SAM && m.body.startsWith('Acknowledged'),
        10_000,
      );
      expect(report.kind === 'message' && report.body).toBe('Acknowledged 40 incidents.');
    } finally {
      await queue.close();
    }
    expect(new Set(await hark.store.states(ids))).toEqual(new Set(['acknowledged']));
    for (const id of [ids[0]!, ids[39]!]) expect(await eventsOf(id, 'incident.acknowledged')).toHaveLength(1);
  });

  it('a report SMS that failed is sent again without acting again: what was un-acknowledged meanwhile stays so', async () => {
    await start();
    const ids = await openMany(25);
    fake.failNext(1, 500); // the report's first attempt
    const queue = new BulkAnswerQueue(hark.redis, hark.keys);
    try {
      await queue.enqueue({ action: 'acknowledge', person: 'sam', to: SAM, ids }, 'SMreportfails');
      const deadline = Date.now() + 10_000;
      while ((await hark.store.states(ids)).some((s) => s !== 'acknowledged')) {
        if (Date.now() > deadline) throw new Error('the bulk answer did not acknowledge them');
        await new Promise((r) => setTimeout(r, 10));
      }
      // Before the retry (a second later): ben hands one back to escalation.
      expect((await hark.ops.unacknowledge(ids[3]!, 'person:ben', new Date())).ok).toBe(true);
      const report = await fake.waitFor(
        (m) => m.kind === 'message' && m.to === SAM && m.body.startsWith('Acknowledged'),
        15_000,
      );
      expect(report.kind === 'message' && report.body).toBe('Acknowledged 25 incidents.');
    } finally {
      await queue.close();
    }
    expect((await hark.store.get(ids[3]!, false))!.state).toBe('triggered');
    expect(await eventsOf(ids[3]!, 'incident.acknowledged')).toHaveLength(1);
  });

  it('an idle worker waits on its blocking connection without the command timeout', async () => {
    await start();
    // The API connection's command timeout (2 s in production, short here): a worker that kept it
    // would fail its blocking wait for jobs (BZPOPMIN) every time it waited that long.
    const redis = connectRedis(inject('redisUrl'), { commandTimeout: 200 });
    redis.on('error', () => {});
    await whenReady(redis);
    const errors: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
    const keys = makeKeys(`{test-idle-${sids}}:`);
    const sent: string[] = [];
    const worker = new BulkAnswerWorker({
      redis,
      keys,
      ops: hark.ops,
      sms: { sendSms: async (m) => (sent.push(m.body), { providerId: null, via: 'console' }) },
      log,
      now: () => new Date(),
    });
    const queue = new BulkAnswerQueue(redis, keys);
    try {
      await worker.worker.waitUntilReady();
      await new Promise((r) => setTimeout(r, 1500)); // idle: several command timeouts long
      expect(errors).toEqual([]);
      await queue.enqueue({ action: 'acknowledge', person: 'sam', to: SAM, ids: [] }, 'SMidle');
      await expect.poll(() => sent, { timeout: 5000 }).toEqual(['Acknowledged 0 incidents.']);
    } finally {
      await queue.close();
      await worker.close();
      redis.disconnect();
    }
  });

  it('says how many others acknowledged or resolved meanwhile', () => {
    const outcome = (id: number, o: BulkOutcome['outcome'], by: string | null): BulkOutcome => ({
      id,
      outcome: o,
      by,
      createdAt: null,
      acknowledgedAt: null,
    });
    expect(
      bulkDoneText(
        'acknowledge',
        [
          outcome(1, 'ok', 'person:sam'),
          outcome(2, 'acknowledged', 'person:sam'),
          outcome(3, 'acknowledged', 'person:ben'),
          outcome(4, 'resolved', 'person:ben'),
        ],
        'person:sam',
      ),
    ).toBe('Acknowledged 2 of 4 incidents; 2 were acknowledged or resolved by others meanwhile.');
    expect(bulkStartedText('resolve', 12_345)).toBe(
      'Resolving 12,345 incidents... An SMS follows when done.',
    );
  });
});

describe('replayed Twilio webhooks', () => {
  it('an SMS replayed with the same MessageSid gets the first answer and acts on nothing', async () => {
    await start();
    const id = await fire('Replay me');
    const params = smsParams(SAM, `${id}a`);
    const first = await twilioPost('/v1/twilio/sms', params);
    expect(reply(first.body)).toBe(`Acknowledged #${id} web: Replay me`);
    await hark.ops.unacknowledge(id, 'person:sam', new Date());

    const replay = await twilioPost('/v1/twilio/sms', params);
    expect(replay.status).toBe(200);
    expect(replay.body).toBe(first.body);
    expect((await hark.store.get(id, false))!.state).toBe('triggered');
    expect(await eventsOf(id, 'incident.acknowledged')).toHaveLength(1);
    const kept = await hark.redis.pttl(hark.keys.twilioAnswer(`sms:${params.MessageSid}`));
    expect(kept).toBeGreaterThan(24 * 3_600_000);

    // Unsigned, the replay is refused before anything else; a new message is a new answer.
    expect((await twilioPost('/v1/twilio/sms', params, false)).status).toBe(403);
    expect(reply((await sms(SAM, `${id}a`)).body)).toBe(`Acknowledged #${id} web: Replay me`);
  });

  it('the same SMS delivered twice at once is applied once, and both get the answer', async () => {
    await start();
    const id = await fire('Twice at once');
    const params = smsParams(SAM, `${id}r`);
    const [a, b] = await Promise.all([
      twilioPost('/v1/twilio/sms', params),
      twilioPost('/v1/twilio/sms', params),
    ]);
    expect(reply(a.body)).toBe(`Resolved #${id} web: Twice at once`);
    expect(b.body).toBe(a.body);
    expect(await eventsOf(id, 'incident.resolved')).toHaveLength(1);
  });

  it('a keypress replayed for the same call gets the first answer and acts on nothing', async () => {
    await start();
    const id = await fire('Call me');
    const path = `/v1/twilio/voice/${id}/gather?person=sam`;
    const params = { Digits: '4', CallSid: `CA${'7'.repeat(32)}`, AccountSid: fake.accountSid };
    const first = await twilioPost(path, params);
    expect(first.body).toContain('is acknowledged. Goodbye.');
    await hark.ops.unacknowledge(id, 'person:sam', new Date());
    const replay = await twilioPost(path, params);
    expect(replay.body).toBe(first.body);
    expect((await hark.store.get(id, false))!.state).toBe('triggered');
    expect(await eventsOf(id, 'incident.acknowledged')).toHaveLength(1);
    // Another call (or another key) is another answer.
    const other = await twilioPost(path, { ...params, CallSid: `CA${'8'.repeat(32)}` });
    expect(other.body).toContain('is acknowledged. Goodbye.');
    expect((await hark.store.get(id, false))!.state).toBe('acknowledged');
  });
});
