import { describe, expect, it } from 'vitest';
import { normalize } from '../../src/alerts/normalize.js';
import { alertsOf, errorOf, expectBad, fixture, fixtureObject, integration } from './support.js';

type Body = Record<string, unknown>;
const SECRET = 'R0UT1NGK3Y-secret-value';
const trigger = (over: Body = {}, payload: Body = {}): Body => {
  const base = fixtureObject('pagerduty-trigger-no-dedup.json');
  return { ...base, ...over, payload: { ...(base['payload'] as Body), ...payload } };
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('pagerduty: Events API v2', () => {
  it('normalizes a trigger with dedup_key, payload, links, images and client', () => {
    const r = normalize(integration('pagerduty'), fixture('pagerduty-trigger.json'));
    expect(r).toEqual({
      ok: true,
      generatedKey: null,
      alerts: [
        {
          source: 'pagerduty',
          integration: 'pagerduty-prod',
          key: 'samplekeyhere',
          status: 'firing',
          action: null,
          summary: 'Example alert on host1.example.com',
          details: '{\n  "ping time": "1500ms",\n  "load avg": 0.75\n}',
          labels: {
            severity: 'info',
            source: 'monitoringtool:cloudvendor:central-region-dc-01:852559987:cluster/api-stats-prod-003',
            component: 'postgres',
            group: 'prod-datapipe',
            class: 'deploy',
          },
          annotations: {},
          links: [
            { href: 'https://example.com/', text: 'Link text' },
            { href: 'https://example.com/', text: 'Example text' },
            { href: 'https://monitoring.example.com', text: 'Sample Monitoring Service' },
          ],
          runbookUrl: null,
          startsAt: '2015-07-17T08:42:58.315Z',
          endsAt: null,
        },
      ],
    });
  });

  it('generates a random UUID key for a trigger without dedup_key and returns it', () => {
    const first = normalize(integration('pagerduty'), fixture('pagerduty-trigger-no-dedup.json'));
    const second = normalize(integration('pagerduty'), fixture('pagerduty-trigger-no-dedup.json'));
    if (!first.ok || !second.ok) throw new Error('expected ok');
    expect(first.generatedKey).toMatch(UUID);
    expect(first.alerts[0]!.key).toBe(first.generatedKey);
    expect(second.generatedKey).not.toBe(first.generatedKey);
    expect(first.alerts[0]!.labels).toEqual({ severity: 'error', source: 'backup-1' });
    expect([first.alerts[0]!.details, first.alerts[0]!.startsAt, first.alerts[0]!.links]).toEqual([
      null,
      null,
      [],
    ]);
  });

  it('acknowledges by dedup_key without a payload', () => {
    const r = normalize(integration('pagerduty'), fixture('pagerduty-acknowledge.json'));
    expect(r).toMatchObject({
      ok: true,
      generatedKey: null,
      alerts: [
        {
          key: 'samplekeyhere',
          status: 'firing',
          action: 'acknowledge',
          summary: 'acknowledge samplekeyhere',
          labels: {},
        },
      ],
    });
  });

  it('resolves by dedup_key, ignoring whatever payload comes along', () => {
    expect(alertsOf('pagerduty', fixture('pagerduty-resolve.json'))).toMatchObject([
      { key: 'samplekeyhere', status: 'resolved', action: null, summary: 'resolve samplekeyhere' },
    ]);
  });

  it('never puts the routing_key into an alert or an error', () => {
    for (const name of ['pagerduty-trigger.json', 'pagerduty-acknowledge.json', 'pagerduty-resolve.json']) {
      expect(JSON.stringify(alertsOf('pagerduty', fixture(name)))).not.toContain(SECRET);
    }
    expect(JSON.stringify(errorOf('pagerduty', trigger({}, { severity: 'high' })))).not.toContain(SECRET);
    expect(
      JSON.stringify(errorOf('pagerduty', { routing_key: [SECRET], event_action: 'trigger' })),
    ).not.toContain(SECRET);
    expect(JSON.stringify(errorOf('pagerduty', { routing_key: { key: SECRET } }))).not.toContain(SECRET);
  });

  it('accepts a summary of exactly 1024 characters and a string custom_details', () => {
    const [a] = alertsOf(
      'pagerduty',
      trigger({}, { summary: 's'.repeat(1024), custom_details: 'free text' }),
    );
    expect([a!.summary.length, a!.details]).toEqual([1024, 'free text']);
  });
});

describe('pagerduty: bad input', () => {
  it.each<[string, unknown, string, string]>([
    [
      'an array body',
      [trigger()],
      '(body)',
      'expected a JSON object (a PagerDuty Events API v2 event), got an array',
    ],
    [
      'a missing routing_key',
      trigger({ routing_key: undefined }),
      'routing_key',
      "missing; expected the integration's token",
    ],
    [
      'a numeric routing_key',
      trigger({ routing_key: 12345678 }),
      'routing_key',
      'expected a string, got a number',
    ],
    ['an empty routing_key', trigger({ routing_key: '' }), 'routing_key', 'must not be empty'],
    [
      'an unknown event_action',
      trigger({ event_action: 'escalate' }),
      'event_action',
      'expected one of "trigger", "acknowledge", "resolve", got "escalate"',
    ],
    [
      'a missing event_action',
      trigger({ event_action: undefined }),
      'event_action',
      'missing; expected one of "trigger", "acknowledge", "resolve"',
    ],
    [
      'a trigger without payload',
      { routing_key: 'k', event_action: 'trigger' },
      'payload',
      'missing; required for trigger events',
    ],
    [
      'a payload that is a string',
      { routing_key: 'k', event_action: 'trigger', payload: 'down' },
      'payload',
      'expected an object, got a string',
    ],
    [
      'a missing summary',
      trigger({}, { summary: undefined }),
      'payload.summary',
      'missing; expected a string',
    ],
    [
      'a summary over 1024 characters',
      trigger({}, { summary: 's'.repeat(1025) }),
      'payload.summary',
      "too long: at most 1024 characters (PagerDuty's limit)",
    ],
    ['a missing source', trigger({}, { source: undefined }), 'payload.source', 'missing; expected a string'],
    [
      'an unknown severity',
      trigger({}, { severity: 'high' }),
      'payload.severity',
      'expected one of "critical", "error", "warning", "info", got "high"',
    ],
    [
      'a bad timestamp',
      trigger({}, { timestamp: '17/07/2015' }),
      'payload.timestamp',
      'expected an RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z',
    ],
    [
      'a numeric component',
      trigger({}, { component: 5 }),
      'payload.component',
      'expected a string, got a number',
    ],
    [
      'custom_details over 65536 characters',
      trigger({}, { custom_details: { log: 'x'.repeat(70000) } }),
      'payload.custom_details',
      'too large: at most 65536 characters (objects count as pretty JSON)',
    ],
    [
      'an acknowledge without dedup_key',
      { routing_key: 'k', event_action: 'acknowledge' },
      'dedup_key',
      'missing; required for acknowledge events',
    ],
    [
      'a resolve without dedup_key',
      { routing_key: 'k', event_action: 'resolve' },
      'dedup_key',
      'missing; required for resolve events',
    ],
    [
      'a dedup_key over 255 characters',
      trigger({ dedup_key: 'd'.repeat(256) }),
      'dedup_key',
      'too long: at most 255 characters',
    ],
    ['an empty dedup_key', trigger({ dedup_key: '' }), 'dedup_key', 'must not be empty'],
    [
      'a link href that is not a URL',
      trigger({ links: [{ href: 'example.com' }] }),
      'links[0].href',
      'expected an absolute http:// or https:// URL',
    ],
    [
      'links that are an object',
      trigger({ links: { href: 'https://x' } }),
      'links',
      'expected an array, got an object',
    ],
    [
      'an image without src',
      trigger({ images: [{ src: 'https://x.example/a.png' }, { alt: 'x' }] }),
      'images[1].src',
      'missing; expected a string',
    ],
    [
      'a client_url that is not a URL',
      trigger({ client_url: 'javascript:alert(1)' }),
      'client_url',
      'expected an absolute http:// or https:// URL',
    ],
  ])('rejects %s', (_what, body, field, msg) => {
    expectBad('pagerduty', body, field, msg);
  });
});
