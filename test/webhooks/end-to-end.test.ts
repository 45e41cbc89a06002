/**
 * Outgoing webhooks end to end: an alert and an acknowledgement through the API become events on
 * the stream, which the subscriber runner hands to the webhook subscriber, which queues signed
 * deliveries that reach a real local receiver; each verifies with the reference algorithm.
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, afterEach, expect, it } from 'vitest';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import {
  API_TOKEN,
  SECRET_ENV,
  SECRETS,
  hook,
  openIncident,
  startReceiver,
  webhookConfig,
  type Receiver,
} from './support.js';

let h: TestHark | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await h?.close();
  await receiver?.close();
});
afterAll(cleanupTmpConfigs);

it('an incident opened and acknowledged reaches the receiver as two signed deliveries, with the stream ids as webhook-id', async () => {
  receiver = await startReceiver();
  h = await startTestHark(
    webhookConfig(hook('ops', receiver.url, 'HOOK_A', 'events: [incident.opened, incident.acknowledged]')),
    { env: SECRET_ENV, webhooks: {}, webhookSubscriber: true },
  );
  const id = await openIncident(h.url, { key: 'e2e-1' });
  const ack = await fetch(`${h.url}/v1/incidents/${id}/acknowledge`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${API_TOKEN}` },
  });
  expect(ack.status).toBe(200);
  const got = await receiver.waitFor(2);
  const stream = await h.redis.xrange(h.keys.events, '-', '+');
  const wanted = stream
    .filter(([, f]) => /"type":"incident\.(opened|acknowledged)"/.test(f[3] ?? ''))
    .map(([sid]) => sid);
  const bodies = got.map(
    (r) =>
      new StandardWebhook(SECRETS.A).verify(r.body, r.headers as Record<string, string>) as {
        type: string;
        data: { event: { type: string }; incident: { id: number; state: string } };
      },
  );
  const byType = new Map(bodies.map((b, i) => [b.type, { b, r: got[i]! }]));
  expect([...byType.keys()].sort()).toEqual(['incident.acknowledged', 'incident.opened']);
  expect(byType.get('incident.opened')!.b.data.incident.id).toBe(id);
  expect(got.map((r) => r.headers['webhook-id']).sort()).toEqual(wanted.sort());
  // A tampered body is refused by the same verifier.
  const r = got[0]!;
  expect(() =>
    new StandardWebhook(SECRETS.A).verify(
      r.body.replace(`"id":${id}`, `"id":${id + 1}`),
      r.headers as Record<string, string>,
    ),
  ).toThrow();
});
