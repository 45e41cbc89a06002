/**
 * Heartbeats against a real Hark and the test run's Redis, with intervals of seconds: a missed
 * heartbeat opens one incident on its service (not one per check), the next ping resolves it; the
 * deadline lives in Redis, so a restart does not lose it and two processes announce it once; the
 * ping is authenticated first; the state is on the API, /metrics, `hark heartbeats` and the
 * dashboard.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Incident } from '../../src/incidents/model.js';
import type { HeartbeatView } from '../../src/heartbeats/schema.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { runCli } from '../support/cli.js';
import { clockFrom } from '../support/clock.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const API = 'hb-api-token-0123456789abcdef';
const ENV = {
  HB_NIGHTLY: 'hb-token-nightly-0123456789',
  HB_HOURLY: 'hb-token-hourly-0123456789',
  HB_FRESH: 'hb-token-fresh-0123456789',
  HB_RESTART: 'hb-token-restart-0123456789',
};

const dir = tmpConfig({
  'hark.yaml': lines(
    'people:',
    '  alice: {sms: "+15555550101"}',
    'services:',
    '  - {name: backups, match: {labels: {team: storage}}, escalation_policy: main}',
    '  - {name: edge, escalation_policy: main}',
    'api_tokens:',
    `  - {name: ops, token: "${API}", person: alice}`,
    'heartbeats:',
    '  - {name: nightly, interval: 1s, service: backups, severity: SEV-3, token: "${HB_NIGHTLY}"}',
    '  - {name: hourly, interval: 1h, grace: 5m, service: edge, token: "${HB_HOURLY}"}',
    '  - {name: fresh, interval: 1s, service: edge, token: "${HB_FRESH}"}',
    '  - {name: restart, interval: 2s, service: backups, token: "${HB_RESTART}"}',
    'settings: {timezone: Europe/Berlin}',
  ),
  'escalation-policies/main.yaml': lines('steps:', '  - notify: [{person: alice}]'),
});

afterAll(cleanupTmpConfigs);

async function until<T>(
  check: () => Promise<T | null | undefined | false>,
  what: string,
  ms = 15_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ping = (h: TestHark, name: string, token: string | null, method = 'POST', query = '') =>
  fetch(`${h.url}/v1/heartbeats/${name}${query}`, {
    method,
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
  });

/** The incidents of a heartbeat's missed alert, oldest first. */
async function incidentsOf(h: TestHark, name: string): Promise<Incident[]> {
  const all = await h.store.list({ limit: 500 });
  return all.filter((i) => i.alerts.some((a) => a.id === `heartbeat:${name}/missed`)).reverse();
}

async function heartbeats(h: TestHark): Promise<HeartbeatView[]> {
  const res = await fetch(`${h.url}/v1/heartbeats`, { headers: { Authorization: `Bearer ${API}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { heartbeats: HeartbeatView[] }).heartbeats;
}

describe('a heartbeat with a short interval', () => {
  // 03:12 UTC is 04:12 in Berlin (settings.timezone), whatever the day the test runs.
  const now = clockFrom('2026-03-04T03:12:00Z');
  let hark: TestHark;
  beforeAll(async () => {
    hark = await startTestHark(dir, { env: ENV, now, heartbeats: { checkEveryMs: 50 } });
  });
  afterAll(() => hark.close());

  it('opens one incident on its service when no ping comes in time, and the next ping resolves it', async () => {
    const first = await ping(hark, 'nightly', ENV.HB_NIGHTLY);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { heartbeat: HeartbeatView }).heartbeat).toMatchObject({
      name: 'nightly',
      kind: 'ping',
      status: 'up',
      pings: 1,
      intervalSeconds: 1,
      service: 'backups',
    });

    const [incident] = await until(async () => {
      const list = await incidentsOf(hark, 'nightly');
      return list.length > 0 ? list : null;
    }, 'the missed heartbeat’s incident');
    expect(incident).toMatchObject({
      state: 'triggered',
      service: 'backups',
      severity: 'SEV-3',
      urgency: 'low',
      title: 'heartbeat nightly missed since 04:12',
    });
    expect(incident!.alerts).toEqual([
      expect.objectContaining({
        source: 'heartbeat',
        integration: 'heartbeat:nightly',
        status: 'firing',
        labels: { alertname: 'HeartbeatMissed', heartbeat: 'nightly' },
      }),
    ]);
    expect(incident!.alerts[0]!.details).toMatch(
      /^Heartbeat nightly expects a ping every 1s\. The last ping came at 2026-03-04T03:12:00/,
    );

    // Checked again and again (by the monitor, and here by hand): still one incident, opened once.
    for (let i = 0; i < 3; i++) expect(await hark.parts.heartbeats.sweep()).toBe(0);
    const again = await incidentsOf(hark, 'nightly');
    expect(again.map((i) => i.id)).toEqual([incident!.id]);
    const full = (await hark.store.get(incident!.id))!;
    expect(full.timeline!.filter((e) => e.type === 'incident.opened')).toHaveLength(1);
    const listed = (await heartbeats(hark)).find((h) => h.name === 'nightly')!;
    expect(listed).toMatchObject({ status: 'missed', incident: incident!.id, pings: 1 });
    expect(listed.missedSince).toMatch(/^2026-03-04T03:12:01\./);

    const second = await ping(hark, 'nightly', ENV.HB_NIGHTLY);
    expect(((await second.json()) as { heartbeat: HeartbeatView }).heartbeat).toMatchObject({
      status: 'up',
      pings: 2,
    });
    const resolved = (await hark.store.get(incident!.id))!;
    expect(resolved).toMatchObject({ state: 'resolved', resolvedBy: 'integration:heartbeat:nightly' });
    expect(resolved.alerts[0]!.status).toBe('resolved');
  });

  it('starts the clock of a heartbeat never pinged when Hark first watches it', async () => {
    const [incident] = await until(async () => {
      const list = await incidentsOf(hark, 'fresh');
      return list.length > 0 ? list : null;
    }, 'the never-pinged heartbeat’s incident');
    expect(incident).toMatchObject({
      service: 'edge',
      severity: 'SEV-1',
      title: 'heartbeat fresh missed since 04:12',
    });
    expect(incident!.alerts[0]!.details).toMatch(
      /No ping has come since Hark started watching it at 2026-03-04T03:12:00/,
    );
    const fresh = (await heartbeats(hark)).find((h) => h.name === 'fresh')!;
    expect(fresh).toMatchObject({ status: 'missed', lastPingAt: null, secondsSinceLastPing: null, pings: 0 });
  });

  it('takes a GET with ?token= for cron one-liners, and shows the state on /metrics', async () => {
    const res = await ping(hark, 'hourly', null, 'GET', `?token=${ENV.HB_HOURLY}`);
    expect(res.status).toBe(200);
    const view = ((await res.json()) as { heartbeat: HeartbeatView }).heartbeat;
    expect(view).toMatchObject({
      name: 'hourly',
      status: 'up',
      intervalSeconds: 3600,
      graceSeconds: 300,
      incident: null,
    });
    expect(Date.parse(view.dueAt!) - Date.parse(view.lastPingAt!)).toBe(3_900_000);

    const text = await (await fetch(`${hark.url}/metrics`)).text();
    expect(text).toContain('hark_heartbeat_up{heartbeat="hourly"} 1');
    expect(text).toContain('hark_heartbeat_up{heartbeat="fresh"} 0');
    expect(text).toMatch(/^hark_heartbeat_seconds_since_ping\{heartbeat="hourly"\} 0$/m);
    expect(text).not.toMatch(/hark_heartbeat_seconds_since_ping\{heartbeat="fresh"\}/);
  });

  it('is listed by `hark heartbeats`, from Redis or through the server, with exit 1 when one is missed', async () => {
    const env = {
      ...ENV,
      HARK_CONFIG: dir,
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: hark.keys.prefix,
    };
    const local = await runCli(['heartbeats', '--json'], { env, now });
    const fromRedis = JSON.parse(local.stdout) as HeartbeatView[];
    expect(fromRedis.map((h) => h.name)).toEqual(['nightly', 'hourly', 'fresh', 'restart']);
    expect(fromRedis.find((h) => h.name === 'fresh')!.status).toBe('missed');
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/^hark: \d heartbeats? missed: .*fresh/);

    const remote = await runCli(['heartbeats', '--server', hark.url, '--token', API], { env, now });
    expect(remote.stdout).toMatch(/^NAME +STATUS +EVERY +LAST PING +DUE +SERVICE +INCIDENT$/m);
    expect(remote.stdout).toMatch(
      /^hourly +up +1h \+5m +Wed 04 Mar 2026 03:12 UTC +Wed 04 Mar 2026 04:17 UTC +edge +-$/m,
    );
    expect(remote.stdout).toMatch(/^fresh +missed since .+ edge +#\d+$/m);
    expect(remote.code).toBe(1);
  });

  it('is on the dashboard, a missed one with a link to its incident', async () => {
    const login = await fetch(`${hark.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: hark.url },
      body: `token=${API}&next=/`,
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const html = await (await fetch(`${hark.url}/`, { headers: { Cookie: cookie } })).text();
    const fresh = (await incidentsOf(hark, 'fresh'))[0]!;
    expect(html).toContain('<section id="heartbeats">');
    expect(html).toMatch(
      new RegExp(
        `data-heartbeat="fresh" data-status="missed">.*?<a href="/i/${fresh.id}">#${fresh.id}</a>`,
        's',
      ),
    );
    expect(html).toMatch(/data-heartbeat="hourly" data-status="up">/);
  });
});

describe('the deadline in Redis', () => {
  it('is not lost by a restart: the next process opens the incident', async () => {
    const prefix = `{test-hb-${randomUUID().slice(0, 8)}}:`;
    const a = await startTestHark(dir, { env: ENV, prefix, heartbeats: { checkEveryMs: 50 } });
    expect((await ping(a, 'restart', ENV.HB_RESTART)).status).toBe(200);
    expect(await incidentsOf(a, 'restart')).toEqual([]);
    await a.close(); // before the deadline (2 s): this process never announces it

    const b = await startTestHark(dir, { env: ENV, prefix, heartbeats: { checkEveryMs: 50 } });
    try {
      const [incident] = await until(async () => {
        const list = await incidentsOf(b, 'restart');
        return list.length > 0 ? list : null;
      }, 'the incident after the restart');
      expect(incident).toMatchObject({ service: 'backups', state: 'triggered' });
      expect((await ping(b, 'restart', ENV.HB_RESTART)).status).toBe(200);
      expect((await b.store.get(incident!.id))!.state).toBe('resolved');
    } finally {
      await b.close();
    }
  });

  it('is announced once by two processes checking it', async () => {
    const prefix = `{test-hb-${randomUUID().slice(0, 8)}}:`;
    const a = await startTestHark(dir, { env: ENV, prefix, heartbeats: { checkEveryMs: 20 } });
    const b = await startTestHark(dir, { env: ENV, prefix, heartbeats: { checkEveryMs: 20 } });
    try {
      expect((await ping(a, 'nightly', ENV.HB_NIGHTLY)).status).toBe(200);
      const [incident] = await until(async () => {
        const list = await incidentsOf(b, 'nightly');
        return list.length > 0 ? list : null;
      }, 'the incident');
      for (let i = 0; i < 3; i++) {
        expect(await a.parts.heartbeats.sweep()).toBe(0);
        expect(await b.parts.heartbeats.sweep()).toBe(0);
      }
      expect((await incidentsOf(a, 'nightly')).map((i) => i.id)).toEqual([incident!.id]);
      const opened = (await a.store.get(incident!.id))!.timeline!.filter((e) => e.type === 'incident.opened');
      expect(opened).toHaveLength(1);
      // The ping through the other process resolves it.
      expect((await ping(b, 'nightly', ENV.HB_NIGHTLY)).status).toBe(200);
      expect((await a.store.get(incident!.id))!.state).toBe('resolved');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('a ping', () => {
  let hark: TestHark;
  beforeAll(async () => {
    hark = await startTestHark(dir, { env: ENV }); // no check here: nothing changes in the background
  });
  afterAll(() => hark.close());

  it('is authenticated first: 401 without the heartbeat’s token whatever the name, 404 only with one', async () => {
    const before = await hark.snapshot();
    const cases: [string, string | null, number, string][] = [
      ['nightly', null, 401, 'unauthorized'],
      ['nightly', 'wrong-token-0123456789', 401, 'unauthorized'],
      ['nightly', ENV.HB_HOURLY, 401, 'unauthorized'], // another heartbeat's token
      ['nightly', API, 401, 'unauthorized'], // an API token pings nothing
      ['no-such-beat', null, 401, 'unauthorized'],
      ['no-such-beat', 'wrong-token-0123456789', 401, 'unauthorized'],
      ['no-such-beat', ENV.HB_HOURLY, 404, 'not_found'],
    ];
    for (const [name, token, status, code] of cases) {
      for (const method of ['POST', 'GET']) {
        const res = await ping(hark, name, token, method);
        expect(res.status, `${method} ${name} ${token}`).toBe(status);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
      }
    }
    const query = await ping(hark, 'nightly', null, 'GET', '?token=wrong-token-0123456789');
    expect(query.status).toBe(401);
    await query.text();
    const list = await fetch(`${hark.url}/v1/heartbeats`, {
      headers: { Authorization: `Bearer ${ENV.HB_NIGHTLY}` },
    });
    expect(list.status).toBe(401);
    await list.text();
    expect(await hark.snapshot()).toEqual(before);
  });

  it('takes the token as the basic-auth password and X-Hark-Token too', async () => {
    const basic = await fetch(`${hark.url}/v1/heartbeats/hourly`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`cron:${ENV.HB_HOURLY}`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
    await basic.text();
    const header = await fetch(`${hark.url}/v1/heartbeats/hourly`, {
      method: 'POST',
      headers: { 'X-Hark-Token': ENV.HB_HOURLY, 'Content-Type': 'text/plain' },
      body: 'anything: the body is not read',
    });
    expect(((await header.json()) as { heartbeat: HeartbeatView }).heartbeat.pings).toBe(2);
  });
});
