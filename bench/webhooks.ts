/**
 * Webhook figures (issue 11, item 3): event → delivered to a local receiver at 100 events/s.
 *
 * In one process against a managed redis-server: 100 incidents are opened, then 1,000 of their
 * events are handed to the `webhooks` subscriber (its `handle`, as the event stream's runner
 * calls it) at 100 a second; the delivery worker signs and POSTs each to a local node:http
 * receiver that answers 204 at once. Figure: from `handle` being called to the request arriving,
 * p50 / p99 / max. The stream read before `handle` is not in it (the subscriber framework's lag).
 */
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { NormalizedAlert } from '../src/alerts/types.js';
import { loadConfig } from '../src/config/load.js';
import type { TimelineEvent } from '../src/events/schema.js';
import { IncidentStore } from '../src/incidents/store.js';
import { connectRedis, whenReady } from '../src/redis/connect.js';
import { keys as makeKeys } from '../src/redis/keys.js';
import { startManagedRedis } from '../src/redis/managed.js';
import { route } from '../src/routing/route.js';
import { startWebhookDelivery } from '../src/webhooks/delivery.js';
import { webhookSubscriber } from '../src/webhooks/subscriber.js';
import { quantile } from './spawn.js';

const EVENTS = 1000;
const RATE = 100;
const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;

export async function benchWebhooks(): Promise<Record<string, string>> {
  const log = pino({ level: 'silent' });
  const dir = mkdtempSync(join(tmpdir(), 'hark-bench-webhooks-'));
  const managed = await startManagedRedis(log, { dir: join(dir, 'redis') });
  const arrived = new Map<string, number>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      arrived.set(String(req.headers['webhook-id']), performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`;
  mkdirSync(join(dir, 'config/escalation-policies'), { recursive: true });
  writeFileSync(
    join(dir, 'config/hark.yaml'),
    [
      'people:',
      '  alice: {sms: "+15555550101"}',
      'services:',
      '  - {name: all, escalation_policy: main}',
      'integrations:',
      '  - {name: bench, type: generic, token: "bench-token-0123456789"}',
      'webhooks:',
      `  - {name: bus, url: "${url}", events: ["*"], secret: "\${BENCH_SECRET}"}`,
    ].join('\n'),
  );
  writeFileSync(join(dir, 'config/escalation-policies/main.yaml'), 'steps:\n  - notify: [{person: alice}]\n');
  const { config } = loadConfig(join(dir, 'config'), { env: { BENCH_SECRET: SECRET } });
  const redis = connectRedis(managed.url);
  await whenReady(redis);
  const keys = makeKeys();
  const store = new IncidentStore(redis, keys, () => config.settings.retentionMs);
  const delivery = startWebhookDelivery({ redis, keys, config: () => config, log });
  const sub = webhookSubscriber({ redis, keys, config: () => config, store });
  try {
    const incidents: { id: number; event: TimelineEvent }[] = [];
    for (let i = 0; i < 100; i++) {
      const alert: NormalizedAlert = {
        source: 'generic',
        integration: 'bench',
        key: `bench-${i}`,
        status: 'firing',
        action: null,
        summary: `bench ${i} is failing`,
        details: null,
        labels: {},
        annotations: {},
        links: [],
        runbookUrl: null,
        startsAt: null,
        endsAt: null,
      };
      const { id } = await store.ingest(alert, route(config, alert)!, false, new Date());
      const event = (await store.get(id))!.timeline![0] as unknown as TimelineEvent;
      incidents.push({ id, event });
    }
    const sent = new Map<string, number>();
    const queued = new Map<string, number>();
    const start = performance.now();
    const handled: Promise<void>[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const { id, event } = incidents[i % incidents.length]!;
      const streamId = `${Date.now()}-${i}`;
      sent.set(streamId, performance.now());
      handled.push(
        sub.handle({ id: streamId, incident: id, event }).then(() => {
          queued.set(streamId, performance.now());
        }),
      );
    }
    await Promise.all(handled);
    const deadline = Date.now() + 30_000;
    while (arrived.size < EVENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const latencies = [...sent].flatMap(([id, t]) => (arrived.has(id) ? [arrived.get(id)! - t] : []));
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    const toQueue = [...sent].map(([id, t]) => queued.get(id)! - t);
    return {
      [`event → webhook delivered at ${RATE}/s (${EVENTS} events): delivered`]: `${latencies.length} of ${EVENTS}`,
      'event → webhook delivered: p50 / p99 / max': `${ms(quantile(latencies, 0.5))} / ${ms(quantile(latencies, 0.99))} / ${ms(Math.max(...latencies))}`,
      '  of which handle (incident read + queued in Redis): p50 / p99': `${ms(quantile(toQueue, 0.5))} / ${ms(quantile(toQueue, 0.99))}`,
    };
  } finally {
    await sub.close();
    await delivery.close();
    redis.disconnect();
    await new Promise<void>((r) => receiver.close(() => r()));
    await managed.stop();
  }
}
