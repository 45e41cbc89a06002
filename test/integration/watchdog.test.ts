/**
 * Watchdog mode with a real Alertmanager: its always-firing Watchdog alert, sent again every
 * half second through `webhook_configs`, pings the integration's heartbeat and opens no incident
 * while it flows (other alerts of the same integration still do); when Alertmanager stops, the
 * heartbeat is missed and one incident opens; when it is back, that incident resolves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeartbeatView } from '../../src/heartbeats/schema.js';
import type { Incident } from '../../src/incidents/model.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startAlertmanager, until, type RunningAlertmanager } from '../support/alertmanager.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const TOKEN = 'am-watchdog-token-0123456789';
/** The Watchdog must come again within this (Alertmanager repeats it every ~0.5 s here). */
const WITHIN_S = 2;

let hark: TestHark;
let am: RunningAlertmanager | null = null;

function amConfig(): string {
  return lines(
    'route:',
    '  receiver: hark',
    '  group_by: [alertname]',
    '  group_wait: 100ms',
    '  group_interval: 500ms',
    '  repeat_interval: 500ms',
    'receivers:',
    '  - name: hark',
    '    webhook_configs:',
    `      - url: ${hark.url}/v1/alerts/prom`,
    '        send_resolved: true',
    '        max_alerts: 1000',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: ${TOKEN}`,
  );
}

/** Prometheus' Watchdog, as the kube-prometheus rules define it. */
const WATCHDOG = {
  labels: { alertname: 'Watchdog', severity: 'none', cluster: 'eu-1' },
  annotations: {
    summary: 'An alert that should always be firing to certify that Alertmanager is working properly.',
  },
};

beforeAll(async () => {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101"}',
      'services:',
      '  - {name: nodes, match: {labels: {job: node}}, escalation_policy: main}',
      '  - {name: monitoring, escalation_policy: main}',
      'integrations:',
      `  - {name: prom, type: alertmanager, token: "${TOKEN}", heartbeat: {alertname: Watchdog, within: ${WITHIN_S}s}}`,
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{person: alice}]'),
  });
  hark = await startTestHark(dir, { heartbeats: { checkEveryMs: 100 } });
});

afterAll(async () => {
  await am?.stop();
  await hark?.close();
  cleanupTmpConfigs();
});

const amLog = () => `--- alertmanager log ---\n${am?.log().slice(-3000) ?? ''}`;

async function watchdog(): Promise<HeartbeatView> {
  return (await hark.parts.heartbeats.list()).find((h) => h.name === 'prom-watchdog')!;
}

const heartbeatIncidents = async (): Promise<Incident[]> =>
  (await hark.store.list({ limit: 500 })).filter((i) => i.alerts.some((a) => a.source === 'heartbeat'));

describe('Watchdog mode with a real Alertmanager', () => {
  it('takes the flowing Watchdog as pings, opens an incident once it stops, and resolves it when it is back', async () => {
    am = await startAlertmanager(amConfig());
    await am.push([WATCHDOG, { labels: { alertname: 'NodeDown', job: 'node', instance: 'db-1' } }]);

    // Flowing: ping after ping, for longer than `within`, and no incident for it.
    const first = await until(async () => (await watchdog()).lastPingAt, 'the first Watchdog ping', amLog);
    const flowing = await until(
      async () => {
        const w = await watchdog();
        return w.pings >= 3 && Date.parse(w.lastPingAt!) - Date.parse(first) > 1.5 * WITHIN_S * 1000
          ? w
          : null;
      },
      'the Watchdog to flow for longer than within',
      amLog,
    );
    expect(flowing).toMatchObject({
      kind: 'watchdog',
      integration: 'prom',
      alertname: 'Watchdog',
      status: 'up',
    });
    expect(await heartbeatIncidents()).toEqual([]);
    const all = await hark.store.list({ limit: 500 });
    // The other alert of the same requests is an ordinary incident; the Watchdog never is.
    expect(all.map((i) => i.title)).toEqual(['NodeDown on db-1']);
    expect(all.flatMap((i) => i.alerts).some((a) => a.labels['alertname'] === 'Watchdog')).toBe(false);

    // Alertmanager stops: the Watchdog stops coming, the heartbeat is missed, one incident opens.
    await am.stop();
    const [incident] = await until(
      async () => {
        const list = await heartbeatIncidents();
        return list.length > 0 ? list : null;
      },
      'the missed Watchdog’s incident',
      amLog,
    );
    expect(incident).toMatchObject({ service: 'monitoring', severity: 'SEV-1', state: 'triggered' });
    expect(incident!.title).toMatch(/^heartbeat prom-watchdog missed since \d\d:\d\d$/);
    // The last Watchdog's labels route it (a service or severity rule on them takes its absence).
    expect(incident!.alerts[0]!.labels).toEqual({
      alertname: 'HeartbeatMissed',
      heartbeat: 'prom-watchdog',
      severity: 'none',
      cluster: 'eu-1',
    });
    expect(await watchdog()).toMatchObject({ status: 'missed', incident: incident!.id });
    expect(await hark.parts.heartbeats.sweep()).toBe(0);
    expect(await heartbeatIncidents()).toHaveLength(1);

    // Back: the first Watchdog again resolves it.
    am = await startAlertmanager(amConfig());
    await am.push([WATCHDOG]);
    await until(
      async () => ((await hark.store.get(incident!.id))!.state === 'resolved' ? true : null),
      'the incident to resolve when the Watchdog is back',
      amLog,
    );
    expect((await watchdog()).status).toBe('up');
    expect(am.log()).not.toMatch(/status code [45]\d\d/);
  });
});
