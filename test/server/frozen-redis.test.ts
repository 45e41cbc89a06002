/**
 * A frozen Redis (SIGSTOP: the TCP connection stays open, nothing answers) must not hang Hark:
 * alerts and the API answer 503 within a few seconds, /readyz answers 503, and nothing is
 * answered 2xx that was not stored. After SIGCONT Hark recovers by itself: alerts are stored and
 * paged again, and an alert that was answered 503 and retried (as senders do) opens one incident,
 * paged once. A real redis-server of this test's own, on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkAnswerQueue } from '../../src/queues/bulk-answers.js';
import { consoleTransports } from '../../src/pages/console.js';
import { isRedisDown } from '../../src/server/errors.js';
import { freePort } from '../../src/redis/managed.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { testFormats } from '../support/formats.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';

const API = 'api-token-for-frozen-redis-tests';
const GENERIC = 'generic-token-for-frozen-redis';

const formats = testFormats;

const config = () =>
  tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101", notify: {high: [{sms: 0s}], low: [{sms: 0s}]}}',
      'services:',
      '  - {name: main, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'api_tokens:',
      `  - {name: cli, token: "${API}", person: alice}`,
      'settings:',
      '  page_limits: {sms: [], voice: []}',
    ),
    'schedules/main.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: primary, members: [alice], start: 2026-01-01T00:00}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: main}]',
      '    escalate_after: 1h',
    ),
  });

let redis: ChildProcess;
let redisDir: string;
let port: number;
let hark: TestHark;
let log: PageLog;

beforeAll(async () => {
  redisDir = mkdtempSync(join(tmpdir(), 'hark-frozen-'));
  port = await freePort();
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  probe.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      if (i > 100) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  log = new PageLog();
  hark = await startTestHark(config(), {
    redisUrl: `redis://127.0.0.1:${port}`,
    escalation: { transports: consoleTransports(log.write), formats },
  });
});

afterAll(async () => {
  redis.kill('SIGCONT');
  await hark?.close();
  redis.kill('SIGKILL');
  rmSync(redisDir, { recursive: true, force: true });
  cleanupTmpConfigs();
});

interface Answer {
  readonly status: number | 'no answer';
  readonly ms: number;
  readonly body: { incidents?: { id: number; new: boolean }[]; error?: { code: string } } | null;
}

/** One request, given up after 10 s (a hang is an answer too: "no answer"). */
async function timed(path: string, init: RequestInit = {}): Promise<Answer> {
  const t0 = Date.now();
  try {
    const res = await fetch(`http://${new URL(hark.url).host}${path}`, {
      ...init,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let body: Answer['body'] = null;
    try {
      body = JSON.parse(text) as Answer['body'];
    } catch {
      // not JSON (readyz is, the web pages are not)
    }
    return { status: res.status, ms: Date.now() - t0, body };
  } catch {
    return { status: 'no answer', ms: Date.now() - t0, body: null };
  }
}

const alert = (summary: string) =>
  timed('/v1/alerts/scripts', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary }),
  });

const paged = (id: number) => new RegExp(`^\\[page\\] SMS to \\+15555550101: #${id} `);

describe('a frozen Redis (SIGSTOP)', () => {
  it('gets 503 within seconds for alerts, /readyz and the API; after SIGCONT alerts are stored and paged, retries open nothing twice', async () => {
    const before = await alert('before the freeze');
    expect(before.status).toBe(202);
    const first = before.body!.incidents![0]!.id;
    await log.waitFor(paged(first));

    redis.kill('SIGSTOP');
    const summaries = Array.from({ length: 24 }, (_, i) => `frozen alert ${i}`);
    const [ready, incidents, ...alerts] = await Promise.all([
      timed('/readyz'),
      timed('/v1/incidents', { headers: { Authorization: `Bearer ${API}` } }),
      ...summaries.map(alert),
    ]);
    // Everything was answered, in a few seconds, and none of it 2xx: nothing was confirmed stored.
    expect({ status: ready.status, fast: ready.ms < 5000 }).toEqual({ status: 503, fast: true });
    expect({ status: incidents.status, fast: incidents.ms < 5000 }).toEqual({ status: 503, fast: true });
    expect(alerts.map((a) => ({ status: a.status, fast: a.ms < 5000, code: a.body?.error?.code }))).toEqual(
      alerts.map(() => ({ status: 503, fast: true, code: 'unavailable' })),
    );
    // Still frozen, and still answered (not a queue of hung requests behind the first ones).
    const again = await timed('/readyz');
    expect({ status: again.status, fast: again.ms < 5000 }).toEqual({ status: 503, fast: true });

    redis.kill('SIGCONT');
    for (let i = 0; (await timed('/readyz')).status !== 200; i++) {
      if (i > 100) throw new Error('Hark did not become ready after SIGCONT');
      await new Promise((r) => setTimeout(r, 100));
    }
    // A new alert is stored and paged: the API and the worker both recovered.
    const after = await alert('after the freeze');
    expect(after.status).toBe(202);
    const fresh = after.body!.incidents![0]!.id;
    expect((await hark.store.get(fresh))?.title).toBe('after the freeze');
    await log.waitFor(paged(fresh));

    // The senders retry what got 503: each alert has one incident, paged (at least) once; an
    // alert whose write Redis ran after the freeze is found again, not opened twice.
    const retried = await Promise.all(summaries.map(alert));
    expect(retried.map((r) => r.status)).toEqual(summaries.map(() => 202));
    const ids = retried.map((r) => r.body!.incidents![0]!.id);
    expect(new Set(ids).size).toBe(summaries.length);
    for (const [i, id] of ids.entries()) {
      expect((await hark.store.get(id))?.title).toBe(summaries[i]);
      await log.waitFor(paged(id));
    }
    const open = await hark.store.list({ state: 'triggered', limit: 100 });
    for (const s of summaries) expect(open.filter((i) => i.title === s)).toHaveLength(1);
    expect(ids.map((id) => log.count(paged(id)))).toEqual(ids.map(() => 1));
  });

  it('a bulk answer queued while its queue connection waits for a frozen Redis fails in seconds', async () => {
    redis.kill('SIGSTOP');
    // Its own connection opens now, while Redis does not answer: BullMQ would wait for it forever.
    const queue = new BulkAnswerQueue(hark.redis, hark.keys);
    try {
      const t0 = Date.now();
      const outcome = await queue
        .enqueue({ action: 'acknowledge', person: 'alice', to: '+15555550101', ids: [1] }, 'SMfrozen')
        .then(
          () => 'stored',
          (e: unknown) => (isRedisDown(e) ? 'unavailable' : String(e)),
        );
      expect({ outcome, fast: Date.now() - t0 < 5000 }).toEqual({ outcome: 'unavailable', fast: true });
    } finally {
      redis.kill('SIGCONT');
      await queue.close();
    }
  }, 15_000);
});
