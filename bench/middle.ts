/**
 * Figures of issue 11 for `hark serve` against a managed redis-server:
 *
 * - Acknowledge latency with 10 and with 10,000 open incidents, each with a pending step job and
 *   pending page jobs (notify rules delayed by minutes, a second step an hour out): p50 / p99 of
 *   `POST /v1/incidents/:id/acknowledge`, one request at a time.
 * - RSS of the `hark serve` process holding those 10,000 open incidents.
 * - The dashboard `/` (signed in) with 50 open incidents and 10,000 stored.
 * - Recovery after `kill -9` of a worker: a page in flight at the provider (the fake Twilio holds
 *   the request) when its worker is killed; how long after the kill another worker sends it, and
 *   how many copies the provider got.
 */
import autocannon, { type Result } from 'autocannon';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { keys as makeKeys } from '../src/redis/keys.js';
import { startManagedRedis, type ManagedRedis } from '../src/redis/managed.js';
import { startFakeTwilio } from '../test/support/fake-twilio.js';
import { ROOT, quantile, startHark, startProcess, stop } from './spawn.js';

const TOKEN = 'bench-token-0123456789';
const API = 'bench-api-token-0123456789';
const FROM = '+15555550100';
const keys = makeKeys();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** alice pages by email after 10m and SMS after 20m; a second step an hour out: jobs stay pending. */
function config(notify = '[{email: 10m}, {sms: 20m}]'): string {
  const dir = mkdtempSync(join(tmpdir(), 'hark-bench-middle-'));
  mkdirSync(join(dir, 'schedules'));
  mkdirSync(join(dir, 'escalation-policies'));
  writeFileSync(
    join(dir, 'hark.yaml'),
    [
      'people:',
      `  alice: {sms: "+15555550101", email: alice@example.com, notify: {high: ${notify}}}`,
      `  bob: {sms: "+15555550102", email: bob@example.com, notify: {high: ${notify}}}`,
      'services:',
      '  - {name: all, escalation_policy: main}',
      'integrations:',
      `  - {name: bench, type: generic, token: "${TOKEN}", rate_limit: {requests: 100000000, per: 1m}}`,
      'api_tokens:',
      `  - {name: bench, token: "${API}", person: alice}`,
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'escalation-policies/main.yaml'),
    'steps:\n  - notify: [{person: alice}]\n    escalate_after: 1h\n  - notify: [{person: bob}]\n',
  );
  return dir;
}

/** Opens `n` incidents (1,000 alerts a request); their ids. */
async function openIncidents(url: string, n: number, tag: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
      dedup_key: `${tag}-${i + j}`,
      status: 'firing',
      summary: `bench ${tag} ${i + j}`,
      severity: 'critical',
    }));
    const res = await fetch(`${url}/v1/alerts/bench`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(batch),
    });
    if (res.status !== 202) throw new Error(`alerts answered ${res.status}: ${await res.text()}`);
    const body = (await res.json()) as { incidents: { id: number }[] };
    ids.push(...body.incidents.map((x) => x.id));
  }
  return ids;
}

async function resolveAlerts(url: string, from: number, to: number, tag: string): Promise<void> {
  for (let i = from; i < to; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, to - i) }, (_, j) => ({
      dedup_key: `${tag}-${i + j}`,
      status: 'resolved',
      summary: `bench ${tag} ${i + j}`,
    }));
    const res = await fetch(`${url}/v1/alerts/bench`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(batch),
    });
    if (res.status !== 202) throw new Error(`resolves answered ${res.status}: ${await res.text()}`);
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every incident's step 1 has fired: its page jobs and step 2 wait, delayed. */
async function settled(client: Redis, n: number): Promise<void> {
  const q = `${keys.bullPrefix}:escalation`;
  await until(
    `${n} incidents' escalation jobs`,
    async () => (await client.zcard(`${q}:delayed`)) >= 3 * n && (await client.llen(`${q}:wait`)) === 0,
    300_000,
  );
}

async function ackLatencies(url: string, ids: readonly number[]): Promise<string> {
  const ms: number[] = [];
  for (const id of ids) {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/incidents/${id}/acknowledge`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API}` },
    });
    await res.text();
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`acknowledge #${id} answered ${res.status}`);
  }
  return `p50 ${quantile(ms, 0.5).toFixed(1)} ms, p99 ${quantile(ms, 0.99).toFixed(1)} ms (${ms.length} acks)`;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const load = (url: string, headers: Record<string, string>): Promise<Result> =>
  new Promise((res, rej) =>
    autocannon({ url, connections: 10, duration: 5, headers }, (e, r) => (e ? rej(e) : res(r))),
  );

async function signIn(url: string): Promise<string> {
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: API }),
  });
  return login.headers.get('set-cookie')!.split(';')[0]!;
}

async function withHark<T>(
  env: Record<string, string>,
  fn: (hark: { url: string; pid: number; client: Redis; redis: ManagedRedis }) => Promise<T>,
): Promise<T> {
  const redis = await startManagedRedis(pino({ level: 'silent' }), {
    dir: mkdtempSync(join(tmpdir(), 'hark-bench-r-')),
  });
  const client = new Redis(redis.url);
  const { child, url } = await startHark({
    REDIS_URL: redis.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    HARK_CONFIG: config(),
    ...env,
  });
  try {
    return await fn({ url, pid: child.pid!, client, redis });
  } finally {
    await stop(child);
    client.disconnect();
    await redis.stop();
  }
}

async function benchAcks(out: Record<string, string>): Promise<void> {
  await withHark({}, async ({ url, client }) => {
    const ids = await openIncidents(url, 10, 'small');
    await settled(client, 10);
    out['acknowledge, 10 open incidents'] = await ackLatencies(url, ids);
  });
  await withHark({}, async ({ url, pid, client }) => {
    const n = 10_000;
    const t0 = performance.now();
    const ids = await openIncidents(url, n, 'big');
    await settled(client, n);
    out['opening 10,000 incidents and firing their step 1'] = `${fmt(performance.now() - t0)} ms`;
    out['RSS of hark serve holding 10,000 open incidents'] = `${rssMb(pid).toFixed(0)} MB`;
    // 200 acknowledgements spread over the ids.
    const sample = Array.from({ length: 200 }, (_, i) => ids[Math.floor((i * n) / 200)]!);
    out['acknowledge, 10,000 open incidents'] = await ackLatencies(url, sample);
  });
}

async function benchDashboard(out: Record<string, string>): Promise<void> {
  await withHark({}, async ({ url, client }) => {
    const n = 10_000;
    await openIncidents(url, n, 'dash');
    await resolveAlerts(url, 0, n - 50, 'dash');
    await settled(client, 0);
    const cookie = await signIn(url);
    const r = await load(`${url}/`, { cookie });
    out['dashboard / with 50 open and 10,000 stored incidents'] =
      `${Math.round(r.requests.average)}/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms` +
      (r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : '');
  });
}

/**
 * An API process and two workers. Worker 1 alone takes the page, whose SMS hangs at the provider;
 * worker 2 starts, worker 1 is killed with SIGKILL; the time until the provider sees the page again.
 */
async function benchRecovery(out: Record<string, string>): Promise<void> {
  const redis = await startManagedRedis(pino({ level: 'silent' }), {
    dir: mkdtempSync(join(tmpdir(), 'hark-bench-k-')),
  });
  const twilio = await startFakeTwilio();
  const env = {
    REDIS_URL: redis.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    HARK_CONFIG: config('[{sms: 0m}]'),
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: FROM,
    TWILIO_API_URL: twilio.url,
  };
  const worker = async () =>
    (
      await startProcess(
        process.execPath,
        [join(ROOT, 'bin/hark'), 'serve', '--worker'],
        env,
        /escalation worker is running/,
      )
    ).child;
  const started = await startHark(env, ['--api']);
  const api = started.child;
  const apiUrl = started.url;
  const w1 = await worker();
  let w2: ChildProcess | null = null;
  try {
    twilio.failNext(1, 'hang');
    await openIncidents(apiUrl, 1, 'kill');
    await until('the page at the provider', async () => twilio.requests.length >= 1, 30_000);
    w2 = await worker();
    const exited = new Promise((r) => w1.once('exit', r));
    const killedAt = performance.now();
    w1.kill('SIGKILL');
    await exited;
    await twilio.waitFor((r) => r.kind === 'message', 180_000);
    const after = performance.now() - killedAt;
    await new Promise((r) => setTimeout(r, 2000)); // any further copy
    out['kill -9 of a worker with a page in flight: sent again after'] = `${(after / 1000).toFixed(1)} s`;
    out['copies of that page at the provider'] = String(
      twilio.requests.filter((r) => r.path.endsWith('/Messages.json')).length,
    );
  } finally {
    for (const p of [api, w1, w2]) if (p) await stop(p);
    await twilio.close();
    await redis.stop();
  }
}

export async function benchRecoveryOnly(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await benchRecovery(out);
  return out;
}

export async function benchMiddle(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await benchRecovery(out);
  await benchAcks(out);
  await benchDashboard(out);
  return out;
}
