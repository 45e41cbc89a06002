/**
 * Paging figures: webhook → first page latency (alert POST until the fake Twilio has the SMS)
 * and escalation timer error (how late step 2 pages after its escalate_after), for `hark serve`
 * against a local Redis and the test suite's strict fake Twilio.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startManagedRedis } from '../src/redis/managed.js';
import { startFakeTwilio } from '../test/support/fake-twilio.js';
import { quantile, startHark, stop } from './spawn.js';

const TOKEN = 'bench-token-0123456789';
const STEP_MS = 2000;

function config(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hark-bench-paging-'));
  mkdirSync(join(dir, 'schedules'));
  mkdirSync(join(dir, 'escalation-policies'));
  writeFileSync(
    join(dir, 'hark.yaml'),
    [
      'people:',
      '  alice: {sms: "+15555550101", notify: {high: [{sms: 0s}]}}',
      '  bob: {sms: "+15555550102", notify: {high: [{sms: 0s}]}}',
      'services:',
      '  - {name: all, escalation_policy: main}',
      'integrations:',
      `  - {name: bench, type: generic, token: "${TOKEN}"}`,
      'settings:',
      '  page_limits: {sms: [], voice: []}',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'schedules/main.yaml'),
    'timezone: UTC\nrotations:\n  - {name: p, role: primary, members: [alice], start: 2026-01-01T00:00}\n  - {name: s, role: secondary, members: [bob], start: 2026-01-01T00:00}\n',
  );
  writeFileSync(
    join(dir, 'escalation-policies/main.yaml'),
    `steps:\n  - notify: [{schedule: main}]\n    escalate_after: ${STEP_MS / 1000}s\n  - notify: [{schedule: main, role: secondary}]\n    escalate_after: 1h\n`,
  );
  return dir;
}

export async function benchPaging(): Promise<Record<string, string>> {
  const redis = await startManagedRedis(pino({ level: 'silent' }), {
    dir: mkdtempSync(join(tmpdir(), 'hark-bench-r-')),
  });
  const twilio = await startFakeTwilio();
  const { child, url } = await startHark({
    REDIS_URL: redis.url,
    HARK_CONFIG: config(),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: '+15555550100',
    TWILIO_API_URL: twilio.url,
  });
  const n = 200;
  const firstPage: number[] = [];
  const timerError: number[] = [];
  try {
    const sentAt = new Map<number, number>();
    const firstAt = new Map<number, number>();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const wall0 = Date.now();
      const res = await fetch(`${url}/v1/alerts/bench`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ status: 'firing', summary: `bench ${i}`, dedup_key: `bench-${i}` }),
      });
      const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
      sentAt.set(id, wall0);
      pending.push(
        twilio
          .waitFor(
            (r) =>
              r.kind === 'message' &&
              r.to === '+15555550101' &&
              (r as { body: string }).body.includes(`#${id} `),
            30_000,
          )
          .then((r) => {
            firstAt.set(id, r.at.getTime());
            firstPage.push(r.at.getTime() - wall0);
          }),
      );
      pending.push(
        twilio
          .waitFor(
            (r) =>
              r.kind === 'message' &&
              r.to === '+15555550102' &&
              (r as { body: string }).body.includes(`#${id} `),
            30_000,
          )
          .then(async (r) => {
            while (!firstAt.has(id)) await new Promise((x) => setTimeout(x, 5));
            timerError.push(r.at.getTime() - firstAt.get(id)! - STEP_MS);
          }),
      );
      await new Promise((r) => setTimeout(r, 20)); // ~50 alerts/s
    }
    await Promise.all(pending);
  } finally {
    await stop(child);
    await twilio.close();
    await redis.stop();
  }
  return {
    [`webhook → first SMS at the provider, ms (p50 / p99 / max of ${n})`]: `${quantile(firstPage, 0.5)} / ${quantile(firstPage, 0.99)} / ${Math.max(...firstPage)}`,
    [`escalation timer error, step 2 after ${STEP_MS / 1000}s, ms (p50 / p99 / max)`]: `${quantile(timerError, 0.5)} / ${quantile(timerError, 0.99)} / ${Math.max(...timerError)}`,
  };
}
