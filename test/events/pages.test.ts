/**
 * A subscriber that throws, and one that hangs, do not delay pages: with both busy on a backlog
 * of events, an alert's first SMS goes out as fast as without any subscriber.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../src/events/subscriber.js';
import { consoleTransports } from '../../src/pages/console.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { clockFrom } from '../support/clock.js';
import { testFormats } from '../support/formats.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';
import { note, until, writeEvents } from './support.js';

const GENERIC = 'generic-token-for-event-pages';

const dir = () =>
  tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101", notify: {high: [{sms: 0s}]}}',
      'services:',
      '  - {name: main, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'settings:',
      '  page_limits: {sms: [], voice: []}',
    ),
    'schedules/main.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: primary, role: primary, members: [alice], start: 2026-01-01T00:00}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: main}]',
      '    escalate_after: 1h',
    ),
  });

let hark: TestHark | null = null;
afterEach(async () => {
  await hark?.close();
  hark = null;
});
afterAll(cleanupTmpConfigs);

/** Fires alerts one after another; the ms from each POST to its SMS at the console channel. */
async function firstSmsTimes(subscribers?: Subscriber[]): Promise<number[]> {
  const log = new PageLog();
  hark = await startTestHark(dir(), {
    escalation: { transports: consoleTransports(log.write), formats: testFormats },
    now: clockFrom('2026-03-04T12:00:00Z'),
    subscribers,
  });
  // A backlog for the subscribers to be stuck on.
  await writeEvents(
    hark.redis,
    hark.keys,
    Array.from({ length: 50 }, (_, i) => ({ incident: 1000 + i, event: note(i) })),
  );
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
      body: JSON.stringify({ status: 'firing', summary: `disk ${i}`, dedup_key: `disk-${i}` }),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
    await log.waitFor(new RegExp(`^\\[page\\] SMS to \\+15555550101: #${id} `), 5000);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

describe('subscribers and pages', () => {
  it('a throwing and a hung subscriber do not delay pages', async () => {
    const baseline = await firstSmsTimes();
    await hark!.close();
    hark = null;

    let throws = 0;
    const throwing: Subscriber = {
      name: 'throwing',
      handle: async () => {
        throws++;
        throw new Error('always down');
      },
    };
    const hung: Subscriber = { name: 'hung', handle: () => new Promise(() => {}) };
    const withSubscribers = await firstSmsTimes([throwing, hung]);
    await until(() => throws >= 3);
    const median = (t: number[]) => t[Math.floor(t.length / 2)]!;
    // Every page within a second, and the median not more than 100 ms above the baseline's.
    expect(withSubscribers.at(-1)!).toBeLessThan(1000);
    expect(median(withSubscribers)).toBeLessThan(median(baseline) + 100);
    const metrics = await hark!.metrics.registry.metrics();
    expect(metrics).toMatch(/hark_subscriber_failures_total\{subscriber="throwing"\} [3-9]/);
    expect(metrics).not.toContain('hark_subscriber_delivered_total{subscriber="throwing"}');
  });
});
