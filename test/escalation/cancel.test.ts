/**
 * Cancelling an incident's escalation (acknowledge, resolve) removes its pending jobs by their ids
 * (keys.incidentJobs), not by loading the queue: its cost is that of the incident's own jobs,
 * however many other incidents have jobs waiting. And a job that is not removed (running at the
 * time, or queued without an index entry) still never pages after the acknowledgement.
 */
import { QueueEvents } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Escalations } from '../../src/escalation/engine.js';
import { EscalationQueue } from '../../src/escalation/jobs/queue.js';
import { consoleTransports } from '../../src/pages/console.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { testFormats } from '../support/formats.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';

const API = 'api-token-for-cancel-tests-0123';
const GENERIC = 'generic-token-for-cancel-tests';

function config(): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101", notify: {high: [{sms: 0s}, {sms: 10m}]}}',
      'services:',
      '  - {name: main, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'api_tokens:',
      `  - {name: cli, token: "${API}", person: alice}`,
      'settings:',
      '  page_limits: {sms: [], voice: []}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{person: alice}]',
      '    escalate_after: 1h',
    ),
  });
}

const hour = 3_600_000;
let hark: TestHark | null = null;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await hark?.close();
  hark = null;
});
afterAll(cleanupTmpConfigs);

/** A producer and a second view of the same queue (to queue other incidents' jobs), no worker. */
async function producer() {
  hark = await startTestHark(config());
  const h = hark;
  const escalations = new Escalations({
    redis: h.redis,
    keys: h.keys,
    store: h.store,
    config: () => h.config,
    schedules: () => {
      throw new Error('not used by the producer');
    },
    log: pino({ level: 'silent' }),
    now: () => Date.now(),
  });
  const connection = h.redis.duplicate();
  const queue = new EscalationQueue(connection, h.keys, false);
  closers.push(
    async () => escalations.close(),
    async () => {
      await queue.close();
      connection.disconnect();
    },
  );
  return { h, escalations, queue };
}

/** What a fired step leaves queued for an incident: its next step, two pages and the policy's end. */
async function pendingEscalation(queue: EscalationQueue, incident: number): Promise<void> {
  const page = {
    kind: 'page',
    incident,
    cycle: 0,
    loop: 0,
    step: 0,
    person: 'alice',
    channel: 'sms',
  } as const;
  await queue.addMany([
    { data: { kind: 'step', incident, cycle: 0, loop: 0, step: 1 }, delayMs: hour },
    { data: { ...page, rule: 0 }, delayMs: hour },
    { data: { ...page, rule: 1 }, delayMs: 2 * hour },
    { data: { kind: 'exhausted', incident, cycle: 0 }, delayMs: 3 * hour },
  ]);
}

/** Pending jobs of `incident` as BullMQ has them (read the slow way, for checking only). */
async function pendingOf(escalations: Escalations, incident: number): Promise<string[]> {
  const jobs = await escalations.queue.getJobs(['delayed', 'waiting', 'prioritized'], 0, -1);
  return jobs
    .filter((j) => (j.data as { incident?: number }).incident === incident)
    .map((j) => j.id!)
    .sort();
}

/** The Redis commands (Lua scripts' own calls included) on this test's keys while `fn` runs. */
async function commandsOn(redis: Redis, prefix: string, fn: () => Promise<unknown>): Promise<string[]> {
  const monitor = await redis.monitor();
  const seen: string[] = [];
  const start = `${prefix}monitor-start-${randomUUID()}`;
  const end = `${prefix}monitor-end-${randomUUID()}`;
  let phase: 'before' | 'during' | 'after' = 'before';
  const marks = { started: () => {}, ended: () => {} };
  const started = new Promise<void>((r) => (marks.started = r));
  const ended = new Promise<void>((r) => (marks.ended = r));
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.includes(start)) {
      phase = 'during';
      marks.started();
    } else if (args.includes(end)) {
      phase = 'after';
      marks.ended();
    } else if (phase === 'during' && args.some((a) => a.includes(prefix))) {
      // A script is a script, loaded (EVALSHA) or sent whole (EVAL): its own calls are counted too.
      seen.push(args[0]!.toLowerCase().replace(/^eval$/, 'evalsha'));
    }
  });
  try {
    await redis.get(start);
    await started;
    await fn();
    await redis.get(end);
    await ended;
  } finally {
    monitor.disconnect();
  }
  return seen;
}

describe('cancelling an escalation', () => {
  it("removes exactly the incident's pending jobs by their ids and leaves other incidents' jobs", async () => {
    const { h, escalations, queue } = await producer();
    for (let i = 0; i < 50; i++) await pendingEscalation(queue, 1000 + i);
    await pendingEscalation(queue, 7);
    expect(await pendingOf(escalations, 7)).toEqual([
      'exhausted-7-0',
      'page-7-0-0-0-alice-0',
      'page-7-0-0-0-alice-1',
      'step-7-0-0-1',
    ]);
    expect((await h.redis.smembers(h.keys.incidentJobs(7))).sort()).toEqual(await pendingOf(escalations, 7));

    expect(await escalations.cancel(7)).toBe(4);
    expect(await pendingOf(escalations, 7)).toEqual([]);
    expect(await h.redis.exists(h.keys.incidentJobs(7))).toBe(0);
    expect(await pendingOf(escalations, 1000)).toHaveLength(4);
    expect(await pendingOf(escalations, 1049)).toHaveLength(4);
    expect(await escalations.queue.getJobCountByTypes('delayed')).toBe(50 * 4);
    // Again: nothing left, nothing else touched.
    expect(await escalations.cancel(7)).toBe(0);
    expect(await escalations.queue.getJobCountByTypes('delayed')).toBe(50 * 4);
  });

  it("costs the same with 1,000 other incidents' delayed jobs queued as with none, and never loads the queue", async () => {
    const { h, escalations, queue } = await producer();
    // Once first, so that both measured cancels find BullMQ's scripts loaded.
    await pendingEscalation(queue, 99);
    expect(await escalations.cancel(99)).toBe(4);
    await pendingEscalation(queue, 1);
    const alone = await commandsOn(h.redis, h.keys.prefix, () => escalations.cancel(1));
    expect(await pendingOf(escalations, 1)).toEqual([]);

    for (let i = 0; i < 1000; i++) await pendingEscalation(queue, 100_000 + i);
    expect(await escalations.queue.getJobCountByTypes('delayed')).toBe(4000);
    await pendingEscalation(queue, 2);
    const scans = [
      vi.spyOn(escalations.queue, 'getJobs'),
      vi.spyOn(escalations.queue, 'getDelayed'),
      vi.spyOn(escalations.queue, 'getWaiting'),
    ];
    const crowded = await commandsOn(h.redis, h.keys.prefix, () => escalations.cancel(2));
    for (const scan of scans) expect(scan).not.toHaveBeenCalled();
    expect(await pendingOf(escalations, 2)).toEqual([]);
    expect(await escalations.queue.getJobCountByTypes('delayed')).toBe(4000);

    // The same commands, one for one: nothing in it grows with the other incidents' jobs.
    expect(crowded.length).toBeGreaterThan(0);
    expect(crowded.sort()).toEqual(alone.sort());
    // Well under one command per other incident's job (a scan reads each of the 4,000).
    expect(crowded.length).toBeLessThan(200);
  }, 120_000);
});

describe('a job that was not removed', () => {
  it('stands down when it runs after the acknowledgement: no page', async () => {
    const log = new PageLog();
    hark = await startTestHark(config(), {
      escalation: { transports: consoleTransports(log.write), formats: testFormats },
    });
    const h = hark;
    const res = await fetch(`${h.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
      body: JSON.stringify({ status: 'firing', summary: 'Late job' }),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
    await log.waitFor(new RegExp(`SMS to \\+15555550101: #${id} `));
    const ack = await fetch(`${h.url}/v1/incidents/${id}/acknowledge`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API}` },
    });
    expect(ack.status).toBe(200);
    // alice's second rule (10 minutes on) was removed. Its job again, as if it had escaped the
    // cancel (queued behind the index's back, as a step running during the acknowledgement
    // would add it), due now: it runs and must page no one.
    const queue = h.escalation!.escalations.queue;
    expect(await queue.getJob(`page-${id}-0-0-0-alice-1`)).toBeUndefined();
    // Waited on BullMQ's own completion event, not by polling the job's state.
    const connection = h.redis.duplicate({ maxRetriesPerRequest: null });
    const events = new QueueEvents(queue.name, {
      connection,
      ...(queue.opts.prefix ? { prefix: queue.opts.prefix } : {}),
    });
    await events.waitUntilReady();
    const late = await queue.add(
      'page',
      { kind: 'page', incident: id, cycle: 0, loop: 0, step: 0, person: 'alice', rule: 1, channel: 'sms' },
      { jobId: `page-${id}-0-0-0-alice-1` },
    );
    await late.waitUntilFinished(events, 10_000).finally(async () => {
      await events.close();
      await connection.quit();
    });
    expect(log.count(new RegExp(`#${id} `))).toBe(1);
    const types = (await h.store.get(id))!.timeline!.map((e) => e.type);
    expect(types.filter((t) => t === 'page.sent')).toHaveLength(1);
  });
});
