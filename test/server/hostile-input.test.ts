/**
 * Bad input never reaches a 500 and never costs memory: JSON nested 20,000 deep gets a 400 naming
 * the field; an oversized body is refused (413) before it is read, whether it declares its length
 * or streams chunked; and every HTML answer carries the one strict Content-Security-Policy.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signActionToken } from '../../src/pages/action-token.js';
import { actionSecret } from '../../src/pages/page-formats.js';
import { startManagedRedis } from '../../src/redis/managed.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { serverTestConfig, TOKENS } from './config.js';

const STRICT_CSP =
  "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const FIXTURES = resolve(import.meta.dirname, '../alerts/fixtures');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8')) as Record<string, unknown>;

let hark: TestHark;
let dir: string;
beforeAll(async () => {
  dir = serverTestConfig({ maxBody: '1MiB' });
  hark = await startTestHark(dir, { twilioAuthToken: 'twilio-auth-token-for-tests' });
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** `levels` nested arrays or objects, as JSON text (building it as a value would overflow the stack too). */
const deep = (levels: number, kind: 'array' | 'object' = 'array') =>
  kind === 'array'
    ? `${'['.repeat(levels)}${']'.repeat(levels)}`
    : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

/** `body` as JSON with the string "<DEEP>" replaced by `deepJson`. */
const withDeep = (body: unknown, deepJson: string) => JSON.stringify(body).replace('"<DEEP>"', deepJson);

async function post(path: string, text: string, headers: Record<string, string>) {
  const res = await fetch(`${hark.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: text,
  });
  return {
    status: res.status,
    body: (await res.json()) as { error?: { code: string; field?: string; message: string } },
  };
}

describe('JSON nested 20,000 deep', () => {
  const pd = fixture('pagerduty-trigger.json');
  const cases: [string, string, Record<string, string>, unknown, string][] = [
    [
      'PagerDuty custom_details (/v2/enqueue)',
      '/v2/enqueue',
      {},
      { ...pd, payload: { ...(pd.payload as object), custom_details: '<DEEP>' } },
      'payload.custom_details',
    ],
    [
      'PagerDuty custom_details (/v1/alerts/pd)',
      '/v1/alerts/pd',
      {},
      { ...pd, payload: { ...(pd.payload as object), custom_details: { nested: '<DEEP>' } } },
      'payload.custom_details',
    ],
    [
      'generic details',
      '/v1/alerts/scripts',
      bearer(TOKENS.generic),
      { status: 'firing', summary: 'deep', details: { nested: '<DEEP>' } },
      'details',
    ],
    [
      'generic details in an array',
      '/v1/alerts/scripts',
      bearer(TOKENS.generic),
      [{ status: 'firing', summary: 'deep', details: { nested: '<DEEP>' } }],
      '[0].details',
    ],
    [
      'Grafana values',
      '/v1/alerts/grafana',
      bearer(TOKENS.grafana),
      {
        ...fixture('grafana-firing.json'),
        alerts: [{ status: 'firing', labels: { alertname: 'x' }, values: { B: '<DEEP>' } }],
      },
      'alerts[0].values',
    ],
    [
      'Alertmanager annotations',
      '/v1/alerts/am',
      bearer(TOKENS.am),
      {
        version: '4',
        alerts: [{ status: 'firing', labels: { a: 'b' }, annotations: { description: '<DEEP>' } }],
      },
      'alerts[0].annotations.description',
    ],
    [
      'Datadog tags',
      '/v1/alerts/datadog',
      bearer(TOKENS.datadog),
      { ...fixture('datadog-triggered.json'), tags: '<DEEP>' },
      'tags',
    ],
  ];

  it.each(cases)('%s: 400 naming the field, nothing stored', async (_name, path, headers, body, field) => {
    for (const kind of ['array', 'object'] as const) {
      const before = await hark.snapshot();
      const r = await post(path, withDeep(body, deep(20_000, kind)), headers);
      expect({ status: r.status, field: r.body.error?.field }).toEqual({ status: 400, field });
      expect(await hark.snapshot()).toEqual(before);
    }
  });

  it('the limit is 32 levels of objects and arrays in a free-form field', async () => {
    const details = (levels: number) =>
      withDeep({ status: 'firing', summary: `levels ${levels}`, details: '<DEEP>' }, deep(levels, 'object'));
    const over = await post('/v1/alerts/scripts', details(33), bearer(TOKENS.generic));
    expect(over.status).toBe(400);
    expect(over.body.error).toEqual({
      code: 'invalid_alert',
      field: 'details',
      message: 'nested too deep: at most 32 levels of objects and arrays',
    });
    expect((await post('/v1/alerts/scripts', details(32), bearer(TOKENS.generic))).status).toBe(202);
  });

  it('a deep field Hark does not read is ignored, as any other such field', async () => {
    for (const [path, headers, body] of [
      [
        '/v1/alerts/scripts',
        bearer(TOKENS.generic),
        { status: 'firing', summary: 'ignored deep', extra: '<DEEP>' },
      ],
      [
        '/v1/alerts/am',
        bearer(TOKENS.am),
        { version: '4', extra: '<DEEP>', alerts: [{ status: 'firing', labels: { a: 'deep' } }] },
      ],
      ['/v2/enqueue', {}, { ...pd, extra: '<DEEP>' }],
      [
        '/v1/alerts/datadog',
        bearer(TOKENS.datadog),
        { ...fixture('datadog-triggered.json'), extra: '<DEEP>' },
      ],
    ] as const) {
      const r = await post(path, withDeep(body, deep(20_000)), headers);
      expect({ path, status: r.status }).toEqual({ path, status: 202 });
    }
  });

  it('an API body nested deep is a 400', async () => {
    const r = await post(
      '/v1/incidents/1/notes',
      withDeep({ text: '<DEEP>' }, deep(20_000)),
      bearer(TOKENS.api),
    );
    expect({ status: r.status, field: r.body.error?.field }).toEqual({ status: 400, field: 'text' });
  });
});

interface BigPost {
  readonly status: number | null;
  /** Bytes written when the answer came (or when the connection ended without one). */
  readonly sent: number;
}

const TOTAL = 48 * 1024 * 1024;

/**
 * POSTs a 48 MiB form (declared with Content-Length, or chunked), writing it as fast as the
 * connection takes it and stopping as soon as an answer arrives.
 */
function bigPost(path: string, chunked: boolean): Promise<BigPost> {
  const url = new URL(path, hark.url);
  return new Promise((done) => {
    let sent = 0;
    let status: number | null = null;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      done({ status, sent });
    };
    const req = request(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(chunked ? {} : { 'Content-Length': String(TOTAL) }),
      },
    });
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      res.resume();
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', finish);
    req.on('close', finish);
    const chunk = Buffer.alloc(64 * 1024, 'a');
    chunk.write('Body=');
    const pump = () => {
      while (status === null && !finished && sent < TOTAL) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (status === null && !finished) req.end();
    };
    pump();
  });
}

describe('oversized bodies are refused before they are read', () => {
  const paths = [
    '/v1/twilio/sms',
    '/v1/twilio/voice/1/gather',
    '/v1/twilio/status',
    '/v1/incidents/1/notes',
    '/login',
  ];
  for (const path of paths) {
    for (const chunked of [false, true]) {
      it(`${path}, ${chunked ? 'chunked' : 'with Content-Length'}: 413 long before 48 MiB are sent`, async () => {
        const r = await bigPost(path, chunked);
        expect(r.status).toBe(413);
        expect(r.sent).toBeLessThan(8 * 1024 * 1024);
      });
    }
  }

  it('a Twilio webhook of an ordinary size still gets its answer (403 without a signature)', async () => {
    const res = await fetch(`${hark.url}/v1/twilio/sms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: '+15555550101', Body: 'a'.repeat(1000) }),
    });
    expect(res.status).toBe(403);
  });
});

/**
 * POSTs an alert of more than max_body, chunked, to /v1/alerts/scripts with its token, and after
 * the answer stops writing without ending the request (a sender that gave up, or one that never
 * finishes): whether the server then closes the connection, or keeps it open with the rest of
 * the body unread (until Hark is stopped, which then waits for it).
 */
function oversizedAlert(): Promise<{ status: number | null; serverClosed: boolean }> {
  const url = new URL('/v1/alerts/scripts', hark.url);
  return new Promise((done) => {
    let status: number | null = null;
    let settled = false;
    const settle = (serverClosed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      done({ status, serverClosed });
    };
    const req = request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
    });
    let timer: NodeJS.Timeout | undefined;
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      res.resume();
      timer = setTimeout(() => settle(false), 3000);
    });
    req.on('socket', (socket) => {
      socket.on('end', () => settle(true));
      socket.on('close', () => settle(true));
    });
    req.on('error', () => settle(true));
    const chunk = Buffer.alloc(64 * 1024, ' ');
    chunk.write('{"summary": "big", "details": "');
    let sent = 0;
    const pump = () => {
      while (status === null && !settled && sent < 8 * 1024 * 1024) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

describe('an oversized alert', () => {
  it('chunked: 413, and the connection is closed rather than left open with its body unread', async () => {
    expect(await oversizedAlert()).toEqual({ status: 413, serverClosed: true });
  });
});

describe('every HTML answer carries the strict CSP', () => {
  const html = { Accept: 'text/html' };
  const expectStrict = async (res: Response, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(STRICT_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    await res.text();
  };

  it('the 404 page, the sign-in page, the web UI’s pages and the email action pages', async () => {
    await expectStrict(await fetch(`${hark.url}/no/such/page`, { headers: html }), 404);
    await expectStrict(await fetch(`${hark.url}/login`, { headers: html }), 200);
    const signIn = await fetch(`${hark.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'not-a-token', next: '/' }),
    });
    await expectStrict(signIn, 401);
    const ok = await fetch(`${hark.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKENS.api, next: '/' }),
    });
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    await expectStrict(await fetch(`${hark.url}/`, { headers: { ...html, cookie } }), 200);
    await expectStrict(await fetch(`${hark.url}/i/999999`, { headers: { ...html, cookie } }), 404);

    await expectStrict(await fetch(`${hark.url}/a/not-a-token`), 403);
    const secret = await actionSecret(hark.redis, hark.keys);
    const token = signActionToken(
      { incident: 999999, person: 'alice', action: 'acknowledge', expiresAt: Date.now() + 3_600_000 },
      secret,
    );
    await expectStrict(await fetch(`${hark.url}/a/${token}`), 404);
  });

  it('the page saying Redis is down', async () => {
    const redisDir = mkdtempSync(join(tmpdir(), 'hark-csp-'));
    const own = await startManagedRedis(pino({ level: 'silent' }), { dir: redisDir });
    const h = await startTestHark(dir, { redisUrl: own.url });
    try {
      await own.stop();
      await expectStrict(await fetch(`${h.url}/login`, { headers: html }), 503);
      await expectStrict(await fetch(`${h.url}/i/1`, { headers: html }), 503);
      const logout = await fetch(`${h.url}/logout`, {
        method: 'POST',
        headers: { ...html, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'csrf=x',
      });
      await expectStrict(logout, 503);
    } finally {
      await h.close();
      rmSync(redisDir, { recursive: true, force: true });
    }
  });
});
