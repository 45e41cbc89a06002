/** Webhook tests: a real local HTTP receiver, a config with webhooks, and a verifying helper. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { vi } from 'vitest';
import { lines, tmpConfig } from '../config/tmpconfig.js';

/** The fixed instant the delivery clock stands at (the signatures' timestamps). */
export const FIXED = Date.parse('2026-03-02T10:00:00Z');

export const SECRETS = {
  A: `whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  B: `whsec_${Buffer.alloc(32, 2).toString('base64')}`,
  C: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
};
export const SECRET_ENV = { HOOK_A: SECRETS.A, HOOK_B: SECRETS.B, HOOK_C: SECRETS.C };
export const GENERIC_TOKEN = 'generic-token-0123456789';
export const API_TOKEN = 'api-token-for-webhooks-0123456789';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** When it arrived (the real clock, ms). */
  readonly at: number;
}

/** What the receiver answers to its `n`th request (0-based): a status (and headers), or a hang. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Resolves once `count` requests arrived (fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  answer: (n: number) => Answer = () => ({ status: 204 }),
): Promise<Receiver> {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const a = answer(n);
      if (a === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    waitFor: async (count, timeoutMs = 10_000) => {
      const end = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > end)
          throw new Error(`${received.length} of ${count} requests after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    close: () =>
      new Promise<void>((res) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => res());
      }),
  };
}

/**
 * The Standard Webhooks reference verification (the `standardwebhooks` package's `verify`) of a
 * request, with the clock at the signature's instant: the payload, or the verifier's error.
 */
export function verifyAt(at: number, secret: string, r: Pick<Received, 'headers' | 'body'>): unknown {
  vi.useFakeTimers({ toFake: ['Date'], now: at });
  try {
    return new StandardWebhook(secret).verify(r.body, r.headers as Record<string, string>);
  } finally {
    vi.useRealTimers();
  }
}

/**
 * A config with the given webhooks (YAML lines under `webhooks:`), two services (checkout for
 * alerts labelled team=payments, other for the rest), the default severities, a generic
 * integration and an API token.
 */
export function webhookConfig(webhookLines: readonly string[]): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101"}',
      'services:',
      '  - {name: checkout, match: {labels: {team: payments}}, escalation_policy: main}',
      '  - {name: other, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC_TOKEN}"}`,
      'api_tokens:',
      `  - {name: ops, token: "${API_TOKEN}"}`,
      'webhooks:',
      ...webhookLines,
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{person: alice}]',
      '    escalate_after: 5m',
    ),
  });
}

/** One webhook entry. */
export function hook(name: string, url: string, env: keyof typeof SECRET_ENV, ...more: string[]): string[] {
  return [`  - name: ${name}`, `    url: ${url}`, `    secret: "\${${env}}"`, ...more.map((m) => `    ${m}`)];
}

/** Opens an incident through the generic integration; its id. */
export async function openIncident(
  harkUrl: string,
  alert: { key: string; severity?: string; labels?: Record<string, string> },
): Promise<number> {
  const res = await fetch(`${harkUrl}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC_TOKEN}` },
    body: JSON.stringify({
      dedup_key: alert.key,
      status: 'firing',
      summary: `${alert.key} is failing`,
      severity: alert.severity ?? 'critical',
      labels: alert.labels ?? {},
    }),
  });
  if (res.status !== 202 && res.status !== 200)
    throw new Error(`alert refused: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { incidents?: { id: number }[]; incident?: { id: number } };
  const id = body.incidents?.[0]?.id ?? body.incident?.id;
  if (id === undefined) throw new Error(`no incident in ${JSON.stringify(body)}`);
  return id;
}
