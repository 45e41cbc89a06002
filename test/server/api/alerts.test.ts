import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTmpConfigs } from '../../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../../support/harness.js';
import { serverTestConfig, TOKENS } from '../config.js';

const FIXTURES = resolve(import.meta.dirname, '../../alerts/fixtures');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8')) as Record<string, unknown>;

let hark: TestHark;
beforeAll(async () => {
  hark = await startTestHark(serverTestConfig());
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

interface Posted {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Posted> {
  const res = await fetch(`${hark.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function generic(summary: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'firing', summary, labels: { team: 'web' }, ...extra };
}

describe('alertmanager', () => {
  it('groups a v4 message into one incident, dedupes repeats, and resolves when every alert resolves', async () => {
    const firing = fixture('alertmanager-firing.json');
    const first = await post('/v1/alerts/am', firing, bearer(TOKENS.am));
    expect(first.status).toBe(202);
    const incidents = first.body.incidents as { id: number; key: string; status: string; new: boolean }[];
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      key: 'nodes:alertname=InstanceDown',
      status: 'triggered',
      new: true,
    });
    const id = incidents[0]!.id;

    const incident = (await hark.store.get(id))!;
    expect(incident.service).toBe('nodes');
    expect(incident.severity).toBe('SEV-1');
    expect(incident.alerts.map((a) => [a.labels.instance, a.status])).toEqual([
      ['db-1:9100', 'firing'],
      ['db-2:9100', 'firing'],
      ['db-3:9100', 'firing'],
    ]);
    const eventsBefore = incident.timeline!.length;

    const again = await post('/v1/alerts/am', firing, bearer(TOKENS.am));
    expect(again.status).toBe(202);
    expect(again.body.incidents).toEqual([
      { id, key: 'nodes:alertname=InstanceDown', status: 'triggered', new: false },
    ]);
    expect((await hark.store.get(id))!.timeline).toHaveLength(eventsBefore);

    const resolved = structuredClone(firing) as { alerts: { status: string }[] };
    resolved.alerts = resolved.alerts.slice(0, 3).map((a) => ({ ...a, status: 'resolved' }));
    const partial = { ...resolved, alerts: resolved.alerts.slice(0, 2) };
    expect((await post('/v1/alerts/am', partial, bearer(TOKENS.am))).body.incidents).toEqual([
      { id, key: 'nodes:alertname=InstanceDown', status: 'triggered', new: false },
    ]);
    expect((await post('/v1/alerts/am', resolved, bearer(TOKENS.am))).body.incidents).toEqual([
      { id, key: 'nodes:alertname=InstanceDown', status: 'resolved', new: false },
    ]);
    const done = (await hark.store.get(id))!;
    expect(done.state).toBe('resolved');
    expect(done.resolvedBy).toBe('integration:am');
    expect(done.timeline!.map((e) => e.type)).toEqual([
      'incident.opened',
      'alert.firing',
      'alert.firing',
      'alert.resolved',
      'alert.resolved',
      'alert.resolved',
      'incident.resolved',
    ]);

    // A resolved incident is never reopened: the same alerts firing again open a new one.
    const reopened = await post('/v1/alerts/am', firing, bearer(TOKENS.am));
    const next = (reopened.body.incidents as { id: number; new: boolean }[])[0]!;
    expect(next.new).toBe(true);
    expect(next.id).toBeGreaterThan(id);
  });
});

describe('grafana, datadog, pagerduty, generic', () => {
  it('grafana: a firing message opens an incident', async () => {
    const r = await post('/v1/alerts/grafana', fixture('grafana-firing.json'), bearer(TOKENS.grafana));
    expect(r.status).toBe(202);
    expect((r.body.incidents as { new: boolean }[]).every((i) => i.new)).toBe(true);
  });

  it('datadog: Triggered opens, Renotify pages nobody new, Recovered resolves (token in X-Hark-Token)', async () => {
    const triggered = fixture('datadog-triggered.json');
    const headers = { 'X-Hark-Token': TOKENS.datadog };
    const open = await post('/v1/alerts/datadog', triggered, headers);
    expect(open.status).toBe(202);
    const [opened] = open.body.incidents as { id: number; new: boolean; status: string }[];
    expect(opened).toMatchObject({ new: true, status: 'triggered' });
    const renotify = await post(
      '/v1/alerts/datadog',
      { ...triggered, alert_transition: 'Renotify' },
      headers,
    );
    expect(renotify.body.incidents).toEqual([{ ...opened, new: false }]);
    const recovered = await post(
      '/v1/alerts/datadog',
      { ...triggered, alert_transition: 'Recovered' },
      headers,
    );
    expect((recovered.body.incidents as { status: string }[])[0]!.status).toBe('resolved');
    const incident = (await hark.store.get(opened!.id))!;
    expect(incident.service).toBe('web');
    expect(incident.timeline!.map((e) => e.type)).toEqual([
      'incident.opened',
      'alert.renotified',
      'alert.resolved',
      'incident.resolved',
    ]);
  });

  it('pagerduty on /v2/enqueue: trigger, acknowledge, resolve; a missing dedup_key is generated and returned', async () => {
    const trigger = fixture('pagerduty-trigger.json');
    const t = await post('/v2/enqueue', { ...trigger, dedup_key: 'pd-flow-1' });
    expect(t.status).toBe(202);
    expect(t.body).toMatchObject({ status: 'success', message: 'Event processed', dedup_key: 'pd-flow-1' });
    const id = (t.body.incidents as { id: number }[])[0]!.id;
    const ack = await post('/v2/enqueue', {
      ...fixture('pagerduty-acknowledge.json'),
      dedup_key: 'pd-flow-1',
    });
    expect((ack.body.incidents as { status: string }[])[0]).toMatchObject({ id, status: 'acknowledged' });
    const res = await post('/v1/alerts/pd', { ...fixture('pagerduty-resolve.json'), dedup_key: 'pd-flow-1' });
    expect((res.body.incidents as { status: string }[])[0]).toMatchObject({ id, status: 'resolved' });

    const noKey = await post('/v2/enqueue', fixture('pagerduty-trigger-no-dedup.json'));
    expect(noKey.status).toBe(202);
    expect(noKey.body.dedup_key).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('generic: an array makes one incident per alert', async () => {
    const r = await post(
      '/v1/alerts/scripts',
      [generic('array one'), generic('array two')],
      bearer(TOKENS.generic),
    );
    expect(r.status).toBe(202);
    const list = r.body.incidents as { id: number; new: boolean }[];
    expect(list).toHaveLength(2);
    expect(new Set(list.map((i) => i.id)).size).toBe(2);
  });

  it('basic auth: the password is the token', async () => {
    const basic = Buffer.from(`anyone:${TOKENS.generic}`).toString('base64');
    const r = await post('/v1/alerts/scripts', generic('basic auth'), { Authorization: `Basic ${basic}` });
    expect(r.status).toBe(202);
  });
});

describe('bad input changes no state', () => {
  const cases: [string, () => Promise<Posted>, number, Record<string, unknown>][] = [
    [
      'malformed JSON',
      () => post('/v1/alerts/scripts', '{"status": "firing",', bearer(TOKENS.generic)),
      400,
      { code: 'invalid_json', field: '(body)' },
    ],
    [
      'a wrong type',
      () => post('/v1/alerts/scripts', { status: 'firing', summary: 42 }, bearer(TOKENS.generic)),
      400,
      { code: 'invalid_alert', field: 'summary' },
    ],
    [
      'a missing field',
      () => post('/v1/alerts/am', { version: '4', alerts: [{ labels: { a: 'b' } }] }, bearer(TOKENS.am)),
      400,
      { code: 'invalid_alert', field: 'alerts[0].status' },
    ],
    [
      'a bad enum value',
      () => post('/v1/alerts/scripts', { status: 'pending', summary: 'x' }, bearer(TOKENS.generic)),
      400,
      { code: 'invalid_alert', field: 'status' },
    ],
    [
      'an oversized body',
      () => post('/v1/alerts/scripts', generic('x'.repeat(20_000)), bearer(TOKENS.generic)),
      413,
      { code: 'payload_too_large' },
    ],
    [
      'an unknown integration',
      () => post('/v1/alerts/nope', generic('x'), bearer(TOKENS.generic)),
      404,
      { code: 'unknown_integration' },
    ],
    [
      'a bad token',
      () => post('/v1/alerts/scripts', generic('x'), bearer('wrong')),
      401,
      { code: 'unauthorized' },
    ],
    ['no token', () => post('/v1/alerts/scripts', generic('x')), 401, { code: 'unauthorized' }],
    [
      'another integration’s token',
      () => post('/v1/alerts/scripts', generic('x'), bearer(TOKENS.am)),
      401,
      { code: 'unauthorized' },
    ],
    [
      'a wrong routing_key',
      () => post('/v2/enqueue', { ...fixture('pagerduty-trigger.json'), routing_key: 'nope' }),
      401,
      { code: 'unauthorized' },
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, error) => {
    const before = await hark.snapshot();
    const r = await send();
    expect(r.status).toBe(status);
    expect(r.body.error).toMatchObject(error);
    expect(typeof (r.body.error as { message: string }).message).toBe('string');
    expect(await hark.snapshot()).toEqual(before);
  });

  it('a body that is not JSON gets 415', async () => {
    const before = await hark.snapshot();
    const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', ...bearer(TOKENS.generic) },
      body: 'status=firing',
    });
    expect(res.status).toBe(415);
    expect(await hark.snapshot()).toEqual(before);
  });

  it('secrets never appear in error bodies', async () => {
    const r = await post('/v2/enqueue', { ...fixture('pagerduty-trigger.json'), payload: { summary: 5 } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).not.toContain(TOKENS.pagerduty);
  });
});

describe('limits', () => {
  it('answers 429 with Retry-After over the integration rate limit', async () => {
    const h = bearer(TOKENS.limited);
    expect((await post('/v1/alerts/limited', generic('one'), h)).status).toBe(202);
    expect((await post('/v1/alerts/limited', generic('two'), h)).status).toBe(202);
    const third = await post('/v1/alerts/limited', generic('three'), h);
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: 'rate_limited' });
    const retry = Number(third.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
  });

  it('the same alert posted 50 times in parallel makes exactly one incident', async () => {
    const body = generic('fifty at once', { dedup_key: 'parallel-50' });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => post('/v1/alerts/scripts', body, bearer(TOKENS.generic))),
    );
    expect(results.every((r) => r.status === 202)).toBe(true);
    const ids = new Set(results.map((r) => (r.body.incidents as { id: number }[])[0]!.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => (r.body.incidents as { new: boolean }[])[0]!.new)).toHaveLength(1);
    const incident = (await hark.store.get([...ids][0]!))!;
    expect(incident.alerts).toHaveLength(1);
    expect(incident.timeline!.filter((e) => e.type === 'incident.opened')).toHaveLength(1);
  });
});

describe('routing', () => {
  it('refuses with 422 an alert no service takes, storing nothing', async () => {
    const strict = await startTestHark(serverTestConfig({ catchAll: false }));
    try {
      const before = await strict.snapshot();
      const r = await fetch(`${strict.url}/v1/alerts/scripts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...bearer(TOKENS.generic) },
        body: JSON.stringify([generic('routed'), { status: 'firing', summary: 'nobody takes me' }]),
      });
      expect(r.status).toBe(422);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('unrouted');
      expect(await strict.snapshot()).toEqual(before);
    } finally {
      await strict.close();
    }
  });

  it('picks the runbook: the alert’s own URL, else the service default', async () => {
    const own = await post(
      '/v1/alerts/scripts',
      { status: 'firing', summary: 'with url', runbook_url: 'https://wiki.example.com/rb' },
      bearer(TOKENS.generic),
    );
    const fallback = await post(
      '/v1/alerts/scripts',
      { status: 'firing', summary: 'no url' },
      bearer(TOKENS.generic),
    );
    const get = async (r: Posted) => (await hark.store.get((r.body.incidents as { id: number }[])[0]!.id))!;
    expect((await get(own)).runbook).toBe('https://wiki.example.com/rb');
    expect((await get(fallback)).runbook).toBe('generic-runbook');
    expect((await get(fallback)).service).toBe('other');
  });
});
