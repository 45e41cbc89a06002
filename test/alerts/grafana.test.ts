import { describe, expect, it } from 'vitest';
import { alertsOf, expectBad, fixture, fixtureObject } from './support.js';

type Body = Record<string, unknown>;
const firstAlert = (): Body => (fixtureObject('grafana-firing.json')['alerts'] as Body[])[0]!;
const withAlert = (over: Body): Body => ({ alerts: [{ ...firstAlert(), ...over }] });

describe('grafana: unified alerting webhook', () => {
  const alerts = alertsOf('grafana', fixture('grafana-firing.json'));

  it('normalizes a firing alert with values, links and runbook', () => {
    expect(alerts[0]).toEqual({
      source: 'grafana',
      integration: 'grafana-prod',
      key: 'c6eadffa33fcdf37',
      status: 'firing',
      action: null,
      summary: 'This alert was triggered for zone us-1',
      details: 'The system has high memory usage\n\nValues: B=44.23943737541908, C=1',
      labels: { alertname: 'High memory usage', grafana_folder: 'Infra', team: 'blue', zone: 'us-1' },
      annotations: {
        description: 'The system has high memory usage',
        runbook_url: 'https://runbooks.example.com/memory',
        summary: 'This alert was triggered for zone us-1',
      },
      links: [
        { href: 'https://grafana.example.com/alerting/grafana/1afz29v7z/view', text: 'Source' },
        { href: 'https://grafana.example.com/d/abcd1234', text: 'Dashboard' },
        { href: 'https://grafana.example.com/d/abcd1234?viewPanel=3', text: 'Panel' },
        {
          href: 'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHigh+memory+usage',
          text: 'Silence',
        },
      ],
      runbookUrl: 'https://runbooks.example.com/memory',
      startsAt: '2021-10-12T07:51:03.157Z',
      endsAt: null,
    });
  });

  it('takes status per alert, skips empty URLs and uses valueString when values is null', () => {
    const a = alerts[1]!;
    expect([a.key, a.status, a.summary, a.endsAt]).toEqual([
      'bc97ff14869b13e3',
      'resolved',
      'High CPU usage',
      '2021-10-12T08:06:03.157Z',
    ]);
    expect(a.details).toBe("Values: [ var='B' labels={zone=eu-1} value=91.5 ]");
    expect(a.links.map((l) => l.text)).toEqual(['Source', 'Silence']);
  });

  it('shows non-number values as JSON text', () => {
    const [a] = alertsOf('grafana', withAlert({ values: { A: null, B: 'NaN', C: [1] }, annotations: {} }));
    expect(a!.details).toBe('Values: A=null, B=NaN, C=[1]');
  });

  it('hashes the labels when there is no fingerprint', () => {
    const [a] = alertsOf('grafana', withAlert({ fingerprint: undefined }));
    expect(a!.key).toMatch(/^[0-9a-f]{16}$/);
    expect(a!.key).not.toBe('c6eadffa33fcdf37');
  });
});

describe('grafana: bad input', () => {
  it.each<[string, unknown, string, string]>([
    [
      'an array body',
      [firstAlert()],
      '(body)',
      'expected a JSON object (a Grafana webhook message), got an array',
    ],
    ['no alerts', { title: 'x', state: 'alerting' }, 'alerts', 'missing; expected an array'],
    [
      'an unknown status',
      withAlert({ status: 'alerting' }),
      'alerts[0].status',
      'expected one of "firing", "resolved", got "alerting"',
    ],
    [
      'values that are a list',
      withAlert({ values: [1, 2] }),
      'alerts[0].values',
      'expected an object (ref ID: value), got an array',
    ],
    [
      'a dashboardURL that is a number',
      withAlert({ dashboardURL: 3 }),
      'alerts[0].dashboardURL',
      'expected a string, got a number',
    ],
    [
      'a label value that is a boolean',
      withAlert({ labels: { alertname: 'x', firing: true } }),
      'alerts[0].labels.firing',
      'label values must be strings, got a boolean',
    ],
  ])('rejects %s', (_what, body, field, msg) => {
    expectBad('grafana', body, field, msg);
  });
});
