/**
 * The Opsgenie-compatible intake over HTTP: Opsgenie's Alert API (create, dedup by alias,
 * acknowledge, close) and Heartbeat API (ping) with `GenieKey`, answered in Opsgenie's shapes; bad
 * input is refused naming the field and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../../src/incidents/model.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../../support/harness.js';

const OG = 'og-key-0123456789abcdef';
const MAPPED = 'og-mapped-key-0123456789';
const HB = 'hb-token-hourly-0123456789';
const API = 'og-api-token-0123456789abcdef';

let hark: TestHark;
beforeAll(async () => {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101"}',
      'services:',
      '  - {name: nodes, match: {labels: {job: node}}, escalation_policy: main}',
      '  - {name: other, escalation_policy: main}',
      'integrations:',
      `  - {name: og, type: opsgenie, token: "${OG}"}`,
      `  - {name: og-mapped, type: opsgenie, token: "${MAPPED}", priorities: {P4: SEV-1}}`,
      `  - {name: scripts, type: generic, token: "generic-token-0123456789"}`,
      'api_tokens:',
      `  - {name: ops, token: "${API}"}`,
      'heartbeats:',
      '  - {name: hourly, interval: 1h, service: other, token: "${HB_HOURLY}"}',
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{person: alice}]'),
  });
  hark = await startTestHark(dir, { env: { HB_HOURLY: HB } });
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function og(
  path: string,
  body: unknown,
  opts: { key?: string | null; method?: string; type?: string } = {},
): Promise<Answer> {
  const key = opts.key === undefined ? OG : opts.key;
  const res = await fetch(`${hark.url}${path}`, {
    method: opts.method ?? 'POST',
    headers: {
      ...(key === null ? {} : { Authorization: `GenieKey ${key}` }),
      ...(body === undefined ? {} : { 'Content-Type': opts.type ?? 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const incident = async (id: number): Promise<Incident> => (await hark.store.get(id))!;
const firstIncident = (a: Answer) => (a.body['incidents'] as { id: number; new: boolean }[])[0]!;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /v2/alerts', () => {
  it('opens an incident, answered as Opsgenie does; the same alias joins it', async () => {
    const create = {
      message: 'NodeDown on db-1\nsecond line',
      alias: 'group-abc123',
      description: 'db-1 stopped answering',
      priority: 'P1',
      tags: ['db', 'prod'],
      details: { alertname: 'NodeDown', job: 'node', instance: 'db-1' },
      entity: 'db-1',
      source: 'alertmanager',
      responders: [{ type: 'team', name: 'ops' }],
      note: 'not read',
    };
    const a = await og('/v2/alerts', create);
    expect(a.status).toBe(202);
    expect(a.body).toMatchObject({ result: 'Request will be processed', took: expect.any(Number) });
    expect(a.body['requestId']).toMatch(UUID);
    const ref = firstIncident(a);
    expect(ref.new).toBe(true);
    const i = await incident(ref.id);
    expect(i).toMatchObject({
      service: 'nodes',
      severity: 'SEV-1',
      state: 'triggered',
      title: 'NodeDown on db-1',
    });
    expect(i.alerts[0]).toMatchObject({
      id: 'og/group-abc123',
      source: 'opsgenie',
      details: 'db-1 stopped answering',
      labels: {
        alertname: 'NodeDown',
        job: 'node',
        instance: 'db-1',
        entity: 'db-1',
        source: 'alertmanager',
        tags: 'db,prod',
        priority: 'P1',
        severity: 'critical',
      },
    });

    const again = await og('/v2/alerts', { ...create, message: 'NodeDown on db-1 (still)' });
    expect(again.status).toBe(202);
    expect(firstIncident(again)).toMatchObject({ id: ref.id, new: false });
    expect((await incident(ref.id)).alerts).toHaveLength(1);
  });

  it('maps priorities: P3 to a warning by default, or to the severity an integration names', async () => {
    const plain = await og('/v2/alerts', { message: 'Disk filling', alias: 'disk-1', priority: 'P3' });
    expect((await incident(firstIncident(plain).id)).severity).toBe('SEV-3');
    const mapped = await og(
      '/v2/alerts',
      { message: 'Disk filling', alias: 'disk-1', priority: 'P4' },
      { key: MAPPED },
    );
    expect((await incident(firstIncident(mapped).id)).severity).toBe('SEV-1');
    // Without priority, a severity among the details (Alertmanager's common labels) is kept.
    const labelled = await og('/v2/alerts', {
      message: 'Queue slow',
      alias: 'q-1',
      details: { severity: 'error' },
    });
    expect((await incident(firstIncident(labelled).id)).severity).toBe('SEV-2');
  });

  it('opens a new incident for each alert without alias, as Opsgenie creates a new alert', async () => {
    const one = firstIncident(await og('/v2/alerts', { message: 'No alias' }));
    const two = firstIncident(await og('/v2/alerts', { message: 'No alias' }));
    expect(one.new && two.new).toBe(true);
    expect(one.id).not.toBe(two.id);
  });
});

describe('close and acknowledge by alias', () => {
  it('acknowledges, then resolves, the incident of the alias', async () => {
    const ref = firstIncident(
      await og('/v2/alerts', { message: 'Checkout down', alias: 'checkout-7', details: { job: 'node' } }),
    );
    const ack = await og('/v2/alerts/checkout-7/acknowledge?identifierType=alias', {
      user: 'alertmanager',
      source: 'am',
    });
    expect(ack).toMatchObject({ status: 202, body: { result: 'Request will be processed' } });
    expect(await incident(ref.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'integration:og' });

    // Alertmanager's close: a body of {"source": ...}; Grafana's is the same.
    const close = await og('/v2/alerts/checkout-7/close?identifierType=alias', { source: '' });
    expect(close.status).toBe(202);
    const resolved = await incident(ref.id);
    expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'integration:og' });
    expect(resolved.alerts[0]!.status).toBe('resolved');
  });

  it('changes nothing for an alias no incident has, or an identifier type other than alias', async () => {
    const before = await hark.snapshot();
    expect(await og('/v2/alerts/never-seen/close?identifierType=alias', undefined)).toMatchObject({
      status: 202,
      body: { result: 'Request will be processed' },
    });
    const missing = await og('/v2/alerts/checkout-7/close', undefined);
    expect(missing).toMatchObject({
      status: 422,
      body: {
        message: 'Request body is not processable. Please check the errors.',
        errors: { identifierType: 'missing; Hark finds alerts by alias: add ?identifierType=alias' },
      },
    });
    const byId = await og('/v2/alerts/checkout-7/acknowledge?identifierType=id', undefined);
    expect(byId.status).toBe(422);
    expect(byId.body['errors']).toEqual({
      identifierType: 'expected "alias", got "id": Hark finds alerts by alias only',
    });
    const badBody = await og('/v2/alerts/checkout-7/close?identifierType=alias', { note: 42 });
    expect(badBody).toMatchObject({
      status: 422,
      body: { errors: { note: 'expected a string, got a number' } },
    });
    const long = await og(`/v2/alerts/${'x'.repeat(513)}/close?identifierType=alias`, undefined);
    expect(long.body['errors']).toEqual({
      identifier: "too long: at most 512 characters (Opsgenie's limit)",
    });
    expect(await hark.snapshot()).toEqual(before);
  });
});

describe('bad requests', () => {
  it('are refused as Opsgenie refuses them, naming the field, and store nothing', async () => {
    const before = await hark.snapshot();
    const cases: [unknown, string, string][] = [
      [{}, 'message', 'missing; the alert needs a message'],
      [{ message: '   ' }, 'message', 'must not be empty'],
      [
        { message: 'x', priority: 'P9' },
        'priority',
        'expected one of "P1", "P2", "P3", "P4", "P5", got "P9"',
      ],
      [{ message: 'x', tags: 'a,b' }, 'tags', 'expected an array, got a string'],
      [
        { message: 'x', details: { count: 3 } },
        'details.count',
        "detail values must be strings (Opsgenie's details map strings to strings), got a number",
      ],
      [
        { message: 'x', alias: 'a'.repeat(513) },
        'alias',
        "too long: at most 512 characters (Opsgenie's limit)",
      ],
      [
        [{ message: 'x' }],
        '(body)',
        'expected a JSON object (an Opsgenie create-alert request), got an array',
      ],
    ];
    for (const [body, field, message] of cases) {
      const a = await og('/v2/alerts', body);
      expect(a.status, JSON.stringify(body)).toBe(422);
      expect(a.body).toMatchObject({
        message: 'Request body is not processable. Please check the errors.',
        errors: { [field]: message },
      });
      expect(a.body['requestId']).toMatch(UUID);
    }
    expect(await og('/v2/alerts', '{"message": ')).toMatchObject({
      status: 400,
      body: { message: expect.stringMatching(/^the body is not valid JSON/) },
    });
    expect(await og('/v2/alerts', 'message=x', { type: 'application/x-www-form-urlencoded' })).toMatchObject({
      status: 415,
    });
    for (const key of [null, 'wrong-key-0123456789', 'generic-token-0123456789']) {
      const a = await og('/v2/alerts', { message: 'x' }, { key });
      expect(a.status).toBe(401);
      expect(a.body['message']).toMatch(/^Could not authenticate/);
    }
    const bearer = await fetch(`${hark.url}/v2/alerts/x/close?identifierType=alias`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${OG}` },
    });
    expect(bearer.status).toBe(401);
    await bearer.text();
    expect(await hark.snapshot()).toEqual(before);
  });
});

describe('GET|POST /v2/heartbeats/<name>/ping', () => {
  it('pings with an opsgenie integration’s key or the heartbeat’s own token', async () => {
    for (const [method, key] of [
      ['GET', OG],
      ['POST', HB],
      ['PUT', OG],
      ['PATCH', HB],
    ] as const) {
      const a = await og('/v2/heartbeats/hourly/ping', undefined, { method, key });
      expect(a.status, method).toBe(202);
      expect(a.body).toMatchObject({ result: 'PONG - Heartbeat received', took: expect.any(Number) });
    }
    const res = await fetch(`${hark.url}/v1/heartbeats`, { headers: { Authorization: `Bearer ${API}` } });
    const [hourly] = ((await res.json()) as { heartbeats: { name: string; pings: number; status: string }[] })
      .heartbeats;
    expect(hourly).toMatchObject({ name: 'hourly', pings: 4, status: 'up' });
  });

  it('is authenticated before an unknown name is a 404', async () => {
    const before = await hark.snapshot();
    expect(await og('/v2/heartbeats/nope/ping', undefined, { key: OG })).toMatchObject({
      status: 404,
      body: { message: 'Heartbeat with name [nope] does not exist.' },
    });
    for (const key of [null, 'wrong-key-0123456789', API]) {
      expect((await og('/v2/heartbeats/nope/ping', undefined, { key })).status).toBe(401);
      expect((await og('/v2/heartbeats/hourly/ping', undefined, { key })).status).toBe(401);
    }
    expect(await hark.snapshot()).toEqual(before);
  });
});

describe('metrics', () => {
  it('counts Opsgenie requests as alert requests of their integration', async () => {
    // prom-client answers its live values: read them as numbers at once.
    const count = async (outcome: string, code: string) =>
      (await hark.metrics.alertRequests.get()).values.find(
        (x) => x.labels.integration === 'og' && x.labels.outcome === outcome && x.labels.code === code,
      )?.value ?? 0;
    const [accepted, rejected] = [await count('accepted', '202'), await count('rejected', '422')];
    await og('/v2/alerts', { message: 'Counted', alias: 'counted' });
    await og('/v2/alerts', { message: 'x', priority: 'P0' });
    expect((await count('accepted', '202')) - accepted).toBe(1);
    expect((await count('rejected', '422')) - rejected).toBe(1);
  });
});
