/**
 * Hark as child processes (`bin/hark serve`) against one real Redis and a strict fake Twilio:
 * a crash between steps loses nothing and repeats nothing; two instances send every page once;
 * provider errors are retried, and a permanently failing SMS falls over to the next rule.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GENERIC = 'generic-token-for-process-tests';
const API = 'api-token-for-process-tests-0123';
const ALICE = '+15555550101';
const BOB = '+15555550102';

let twilio: FakeTwilio;
let smtp: TestSmtpServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  twilio = await startFakeTwilio();
  smtp = await startSmtpServer();
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  twilio.reset();
});
afterAll(async () => {
  await twilio.close();
  await smtp.close();
  cleanupTmpConfigs();
});

function config(escalateAfter = '2s', pageLimits = '{sms: [], voice: []}'): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      `  alice: {sms: "${ALICE}", email: alice@example.com, notify: {high: [{sms: 0s}, {email: 1h}]}}`,
      `  bob: {sms: "${BOB}", notify: {high: [{sms: 0s}]}}`,
      'services:',
      '  - {name: main, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'api_tokens:',
      `  - {name: cli, token: "${API}"}`,
      'settings:',
      `  page_limits: ${pageLimits}`,
    ),
    'schedules/main.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: primary, role: primary, members: [alice], start: 2026-01-01T00:00}',
      '  - {name: secondary, role: secondary, members: [bob], start: 2026-01-01T00:00}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: main}]',
      `    escalate_after: ${escalateAfter}`,
      '  - notify: [{schedule: main, role: secondary}]',
      `    escalate_after: ${escalateAfter}`,
    ),
  });
}

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function serve(dir: string, prefix: string, flags: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/hark'), 'serve', ...flags], {
    cwd: mkdtempSync(join(tmpdir(), 'hark-proc-')),
    env: {
      PATH: process.env.PATH,
      HARK_CONFIG: dir,
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550100',
      TWILIO_API_URL: twilio.url,
      SMTP_URL: smtp.url,
      SMTP_FROM: 'Hark <hark@example.com>',
      HARK_PUBLIC_URL: 'https://hark.example.com',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((res, rej) => {
    const on = (c: Buffer) => {
      out += c.toString();
      const m = /Hark is listening on (\S+)\n[\s\S]*\n$/.exec(out);
      if (m) res({ child, url: m[1]!, output: () => out });
      else {
        const w = /Hark escalation worker is running \(--worker\): .* on (\S+)\n/.exec(out);
        if (w) res({ child, url: w[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => rej(new Error(`hark serve exited ${code}: ${out}`)));
  });
}

async function fire(url: string, summary: string): Promise<number> {
  const res = await fetch(`${url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

const to = (phone: string, id: number) => (r: { kind: string; to: string; body?: string }) =>
  r.kind === 'message' && r.to === phone && (r.body ?? '').includes(`#${id} `);
const sent = (phone: string, id: number) => twilio.messages.filter(to(phone, id)).length;

/** Polls a condition that has no event to wait on (state read back over the API). */
async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function timeline(url: string, id: number): Promise<string[]> {
  const res = await fetch(`${url}/v1/incidents/${id}`, { headers: { Authorization: `Bearer ${API}` } });
  return ((await res.json()) as { incident: { timeline: { type: string }[] } }).incident.timeline.map(
    (e) => e.type,
  );
}

describe('hark serve processes', () => {
  it('kill -9 between step 1 and step 2: after a restart step 2 still pages and step 1 is not repeated', async () => {
    const dir = config('2s');
    const prefix = `{crash-${Date.now()}}:`;
    const first = await serve(dir, prefix);
    const id = await fire(first.url, 'Crash between steps');
    await twilio.waitFor(to(ALICE, id), 10_000);
    // Step 1 is done once its page is recorded (a kill before that is the documented window in
    // which that one page may be sent again); then kill -9, before step 2 is due.
    await until(async () => (await timeline(first.url, id)).includes('page.sent'));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const second = await serve(dir, prefix);
    await twilio.waitFor(to(BOB, id), 15_000);
    await until(async () => (await timeline(second.url, id)).filter((e) => e === 'page.sent').length === 2);
    expect(sent(ALICE, id)).toBe(1);
    expect(sent(BOB, id)).toBe(1);
    expect(twilio.unexpected).toEqual([]);
  });

  it('kill -9 of a worker while its page is at the provider: another worker sends it within 15 s, one extra copy at most', async () => {
    // One SMS a minute: the page sent again must not be held back by its own first attempt.
    const dir = config('1h', '{sms: [{count: 1, per: 1m}], voice: []}');
    const prefix = `{inflight-${Date.now()}}:`;
    const api = await serve(dir, prefix, ['--api']);
    const doomed = await serve(dir, prefix, ['--worker']);
    // The first request to the provider never gets an answer: the page is in flight when its
    // worker dies (it may or may not have gone out: at least once means send it again).
    twilio.failNext(1, 'hang');
    const id = await fire(api.url, 'Killed mid-page');
    await until(async () => twilio.requests.some((r) => r.path.endsWith('/Messages.json')), 15_000);
    expect(twilio.messages.filter(to(ALICE, id))).toHaveLength(0);
    // Another worker is up before the kill: what is measured is the hand-over, not a start.
    await serve(dir, prefix, ['--worker']);
    const exited = new Promise((r) => doomed.child.once('exit', r));
    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await exited;
    await twilio.waitFor(to(ALICE, id), 15_000);
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    await until(async () => (await timeline(api.url, id)).includes('page.sent'));
    // Any further copy would follow at once: give it a moment.
    await new Promise((r) => setTimeout(r, 1500));
    const copies = twilio.requests.filter((r) => r.path.endsWith('/Messages.json'));
    expect(copies).toHaveLength(2); // the one in flight, and the one sent again
    expect(sent(ALICE, id)).toBe(1);
    expect((await timeline(api.url, id)).filter((e) => e === 'page.sent')).toHaveLength(1);
    expect(twilio.unexpected).toEqual([]);
  }, 60_000);

  it('two instances on one Redis send every page exactly once', async () => {
    const dir = config('1s');
    const prefix = `{twins-${Date.now()}}:`;
    const [a, b] = await Promise.all([serve(dir, prefix), serve(dir, prefix)]);
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await fire(i % 2 === 0 ? a.url : b.url, `Twin incident ${i}`));
    for (const id of ids) await twilio.waitFor(to(BOB, id), 15_000);
    // Every step has run once the escalation is exhausted: then count.
    for (const id of ids)
      await until(async () => (await timeline(a.url, id)).includes('escalation.exhausted'));
    for (const id of ids) {
      expect(sent(ALICE, id)).toBe(1);
      expect(sent(BOB, id)).toBe(1);
    }
  });

  it('retries Twilio 500s, and moves a person whose SMS fails for good on to their next rule', async () => {
    const dir = config('1h');
    const h = await serve(dir, `{provider-${Date.now()}}:`);
    twilio.failNext(1, 500);
    const retried = await fire(h.url, 'Twilio hiccup');
    await twilio.waitFor(to(ALICE, retried), 15_000);
    expect(twilio.requests.filter((r) => r.status === 500)).toHaveLength(1);

    twilio.failTo(ALICE, 400, { code: 21211, message: "Invalid 'To' Phone Number" });
    const failing = await fire(h.url, 'Bad number');
    // alice's email rule (1h later) goes out at once instead, over SMTP.
    const mail = await smtp.waitFor((m) => m.subject === `[SEV-1] #${failing} main: Bad number`);
    expect(mail.to).toMatchObject({ text: 'alice@example.com' });
    expect(mail.from?.value).toEqual([{ address: 'hark@example.com', name: 'Hark' }]);
    expect(mail.text).toContain(`https://hark.example.com/i/${failing}`);
    expect(String(mail.html)).toMatch(/href="https:\/\/hark\.example\.com\/a\/[A-Za-z0-9_.-]+"/);
    const events = await timeline(h.url, failing);
    expect(events).toContain('page.failed');
    expect(sent(ALICE, failing)).toBe(0);
  });

  it('an API-only process and a worker-only process share the work through Redis', async () => {
    const dir = config('1h');
    const prefix = `{split-${Date.now()}}:`;
    const api = await serve(dir, prefix, ['--api']);
    const worker = await serve(dir, prefix, ['--worker']);
    const id = await fire(api.url, 'Split roles');
    await twilio.waitFor(to(ALICE, id), 15_000);
    await until(async () => (await timeline(api.url, id)).includes('page.sent'));
    expect(sent(ALICE, id)).toBe(1);
    // The worker serves only the operator endpoints; its /metrics counts the page it sent.
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${worker.url}/v1/incidents`)).status).toBe(404);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(/^hark_pages_total\{channel="sms",status="sent"\} 1$/m);
    expect(await (await fetch(`${api.url}/metrics`)).text()).not.toMatch(/^hark_pages_total\{/m);
  });
});
