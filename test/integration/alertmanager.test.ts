/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager) with a webhook receiver
 * pointed at Hark with a bearer token: alerts pushed through its API open incidents, repeats
 * dedupe, and resolving the alerts resolves the incident.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/model.js';
import { freePort } from '../../src/redis/managed.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { serverTestConfig, TOKENS } from '../server/config.js';
import { startTestHark, type TestHark } from '../support/harness.js';

let hark: TestHark;
let am: ChildProcess;
let amUrl: string;
let amLog = '';

beforeAll(async () => {
  hark = await startTestHark(serverTestConfig());
  const dir = mkdtempSync(join(tmpdir(), 'hark-am-'));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: hark',
      '  group_by: [alertname]',
      '  group_wait: 200ms',
      '  group_interval: 500ms',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: hark',
      '    webhook_configs:',
      `      - url: ${hark.url}/v1/alerts/am`,
      '        send_resolved: true',
      '        max_alerts: 1000',
      '        http_config:',
      '          authorization:',
      '            type: Bearer',
      `            credentials: ${TOKENS.am}`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  amUrl = `http://127.0.0.1:${port}`;
  am = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  am.stdout!.on('data', (c: Buffer) => (amLog += c.toString()));
  am.stderr!.on('data', (c: Buffer) => (amLog += c.toString()));
  await until(
    async () => (await fetch(`${amUrl}/-/ready`).catch(() => null))?.ok === true,
    'Alertmanager ready',
  );
});

afterAll(async () => {
  am?.kill();
  await hark?.close();
  cleanupTmpConfigs();
});

async function until<T>(
  check: () => Promise<T | false | null | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n--- alertmanager log ---\n${amLog.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function pushAlerts(alerts: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${amUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  expect(res.status).toBe(200);
}

/** A NodeDown alert; without times, Alertmanager stamps it with its own clock (not ours). */
const alert = (instance: string, times: { startsAt?: string; endsAt?: string } = {}) => ({
  labels: { alertname: 'NodeDown', job: 'node', instance, severity: 'critical' },
  annotations: { summary: `${instance} is down`, runbook_url: 'https://runbooks.example.com/node-down' },
  ...times,
  generatorURL: 'http://prometheus.example.com/graph',
});

const incidentsFor = async (title: RegExp): Promise<Incident[]> =>
  (await hark.store.list({ limit: 500 })).filter((i) => title.test(i.title));

describe('a real Alertmanager', () => {
  it('opens one incident per group, dedupes repeats, and resolves when the alerts resolve', async () => {
    await pushAlerts([alert('db-1:9100'), alert('db-2:9100')]);
    const [incident] = await until(async () => {
      const list = await incidentsFor(/is down/);
      return list.length === 1 && list[0]!.alerts.length === 2 ? list : null;
    }, 'an incident with both alerts');
    expect(incident).toMatchObject({
      state: 'triggered',
      service: 'nodes',
      severity: 'SEV-1',
      key: 'nodes:alertname=NodeDown',
      runbook: 'https://runbooks.example.com/node-down',
    });

    // The same alerts again, and a third one in the same group: still one incident.
    await pushAlerts([alert('db-1:9100'), alert('db-2:9100'), alert('db-3:9100')]);
    await until(
      async () => (await hark.store.get(incident!.id))!.alerts.length === 3,
      'the third alert to join',
    );
    expect(await incidentsFor(/is down/)).toHaveLength(1);

    // Resolve them all: Alertmanager sends the resolved notification, and the incident resolves.
    // Ended as of Alertmanager's clock (its startsAt and updatedAt of each), so the test never
    // depends on this machine's clock agreeing with Alertmanager's.
    const held = (await (await fetch(`${amUrl}/api/v2/alerts?filter=alertname%3D%22NodeDown%22`)).json()) as {
      labels: { instance: string };
      startsAt: string;
      updatedAt: string;
    }[];
    expect(held).toHaveLength(3);
    await pushAlerts(
      held.map((a) => alert(a.labels.instance, { startsAt: a.startsAt, endsAt: a.updatedAt })),
    );
    const resolved = await until(async () => {
      const i = (await hark.store.get(incident!.id))!;
      return i.state === 'resolved' ? i : null;
    }, 'the incident to resolve');
    expect(resolved.alerts.every((a) => a.status === 'resolved')).toBe(true);
    expect(resolved.resolvedBy).toBe('integration:am');
    expect(resolved.timeline!.filter((e) => e.type === 'incident.opened')).toHaveLength(1);
    expect(amLog).not.toMatch(/status code 4\d\d|status code 5\d\d/);
  });
});
