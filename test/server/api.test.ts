import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startManagedRedis } from '../../src/redis/managed.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { serverTestConfig, SPEC_INCIDENT_FIELDS, TOKENS } from './config.js';

let hark: TestHark;
let dir: string;
beforeAll(async () => {
  dir = serverTestConfig();
  hark = await startTestHark(dir);
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

async function call(method: string, path: string, body?: unknown, token: string | null = TOKENS.api) {
  const res = await fetch(`${hark.url}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function openIncident(summary: string): Promise<number> {
  const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
    body: JSON.stringify({ status: 'firing', summary, labels: { team: 'web' } }),
  });
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

describe('incident API', () => {
  it('needs an API token', async () => {
    expect((await call('GET', '/v1/incidents', undefined, null)).status).toBe(401);
    const bad = await call('GET', '/v1/incidents', undefined, 'nope');
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      error: {
        code: 'unauthorized',
        message: 'send an API token from hark.yaml as Authorization: Bearer <token>',
      },
    });
    expect((await call('POST', '/v1/incidents/1/acknowledge', undefined, TOKENS.generic)).status).toBe(401);
  });

  it('lists newest first, filters by state and service, and validates the query', async () => {
    const a = await openIncident('list a');
    const b = await openIncident('list b');
    const all = await call('GET', '/v1/incidents?limit=2');
    expect(all.status).toBe(200);
    expect((all.body.incidents as { id: number }[]).map((i) => i.id)).toEqual([b, a]);
    await call('POST', `/v1/incidents/${a}/resolve`);
    const triggered = await call('GET', '/v1/incidents?state=triggered&service=web');
    const ids = (triggered.body.incidents as { id: number; state: string; service: string }[]).map(
      (i) => i.id,
    );
    expect(ids).toContain(b);
    expect(ids).not.toContain(a);
    const bad = await call('GET', '/v1/incidents?state=open');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: {
        code: 'invalid_query',
        message: 'must be one of triggered, acknowledged, resolved',
        field: 'state',
      },
    });
    expect((await call('GET', '/v1/incidents?limit=0')).status).toBe(400);
  });

  it('filters by state and service across more than one page of stored incidents', async () => {
    const h = await startTestHark(dir);
    try {
      const fire = (summary: string, team: string) =>
        fetch(`${h.url}/v1/alerts/scripts`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
          body: JSON.stringify({ status: 'firing', summary, labels: { team } }),
        });
      // #1 and #2 stay open; 700 newer ones are resolved (more than one page of ids).
      await fire('old open web', 'web');
      await fire('old open other', 'ops');
      for (let i = 0; i < 700; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => fire(`noise ${i + j}`, 'web')));
      }
      for (const id of await h.redis.zrange(h.keys.incidents, '2', '-1')) {
        await h.ops.resolve(Number(id), 'token:cli', new Date());
      }
      const triggered = await h.store.list({ state: 'triggered' });
      expect(triggered.map((i) => i.title)).toEqual(['old open other', 'old open web']);
      expect((await h.store.list({ state: 'triggered', service: 'web' })).map((i) => i.id)).toEqual([1]);
      expect((await h.store.list({ state: 'resolved', limit: 3 })).map((i) => i.id)).toEqual([702, 701, 700]);
    } finally {
      await h.close();
    }
  });

  it('gets one incident with its timeline, or 404', async () => {
    const id = await openIncident('get me');
    const r = await call('GET', `/v1/incidents/${id}`);
    expect(r.status).toBe(200);
    const incident = r.body.incident as Record<string, unknown>;
    for (const field of SPEC_INCIDENT_FIELDS) {
      expect(incident).toHaveProperty(field);
    }
    expect(incident).toMatchObject({
      id,
      state: 'triggered',
      service: 'web',
      title: 'get me',
      urgency: 'high',
    });
    expect((incident.timeline as { type: string }[]).map((e) => e.type)).toEqual(['incident.opened']);
    expect((await call('GET', '/v1/incidents/999999')).status).toBe(404);
    expect((await call('GET', '/v1/incidents/abc')).body).toEqual({
      error: { code: 'invalid_id', message: 'incident ids are whole numbers from 1', field: 'id' },
    });
  });

  it('acknowledge → the acknowledger becomes commander; unacknowledge → triggered; resolve; conflicts are 409', async () => {
    const id = await openIncident('act on me');
    const ack = await call('POST', `/v1/incidents/${id}/acknowledge`);
    expect(ack.status).toBe(200);
    expect(ack.body.incident).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'person:alice',
      commander: 'alice',
    });
    const again = await call('POST', `/v1/incidents/${id}/acknowledge`);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      error: { code: 'conflict', message: `cannot acknowledge #${id}: it is already acknowledged by alice` },
    });
    const unack = await call('POST', `/v1/incidents/${id}/unacknowledge`);
    expect(unack.body.incident).toMatchObject({
      state: 'triggered',
      acknowledgedBy: null,
      acknowledgedAt: null,
    });
    expect(await hark.redis.zscore(hark.keys.escalationDue, String(id))).not.toBeNull();
    const asBob = await call('POST', `/v1/incidents/${id}/acknowledge`, { as: 'bob' });
    expect(asBob.body.incident).toMatchObject({ acknowledgedBy: 'person:bob', commander: 'alice' });
    expect(await hark.redis.zscore(hark.keys.escalationDue, String(id))).toBeNull();
    const res = await call('POST', `/v1/incidents/${id}/resolve`, undefined, TOKENS.apiAnon);
    expect(res.body.incident).toMatchObject({ state: 'resolved', resolvedBy: 'token:robot' });
    const late = await call('POST', `/v1/incidents/${id}/acknowledge`);
    expect(late.status).toBe(409);
    expect(late.body).toEqual({
      error: { code: 'conflict', message: `cannot acknowledge #${id}: it is already resolved by robot` },
    });
    const types = ((await hark.store.get(id))!.timeline ?? []).map((e) => `${e.type} ${e.actor}`);
    expect(types).toEqual([
      'incident.opened integration:scripts',
      'incident.acknowledged person:alice',
      'incident.unacknowledged person:alice',
      'incident.acknowledged person:bob',
      'incident.resolved token:robot',
    ]);
    expect((await call('POST', '/v1/incidents/999999/resolve')).status).toBe(404);
    expect((await call('POST', `/v1/incidents/${id}/acknowledge`, { as: 'mallory' })).status).toBe(400);
  });

  it('adds notes and assigns roles, validating the body', async () => {
    const id = await openIncident('notes and roles');
    const note = await call('POST', `/v1/incidents/${id}/notes`, { text: 'rolled back checkout v2.3' });
    expect(note.status).toBe(200);
    const role = await call('POST', `/v1/incidents/${id}/roles`, { role: 'comms', person: 'bob' });
    expect(role.body.incident).toMatchObject({ roles: { comms: 'bob' } });
    const timeline = (await hark.store.get(id))!.timeline!;
    expect(timeline.slice(1)).toMatchObject([
      { type: 'note.added', actor: 'person:alice', text: 'rolled back checkout v2.3' },
      { type: 'role.assigned', actor: 'person:alice', role: 'comms', person: 'bob' },
    ]);
    expect((await call('POST', `/v1/incidents/${id}/notes`, { text: '' })).status).toBe(400);
    const badRole = await call('POST', `/v1/incidents/${id}/roles`, { role: 'boss', person: 'bob' });
    expect(badRole.body).toEqual({
      error: {
        code: 'invalid_body',
        message: 'must be one of commander, tech-lead, comms, scribe',
        field: 'role',
      },
    });
    expect((await call('POST', `/v1/incidents/${id}/roles`, { role: 'comms', person: 'zed' })).status).toBe(
      400,
    );
  });
});

describe('on-call API', () => {
  it('answers who holds each role and the shifts, in the CLI shapes', async () => {
    const who = await call('GET', '/v1/oncall?at=2026-01-06T12:00Z');
    expect(who.body).toEqual({
      oncall: [
        {
          schedule: 'main',
          role: 'primary',
          person: 'alice',
          since: '2026-01-05T09:00:00Z',
          until: '2026-01-12T09:00:00Z',
        },
      ],
    });
    const shifts = await call('GET', '/v1/schedules/main/shifts?from=2026-01-05T09:00&to=2026-01-19T09:00');
    expect(shifts.body).toEqual({
      shifts: [
        {
          role: 'primary',
          person: 'alice',
          start: '2026-01-05T09:00:00Z',
          end: '2026-01-12T09:00:00Z',
          source: 'rotation:weekly',
        },
        {
          role: 'primary',
          person: 'bob',
          start: '2026-01-12T09:00:00Z',
          end: '2026-01-19T09:00:00Z',
          source: 'rotation:weekly',
        },
      ],
    });
    expect((await call('GET', '/v1/schedules/nope/shifts?from=now&to=now')).status).toBe(404);
    expect((await call('GET', '/v1/oncall?at=yesterday')).status).toBe(400);
  });
});

describe('health', () => {
  it('healthz and readyz answer while Redis is up; with Redis down, readyz and alerts answer 503 and nothing is stored', async () => {
    const redisDir = mkdtempSync(join(tmpdir(), 'hark-down-'));
    const own = await startManagedRedis(pino({ level: 'silent' }), { dir: redisDir });
    const h = await startTestHark(dir, { redisUrl: own.url });
    try {
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
      await own.stop();
      const ready = await fetch(`${h.url}/readyz`);
      expect(ready.status).toBe(503);
      const res = await fetch(`${h.url}/v1/alerts/scripts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
        body: JSON.stringify({ status: 'firing', summary: 'redis is down' }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      // A person in the web UI gets a page saying so, not JSON.
      const page = await fetch(`${h.url}/i/1`);
      expect(page.status).toBe(503);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).toContain('Hark cannot reach its storage (Redis) right now');
      // Redis comes back with its AOF: nothing from the refused request is there.
      const back = spawn(
        'redis-server',
        ['--port', new URL(own.url).port, '--dir', redisDir, '--appendonly', 'yes'],
        { stdio: 'ignore' },
      );
      try {
        for (let i = 0; i < 100; i++) {
          if ((await fetch(`${h.url}/readyz`)).status === 200) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect((await fetch(`${h.url}/readyz`)).status).toBe(200);
        expect(await h.snapshot()).toEqual({});
      } finally {
        back.kill();
      }
    } finally {
      await h.close();
      await own.stop();
    }
  });

  it('answers 503 when Redis is full (maxmemory with noeviction), and stores nothing', async () => {
    const own = await startManagedRedis(pino({ level: 'silent' }), {
      dir: mkdtempSync(join(tmpdir(), 'hark-oom-')),
    });
    const h = await startTestHark(dir, { redisUrl: own.url });
    try {
      await h.redis.config('SET', 'maxmemory-policy', 'noeviction');
      await h.redis.config('SET', 'maxmemory', '1');
      const res = await fetch(`${h.url}/v1/alerts/scripts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
        body: JSON.stringify({ status: 'firing', summary: 'redis is full' }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      await h.redis.config('SET', 'maxmemory', '0');
      expect(await h.snapshot()).toEqual({});
    } finally {
      await h.close();
      await own.stop();
    }
  });

  it('answers 503 when fewer replicas than HARK_REDIS_WAIT_REPLICAS confirm the write', async () => {
    const { startServer } = await import('../../src/server/serve.js');
    const running = await startServer({
      configDir: dir,
      env: {
        REDIS_URL: inject('redisUrl'),
        HARK_REDIS_PREFIX: `{wait-${Date.now()}}:`,
        HARK_REDIS_WAIT_REPLICAS: '1',
        HARK_REDIS_WAIT_MS: '100',
        PORT: '0',
        HOST: '127.0.0.1',
      },
      api: true,
      worker: false,
      log: pino({ level: 'silent' }),
    });
    try {
      const res = await fetch(`${running.listening}/v1/alerts/scripts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
        body: JSON.stringify({ status: 'firing', summary: 'no replica to confirm' }),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await running.stop();
    }
    await expect(
      startServer({ configDir: dir, env: { HARK_REDIS_WAIT_REPLICAS: 'two' }, api: true, worker: false }),
    ).rejects.toThrow('HARK_REDIS_WAIT_REPLICAS must be a whole number from 0 to 16');
  });
});
