/**
 * Escalation end to end with seconds-long delays, against real Redis and BullMQ: pages are
 * captured from the console channel (the channel Hark uses when no provider is configured).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { consoleTransports } from '../../src/pages/console.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { clockFrom } from '../support/clock.js';
import { testFormats } from '../support/formats.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';

const API = 'api-token-for-escalation-tests';
const GENERIC = 'generic-token-for-escalation';

const formats = testFormats;

function config(
  repeat: number | 'forever' = 1,
  ackTimeout = '30m',
  pageLimits = '{sms: [], voice: []}',
  escalateAfter = '1s',
): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101", notify: {high: [{sms: 0s}], low: [{sms: 0s}]}}',
      '  bob: {sms: "+15555550102", notify: {high: [{sms: 0s}]}}',
      '  carol: {sms: "+15555550103", email: carol@example.com, notify: {high: [{sms: 0s}, {email: 1s}]}}',
      'severities:',
      '  - {name: SEV-1, urgency: high, match: {labels: {severity: critical}}}',
      '  - {name: SEV-3, urgency: low, match: {labels: {severity: info}}}',
      'default_severity: SEV-1',
      'services:',
      '  - {name: main, escalation_policy: main, match: {labels: {team: main}}}',
      '  - {name: nobody, escalation_policy: empty-first}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'api_tokens:',
      `  - {name: cli, token: "${API}", person: carol}`,
      'settings:',
      `  ack_timeout: ${ackTimeout}`,
      `  page_limits: ${pageLimits}`,
    ),
    'schedules/main.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: primary, role: primary, members: [alice], start: 2026-01-01T00:00}',
      '  - {name: secondary, role: secondary, members: [bob], start: 2026-01-01T00:00}',
      '  - {name: gap, role: empty, members: [carol], start: 2099-01-01T00:00}',
    ),
    'escalation-policies/main.yaml': lines(
      `repeat: ${repeat}`,
      'steps:',
      '  - notify: [{schedule: main}]',
      `    escalate_after: ${escalateAfter}`,
      '  - notify: [{schedule: main, role: secondary}]',
      `    escalate_after: ${escalateAfter}`,
    ),
    'escalation-policies/empty-first.yaml': lines(
      'steps:',
      '  - notify: [{schedule: main, role: empty}]',
      '    escalate_after: 1h',
      '  - notify: [{person: carol}]',
      '    escalate_after: 1h',
    ),
  });
}

let log: PageLog;
let hark: TestHark;

async function start(
  repeat: number | 'forever' = 1,
  ackTimeout = '30m',
  pageLimits?: string,
  escalateAfter?: string,
) {
  log = new PageLog();
  hark = await startTestHark(config(repeat, ackTimeout, pageLimits, escalateAfter), {
    escalation: { transports: consoleTransports(log.write), formats },
    now: clockFrom('2026-03-04T12:00:00Z'), // the `gap` rotation (from 2099) holds nobody yet
  });
}

afterEach(async () => {
  await hark?.close();
});
afterAll(cleanupTmpConfigs);

async function fire(
  summary: string,
  labels: Record<string, string> = { team: 'main', severity: 'critical' },
) {
  const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary, labels }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

async function act(id: number, action: string) {
  const res = await fetch(`${hark.url}/v1/incidents/${id}/${action}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API}` },
  });
  expect(res.status).toBe(200);
}

const sms = (phone: string, id: number) => new RegExp(`^\\[page\\] SMS to \\${phone}: #${id} `);
const count = (re: RegExp) => log.pages.filter((p) => re.test(p)).length;

/** Waits until `re` has matched `n` pages (woken by each new page). */
async function pagesMatching(re: RegExp, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count(re) < n) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`expected ${n} pages matching ${re}; pages: ${JSON.stringify(log.pages)}`);
    await new Promise<void>((res) => {
      const timer = setTimeout(res, left);
      log.once('page', () => {
        clearTimeout(timer);
        res();
      });
    });
  }
}

async function pendingJobs(id: number): Promise<number> {
  const jobs = await hark.escalation!.escalations.queue.getJobs(['delayed', 'waiting'], 0, -1);
  return jobs.filter((j) => {
    const data = j.data as { incident: number; kind: string };
    return data.incident === id && data.kind !== 'ack-timeout';
  }).length;
}

const types = async (id: number) => (await hark.store.get(id))!.timeline!.map((e) => e.type);

describe('escalation', () => {
  it('pages the primary at once, the secondary after escalate_after, repeats, then says nobody acknowledged', async () => {
    await start(1);
    const t0 = Date.now();
    const id = await fire('Checkout down');
    await log.waitFor(sms('+15555550101', id));
    expect(Date.now() - t0).toBeLessThan(900);
    await log.waitFor(sms('+15555550102', id));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    await pagesMatching(sms('+15555550101', id), 2);
    await pagesMatching(sms('+15555550102', id), 2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    const deadline = Date.now() + 5000;
    while (!(await types(id)).includes('escalation.exhausted') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await types(id)).filter((t) => t === 'step.fired')).toHaveLength(4);
    expect(await types(id)).toContain('escalation.exhausted');
    expect(log.pages.filter((p) => p.includes(`#${id} `))).toHaveLength(4);
    expect((await hark.store.get(id))!.state).toBe('triggered');
  });

  it('an acknowledgement between steps stops everything', async () => {
    await start(1);
    const id = await fire('Ack me');
    await log.waitFor(sms('+15555550101', id));
    await act(id, 'acknowledge');
    expect(await pendingJobs(id)).toBe(0);
    // The secondary's step was due 1 s after the first page: give it that long and more.
    await new Promise((r) => setTimeout(r, 1500));
    expect(count(sms('+15555550102', id))).toBe(0);
    expect((await types(id)).filter((t) => t === 'step.fired')).toHaveLength(1);
  });

  it('resolving stops everything', async () => {
    await start(1);
    const id = await fire('Resolve me');
    await log.waitFor(sms('+15555550101', id));
    await act(id, 'resolve');
    expect(await pendingJobs(id)).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(count(sms('+15555550102', id))).toBe(0);
  });

  it('un-acknowledging restarts the escalation at step 1', async () => {
    await start(0);
    const id = await fire('Flapping');
    await log.waitFor(sms('+15555550101', id));
    await act(id, 'acknowledge');
    await act(id, 'unacknowledge');
    await pagesMatching(sms('+15555550101', id), 2);
    await log.waitFor(sms('+15555550102', id));
  });

  it('a step that resolves to nobody is on the timeline and the next step fires at once', async () => {
    await start(0);
    const t0 = Date.now();
    const id = await fire('Nobody home', { severity: 'critical' });
    await log.waitFor(sms('+15555550103', id));
    expect(Date.now() - t0).toBeLessThan(1500);
    const timeline = (await hark.store.get(id))!.timeline!;
    expect(timeline.find((e) => e.type === 'step.fired')).toMatchObject({
      step: 1,
      people: [],
      note: 'the step resolved to nobody; the next step fires at once',
    });
  });

  it('pages each person along their notify rules, each after its delay', async () => {
    await start(0);
    const id = await fire('Nobody home either', { severity: 'critical' });
    const t0 = Date.now();
    await log.waitFor(sms('+15555550103', id));
    await log.waitFor(new RegExp(`^\\[page\\] EMAIL to carol@example.com: #${id} `));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('low urgency notifies step 1 only and never escalates', async () => {
    await start(1);
    const id = await fire('Disk 80%', { team: 'main', severity: 'info' });
    await log.waitFor(sms('+15555550101', id));
    expect(await pendingJobs(id)).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(count(sms('+15555550102', id))).toBe(0);
    expect((await hark.store.get(id))!.urgency).toBe('low');
  });

  it('an acknowledged incident re-triggers after ack_timeout and escalates from step 1 again', async () => {
    await start(0, '1s');
    const id = await fire('Acked and forgotten');
    await log.waitFor(sms('+15555550101', id));
    await act(id, 'acknowledge');
    await pagesMatching(sms('+15555550101', id), 2);
    const incident = (await hark.store.get(id))!;
    expect(incident.state).toBe('triggered');
    expect(incident.timeline!.map((e) => e.type)).toContain('incident.ack-timeout');
  });

  it('the overdue sweep fires a step whose job was lost, once, and says so', async () => {
    await start(0);
    const id = await fire('Lost job');
    await log.waitFor(sms('+15555550101', id));
    // Lose the pending step-2 job, as a Redis failover might.
    const queue = hark.escalation!.escalations.queue;
    const lost = (await queue.getJobs(['delayed'], 0, -1)).find((j) => j.id === `step-${id}-0-0-1`);
    expect(lost).toBeDefined();
    await lost!.remove();
    await log.waitFor(sms('+15555550102', id));
    const timeline = (await hark.store.get(id))!.timeline!;
    expect(timeline.filter((e) => e.type === 'escalation.caught-up')).toHaveLength(1);
    expect(count(sms('+15555550102', id))).toBe(1);
  });

  it('holds pages over the per-person limit and sends them as one bundle when the limit allows', async () => {
    await start(0, '30m', '{sms: [{count: 1, per: 2s}]}');
    const t0 = Date.now();
    const first = await fire('Storm 1');
    await log.waitFor(sms('+15555550101', first));
    const second = await fire('Storm 2');
    const third = await fire('Storm 3');
    const fourth = await fire('Storm 4');
    await act(fourth, 'acknowledge'); // no longer needs anyone: left out of the bundle
    const bundle = await log.waitFor(/^\[page\] SMS to \+15555550101: \d+ new incidents/);
    expect(bundle).toBe(`[page] SMS to +15555550101: 2 new incidents: #${second} #${third}`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(count(/SMS to \+15555550101/)).toBe(2);
    // The bundle is put on each incident's timeline right after it is sent.
    const deadline = Date.now() + 5000;
    while (!(await types(second)).includes('page.bundled') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await types(second)).toEqual(expect.arrayContaining(['page.throttled', 'page.bundled']));
    expect(await types(fourth)).not.toContain('page.bundled');
  });

  it('escalate fires the next step now; with nothing left it is refused', async () => {
    await start(0, '30m', undefined, '1h');
    const id = await fire('Escalate me');
    await log.waitFor(sms('+15555550101', id));
    const t0 = Date.now();
    const res = await fetch(`${hark.url}/v1/incidents/${id}/escalate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API}` },
    });
    expect(res.status).toBe(200);
    await log.waitFor(sms('+15555550102', id));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await types(id)).toContain('incident.escalated');
    const again = await fetch(`${hark.url}/v1/incidents/${id}/escalate`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API}` },
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toBe(
      `cannot escalate #${id}: no further step is pending (the policy has run out)`,
    );
  });

  it('repeat: forever keeps paging round the policy until someone acknowledges', async () => {
    await start('forever');
    const id = await fire('Forever');
    await pagesMatching(sms('+15555550101', id), 3, 15_000);
    await act(id, 'acknowledge');
    expect(await pendingJobs(id)).toBe(0);
    const loops = (await hark.store.get(id))!
      .timeline!.filter((e) => e.type === 'step.fired')
      .map((e) => e.loop);
    expect(new Set(loops)).toEqual(new Set([1, 2, 3]));
    expect(await types(id)).not.toContain('escalation.exhausted');
  });
});
