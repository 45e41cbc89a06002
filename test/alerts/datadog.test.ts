import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alertsOf, expectBad, fixture, fixtureObject } from './support.js';

type Body = Record<string, unknown>;
const triggered = (over: Body = {}): Body => ({ ...fixtureObject('datadog-triggered.json'), ...over });
const one = (over: Body = {}) => alertsOf('datadog', triggered(over))[0]!;

describe('datadog: the documented payload template', () => {
  it('normalizes a Triggered notification', () => {
    expect(alertsOf('datadog', fixture('datadog-triggered.json'))).toEqual([
      {
        source: 'datadog',
        integration: 'datadog-prod',
        key: '7391582915032190462',
        status: 'firing',
        action: null,
        summary: '[Triggered on {host:web-1}] CPU high on web-1',
        details: 'CPU above 90% on web-1 for 5 minutes.\n\n@webhook-hark',
        labels: {
          env: 'prod',
          team: 'web',
          monitor: '',
          service: 'checkout:v2',
          host: 'web-1',
          severity: 'P2',
        },
        annotations: {
          alert_transition: 'Triggered',
          alert_id: '1234567',
          alert_scope: 'host:web-1',
          tags: 'env:prod,team:web,monitor,service:checkout:v2',
        },
        links: [{ href: 'https://app.datadoghq.com/event/event?id=7391582915032190462', text: 'Datadog' }],
        runbookUrl: null,
        startsAt: '2024-05-01T12:00:00.000Z',
        endsAt: null,
      },
    ]);
  });

  it.each<[string, 'firing' | 'resolved', 'renotify' | null]>([
    ['Triggered', 'firing', null],
    ['Re-Triggered', 'firing', null],
    ['Warn', 'firing', null],
    ['Re-Warn', 'firing', null],
    ['No Data', 'firing', null],
    ['Re-No Data', 'firing', null],
    ['Null', 'firing', null],
    ['Recovered', 'resolved', null],
    ['recovered', 'resolved', null],
    ['Renotify', 'firing', 'renotify'],
  ])('maps transition %s to %s (action %s)', (transition, status, action) => {
    const a = one({ alert_transition: transition });
    expect([a.status, a.action, a.annotations['alert_transition']]).toEqual([status, action, transition]);
  });

  it('puts $DATE into endsAt for a recovery, startsAt otherwise', () => {
    const r = one({ alert_transition: 'Recovered' });
    expect([r.startsAt, r.endsAt]).toEqual([null, '2024-05-01T12:00:00.000Z']);
    expect(one({ date: '' }).startsAt).toBeNull();
  });

  it('keys by $ALERT_ID and $ALERT_SCOPE without a cycle key', () => {
    expect(one({ alert_cycle_key: undefined }).key).toBe('1234567:host:web-1');
    expect(one({ alert_cycle_key: '' }).key).toBe('1234567:host:web-1');
    expect(one({ alert_cycle_key: '', alert_scope: '' }).key).toBe('1234567');
  });

  it('hashes a scope that would make the key longer than 255 characters', () => {
    const scope = Array.from({ length: 40 }, (_, i) => `tag${i}:value${i}`).join(', ');
    const hash = createHash('sha256').update(JSON.stringify(scope)).digest('hex').slice(0, 16);
    expect(one({ alert_cycle_key: '', alert_scope: scope }).key).toBe(`1234567:${hash}`);
  });

  it('accepts tags as an array, first key wins, and trims blanks', () => {
    const a = one({ tags: ['team:db', ' team:web ', '', 'env : prod'], hostname: '', alert_priority: '' });
    expect(a.labels).toEqual({ team: 'db', env: 'prod' });
    expect(a.annotations['tags']).toBe('team:db, team:web ,,env : prod');
  });

  it('takes an unknown priority as no priority, so the alert is never refused over it', () => {
    const a = one({ alert_priority: 'P9', tags: 'team:db', hostname: '' });
    expect(a.labels).toEqual({ team: 'db' });
  });

  it('lets priority and hostname override severity: and host: tags, but keeps them without', () => {
    expect(one({ tags: 'severity:high,host:other' }).labels).toMatchObject({ severity: 'P2', host: 'web-1' });
    expect(one({ tags: 'severity:high,host:other', alert_priority: '', hostname: '' }).labels).toEqual({
      severity: 'high',
      host: 'other',
    });
  });

  it('drops a link that is not an http(s) URL and needs no event_msg', () => {
    const a = one({ link: 'app.datadoghq.com/event', event_msg: undefined });
    expect([a.links, a.details]).toEqual([[], null]);
  });
});

describe('datadog: bad input', () => {
  it.each<[string, unknown, string, string]>([
    [
      'an array body',
      [triggered()],
      '(body)',
      'expected a JSON object (the Datadog webhook payload from docs/senders.md), got an array',
    ],
    [
      'a missing transition',
      triggered({ alert_transition: undefined }),
      'alert_transition',
      'missing; expected a string',
    ],
    ['an empty title', triggered({ alert_title: ' ' }), 'alert_title', 'must not be empty ($ALERT_TITLE)'],
    [
      'a numeric priority',
      triggered({ alert_priority: 1 }),
      'alert_priority',
      'expected a string, got a number',
    ],
    [
      'tags that are a number',
      triggered({ tags: 5 }),
      'tags',
      'expected a comma-separated string ("$TAGS") or an array of strings, got a number',
    ],
    [
      'a tag name over 256 characters',
      triggered({ tags: `env:prod,${'k'.repeat(257)}:v` }),
      'tags',
      'tag name too long: at most 256 characters',
    ],
    [
      'a tag value over 4096 characters in an array',
      triggered({ tags: ['env:prod', `k:${'v'.repeat(4097)}`] }),
      'tags[1]',
      'tag value too long: at most 4096 characters',
    ],
    [
      'a date that is not epoch milliseconds',
      triggered({ date: '2024-05-01' }),
      'date',
      'expected epoch milliseconds ($DATE), e.g. "1406662672000"',
    ],
    [
      'a hostname that is an object',
      triggered({ hostname: {} }),
      'hostname',
      'expected a string, got an object',
    ],
    [
      'no key at all',
      triggered({ alert_cycle_key: '', alert_id: '' }),
      'alert_cycle_key',
      'missing; send $ALERT_CYCLE_KEY (or $ALERT_ID and $ALERT_SCOPE)',
    ],
    [
      'a cycle key over 255 characters',
      triggered({ alert_cycle_key: 'k'.repeat(256) }),
      'alert_cycle_key',
      'too long: at most 255 characters',
    ],
  ])('rejects %s', (_what, body, field, msg) => {
    expectBad('datadog', body, field, msg);
  });
});
