/**
 * Webhook deliveries against a real local HTTP receiver: Standard Webhooks signatures (checked with
 * the reference library and by hand), retries on 5xx and timeouts with backoff, none on other 4xx,
 * Retry-After, a hanging receiver that delays no one else, and an event delivered end to end.
 */
import { createHmac } from 'node:crypto';
import { WebhookVerificationError } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/events/schema.js';
import type { StreamEvent } from '../../src/events/subscriber.js';
import { WebhookLog, type DeliveryRecord } from '../../src/webhooks/log.js';
import type { IncidentPayload } from '../../src/webhooks/payload.js';
import { webhookSubscriber } from '../../src/webhooks/subscriber.js';
import { startWebhookDelivery, type RetryPolicy } from '../../src/webhooks/delivery.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { pino } from 'pino';
import { startTestHark, type TestHark } from '../support/harness.js';
import {
  FIXED,
  hook,
  openIncident,
  SECRET_ENV,
  SECRETS,
  startReceiver,
  verifyAt,
  webhookConfig,
  type Answer,
  type Receiver,
} from './support.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function receiver(answer?: (n: number) => Answer): Promise<Receiver> {
  const r = await startReceiver(answer);
  cleanup.push(() => r.close());
  return r;
}

interface Setup {
  readonly h: TestHark;
  readonly sub: ReturnType<typeof webhookSubscriber>;
  readonly log: WebhookLog;
}

async function setup(
  webhooks: readonly string[],
  opts: { retry?: Partial<RetryPolicy>; now?: () => number } = {},
): Promise<Setup> {
  const now = opts.now ?? (() => FIXED);
  const h = await startTestHark(webhookConfig(webhooks), {
    env: SECRET_ENV,
    webhooks: { now, retry: { baseMs: 100, ...opts.retry } },
  });
  const sub = webhookSubscriber({
    redis: h.redis,
    keys: h.keys,
    config: () => h.config,
    store: h.store,
    now,
  });
  cleanup.push(async () => {
    await sub.close();
    await h.close();
  });
  return { h, sub, log: new WebhookLog(h.redis, h.keys) };
}

/** The stream entry for the incident's first event of `type` (as the event stream carries it). */
async function streamEvent(
  h: TestHark,
  incident: number,
  id: string,
  type = 'incident.opened',
): Promise<StreamEvent> {
  const found = await h.store.get(incident);
  const event = found?.timeline?.find((e) => e.type === type);
  if (!event) throw new Error(`incident #${incident} has no ${type} event`);
  return { id, incident, event: event as unknown as TimelineEvent };
}

/** Waits until the webhook has `count` recorded attempts; oldest first. */
async function records(
  log: WebhookLog,
  name: string,
  count: number,
  timeoutMs = 10_000,
): Promise<DeliveryRecord[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const list = await log.recent(name, 100);
    if (list.length >= count) return list.reverse();
    if (Date.now() > end)
      throw new Error(`${list.length} of ${count} attempts recorded after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('signing (Standard Webhooks)', () => {
  it('the reference verifier and a hand-made HMAC-SHA256 accept a delivery; a tampered one is refused', async () => {
    const rx = await receiver();
    const { h, sub, log } = await setup(hook('bus', rx.url, 'HOOK_A', 'events: [incident.opened]'));
    const id = await openIncident(h.url, { key: 'db-down' });
    const e = await streamEvent(h, id, `${FIXED}-0`);
    await sub.handle(e);
    const [req] = await rx.waitFor(1);

    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['webhook-id']).toBe(`${FIXED}-0`);
    expect(req!.headers['webhook-timestamp']).toBe(String(FIXED / 1000));
    const payload = verifyAt(FIXED, SECRETS.A, req!) as IncidentPayload;
    expect(payload).toEqual(JSON.parse(req!.body));

    // By hand: v1,base64(HMAC-SHA256(base64-decoded secret, "<id>.<timestamp>.<body>")).
    const key = Buffer.from(SECRETS.A.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key)
      .update(`${FIXED}-0.${FIXED / 1000}.${req!.body}`)
      .digest('base64');
    expect(req!.headers['webhook-signature']).toBe(`v1,${mac}`);

    // Tampered: the body, the id, the timestamp, or another secret.
    const refused = (r: { headers: Record<string, unknown>; body: string }, secret = SECRETS.A) =>
      expect(() => verifyAt(FIXED, secret, r as never)).toThrow(WebhookVerificationError);
    refused({ headers: req!.headers, body: req!.body.replace('db-down', 'db-up') });
    refused({ headers: { ...req!.headers, 'webhook-id': `${FIXED}-1` }, body: req!.body });
    refused({ headers: { ...req!.headers, 'webhook-timestamp': String(FIXED / 1000 + 1) }, body: req!.body });
    refused({ headers: req!.headers, body: req!.body }, SECRETS.B);

    // The payload: the typed event and the incident as the API returns it, nothing of the config.
    const api = (await (
      await fetch(`${h.url}/v1/incidents/${id}`, {
        headers: { Authorization: 'Bearer api-token-for-webhooks-0123456789' },
      })
    ).json()) as { incident: Record<string, unknown> };
    const incident = { ...api.incident };
    expect(incident.timeline).toBeDefined(); // the API's single incident has it; the payload does not
    delete incident.timeline;
    expect(payload).toEqual({
      type: 'incident.opened',
      timestamp: e.event.at,
      data: { event: e.event, incident },
    });
    expect(req!.body).not.toContain('generic-token');
    expect(req!.body).not.toContain(SECRETS.A.slice(6));

    expect(await records(log, 'bus', 1)).toEqual([
      {
        id: `${FIXED}-0`,
        type: 'incident.opened',
        incident: id,
        attempt: 1,
        at: new Date(FIXED).toISOString(),
        status: 204,
        error: null,
        durationMs: expect.any(Number) as number,
        outcome: 'delivered',
        nextAttemptAt: null,
      },
    ]);
    // Handed over again (a redelivery after a crash): not sent twice.
    await sub.handle(e);
    await sleep(500);
    expect(rx.received).toHaveLength(1);
  });
});

describe('retries', () => {
  it('a 500 is tried again after the backoff, with the same id and body, then delivered', async () => {
    const rx = await receiver((n) => (n === 0 ? { status: 500, body: 'database is down' } : { status: 200 }));
    const { h, sub, log } = await setup(hook('bus', rx.url, 'HOOK_A', 'events: ["*"]'), {
      retry: { baseMs: 300 },
    });
    const id = await openIncident(h.url, { key: 'db-down' });
    await sub.handle(await streamEvent(h, id, `${FIXED}-5`));
    const [first, second] = await rx.waitFor(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(290);
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    verifyAt(FIXED, SECRETS.A, second!);
    const [a1, a2] = await records(log, 'bus', 2);
    expect(a1).toMatchObject({
      attempt: 1,
      status: 500,
      outcome: 'retrying',
      error: 'HTTP 500: database is down',
      nextAttemptAt: new Date(FIXED + 300).toISOString(),
    });
    expect(a2).toMatchObject({ attempt: 2, status: 200, outcome: 'delivered', error: null });
    expect(await h.metrics.registry.getSingleMetricAsString('hark_webhook_deliveries_total')).toContain(
      'hark_webhook_deliveries_total{webhook="bus",outcome="retrying"} 1',
    );
  });

  it('a 400 is not tried again', async () => {
    const rx = await receiver(() => ({ status: 400, body: '{"error":"no such thing"}' }));
    const { h, sub, log } = await setup(hook('bus', rx.url, 'HOOK_A', 'events: ["*"]'));
    const id = await openIncident(h.url, { key: 'db-down' });
    await sub.handle(await streamEvent(h, id, `${FIXED}-0`));
    const [a1] = await records(log, 'bus', 1);
    expect(a1).toMatchObject({
      attempt: 1,
      status: 400,
      outcome: 'failed',
      error: 'HTTP 400: {"error":"no such thing"}',
    });
    await sleep(800); // several backoffs of 100 ms
    expect(rx.received).toHaveLength(1);
    expect(await log.recent('bus')).toHaveLength(1);
  });

  it('Retry-After in seconds and as an HTTP date is honoured, and a long one is cut to the cap', async () => {
    const retryAfter = ['1', new Date(FIXED + 1000).toUTCString(), '3600'];
    const rx = await receiver((n) =>
      n < 3 ? { status: n === 0 ? 429 : 503, headers: { 'Retry-After': retryAfter[n]! } } : { status: 200 },
    );
    const { h, sub, log } = await setup(hook('bus', rx.url, 'HOOK_A', 'events: ["*"]'), {
      retry: { baseMs: 50, maxRetryAfterMs: 1500 },
    });
    const id = await openIncident(h.url, { key: 'db-down' });
    await sub.handle(await streamEvent(h, id, `${FIXED}-0`));
    const got = await rx.waitFor(4, 15_000);
    const gaps = got.slice(1).map((r, i) => r.at - got[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(990);
    expect(gaps[1]).toBeGreaterThanOrEqual(990);
    expect(gaps[2]).toBeGreaterThanOrEqual(1490);
    expect(gaps[2]).toBeLessThan(3000);
    const attempts = await records(log, 'bus', 4);
    expect(attempts.map((a) => [a.status, a.outcome, a.nextAttemptAt])).toEqual([
      [429, 'retrying', new Date(FIXED + 1000).toISOString()],
      [503, 'retrying', new Date(FIXED + 1000).toISOString()],
      [503, 'retrying', new Date(FIXED + 1500).toISOString()],
      [200, 'delivered', null],
    ]);
  });

  it('retries stop 24 h after the delivery was queued', async () => {
    let now = FIXED;
    const rx = await receiver(() => ({ status: 502 }));
    const { h, sub, log } = await setup(hook('bus', rx.url, 'HOOK_A', 'events: ["*"]'), {
      now: () => now,
      retry: { baseMs: 500 },
    });
    const id = await openIncident(h.url, { key: 'db-down' });
    await sub.handle(await streamEvent(h, id, `${FIXED}-0`));
    await records(log, 'bus', 1);
    now = FIXED + 24 * 3_600_000 - 100; // the next backoff (1 s) would end past the window
    const [, a2] = await records(log, 'bus', 2);
    expect(a2).toMatchObject({
      attempt: 2,
      status: 502,
      outcome: 'failed',
      error: 'HTTP 502; given up: still failing 1d after it was queued',
      nextAttemptAt: null,
    });
    await sleep(1200);
    expect(rx.received).toHaveLength(2);
  });

  it('a receiver that hangs times out, and does not delay another webhook', async () => {
    const slow = await receiver(() => 'hang');
    const fast = await receiver();
    const { h, sub, log } = await setup([
      ...hook('slow', slow.url, 'HOOK_A', 'events: ["*"]', 'timeout: 1s'),
      ...hook('fast', fast.url, 'HOOK_B', 'events: ["*"]'),
    ]);
    const first = await openIncident(h.url, { key: 'first' });
    const second = await openIncident(h.url, { key: 'second' });
    const t0 = Date.now();
    await sub.handle(await streamEvent(h, first, `${FIXED}-0`));
    await sub.handle(await streamEvent(h, second, `${FIXED}-1`));
    await fast.waitFor(2);
    const fastDone = Date.now() - t0;
    expect(slow.received.length).toBeGreaterThanOrEqual(1); // it is hanging while the fast one went
    expect(fastDone).toBeLessThan(900);
    const [a1] = await records(log, 'slow', 1);
    expect(a1).toMatchObject({ status: null, outcome: 'retrying', error: 'no answer within 1s' });
    expect(a1!.durationMs).toBeGreaterThanOrEqual(990);
    expect((await records(log, 'fast', 2)).map((r) => r.outcome)).toEqual(['delivered', 'delivered']);
  });

  it('a refused connection is tried again', async () => {
    const gone = await startReceiver();
    const url = gone.url;
    await gone.close();
    const { h, sub, log } = await setup(hook('bus', url, 'HOOK_A', 'events: ["*"]'));
    const id = await openIncident(h.url, { key: 'db-down' });
    await sub.handle(await streamEvent(h, id, `${FIXED}-0`));
    const [a1, a2] = await records(log, 'bus', 2);
    expect(a1).toMatchObject({ status: null, outcome: 'retrying', error: 'cannot send: ECONNREFUSED' });
    expect(a2).toMatchObject({ attempt: 2, outcome: 'retrying' });
  });
});

describe('filters', () => {
  it('each webhook gets the events, services and severities it lists', async () => {
    const rx = {
      all: await receiver(),
      opened: await receiver(),
      checkout: await receiver(),
      sev3: await receiver(),
    };
    const { h, sub, log } = await setup([
      ...hook('all', rx.all.url, 'HOOK_A', 'events: ["*"]'),
      ...hook('opened', rx.opened.url, 'HOOK_B', 'events: [incident.opened]'),
      ...hook('checkout', rx.checkout.url, 'HOOK_C', 'events: ["incident.*"]', 'services: [checkout]'),
    ]);
    const pay = await openIncident(h.url, { key: 'pay', labels: { team: 'payments' } });
    const other = await openIncident(h.url, { key: 'other' });
    await h.ops.acknowledge(pay, 'person:alice', 'alice', new Date());
    await h.ops.addNote(other, 'person:alice', 'looking', new Date());
    await sub.handle(await streamEvent(h, pay, `${FIXED}-0`));
    await sub.handle(await streamEvent(h, other, `${FIXED}-1`));
    await sub.handle(await streamEvent(h, pay, `${FIXED}-2`, 'incident.acknowledged'));
    await sub.handle(await streamEvent(h, other, `${FIXED}-3`, 'note.added'));
    await rx.all.waitFor(4);
    await records(log, 'opened', 2);
    await records(log, 'checkout', 2);
    await sleep(300);
    const ids = (r: Receiver) => r.received.map((x) => x.headers['webhook-id']).sort();
    expect(ids(rx.all)).toEqual([`${FIXED}-0`, `${FIXED}-1`, `${FIXED}-2`, `${FIXED}-3`]);
    expect(ids(rx.opened)).toEqual([`${FIXED}-0`, `${FIXED}-1`]);
    expect(ids(rx.checkout)).toEqual([`${FIXED}-0`, `${FIXED}-2`]);
    expect(rx.sev3.received).toHaveLength(0);
  });

  it('severities: only incidents of those severities', async () => {
    const low = await receiver();
    const { h, sub, log } = await setup(
      hook('low', low.url, 'HOOK_A', 'events: ["*"]', 'severities: [SEV-3]'),
    );
    const critical = await openIncident(h.url, { key: 'crit', severity: 'critical' });
    const warning = await openIncident(h.url, { key: 'warn', severity: 'warning' });
    await sub.handle(await streamEvent(h, critical, `${FIXED}-0`));
    await sub.handle(await streamEvent(h, warning, `${FIXED}-1`));
    const [a1] = await records(log, 'low', 1);
    await sleep(300);
    expect(a1!.incident).toBe(warning);
    expect(low.received.map((r) => r.headers['webhook-id'])).toEqual([`${FIXED}-1`]);
  });
});

describe('the worker', () => {
  /** A Hark without a delivery worker of its own: the test runs one. */
  const bare = async (): Promise<TestHark> => {
    const h = await startTestHark(webhookConfig([]), { env: SECRET_ENV });
    cleanup.push(() => h.close());
    return h;
  };

  it('stops at once with a receiver hanging: the attempt is recorded and tried again later', async () => {
    const slow = await receiver(() => 'hang');
    const h = await bare();
    const config = loadConfig(
      webhookConfig(hook('slow', slow.url, 'HOOK_A', 'events: ["*"]', 'timeout: 60s')),
      {
        env: SECRET_ENV,
      },
    ).config;
    const worker = startWebhookDelivery({
      redis: h.redis,
      keys: h.keys,
      config: () => config,
      log: pino({ level: 'silent' }),
      now: () => FIXED,
    });
    const own = webhookSubscriber({ redis: h.redis, keys: h.keys, config: () => config, store: h.store });
    cleanup.push(() => own.close());
    const id = await openIncident(h.url, { key: 'db-down' });
    await own.handle(await streamEvent(h, id, `${FIXED}-0`));
    await slow.waitFor(1);
    const t0 = Date.now();
    await worker.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    const log = new WebhookLog(h.redis, h.keys);
    expect(await records(log, 'slow', 1)).toEqual([
      expect.objectContaining({ status: null, outcome: 'retrying', error: 'interrupted: Hark was stopping' }),
    ]);
  });

  it('a delivery whose webhook a reload removed fails, and is not sent', async () => {
    const rx = await receiver(() => ({ status: 503 }));
    const dir = webhookConfig(hook('bus', rx.url, 'HOOK_A', 'events: ["*"]'));
    let config: Config = loadConfig(dir, { env: SECRET_ENV }).config;
    const h = await bare();
    const worker = startWebhookDelivery({
      redis: h.redis,
      keys: h.keys,
      config: () => config,
      log: pino({ level: 'silent' }),
      now: () => FIXED,
      retry: { baseMs: 300 },
    });
    cleanup.push(() => worker.close());
    const sub = webhookSubscriber({ redis: h.redis, keys: h.keys, config: () => config, store: h.store });
    cleanup.push(() => sub.close());
    const id = await openIncident(h.url, { key: 'db-down' });
    await sub.handle(await streamEvent(h, id, `${FIXED}-0`));
    const log = new WebhookLog(h.redis, h.keys);
    await records(log, 'bus', 1);
    config = { ...config, webhooks: [] };
    const [, a2] = await records(log, 'bus', 2);
    expect(a2).toMatchObject({
      attempt: 2,
      outcome: 'failed',
      error: 'webhook "bus" is no longer in the config',
    });
    expect(rx.received).toHaveLength(1);
  });
});
