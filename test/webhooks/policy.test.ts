/** Which events a webhook takes, and when a failed attempt is tried again: pure functions. */
import { describe, expect, it } from 'vitest';
import type { Webhook } from '../../src/config/types.js';
import type { TimelineEvent } from '../../src/events/schema.js';
import type { Incident } from '../../src/incidents/model.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from '../../src/webhooks/delivery.js';
import { takes, takesType } from '../../src/webhooks/payload.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');

describe('takesType', () => {
  it('takes exact types, a group and everything', () => {
    expect(takesType(['incident.opened'], 'incident.opened')).toBe(true);
    expect(takesType(['incident.opened'], 'incident.resolved')).toBe(false);
    expect(takesType(['incident.*'], 'incident.ack-timeout')).toBe(true);
    expect(takesType(['incident.*'], 'page.sent')).toBe(false);
    expect(takesType(['page.*'], 'pagex.sent')).toBe(false);
    expect(takesType(['*'], 'a.kind.this.version.does.not.know')).toBe(true);
  });
});

describe('takes', () => {
  const hook = (over: Partial<Webhook>): Webhook => ({
    name: 'h',
    url: 'https://x.example',
    events: ['*'],
    services: null,
    severities: null,
    secret: 's',
    secretEnv: 'S',
    timeoutMs: 10_000,
    ...over,
  });
  const incident = { service: 'checkout', severity: 'SEV-1' } as Incident;
  const ack = {
    type: 'incident.acknowledged',
    at: '2026-03-02T10:00:00Z',
    actor: 'person:alice',
  } as TimelineEvent;
  const opened = {
    type: 'incident.opened',
    at: '2026-03-02T10:00:00Z',
    actor: 'integration:x',
    alert: 'x/1',
    summary: 's',
    service: 'edge',
    severity: 'SEV-3',
  } as TimelineEvent;

  it("filters by the incident's service and severity (as it is now)", () => {
    expect(takes(hook({ services: ['checkout'] }), ack, incident)).toBe(true);
    expect(takes(hook({ services: ['edge'] }), ack, incident)).toBe(false);
    expect(takes(hook({ severities: ['SEV-1', 'SEV-2'] }), ack, incident)).toBe(true);
    expect(takes(hook({ severities: ['SEV-3'] }), ack, incident)).toBe(false);
    expect(takes(hook({ services: ['checkout'], severities: ['SEV-3'] }), ack, incident)).toBe(false);
  });

  it("an incident no longer stored: the event's own service and severity, else no match", () => {
    expect(takes(hook({ services: ['edge'], severities: ['SEV-3'] }), opened, null)).toBe(true);
    expect(takes(hook({ services: ['checkout'] }), opened, null)).toBe(false);
    expect(takes(hook({ services: ['checkout'] }), ack, null)).toBe(false);
    expect(takes(hook({}), ack, null)).toBe(true);
  });
});

describe('retryDelay', () => {
  it('doubles from 5 s and stops at 1 h', () => {
    const delays = Array.from({ length: 12 }, (_, i) => retryDelay(DEFAULT_RETRY_POLICY, i + 1, null) / 1000);
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]);
  });

  it('a Retry-After wins, at least the first backoff and at most the cap', () => {
    expect(retryDelay(DEFAULT_RETRY_POLICY, 6, 30_000)).toBe(30_000);
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 0)).toBe(5000);
    expect(retryDelay(DEFAULT_RETRY_POLICY, 1, 86_400_000)).toBe(3_600_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates; anything else is ignored', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('Mon, 02 Mar 2026 10:01:30 GMT', NOW)).toBe(90_000);
    expect(parseRetryAfter('Mon, 02 Mar 2026 09:00:00 GMT', NOW)).toBe(0); // in the past: now
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter('', NOW)).toBeNull();
    expect(parseRetryAfter('-5', NOW)).toBeNull();
    expect(parseRetryAfter('1.5', NOW)).toBeNull();
    expect(parseRetryAfter('soon', NOW)).toBeNull();
  });
});
