import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alertsOf, errorOf, expectBad, fixture, fixtureObject } from './support.js';

type Body = Record<string, unknown>;
const alert = (over: Body = {}): Body => ({
  status: 'firing',
  labels: { alertname: 'InstanceDown', instance: 'db-1:9100' },
  annotations: {},
  ...over,
});
const message = (...alerts: Body[]): Body => ({ version: '4', alerts });

describe('alertmanager: a firing group with truncatedAlerts', () => {
  const alerts = alertsOf('alertmanager', fixture('alertmanager-firing.json'));

  it('gives one alert per element of alerts[], with each alert’s own status', () => {
    expect(alerts.map((a) => [a.key, a.status])).toEqual([
      ['1a30ba71cca2921f', 'firing'],
      ['bc97ff14869b13e3', 'firing'],
      ['c6eadffa33fcdf37', 'firing'],
      [expect.stringMatching(/^[0-9a-f]{16}$/), 'resolved'],
    ]);
  });

  it('normalizes every field of an alert with summary, description and runbook_url', () => {
    expect(alerts[0]).toEqual({
      source: 'alertmanager',
      integration: 'alertmanager-prod',
      key: '1a30ba71cca2921f',
      status: 'firing',
      action: null,
      summary: 'db-1:9100 is down',
      details: 'db-1:9100 of job node has been down for more than 5 minutes.\nCheck the host.',
      labels: { alertname: 'InstanceDown', instance: 'db-1:9100', job: 'node', severity: 'critical' },
      annotations: {
        summary: 'db-1:9100 is down',
        description: 'db-1:9100 of job node has been down for more than 5 minutes.\nCheck the host.',
        runbook_url: 'https://runbooks.example.com/instance-down',
      },
      links: [{ href: 'https://prometheus.example.com/graph?g0.expr=up+%3D%3D+0&g0.tab=1', text: 'Source' }],
      runbookUrl: 'https://runbooks.example.com/instance-down',
      startsAt: '2024-05-01T10:00:00.739Z',
      endsAt: null,
    });
  });

  it('falls back to the first line of the description, keeping the whole description as details', () => {
    expect(alerts[1]!.summary).toBe('db-2:9100 of job node has been down for more than 5 minutes.');
    expect(alerts[1]!.details).toBe(
      'db-2:9100 of job node has been down for more than 5 minutes.\nCheck the host.',
    );
  });

  it('drops a relative generatorURL and a runbook annotation that is not a URL', () => {
    expect(alerts[1]!.links).toEqual([]);
    expect(alerts[1]!.runbookUrl).toBeNull();
    expect(alerts[1]!.annotations['runbook']).toBe('instance-down');
  });

  it('falls back to "alertname on instance" without annotations, and ignores unknown fields', () => {
    expect(alerts[2]!.summary).toBe('InstanceDown on db-3:9100');
    expect(alerts[2]!.details).toBeNull();
  });

  it('reports endsAt only for resolved alerts, in UTC with milliseconds', () => {
    expect(alerts.map((a) => [a.startsAt, a.endsAt])).toEqual([
      ['2024-05-01T10:00:00.739Z', null],
      ['2024-05-01T10:01:00.000Z', null],
      ['2024-05-01T10:02:00.000Z', null],
      ['2024-05-01T09:00:00.000Z', '2024-05-01T09:58:30.500Z'],
    ]);
  });

  it('hashes the sorted labels (sha256, 16 hex digits) when there is no fingerprint', () => {
    const labels = { alertname: 'InstanceDown', instance: 'db-4:9100', job: 'node', severity: 'critical' };
    const sorted = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
    const expected = createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
    expect(alerts[3]!.key).toBe(expected);
  });
});

describe('alertmanager: a resolved group', () => {
  const alerts = alertsOf('alertmanager', fixture('alertmanager-resolved.json'));

  it('resolves every alert, with its end converted to UTC', () => {
    expect(alerts.map((a) => [a.key, a.status, a.endsAt])).toEqual([
      ['0f3e1bdc9a8e7a11', 'resolved', '2024-05-01T09:00:00.000Z'],
      ['5d1c7e0b22f4a9c3', 'resolved', '2024-05-01T08:00:00.000Z'],
    ]);
    expect(alerts.every((a) => a.action === null && a.summary === 'Disk almost full')).toBe(true);
  });
});

describe('alertmanager: keys and summaries', () => {
  it('gives the same hash key whatever the label order, and another for other labels', () => {
    const key = (labels: Record<string, string>) =>
      alertsOf('alertmanager', message(alert({ labels })))[0]!.key;
    expect(key({ a: '1', b: '2' })).toBe(key({ b: '2', a: '1' }));
    expect(key({ a: '1', b: '2' })).not.toBe(key({ a: '1', b: '3' }));
  });

  it('uses the hash when the fingerprint is empty', () => {
    const [a] = alertsOf('alertmanager', message(alert({ fingerprint: '' })));
    expect(a!.key).toMatch(/^[0-9a-f]{16}$/);
  });

  it('uses the message annotation, then alertname alone, then the label set', () => {
    const summary = (over: Body) => alertsOf('alertmanager', message(alert(over)))[0]!.summary;
    expect(summary({ annotations: { message: 'Replication lag high' } })).toBe('Replication lag high');
    expect(summary({ labels: { alertname: 'Watchdog' } })).toBe('Watchdog');
    expect(summary({ labels: { job: 'api', env: 'prod' } })).toBe('{env="prod", job="api"}');
    expect(summary({ annotations: { summary: '   ', description: 'real one' } })).toBe('real one');
  });

  it('cuts a long summary to 1024 characters', () => {
    const [a] = alertsOf('alertmanager', message(alert({ annotations: { summary: 'x'.repeat(5000) } })));
    expect(a!.summary).toHaveLength(1024);
    expect(a!.summary.endsWith('…')).toBe(true);
  });

  it('takes runbook when runbook_url is not a URL, and accepts missing annotations', () => {
    const [a] = alertsOf(
      'alertmanager',
      message(alert({ annotations: { runbook_url: 'see wiki', runbook: 'https://wiki.example.com/rb' } })),
    );
    expect(a!.runbookUrl).toBe('https://wiki.example.com/rb');
    const [b] = alertsOf('alertmanager', message(alert({ annotations: undefined })));
    expect(b!.annotations).toEqual({});
  });

  it('accepts a message without version and with null optional fields', () => {
    const [a] = alertsOf('alertmanager', { alerts: [alert({ startsAt: null, generatorURL: null })] });
    expect(a!.startsAt).toBeNull();
    expect(a!.links).toEqual([]);
  });
});

describe('alertmanager: bad input', () => {
  const many = (n: number) => message(...Array.from({ length: n }, () => alert()));
  const bigLabels = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`l${i}`, 'v']));

  it.each<[string, unknown, string, string]>([
    ['an array body', [], '(body)', 'expected a JSON object (an Alertmanager webhook message), got an array'],
    [
      'a string body',
      'hello',
      '(body)',
      'expected a JSON object (an Alertmanager webhook message), got a string',
    ],
    ['a null body', null, '(body)', 'expected a JSON object (an Alertmanager webhook message), got null'],
    ['no alerts', { version: '4' }, 'alerts', 'missing; expected an array'],
    ['alerts not an array', { alerts: {} }, 'alerts', 'expected an array, got an object'],
    ['no alerts in alerts[]', { alerts: [] }, 'alerts', 'must have at least 1 alert'],
    ['too many alerts', many(1001), 'alerts', 'too many alerts: at most 1000 per request (set max_alerts)'],
    [
      'an alert that is not an object',
      message(alert(), 'x' as unknown as Body),
      'alerts[1]',
      'expected an object, got a string',
    ],
    [
      'an unknown status',
      message(alert(), alert(), alert({ status: 'pending' })),
      'alerts[2].status',
      'expected one of "firing", "resolved", got "pending"',
    ],
    [
      'a missing status',
      message(alert(), alert({ status: undefined })),
      'alerts[1].status',
      'missing; expected one of "firing", "resolved"',
    ],
    [
      'missing labels',
      message(alert({ labels: undefined })),
      'alerts[0].labels',
      'missing; expected an object',
    ],
    [
      'labels not an object',
      message(alert({ labels: ['a'] })),
      'alerts[0].labels',
      'expected an object of labels (name: string value), got an array',
    ],
    [
      'a label value that is a number',
      message(alert({ labels: { alertname: 'X', port: 9100 } })),
      'alerts[0].labels.port',
      'label values must be strings, got a number',
    ],
    [
      'a label name over 256 characters',
      message(alert({ labels: { ['n'.repeat(257)]: 'v' } })),
      `alerts[0].labels.${'n'.repeat(257)}`,
      'label name too long: at most 256 characters',
    ],
    [
      'a label value over 4096 characters',
      message(alert({ labels: { 'app.kubernetes.io/name': 'v'.repeat(4097) } })),
      'alerts[0].labels["app.kubernetes.io/name"]',
      'label value too long: at most 4096 characters',
    ],
    [
      'more than 256 labels',
      message(alert({ labels: bigLabels })),
      'alerts[0].labels',
      'too many labels: at most 256',
    ],
    [
      'an annotation value over 16384 characters',
      message(alert({ annotations: { description: 'd'.repeat(16385) } })),
      'alerts[0].annotations.description',
      'annotation value too long: at most 16384 characters',
    ],
    [
      'an annotation that is an object',
      message(alert({ annotations: { summary: { text: 'x' } } })),
      'alerts[0].annotations.summary',
      'annotation values must be strings, got an object',
    ],
    [
      'a startsAt that is not a timestamp',
      message(alert({ startsAt: 'yesterday' })),
      'alerts[0].startsAt',
      'expected an RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z',
    ],
    [
      'an endsAt on a day that does not exist',
      message(alert({ status: 'resolved', endsAt: '2024-02-30T10:00:00Z' })),
      'alerts[0].endsAt',
      'expected an RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z',
    ],
    [
      'a startsAt that is a number',
      message(alert({ startsAt: 1714560000 })),
      'alerts[0].startsAt',
      'expected a string, got a number',
    ],
    [
      'a fingerprint that is a number',
      message(alert({ fingerprint: 42 })),
      'alerts[0].fingerprint',
      'expected a string, got a number',
    ],
    [
      'another message version',
      { version: '5', alerts: [alert()] },
      'version',
      'unsupported webhook message version: Hark reads version "4"',
    ],
  ])('rejects %s', (_what, body, field, msg) => {
    expectBad('alertmanager', body, field, msg);
  });

  it('reports the first problem in field order', () => {
    const e = errorOf('alertmanager', message(alert({ status: 'nope' }), alert({ labels: 3 })));
    expect(e.field).toBe('alerts[0].status');
  });

  it('accepts 1000 alerts', () => {
    expect(alertsOf('alertmanager', many(1000))).toHaveLength(1000);
  });

  it('accepts unknown group fields of any type', () => {
    const body = { ...fixtureObject('alertmanager-resolved.json'), truncatedAlerts: 'lots', groupLabels: 7 };
    expect(alertsOf('alertmanager', body)).toHaveLength(2);
  });
});
