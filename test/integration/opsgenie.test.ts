/**
 * A real Alertmanager with `opsgenie_configs` whose `api_url` points at Hark: a group of alerts
 * creates one incident (Alertmanager's alias is the group's), each later notification of the group
 * joins it (dedup by alias), and resolving the alerts closes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/incidents/model.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startAlertmanager, until, type RunningAlertmanager } from '../support/alertmanager.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const KEY = 'og-genie-key-0123456789abcdef';

let hark: TestHark;
let am: RunningAlertmanager;

beforeAll(async () => {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101"}',
      'services:',
      '  - {name: nodes, match: {labels: {job: node}}, escalation_policy: main}',
      '  - {name: other, escalation_policy: main}',
      'integrations:',
      `  - {name: opsgenie, type: opsgenie, token: "${KEY}"}`,
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{person: alice}]'),
  });
  hark = await startTestHark(dir);
  am = await startAlertmanager(
    lines(
      'route:',
      '  receiver: hark',
      '  group_by: [alertname]',
      '  group_wait: 200ms',
      '  group_interval: 500ms',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: hark',
      '    opsgenie_configs:',
      `      - api_key: ${KEY}`,
      `        api_url: ${hark.url}/`,
      '        send_resolved: true',
      `        priority: '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}'`,
      `        tags: 'prod,{{ .CommonLabels.job }}'`,
      `        description: '{{ .CommonAnnotations.summary }}'`,
    ),
  );
});

afterAll(async () => {
  await am?.stop();
  await hark?.close();
  cleanupTmpConfigs();
});

const amLog = () => `--- alertmanager log ---\n${am.log().slice(-3000)}`;

const alert = (instance: string, times: { startsAt?: string; endsAt?: string } = {}) => ({
  labels: { alertname: 'NodeDown', job: 'node', instance, severity: 'critical' },
  annotations: { summary: 'A node is down' },
  ...times,
});

const nodeDown = async (): Promise<Incident[]> =>
  (await hark.store.list({ limit: 500 })).filter((i) => i.alerts.some((a) => a.source === 'opsgenie'));

describe('a real Alertmanager with opsgenie_configs', () => {
  it('creates one incident per group, dedupes by alias, and closes it when the alerts resolve', async () => {
    await am.push([alert('db-1:9100'), alert('db-2:9100')]);
    const [incident] = await until(
      async () => {
        const list = await nodeDown();
        return list.length === 1 ? list : null;
      },
      'the incident of the group',
      amLog,
    );
    expect(incident).toMatchObject({ state: 'triggered', service: 'nodes', severity: 'SEV-1' });
    expect(incident!.title).toMatch(/^\[FIRING:2\] NodeDown/);
    const [created] = incident!.alerts;
    expect(created!.key).toMatch(/^[0-9a-f]{64}$/); // Alertmanager's alias: the group key's hash
    expect(created).toMatchObject({
      details: 'A node is down',
      labels: expect.objectContaining({
        alertname: 'NodeDown',
        job: 'node',
        priority: 'P1',
        tags: 'prod,node',
      }),
    });

    // A third alert in the group: Alertmanager creates again with the same alias, which joins.
    await am.push([alert('db-1:9100'), alert('db-2:9100'), alert('db-3:9100')]);
    await until(
      async () => (await hark.store.get(incident!.id))!.alerts[0]!.summary.startsWith('[FIRING:3]'),
      'the group’s next notification',
      amLog,
    );
    const joined = (await hark.store.get(incident!.id))!;
    expect(joined.alerts).toHaveLength(1);
    expect(joined.alerts[0]!.key).toBe(created!.key);
    expect(await nodeDown()).toHaveLength(1);

    // Resolved as of Alertmanager's own clock: it closes the alias, and the incident resolves.
    const held = await am.alerts('alertname="NodeDown"');
    expect(held).toHaveLength(3);
    await am.push(
      held.map((a) => alert(a.labels['instance']!, { startsAt: a.startsAt, endsAt: a.updatedAt })),
    );
    const resolved = await until(
      async () => {
        const i = (await hark.store.get(incident!.id))!;
        return i.state === 'resolved' ? i : null;
      },
      'the incident to close',
      amLog,
    );
    expect(resolved.resolvedBy).toBe('integration:opsgenie');
    expect(resolved.timeline!.filter((e) => e.type === 'incident.opened')).toHaveLength(1);
    expect(am.log()).not.toMatch(/status code [45]\d\d|unexpected status code/);
  });
});
