/**
 * The incident event stream (issue 11, item 1): every change of an incident is one typed event,
 * written to its timeline and to the global stream in the same atomic step; a refused change
 * writes none. A scripted incident life through the real API, escalation worker and Redis.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { timelineEventSchema, type TimelineEvent } from '../../src/events/schema.js';
import { consoleTransports } from '../../src/pages/console.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { testFormats } from '../support/formats.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';

const API = 'api-token-for-event-stream-tests';
const GENERIC = 'generic-token-for-event-stream';

function config(ackTimeout: string): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101", notify: {high: [{sms: 0s}]}}',
      '  bob: {sms: "+15555550102", notify: {high: [{sms: 0s}]}}',
      'severities:',
      '  - {name: SEV-1, urgency: high, match: {labels: {severity: critical}}}',
      'default_severity: SEV-1',
      'services:',
      '  - {name: main, escalation_policy: main, group_by: [alertname], match: {labels: {team: main}}}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'api_tokens:',
      `  - {name: cli, token: "${API}", person: bob}`,
      'settings:',
      `  ack_timeout: ${ackTimeout}`,
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
      '  - notify: [{person: bob}]',
      '    escalate_after: 1h',
    ),
  });
}

let hark: TestHark;
afterEach(async () => {
  await hark?.close();
});
afterAll(cleanupTmpConfigs);

async function start(ackTimeout = '30m') {
  const log = new PageLog();
  hark = await startTestHark(config(ackTimeout), {
    escalation: { transports: consoleTransports(log.write), formats: testFormats },
  });
}

async function post(path: string, body?: unknown, token = API): Promise<Response> {
  return fetch(`${hark.url}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function fire(summary: string, key: string): Promise<number> {
  const res = await post(
    '/v1/alerts/scripts',
    { status: 'firing', summary, key, labels: { team: 'main', severity: 'critical', alertname: 'Disk' } },
    GENERIC,
  );
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

interface Entry {
  readonly id: string;
  readonly incident: number;
  readonly event: TimelineEvent;
  readonly raw: string;
}

/** The whole global stream, as written. */
async function stream(): Promise<Entry[]> {
  const entries = await hark.redis.xrange(hark.keys.events, '-', '+');
  return entries.map(([id, fields]) => {
    const f = Object.fromEntries(
      fields.flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]!] as const] : [])),
    );
    return { id, incident: Number(f.incident), event: JSON.parse(f.event!) as TimelineEvent, raw: f.event! };
  });
}

async function timeline(id: number): Promise<string[]> {
  return hark.redis.lrange(hark.keys.incidentTimeline(id), 0, -1);
}

/** Waits until the incident's timeline has an event of `type` (woken by polling the list). */
async function eventually(id: number, type: string, n = 1, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = (await timeline(id)).filter((e) => (JSON.parse(e) as TimelineEvent).type === type).length;
    if (seen >= n) return;
    if (Date.now() > deadline)
      throw new Error(`no ${n}× ${type} on #${id}: ${(await timeline(id)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The incident-level events (not the pages' and steps', whose count depends on the notify rules). */
const INCIDENT_LEVEL = new Set([
  'incident.opened',
  'alert.firing',
  'alert.resolved',
  'incident.acknowledged',
  'incident.unacknowledged',
  'incident.ack-timeout',
  'incident.escalated',
  'incident.resolved',
  'note.added',
  'role.assigned',
]);

describe('the incident event stream', () => {
  it('a scripted life: every change is in the stream exactly once, in order, typed, and the same as the timeline', async () => {
    await start('1s');
    const id = await fire('Disk full on db-1', 'disk-db-1');
    await eventually(id, 'page.sent');
    expect(await fire('Disk full on db-2', 'disk-db-2')).toBe(id); // a second alert joins

    expect((await post(`/v1/incidents/${id}/acknowledge`)).status).toBe(200);
    // settings.ack_timeout (1 s): the worker re-triggers it, and paging restarts at step 1.
    await eventually(id, 'incident.ack-timeout');
    await eventually(id, 'page.sent', 2);
    expect((await post(`/v1/incidents/${id}/escalate`)).status).toBe(200);
    await eventually(id, 'step.fired', 3);
    expect((await post(`/v1/incidents/${id}/acknowledge`)).status).toBe(200);
    expect((await post(`/v1/incidents/${id}/unacknowledge`)).status).toBe(200);
    expect((await post(`/v1/incidents/${id}/notes`, { text: 'rotated the logs' })).status).toBe(200);
    expect((await post(`/v1/incidents/${id}/roles`, { role: 'scribe', person: 'alice' })).status).toBe(200);
    expect((await post(`/v1/incidents/${id}/resolve`)).status).toBe(200);

    const entries = await stream();
    // The stream and the timeline carry the same events, byte for byte, in the same order.
    expect(entries.every((e) => e.incident === id)).toBe(true);
    expect(entries.map((e) => e.raw)).toEqual(await timeline(id));
    // Each one has its typed shape.
    for (const e of entries) expect(timelineEventSchema.safeParse(e.event).error).toBeUndefined();
    // Stream ids increase.
    const ms = entries.map((e) => e.id.split('-').map(Number) as [number, number]);
    for (let i = 1; i < ms.length; i++) {
      const [a, b] = [ms[i - 1]!, ms[i]!];
      expect(b[0] > a[0] || (b[0] === a[0] && b[1] > a[1])).toBe(true);
    }
    expect(entries.map((e) => e.event.type).filter((t) => INCIDENT_LEVEL.has(t))).toEqual([
      'incident.opened',
      'alert.firing',
      'incident.acknowledged',
      'incident.ack-timeout',
      'incident.escalated',
      'incident.acknowledged',
      'incident.unacknowledged',
      'note.added',
      'role.assigned',
      'incident.resolved',
    ]);
    const types = entries.map((e) => e.event.type);
    expect(types).toContain('step.fired');
    expect(types).toContain('page.queued');
    expect(types).toContain('page.sent');
    const opened = entries[0]!.event;
    expect(opened).toMatchObject({
      type: 'incident.opened',
      service: 'main',
      severity: 'SEV-1',
      actor: 'integration:scripts',
    });
  });

  it('a refused change (acknowledging a resolved incident, a note on a missing one) writes no event', async () => {
    await start();
    const id = await fire('Disk full on db-3', 'disk-db-3');
    await eventually(id, 'page.sent');
    expect((await post(`/v1/incidents/${id}/resolve`)).status).toBe(200);
    const before = await stream();
    expect((await post(`/v1/incidents/${id}/acknowledge`)).status).toBe(409);
    expect((await post(`/v1/incidents/${id}/resolve`)).status).toBe(409);
    expect((await post(`/v1/incidents/${id + 1}/notes`, { text: 'x' })).status).toBe(404);
    expect((await post(`/v1/incidents/${id}/unacknowledge`)).status).toBe(409);
    expect(await stream()).toEqual(before);
    expect(await timeline(id)).toEqual(before.map((e) => e.raw));
  });
});
