/**
 * Grouping with the example config (hark.yaml at the repository root): `checkout` groups by
 * `[alertname, cluster]`. An alert with none of those labels is not grouped with other such alerts
 * (issue 10 item 2: a Datadog P1 joined the open "Test alert" incident and paged nobody); an alert
 * with some of them groups on those, a missing label counting as empty. Resolves find their
 * incident whichever kind of key it has.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleTransports } from '../../src/pages/console.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { clockFrom } from '../support/clock.js';
import { PageLog } from '../support/page-log.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** The example's tokens: `${NAME:-default}` with no environment. */
const GENERIC = { Authorization: 'Bearer example-generic-token' };
const DATADOG = { 'X-Hark-Token': 'example-datadog-token' };

let hark: TestHark;
const log = new PageLog();
beforeAll(async () => {
  // A fixed instant inside the example platform rotation (it starts 2026-01-05): someone is on call.
  hark = await startTestHark(ROOT, {
    now: clockFrom('2026-03-04T12:00:00Z'),
    escalation: { transports: consoleTransports(log.write), formats: createPageFormats('s') },
  });
});
afterAll(async () => {
  await hark.close();
});

interface Answer {
  incidents: { id: number; key: string; status: string; new: boolean }[];
}

async function post(integration: string, headers: Record<string, string>, body: unknown): Promise<Answer> {
  const res = await fetch(`${hark.url}/v1/alerts/${integration}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as Answer;
}

/** The README's quick-start alert. */
const testAlert = (status: 'firing' | 'resolved') => ({
  status,
  summary: 'Test alert',
  severity: 'critical',
  labels: { team: 'payments' },
});

/** A Datadog P1 for the payments team: no `alertname`, no `cluster`. */
const datadogP1 = (cycle: string, transition: 'Triggered' | 'Recovered') => ({
  alert_cycle_key: cycle,
  alert_transition: transition,
  alert_priority: 'P1',
  alert_title: `[${transition}] Payments DB connections exhausted`,
  event_msg: 'Connections at 100% of max_connections.',
  link: `https://app.datadoghq.com/event/event?id=${cycle}`,
  tags: 'team:payments,env:prod',
  alert_id: '7654321',
});

/** Waits until the incident's escalation has queued a page to someone (rate limits may hold it). */
async function paged(id: number): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const incident = await hark.store.get(id);
    const queued = (incident?.timeline ?? []).filter((e) => e.type === 'page.queued');
    if (queued.length > 0) return queued.map((e) => String((e as { person?: unknown }).person));
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`incident #${id} paged nobody; pages printed: ${JSON.stringify(log.pages)}`);
}

describe('grouping with the example config', () => {
  it('a Datadog P1 with none of the group_by labels opens its own incident and pages, beside an open "Test alert"', async () => {
    const first = await post('scripts', GENERIC, testAlert('firing'));
    expect(first.incidents).toHaveLength(1);
    const test = first.incidents[0]!;
    expect(test).toMatchObject({ status: 'triggered', new: true });
    await paged(test.id);

    const dd = await post('datadog', DATADOG, datadogP1('8000000000000000001', 'Triggered'));
    expect(dd.incidents).toEqual([
      {
        id: expect.any(Number) as number,
        key: 'checkout:alert=datadog%2F8000000000000000001',
        status: 'triggered',
        new: true,
      },
    ]);
    const ddId = dd.incidents[0]!.id;
    expect(ddId).not.toBe(test.id);
    const incident = await hark.store.get(ddId);
    expect(incident).toMatchObject({ service: 'checkout', severity: 'SEV-1', state: 'triggered' });
    expect((await paged(ddId)).length).toBeGreaterThan(0);
    // The generic "Test alert" has neither `alertname` nor `cluster` either: its own dedup key.
    expect(test.key).toMatch(/^checkout:alert=scripts%2F/);

    // Another Datadog monitor without the labels: a third incident, not the second.
    const other = await post('datadog', DATADOG, datadogP1('8000000000000000002', 'Triggered'));
    expect(other.incidents[0]).toMatchObject({ new: true, status: 'triggered' });
    expect(other.incidents[0]!.id).not.toBe(ddId);

    // Resolves find their incidents by the alert, whichever key the incident has.
    const recovered = await post('datadog', DATADOG, datadogP1('8000000000000000001', 'Recovered'));
    expect(recovered.incidents).toEqual([
      { id: ddId, key: 'checkout:alert=datadog%2F8000000000000000001', status: 'resolved', new: false },
    ]);
    expect((await hark.store.get(test.id))?.state).toBe('triggered');
    expect((await hark.store.get(other.incidents[0]!.id))?.state).toBe('triggered');
    const testResolved = await post('scripts', GENERIC, testAlert('resolved'));
    expect(testResolved.incidents).toEqual([{ ...test, status: 'resolved', new: false }]);
  });

  it('an alert with some of the group_by labels groups on them, a missing one counting as empty', async () => {
    const alert = (dedup: string, status: 'firing' | 'resolved', labels: Record<string, string>) => ({
      status,
      dedup_key: dedup,
      summary: `Checkout latency ${dedup}`,
      severity: 'critical',
      labels: { team: 'payments', alertname: 'CheckoutLatencyHigh', ...labels },
    });
    const a = await post('scripts', GENERIC, alert('lat-a', 'firing', {}));
    expect(a.incidents[0]).toMatchObject({
      key: 'checkout:alertname=CheckoutLatencyHigh&cluster=',
      new: true,
    });
    // An empty value is a missing label, as in Alertmanager.
    const b = await post('scripts', GENERIC, alert('lat-b', 'firing', { cluster: '' }));
    expect(b.incidents[0]).toMatchObject({ id: a.incidents[0]!.id, new: false });
    const eu = await post('scripts', GENERIC, alert('lat-eu', 'firing', { cluster: 'eu-1' }));
    expect(eu.incidents[0]).toMatchObject({
      key: 'checkout:alertname=CheckoutLatencyHigh&cluster=eu-1',
      new: true,
    });
    // Resolving both alerts of the grouped incident resolves it; the eu-1 one stays open.
    expect((await post('scripts', GENERIC, alert('lat-a', 'resolved', {}))).incidents[0]?.status).toBe(
      'triggered',
    );
    expect(
      (await post('scripts', GENERIC, alert('lat-b', 'resolved', { cluster: '' }))).incidents[0],
    ).toMatchObject({ id: a.incidents[0]!.id, status: 'resolved' });
    expect((await hark.store.get(eu.incidents[0]!.id))?.state).toBe('triggered');
  });
});
