import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alertsOf, expectBad, fixture, fixtureObject } from './support.js';

type Body = Record<string, unknown>;
const single = (over: Body = {}): Body => ({ ...fixtureObject('generic-single.json'), ...over });
const minimal = (over: Body = {}): Body => ({ status: 'firing', summary: 'Disk full on db-1', ...over });
const keyOf = (body: Body) => alertsOf('generic', body)[0]!.key;

describe('generic: single alert and arrays', () => {
  it('normalizes a single alert with every field', () => {
    expect(alertsOf('generic', fixture('generic-single.json'))).toEqual([
      {
        source: 'generic',
        integration: 'generic-prod',
        key: 'backup-nightly',
        status: 'firing',
        action: null,
        summary: 'Nightly backup failed on db-1',
        details: '{\n  "exit_code": 2,\n  "log": "/var/log/backup.log"\n}',
        labels: { service: 'backup', host: 'db-1', severity: 'critical' },
        annotations: {},
        links: [
          { href: 'https://ci.example.com/jobs/42', text: null },
          { href: 'https://grafana.example.com/d/backup', text: 'Dashboard' },
        ],
        runbookUrl: 'https://runbooks.example.com/backup',
        startsAt: null,
        endsAt: null,
      },
    ]);
  });

  it('normalizes an array, one alert per element, in order', () => {
    const alerts = alertsOf('generic', fixture('generic-array.json'));
    const sorted = [
      ['queue', 'orders-in'],
      ['service', 'orders'],
    ];
    const hash = createHash('sha256')
      .update(JSON.stringify(['Queue depth over 10000', sorted]))
      .digest('hex')
      .slice(0, 16);
    expect(alerts.map((a) => [a.key, a.status, a.summary, a.details])).toEqual([
      [hash, 'firing', 'Queue depth over 10000', null],
      [
        'cert-api',
        'resolved',
        'Certificate expires in 3 days',
        'cert for api.example.com\nexpires 2024-05-04',
      ],
    ]);
  });

  it('hashes summary and labels, not severity nor label order, without a dedup_key', () => {
    const base = keyOf(minimal({ labels: { a: '1', b: '2' } }));
    expect(keyOf(minimal({ labels: { b: '2', a: '1' }, severity: 'critical', status: 'resolved' }))).toBe(
      base,
    );
    expect(keyOf(minimal({ labels: { a: '1', b: '3' } }))).not.toBe(base);
    expect(keyOf(minimal({ labels: { a: '1', b: '2' }, summary: 'Disk full on db-2' }))).not.toBe(base);
  });

  it('treats null as absent and trims the summary', () => {
    const [a] = alertsOf(
      'generic',
      minimal({ summary: '  padded  ', severity: null, labels: null, details: null, links: null }),
    );
    expect([a!.summary, a!.labels, a!.details, a!.links]).toEqual(['padded', {}, null, []]);
  });
});

describe('generic: bad input', () => {
  const many = Array.from({ length: 1001 }, () => minimal());

  it.each<[string, unknown, string, string]>([
    ['a number body', 42, '(body)', 'expected a JSON object (an alert) or an array of alerts, got a number'],
    ['a null body', null, '(body)', 'expected a JSON object (an alert) or an array of alerts, got null'],
    ['an empty array', [], '(body)', 'must have at least 1 alert'],
    ['more than 1000 alerts', many, '(body)', 'too many alerts: at most 1000 per request'],
    [
      'an array element that is a string',
      [minimal(), 'down'],
      '[1]',
      'expected an alert object ({status, summary, ...}), got a string',
    ],
    ['a missing status', { summary: 'x' }, 'status', 'missing; expected one of "firing", "resolved"'],
    [
      'an unknown status in an array',
      [minimal(), minimal({ status: 'ok' })],
      '[1].status',
      'expected one of "firing", "resolved", got "ok"',
    ],
    ['a missing summary', { status: 'firing' }, 'summary', 'missing; expected a string'],
    ['a blank summary', minimal({ summary: '   ' }), 'summary', 'must not be empty'],
    [
      'a summary over 1024 characters',
      minimal({ summary: 's'.repeat(1025) }),
      'summary',
      'too long: at most 1024 characters',
    ],
    ['a numeric summary', minimal({ summary: 500 }), 'summary', 'expected a string, got a number'],
    [
      'details that are a number',
      minimal({ details: 3 }),
      'details',
      'expected a string or an object, got a number',
    ],
    [
      'details that are an array',
      minimal({ details: ['a'] }),
      'details',
      'expected a string or an object, got an array',
    ],
    [
      'details over 65536 characters',
      minimal({ details: 'd'.repeat(65537) }),
      'details',
      'too large: at most 65536 characters (objects count as pretty JSON)',
    ],
    [
      'a numeric label value',
      minimal({ labels: { replicas: 3 } }),
      'labels.replicas',
      'label values must be strings, got a number',
    ],
    ['an empty severity', minimal({ severity: '' }), 'severity', 'must not be empty'],
    [
      'a dedup_key that is a number',
      minimal({ dedup_key: 7 }),
      'dedup_key',
      'expected a string, got a number',
    ],
    [
      'a link that is not a URL',
      minimal({ links: ['https://ok.example.com', 'ftp://files'] }),
      'links[1]',
      'expected an absolute http:// or https:// URL',
    ],
    [
      'a link object with a bad href',
      minimal({ links: [{ href: '/relative' }] }),
      'links[0].href',
      'expected an absolute http:// or https:// URL',
    ],
    [
      'a link that is a number',
      minimal({ links: [5] }),
      'links[0]',
      'expected a URL string or an object {href, text}, got a number',
    ],
    [
      'a runbook_url that is not a URL',
      single({ runbook_url: 'wiki/backup' }),
      'runbook_url',
      'expected an absolute http:// or https:// URL',
    ],
  ])('rejects %s', (_what, body, field, msg) => {
    expectBad('generic', body, field, msg);
  });
});
