/**
 * Answer figures (issue 10, items 7 and 6), for `hark serve` against a managed redis-server and the
 * test suite's strict fake Twilio.
 *
 * Bulk answers: a person with N open incidents paged to them (opened by alerts posted in batches
 * to a generic integration, paged by SMS — in bundles, as the page limit holds them back) sends a
 * Twilio-signed `aa`. Figures: the webhook's answer latency, the time until every incident is
 * acknowledged and until the report SMS reaches the provider, and acknowledgements per second as
 * a ratio to a floor measured in the same run: as many plain HSET + RPUSH pairs, pipelined in
 * batches of 500, against the same redis-server — the least work an acknowledgement can be.
 *
 * Frozen Redis: the redis-server of a running `hark serve` is stopped (SIGSTOP: connections stay
 * open, nothing answers); 24 concurrent alerts and a `/readyz` are timed, then SIGCONT and the time
 * until a new alert is answered 202.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { keys as makeKeys } from '../src/redis/keys.js';
import { startManagedRedis, type ManagedRedis } from '../src/redis/managed.js';
import { signTwilio, startFakeTwilio, type FakeTwilio } from '../test/support/fake-twilio.js';
import { quantile, startHark, stop } from './spawn.js';

const TOKEN = 'bench-token-0123456789';
/** The URL Twilio is given (behind a proxy): what it signs, not where the bench posts. */
const PUBLIC_URL = 'https://hark.bench.example';
const FROM = '+15555550100';
const PEOPLE = [
  { name: 'alice', sms: '+15555550101', n: 1_000 },
  { name: 'bob', sms: '+15555550102', n: 10_000 },
] as const;
const keys = makeKeys();

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** One service and policy per person: alerts labelled `to: <name>` page that person by SMS. */
function config(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hark-bench-answers-'));
  mkdirSync(join(dir, 'schedules'));
  mkdirSync(join(dir, 'escalation-policies'));
  writeFileSync(
    join(dir, 'hark.yaml'),
    [
      'people:',
      ...PEOPLE.map((p) => `  ${p.name}: {sms: "${p.sms}", notify: {high: [{sms: 0s}]}}`),
      'services:',
      ...PEOPLE.map(
        (p) => `  - {name: ${p.name}s, match: {labels: {to: [${p.name}]}}, escalation_policy: ${p.name}}`,
      ),
      'integrations:',
      `  - {name: bench, type: generic, token: "${TOKEN}", rate_limit: {requests: 100000000, per: 1m}}`,
      'settings:',
      // One SMS a second, the rest bundled: a storm pages the way it would in production, quicker.
      '  page_limits: {sms: [{count: 1, per: 1s}], voice: []}',
    ].join('\n'),
  );
  for (const p of PEOPLE) {
    writeFileSync(
      join(dir, `escalation-policies/${p.name}.yaml`),
      `steps:\n  - notify: [{person: ${p.name}}]\n    escalate_after: 1h\n`,
    );
  }
  return dir;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens `n` incidents for `person` through the generic integration (1,000 alerts a request). */
async function openIncidents(url: string, person: string, n: number): Promise<number[]> {
  const ids: number[] = [];
  const posts: Promise<void>[] = [];
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
      dedup_key: `${person}-${i + j}`,
      status: 'firing',
      summary: `bulk ${person} ${i + j}`,
      labels: { to: person },
    }));
    posts.push(
      fetch(`${url}/v1/alerts/bench`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(batch),
      }).then(async (res) => {
        if (res.status !== 202) throw new Error(`alerts answered ${res.status}: ${await res.text()}`);
        const body = (await res.json()) as { incidents: { id: number; new: boolean }[] };
        ids.push(...body.incidents.map((x) => x.id));
      }),
    );
    if (posts.length >= 2) await posts.shift(); // two requests in flight
  }
  await Promise.all(posts);
  return ids;
}

async function states(redis: Redis, ids: readonly number[]): Promise<string[]> {
  const p = redis.pipeline();
  for (const id of ids) p.hget(keys.incident(id), 'state');
  return ((await p.exec()) ?? []).map(([, v]) => String(v));
}

/** N HSET + RPUSH pairs, pipelined 500 pairs at a time: pairs per second. */
async function floorOps(redis: Redis, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i += 500) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(n, i + 500); j++) {
      p.hset(`{bench-floor}:incident:${j}`, 'state', 'acknowledged', 'acknowledged_by', 'person:bench');
      p.rpush(
        `{bench-floor}:incident:${j}:timeline`,
        '{"type":"incident.acknowledged","actor":"person:bench"}',
      );
    }
    await p.exec();
  }
  return n / ((performance.now() - t0) / 1000);
}

let sids = 0;
/** A Twilio-signed inbound SMS; the latency of its answer. */
async function sms(url: string, twilio: FakeTwilio, from: string, body: string) {
  const params = {
    From: from,
    To: FROM,
    Body: body,
    MessageSid: `SM${String(++sids).padStart(32, '0')}`,
    AccountSid: twilio.accountSid,
  };
  const sentAt = Date.now();
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/twilio/sms`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Twilio-Signature': signTwilio(twilio.authToken, `${PUBLIC_URL}/v1/twilio/sms`, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - t0, sentAt };
}

async function benchBulk(out: Record<string, string>): Promise<void> {
  const redis = await startManagedRedis(pino({ level: 'silent' }), {
    dir: mkdtempSync(join(tmpdir(), 'hark-bench-r-')),
  });
  const twilio = await startFakeTwilio();
  const client = new Redis(redis.url);
  const { child, url } = await startHark({
    REDIS_URL: redis.url,
    HARK_CONFIG: config(),
    HARK_PUBLIC_URL: PUBLIC_URL,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: FROM,
    TWILIO_API_URL: twilio.url,
  });
  try {
    for (const person of PEOPLE) {
      const t0 = performance.now();
      const ids = await openIncidents(url, person.name, person.n);
      if (new Set(ids).size !== person.n)
        throw new Error(`expected ${person.n} incidents, got ${ids.length}`);
      // Paged: every incident in the person's paged-to set, nothing held back for a bundle.
      await until(
        `${person.n} pages to ${person.name}`,
        async () =>
          (await client.zcard(keys.pagedTo(person.name))) === person.n &&
          (await client.zcard(keys.pagesHeld(person.name, 'sms'))) === 0,
        60_000,
      );
      const openMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 300)); // the last bundle's bookkeeping
      const floor = await floorOps(client, person.n);

      const answer = await sms(url, twilio, person.sms, 'aa');
      if (answer.status !== 200 || !answer.text.includes(`Acknowledging ${fmt(person.n)} incidents`))
        throw new Error(`aa answered ${answer.status}: ${answer.text}`);
      const report = twilio.waitFor(
        (r) => r.kind === 'message' && r.to === person.sms && r.body.startsWith('Acknowledged'),
        60_000,
      );
      report.catch(() => {}); // awaited below
      // Polls only what is not acknowledged yet, so that the polling adds little to Redis's work.
      let pending = ids;
      await until(
        `${person.n} acknowledgements`,
        async () => {
          const now = await states(client, pending);
          pending = pending.filter((_id, i) => now[i] !== 'acknowledged');
          return pending.length === 0;
        },
        60_000,
      );
      const ackedMs = Date.now() - answer.sentAt;
      const reported = await report;
      const reportMs = reported.at.getTime() - answer.sentAt;
      if (reported.kind !== 'message' || reported.body !== `Acknowledged ${fmt(person.n)} incidents.`)
        throw new Error(`unexpected report: ${JSON.stringify(reported)}`);
      const due = client.pipeline();
      for (const id of ids) due.zscore(keys.escalationDue, String(id));
      if (((await due.exec()) ?? []).some(([, v]) => v !== null))
        throw new Error('an acknowledged incident still has its escalation due');
      const rate = person.n / (ackedMs / 1000);
      const n = fmt(person.n);
      out[`aa over ${n}: incidents opened and paged by alerts, s (setup)`] = (openMs / 1000).toFixed(1);
      out[`aa over ${n}: webhook answer, ms`] = answer.ms.toFixed(0);
      out[`aa over ${n}: until every incident is acknowledged, ms`] = fmt(ackedMs);
      out[`aa over ${n}: until the report SMS is at the provider, ms`] = fmt(reportMs);
      out[`aa over ${n}: acknowledgements/s`] = fmt(rate);
      out[`aa over ${n}: floor, HSET + RPUSH pairs/s (pipelined by 500)`] = fmt(floor);
      out[`aa over ${n}: ratio acks/s / floor`] = `${((rate / floor) * 100).toFixed(1)}%`;
    }
  } finally {
    client.disconnect();
    await stop(child);
    await twilio.close();
    await redis.stop();
  }
}

interface Timed {
  readonly status: number | 'no answer';
  readonly ms: number;
}

async function timed(url: string, init: RequestInit = {}): Promise<Timed> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - t0 };
  } catch {
    return { status: 'no answer', ms: performance.now() - t0 };
  }
}

async function benchFrozen(out: Record<string, string>): Promise<void> {
  const redis: ManagedRedis = await startManagedRedis(pino({ level: 'silent' }), {
    dir: mkdtempSync(join(tmpdir(), 'hark-bench-r-')),
  });
  const client = new Redis(redis.url);
  const pid = Number(/process_id:(\d+)/.exec(await client.info('server'))![1]);
  client.disconnect();
  const { child, url } = await startHark({
    REDIS_URL: redis.url,
    HARK_CONFIG: config(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'fatal',
  });
  const alert = (summary: string, key = summary) =>
    timed(`${url}/v1/alerts/bench`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ status: 'firing', summary, dedup_key: key, labels: { to: 'alice' } }),
    });
  let frozen = false;
  try {
    if ((await alert('before the freeze')).status !== 202) throw new Error('no 202 before the freeze');
    process.kill(pid, 'SIGSTOP');
    frozen = true;
    const [ready, ...alerts] = await Promise.all([
      timed(`${url}/readyz`),
      ...Array.from({ length: 24 }, (_, i) => alert(`frozen ${i}`)),
    ]);
    const seen = new Map<string, number>();
    for (const a of alerts) seen.set(String(a.status), (seen.get(String(a.status)) ?? 0) + 1);
    const unavailable = alerts.filter((a) => a.status === 503).map((a) => a.ms);
    process.kill(pid, 'SIGCONT');
    frozen = false;
    const t0 = performance.now();
    let tries = 0;
    while ((await alert('after the freeze')).status !== 202) {
      if (++tries > 300) throw new Error('no 202 within 30 s of SIGCONT');
      await new Promise((r) => setTimeout(r, 100));
    }
    const recoveryMs = performance.now() - t0;
    out['frozen Redis: statuses of 24 concurrent alerts'] = [...seen]
      .map(([status, count]) => `${count} × ${status}`)
      .join(', ');
    out['frozen Redis: 503 latency, ms (p50 / max)'] =
      unavailable.length > 0
        ? `${quantile(unavailable, 0.5).toFixed(0)} / ${Math.max(...unavailable).toFixed(0)}`
        : 'no 503';
    out['frozen Redis: /readyz, status and ms'] = `${ready.status} in ${ready.ms.toFixed(0)}`;
    out['frozen Redis: SIGCONT until a new alert gets 202, ms'] = fmt(recoveryMs);
  } finally {
    if (frozen) process.kill(pid, 'SIGCONT');
    await stop(child);
    await redis.stop();
  }
}

export async function benchAnswers(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await benchBulk(out);
  await benchFrozen(out);
  return out;
}
