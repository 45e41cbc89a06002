/**
 * Authentication comes before anything else. For every API-token route of the generated document
 * (so every one a client can call), a request without a token, or with a wrong one, answers 401
 * `unauthorized` — never the 400 its garbage id, query or body would get, never a 404, never a 500
 * — and changes nothing. Twilio's webhooks answer 403 without a signature and feeds 401 without
 * their token, whatever else is wrong. And an Api cannot be made without choosing its
 * authentication: it does not compile, and it throws if forced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Api, type Auth } from '../../src/server/api/route.js';
import { publicAccess, tokenApi } from '../../src/server/auth.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { serverTestConfig, TOKENS } from './config.js';

type Obj = Record<string, unknown>;
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly security: readonly Obj[];
}

let hark: TestHark;
let operations: Operation[];
beforeAll(async () => {
  hark = await startTestHark(serverTestConfig(), { twilioAuthToken: 'twilio-auth-token-for-tests' });
  const doc = (await (await fetch(`${hark.url}/openapi.json`)).json()) as { paths: Record<string, Obj> };
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      security: ((op as Obj).security ?? []) as Obj[],
    })),
  );
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

/** The path with garbage for every parameter (`{id}` → `not-a-number%20%27`). */
const garbage = (path: string) => path.replace(/\{[^}]+\}/g, 'not-a-number%20%27');
const QUERY = '?limit=zero&state=open&after=nope&from=never&junk=1';

async function send(op: Operation, authorization: string | null, body: string | null): Promise<Response> {
  return fetch(`${hark.url}${garbage(op.path)}${QUERY}`, {
    method: op.method,
    headers: {
      ...(authorization === null ? {} : { Authorization: authorization }),
      ...(body === null ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === null || op.method === 'GET' ? {} : { body }),
  });
}

const uses = (op: Operation, scheme: string) => op.security.some((s) => scheme in s);

describe('authentication first', () => {
  it('every API-token route answers 401 without a valid token, whatever else is wrong', async () => {
    const tokenRoutes = operations.filter((op) => uses(op, 'apiToken'));
    expect(tokenRoutes.length).toBeGreaterThan(15);
    expect(tokenRoutes.map((op) => `${op.method} ${op.path}`)).toContain(
      'POST /v1/incidents/{id}/acknowledge',
    );
    const before = await hark.snapshot();
    for (const op of tokenRoutes) {
      for (const authorization of [
        null,
        'Bearer wrong-token',
        `Bearer ${TOKENS.generic}`,
        'Basic Zm9vOmJhcg==',
      ]) {
        for (const body of [null, '{"not json', '{"as": 5, "text": [], "unknown": true}']) {
          const res = await send(op, authorization, body);
          const where = `${op.method} ${op.path} (${authorization ?? 'no token'}, ${body ?? 'no body'})`;
          expect(res.status, where).toBe(401);
          expect(((await res.json()) as { error: { code: string } }).error.code, where).toBe('unauthorized');
        }
      }
    }
    expect(await hark.snapshot()).toEqual(before);
  });

  it('an unauthenticated POST /v1/incidents/abc/acknowledge is 401, not 400 for the id', async () => {
    const res = await fetch(`${hark.url}/v1/incidents/abc/acknowledge`, { method: 'POST' });
    expect(res.status).toBe(401);
    const authed = await fetch(`${hark.url}/v1/incidents/abc/acknowledge`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKENS.api}` },
    });
    expect(authed.status).toBe(400);
    expect(((await authed.json()) as { error: { code: string } }).error.code).toBe('invalid_id');
  });

  it('Twilio webhooks answer 403 without a signature, feeds 401 without their token', async () => {
    const twilio = operations.filter((op) => uses(op, 'twilioSignature'));
    const feeds = operations.filter((op) => uses(op, 'feedToken'));
    expect(twilio.length).toBeGreaterThanOrEqual(5);
    expect(feeds).toHaveLength(2);
    // The install's secret (feed tokens are derived from it) is made on first need: not a change.
    await (await fetch(`${hark.url}/v1/people/alice.ics`)).text();
    const before = await hark.snapshot();
    for (const op of twilio) {
      const res = await fetch(`${hark.url}${garbage(op.path)}${QUERY}`, {
        method: op.method,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': 'forged' },
        ...(op.method === 'GET' ? {} : { body: 'From=%2B15555550101&Body=ack&Digits=4&MessageSid=SM1' }),
      });
      expect(res.status, `${op.method} ${op.path}`).toBe(403);
      await res.text();
    }
    for (const op of feeds) {
      const res = await fetch(`${hark.url}${garbage(op.path)}${QUERY}&token=forged`);
      expect(res.status, op.path).toBe(401);
      await res.text();
    }
    expect(await hark.snapshot()).toEqual(before);
  });

  it('documents a credential for every route that is not public on purpose', () => {
    for (const op of operations) {
      if (op.security.length > 0) continue;
      // No scheme: the operations endpoints (publicAccess), the PagerDuty enqueue (routing_key in
      // the body) and the email action pages (a signed token in the path).
      expect(`${op.method} ${op.path}`).toMatch(
        /^GET \/(healthz|readyz|metrics|openapi\.json)$|^POST \/v2\/enqueue$|^(GET|POST) \/a\/\{token\}$/,
      );
    }
  });
});

describe('an Api without an authentication choice', () => {
  it('does not compile, and throws when forced', () => {
    // @ts-expect-error: the Auth is required
    expect(() => new Api('incidents')).toThrow(/no authentication/);
    expect(() => new Api('incidents', undefined as unknown as Auth<null>)).toThrow(/no authentication/);
    expect(() => publicAccess('  ')).toThrow(/reason/);
  });

  it('checks its routes when they are added: path parameters declared, operation ids unique', () => {
    const api = () => tokenApi('incidents', () => hark.config);
    const route = {
      method: 'get' as const,
      path: '/things/:id',
      operationId: 'thing',
      summary: 'A thing',
      responses: {},
      handler: () => new Response('x'),
    };
    expect(() => api().route(route)).toThrow(/path parameters/);
    expect(() => api().route({ ...route, params: z.object({ name: z.string() }) })).toThrow(
      /path parameters/,
    );
    const ok = api().route({ ...route, params: z.object({ id: z.string() }) });
    expect(() => ok.route({ ...route, path: '/other', operationId: 'thing' })).toThrow(/taken/);
  });
});
