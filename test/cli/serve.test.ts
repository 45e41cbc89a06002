/** `bin/hark serve` as a child process: the managed local Redis, and the CLI against Redis. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { serverTestConfig, TOKENS } from '../server/config.js';

const ROOT = resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts bin/hark serve; resolves with its URL once it listens. */
function serve(
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/hark'), 'serve'], {
    cwd,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((res, rej) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Hark is listening on (\S+)\n[\s\S]*\n$/.exec(out);
      if (m) res({ child, url: m[1]!, output: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => rej(new Error(`hark serve exited ${code}: ${out}`)));
  });
}

const cli = (argv: string[], env: NodeJS.ProcessEnv) => runCli(argv, { env, lines: true });

describe('hark serve', () => {
  it('starts and stops its own redis-server when REDIS_URL is unset, keeping data across restarts', async () => {
    const dir = serverTestConfig();
    const cwd = mkdtempSync(join(tmpdir(), 'hark-serve-'));
    const first = await serve({ HARK_PUBLIC_URL: 'https://hark.example.com', HARK_CONFIG: dir }, cwd);
    expect(first.output()).toContain('Public URL (links in pages): https://hark.example.com');
    expect(first.output()).toContain(
      `Dashboard: ${first.url}/ (sign in with an API token from hark.yaml (cli))`,
    );
    expect(first.output()).toContain(`Fire a test alert:\n  curl -X POST ${first.url}/v1/alerts/scripts`);
    const portFile = join(cwd, '.hark/redis/port');
    const port = Number(readFileSync(portFile, 'utf8'));
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`${first.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
      body: JSON.stringify({ status: 'firing', summary: 'persisted across restarts' }),
    });
    expect(res.status).toBe(202);
    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
    expect(existsSync(portFile)).toBe(false);
    expect(existsSync(join(cwd, '.hark/redis/appendonlydir'))).toBe(true);

    const second = await serve({ HARK_CONFIG: dir }, cwd);
    const list = await fetch(`${second.url}/v1/incidents`, {
      headers: { Authorization: `Bearer ${TOKENS.api}` },
    });
    const incidents = ((await list.json()) as { incidents: { title: string }[] }).incidents;
    expect(incidents.map((i) => i.title)).toEqual(['persisted across restarts']);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  });

  it('works with the CLI: incidents, incident, ack and resolve straight against Redis', async () => {
    const dir = serverTestConfig();
    const env = {
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: `{cli-${Date.now()}}:`,
      HARK_CONFIG: dir,
    };
    const h = await serve(env, mkdtempSync(join(tmpdir(), 'hark-serve-')));
    const post = await fetch(`${h.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
      body: JSON.stringify({ status: 'firing', summary: 'Disk full on db-1', labels: { team: 'web' } }),
    });
    const id = ((await post.json()) as { incidents: { id: number }[] }).incidents[0]!.id;

    const list = await cli(['incidents', '--state', 'triggered'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`#${id}\\s+triggered\\s+SEV-1\\s+web\\s+1\\s+.*Disk full on db-1`),
    );
    expect((await cli(['ack', String(id)], env)).code).toBe(2);
    const ack = await cli(['ack', String(id), '--as', 'bob'], env);
    expect(ack).toMatchObject({ code: 0, stdout: `Acknowledged #${id} web: Disk full on db-1\n` });
    const again = await cli(['ack', String(id), '--as', 'alice'], env);
    expect(again).toMatchObject({
      code: 1,
      stderr: `hark: cannot acknowledge #${id}: it is already acknowledged by bob\n`,
    });
    const viaServer = await cli(['resolve', String(id), '--server', h.url, '--token', TOKENS.api], env);
    expect(viaServer).toMatchObject({ code: 0, stdout: `Resolved #${id} web: Disk full on db-1\n` });
    const one = await cli(['incident', String(id), '--json'], env);
    const incident = JSON.parse(one.stdout) as {
      state: string;
      commander: string;
      timeline: { type: string; actor: string }[];
    };
    expect(incident.state).toBe('resolved');
    expect(incident.commander).toBe('bob');
    expect(
      incident.timeline.filter((e) => e.type.startsWith('incident.')).map((e) => `${e.type} ${e.actor}`),
    ).toEqual([
      'incident.opened integration:scripts',
      'incident.acknowledged person:bob',
      'incident.resolved person:alice',
    ]);
    expect((await cli(['incident', '99999'], env)).code).toBe(1);
    h.child.kill('SIGTERM');
  });
});

describe('hark route', () => {
  it('dry-runs with the runtime overrides in Redis, as the escalation would page', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hark-route-')), 'alert.json');
    writeFileSync(
      file,
      JSON.stringify({ status: 'firing', summary: 'x', severity: 'critical', labels: { team: 'payments' } }),
    );
    const env = {
      HARK_CONFIG: ROOT,
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: `{route-${Date.now()}}:`,
    };
    // The CLI's clock is fixed (a Monday afternoon: carol holds platform's primary), never today:
    // on 2026-12-24..26, say, the example's git override would make dave primary anyway.
    const now = () => Date.parse('2026-03-02T15:00:00Z');
    const step1 = async () => {
      const r = await runCli(['route', file, '--integration', 'scripts', '--json'], { env, now });
      expect(r.code).toBe(0);
      const [plan] = JSON.parse(r.stdout) as { steps: { people: { person: string }[] }[] }[];
      return plan!.steps[0]!.people.map((p) => p.person);
    };
    expect(await step1()).toEqual(['carol']);
    const take = await runCli(['take', 'platform', '--as', 'dave', '--for', '2h'], { env, now });
    expect(take.code).toBe(0);
    expect(await step1()).toEqual(['dave']);
  });

  it('dry-runs an alert: service, severity, runbook, policy and who each step pages when', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hark-route-')), 'alert.json');
    writeFileSync(
      file,
      JSON.stringify({
        status: 'firing',
        summary: 'Checkout p99 > 2s',
        severity: 'critical',
        labels: { team: 'payments', alertname: 'CheckoutLatencyHigh' },
      }),
    );
    const r = await cli(['route', file, '--integration', 'scripts', '--at', '2026-03-02T10:00', '--json'], {
      HARK_CONFIG: ROOT,
    });
    expect(r.code).toBe(0);
    const [plan] = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(plan).toMatchObject({
      service: 'checkout',
      severity: 'SEV-1',
      urgency: 'high',
      runbook: 'checkout-latency',
      policy: 'platform',
      repeat: 2,
    });
    expect(plan!.steps).toEqual([
      {
        step: 1,
        at: '2026-03-02T15:00:00Z',
        after: '0s',
        people: [
          {
            person: 'carol',
            via: 'schedule:platform/primary',
            pages: [
              { channel: 'sms', at: '2026-03-02T15:00:00Z', after: '0s' },
              { channel: 'email', at: '2026-03-02T15:00:00Z', after: '0s' },
            ],
          },
        ],
      },
      {
        step: 2,
        at: '2026-03-02T15:05:00Z',
        after: '5m',
        people: [
          {
            person: 'alice',
            via: 'schedule:platform/secondary',
            pages: [
              { channel: 'sms', at: '2026-03-02T15:05:00Z', after: '5m' },
              { channel: 'email', at: '2026-03-02T15:05:00Z', after: '5m' },
              { channel: 'voice', at: '2026-03-02T15:07:00Z', after: '7m' },
            ],
          },
        ],
      },
      {
        step: 3,
        at: '2026-03-02T15:15:00Z',
        after: '15m',
        people: [
          {
            person: 'dave',
            via: 'schedule:platform/manager',
            pages: [
              { channel: 'sms', at: '2026-03-02T15:15:00Z', after: '15m' },
              { channel: 'email', at: '2026-03-02T15:15:00Z', after: '15m' },
              { channel: 'voice', at: '2026-03-02T15:16:00Z', after: '16m' },
            ],
          },
          {
            person: 'carol',
            via: 'schedule:platform/primary',
            pages: [
              { channel: 'sms', at: '2026-03-02T15:15:00Z', after: '15m' },
              { channel: 'email', at: '2026-03-02T15:15:00Z', after: '15m' },
            ],
          },
        ],
      },
    ]);
  });

  it('says when no service takes the alert, and rejects bad input', async () => {
    const dir = serverTestConfig({ catchAll: false });
    const file = join(mkdtempSync(join(tmpdir(), 'hark-route-')), 'alert.json');
    writeFileSync(file, JSON.stringify({ status: 'firing', summary: 'orphan' }));
    const r = await cli(['route', file, '--integration', 'scripts'], { HARK_CONFIG: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('service:   none matches: Hark would refuse this alert with 422');
    writeFileSync(file, JSON.stringify({ status: 'burning', summary: 'x' }));
    const bad = await cli(['route', file, '--integration', 'scripts'], { HARK_CONFIG: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('hark: status:');
    expect((await cli(['route', file, '--integration', 'nope'], { HARK_CONFIG: dir })).code).toBe(2);
  });
  it('reloads its config on SIGHUP and keeps the old one when the new one is broken', async () => {
    const dir = serverTestConfig();
    const env = {
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: `{hup-${Date.now()}}:`,
      HARK_CONFIG: dir,
    };
    const h = await serve(env, mkdtempSync(join(tmpdir(), 'hark-serve-')));
    const who = async () => {
      const res = await fetch(`${h.url}/v1/oncall`, { headers: { Authorization: `Bearer ${TOKENS.api}` } });
      return ((await res.json()) as { oncall: { person: string }[] }).oncall.map((r) => r.person);
    };
    const before = await who();
    expect(before.length).toBe(1);
    const file = join(dir, 'schedules/main.yaml');
    const original = readFileSync(file, 'utf8');

    writeFileSync(file, original.replace('members: [alice, bob]', 'members: [alice, bbo]'));
    h.child.kill('SIGHUP');
    await expect.poll(() => h.output(), { timeout: 5000 }).toContain('config reload refused');
    expect(h.output()).toContain('schedules/main.yaml:3');
    expect(await who()).toEqual(before);

    const other = before[0] === 'alice' ? 'bob' : 'alice';
    writeFileSync(file, original.replace('members: [alice, bob]', `members: [${other}]`));
    h.child.kill('SIGHUP');
    await expect.poll(who, { timeout: 5000 }).toEqual([other]);
    expect(h.child.exitCode).toBeNull();
  });
});
