import { describe, expect, it } from 'vitest';
import { normalize } from '../../src/alerts/normalize.js';
import { formatPath, parseInstant } from '../../src/alerts/sources/common.js';
import type { IntegrationType } from '../../src/config/types.js';
import { errorOf, fixture, integration } from './support.js';

describe('normalize', () => {
  it.each<[IntegrationType, string]>([
    ['alertmanager', 'alertmanager-firing.json'],
    ['grafana', 'grafana-firing.json'],
    ['datadog', 'datadog-triggered.json'],
    ['pagerduty', 'pagerduty-trigger.json'],
    ['generic', 'generic-single.json'],
    ['opsgenie', 'opsgenie-create.json'],
  ])('dispatches %s and stamps source and integration name', (type, file) => {
    const r = normalize(
      { name: 'team-x', type, token: null, rateLimit: { requests: 1, perMs: 1000 } },
      fixture(file),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.alerts.length).toBeGreaterThan(0);
    expect(r.alerts.every((a) => a.source === type && a.integration === 'team-x')).toBe(true);
  });

  it('reads a body by the integration’s type, not by its shape', () => {
    expect(errorOf('generic', fixture('alertmanager-firing.json'))).toEqual({
      field: 'summary',
      message: 'missing; expected a string',
    });
    expect(errorOf('datadog', fixture('generic-single.json')).field).toBe('alert_transition');
  });

  it('never puts the integration token into an alert', () => {
    for (const [type, file] of [
      ['alertmanager', 'alertmanager-firing.json'],
      ['generic', 'generic-array.json'],
    ] as const) {
      const r = normalize(integration(type), fixture(file));
      expect(JSON.stringify(r)).not.toContain('integration-secret-token');
    }
  });
});

describe('parseInstant', () => {
  it.each<[string, string | null | undefined]>([
    ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01t12:00:00z', '2024-05-01T12:00:00.000Z'],
    ['2024-05-01 12:00:00Z', '2024-05-01T12:00:00.000Z'],
    ['2018-08-03T09:52:26.739266876+02:00', '2018-08-03T07:52:26.739Z'],
    ['2015-07-17T08:42:58.315+0000', '2015-07-17T08:42:58.315Z'],
    ['2024-05-01T12:00:00.5-07:30', '2024-05-01T19:30:00.500Z'],
    ['0001-01-01T00:00:00Z', null],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['2023-02-29T00:00:00Z', undefined],
    ['2024-05-01T24:00:00Z', undefined],
    ['2024-05-01T12:00:00', undefined],
    ['2024-05-01', undefined],
    ['1714564800', undefined],
  ])('%s → %s', (input, expected) => {
    expect(parseInstant(input)).toBe(expected);
  });
});

describe('formatPath', () => {
  it.each<[PropertyKey[], string]>([
    [[], '(body)'],
    [['alerts', 2, 'status'], 'alerts[2].status'],
    [[0, 'summary'], '[0].summary'],
    [['alerts', 0, 'labels', 'app.kubernetes.io/name'], 'alerts[0].labels["app.kubernetes.io/name"]'],
    [['payload', 'custom details'], 'payload["custom details"]'],
  ])('%j → %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});
