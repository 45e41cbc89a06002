/** `GET /v1/webhooks`, `GET /v1/webhooks/<name>/deliveries`, `POST /v1/webhooks/<name>/test`, `hark webhooks`, /metrics. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { TimelineEvent } from '../../src/events/schema.js';
import { webhookSubscriber } from '../../src/webhooks/subscriber.js';
import { runCli } from '../support/cli.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import {
  API_TOKEN,
  FIXED,
  hook,
  openIncident,
  SECRET_ENV,
  SECRETS,
  startReceiver,
  verifyAt,
  webhookConfig,
  type Receiver,
} from './support.js';

let h: TestHark;
let ok: Receiver;
let broken: Receiver;
let dir: string;
const auth = { Authorization: `Bearer ${API_TOKEN}` };

beforeAll(async () => {
  ok = await startReceiver();
  broken = await startReceiver(() => ({ status: 500, body: 'down' }));
  dir = webhookConfig([
    ...hook('bus', ok.url, 'HOOK_A', 'events: [incident.opened]'),
    ...hook('broken', broken.url, 'HOOK_B', 'events: [incident.resolved]'),
  ]);
  h = await startTestHark(dir, {
    env: SECRET_ENV,
    webhooks: { now: () => FIXED, retry: { baseMs: 60_000 } },
  });
  // One delivered event to "bus".
  const sub = webhookSubscriber({ redis: h.redis, keys: h.keys, config: () => h.config, store: h.store });
  const id = await openIncident(h.url, { key: 'db-down' });
  const event = (await h.store.get(id))!.timeline![0] as unknown as TimelineEvent;
  await sub.handle({ id: `${FIXED}-0`, incident: id, event });
  await sub.close();
  await ok.waitFor(1);
  await waitUntil(
    async () =>
      ((await get('/v1/webhooks/bus/deliveries')).json.deliveries as unknown[] | undefined)?.length === 1,
  );
});

afterAll(async () => {
  await h.close();
  await ok.close();
  await broken.close();
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function get(path: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${h.url}${path}`, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function post(path: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${h.url}${path}`, { method: 'POST', headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('the API', () => {
  it('answers 401 without an API token, before anything else (an unknown name too)', async () => {
    for (const r of [
      await get('/v1/webhooks', {}),
      await get('/v1/webhooks/bus/deliveries', {}),
      await get('/v1/webhooks/nope/deliveries', { Authorization: 'Bearer wrong-token-0123456789' }),
      await post('/v1/webhooks/bus/test', {}),
      await post('/v1/webhooks/nope/test', {}),
    ]) {
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: expect.objectContaining({ code: 'unauthorized' }) as unknown });
    }
    expect(ok.received).toHaveLength(1); // no test went out
  });

  it('answers 404 for a webhook that is not in the config, and 400 for a bad limit', async () => {
    expect(await get('/v1/webhooks/nope/deliveries')).toEqual({
      status: 404,
      json: { error: { code: 'not_found', message: 'there is no webhook "nope"' } },
    });
    expect((await post('/v1/webhooks/nope/test')).status).toBe(404);
    const bad = await get('/v1/webhooks/bus/deliveries?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: { code: 'invalid_query', field: 'limit' } });
  });

  it('lists the webhooks with their counters and last attempt, never their secrets', async () => {
    const r = await get('/v1/webhooks');
    expect(r.status).toBe(200);
    const text = JSON.stringify(r.json);
    for (const s of Object.values(SECRETS)) expect(text).not.toContain(s.slice(6));
    expect(text).not.toContain('secret');
    expect(r.json).toEqual({
      webhooks: [
        {
          name: 'bus',
          url: ok.url,
          events: ['incident.opened'],
          services: null,
          severities: null,
          timeoutMs: 10_000,
          counts: { delivered: 1, retrying: 0, failed: 0 },
          last: expect.objectContaining({ id: `${FIXED}-0`, outcome: 'delivered', status: 204 }) as unknown,
        },
        {
          name: 'broken',
          url: broken.url,
          events: ['incident.resolved'],
          services: null,
          severities: null,
          timeoutMs: 10_000,
          counts: { delivered: 0, retrying: 0, failed: 0 },
          last: null,
        },
      ],
    });
  });

  it('sends a signed webhook.test event through the worker and answers its outcome', async () => {
    const r = await post('/v1/webhooks/bus/test');
    expect(r.status).toBe(200);
    const delivery = r.json.delivery as { id: string } & Record<string, unknown>;
    expect(delivery).toMatchObject({
      type: 'webhook.test',
      incident: null,
      attempt: 1,
      outcome: 'delivered',
      status: 204,
    });
    const req = ok.received.find((x) => x.headers['webhook-id'] === delivery.id)!;
    expect(verifyAt(FIXED, SECRETS.A, req)).toEqual({
      type: 'webhook.test',
      timestamp: expect.any(String) as string,
      data: { webhook: 'bus', message: 'A test event from Hark to webhook "bus" (hark webhooks test)' },
    });
  });

  it('a failing test is answered as failed and never tried again', async () => {
    const r = await post('/v1/webhooks/broken/test');
    expect(r.status).toBe(200);
    // A 500 is retried for an incident event; a test's attempt is final.
    expect(r.json.delivery).toMatchObject({
      outcome: 'failed',
      status: 500,
      error: 'HTTP 500: down',
      nextAttemptAt: null,
    });
    expect(broken.received).toHaveLength(1);
  });

  it('counts attempts and their durations on /metrics', async () => {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toContain('hark_webhook_deliveries_total{webhook="bus",outcome="delivered"}');
    expect(text).toContain('hark_webhook_deliveries_total{webhook="broken",outcome="failed"} 1');
    expect(text).toMatch(/hark_webhook_delivery_duration_seconds_count\{webhook="bus"\} [1-9]/);
  });
});

describe('hark webhooks', () => {
  const env = () => ({
    ...SECRET_ENV,
    HARK_CONFIG: dir,
    REDIS_URL: inject('redisUrl'),
    HARK_REDIS_PREFIX: h.keys.prefix,
  });

  it('lists the webhooks with their last outcomes, and one webhook deliveries', async () => {
    const list = await runCli(['webhooks'], { env: env() });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+URL\s+EVENTS\s+DELIVERED\s+RETRYING\s+FAILED\s+LAST$/m);
    expect(list.stdout).toMatch(
      new RegExp(`^bus\\s+${ok.url}\\s+incident.opened\\s+\\d+\\s+0\\s+0\\s+delivered \\(204\\)`, 'm'),
    );
    const deliveries = await runCli(['webhooks', 'deliveries', 'bus', '--json'], { env: env() });
    expect(deliveries.code).toBe(0);
    const records = JSON.parse(deliveries.stdout) as { id: string }[];
    expect(records.map((r) => r.id)).toContain(`${FIXED}-0`);
    const table = await runCli(['webhooks', 'deliveries', 'bus'], { env: env() });
    expect(table.stdout).toMatch(new RegExp(`${FIXED}-0\\s+incident.opened\\s+#1\\s+1\\s+delivered\\s+204`));
  });

  it('test sends a test event, straight to Redis or through the server', async () => {
    const direct = await runCli(['webhooks', 'test', 'bus'], { env: env() });
    expect(direct.stderr).toBe('');
    expect(direct.stdout).toMatch(/^delivered test test_[0-9a-f-]+ to webhook "bus": HTTP 204 in \d+ms/);
    expect(direct.code).toBe(0);
    const served = await runCli(['webhooks', 'test', 'broken', '--server', h.url, '--token', API_TOKEN], {
      env: env(),
    });
    expect(served.code).toBe(1);
    expect(served.stderr).toMatch(
      /^hark: test test_[0-9a-f-]+ to webhook "broken" failed after \d+ms: HTTP 500: down/,
    );
  });

  it('refuses an unknown webhook or action; secret prints a new Standard Webhooks secret', async () => {
    const unknown = await runCli(['webhooks', 'test', 'nope'], { env: env() });
    expect(unknown).toEqual({
      code: 2,
      stdout: '',
      stderr: 'hark: unknown webhook "nope" (webhooks: bus, broken)',
    });
    expect((await runCli(['webhooks', 'frobnicate'], { env: env() })).code).toBe(2);
    const secret = await runCli(['webhooks', 'secret'], { env: {} });
    expect(secret.code).toBe(0);
    expect(secret.stdout).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.stdout.trim().slice(6), 'base64')).toHaveLength(32);
  });
});
