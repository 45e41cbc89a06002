/** `bin/hark serve` as a child process: the managed local Redis, and the CLI against Redis. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { runCli } from '../support/cli.js';
import { serverTestConfig, TOKENS } from '../server/config.js';

const ROOT = resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function spawnServe(env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, 'bin/hark'), 'serve'], {
    cwd,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

/** Starts bin/hark serve; resolves with its URL once it listens. */
function serve(
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{
  child: ChildProcess;
  url: string;
  output: () => string;
  stdout: () => string;
  stderr: () => string;
}> {
  const child = spawnServe(env, cwd);
  let out = '';
  let stdout = '';
  let stderr = '';
  return new Promise((res, rej) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Hark is listening on (\S+)\n[\s\S]*\n$/.exec(out);
      if (m) res({ child, url: m[1]!, output: () => out, stdout: () => stdout, stderr: () => stderr });
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onData(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onData(chunk);
    });
    child.once('exit', (code) => rej(new Error(`hark serve exited ${code}: ${out}`)));
  });
}

/** Runs bin/hark serve expecting it not to start: its exit code and output, once it has exited. */
function failToStart(
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnServe(env, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`hark serve did not exit: ${stdout}${stderr}`)), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
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

describe('hark serve output', () => {
  it('writes only JSON log lines to stdout: the banner and console pages go to stderr', async () => {
    const dir = serverTestConfig();
    const env = {
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: `{stdout-${Date.now()}}:`,
      HARK_CONFIG: dir,
      LOG_LEVEL: 'info',
    };
    const h = await serve(env, mkdtempSync(join(tmpdir(), 'hark-serve-')));
    expect(h.stderr()).toContain(`Hark is listening on ${h.url}`);
    const res = await fetch(`${h.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
      body: JSON.stringify({ status: 'firing', summary: 'Printed to the console', labels: { team: 'web' } }),
    });
    expect(res.status).toBe(202);
    expect((await fetch(`${h.url}/v1/alerts/scripts`, { method: 'POST' })).status).toBe(415);
    await expect.poll(() => h.stderr(), { timeout: 10_000 }).toMatch(/\[page\] SMS to \+1555555010\d: /);
    await expect.poll(() => h.stderr(), { timeout: 10_000 }).toMatch(/\[page\] EMAIL to \w+@example.com: /);
    await expect.poll(() => h.stdout(), { timeout: 10_000 }).toContain('"msg":"page sent"');
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/^hark_process_cpu_seconds_total \d/m);
    expect(metrics).not.toContain('hark_process_process_');
    h.child.kill('SIGTERM');
    await new Promise((r) => h.child.once('exit', r));
    const lines = h
      .stdout()
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(3);
    const parsed = lines.map((l) => {
      try {
        return JSON.parse(l) as { msg: string };
      } catch {
        throw new Error(`not a JSON log line on stdout: ${l}`);
      }
    });
    expect(parsed.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['hark is running', 'alerts received', 'alert rejected', 'page sent']),
    );
  });

  it('says in one line what to do when the port is in use, and stops its local Redis', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const cwd = mkdtempSync(join(tmpdir(), 'hark-serve-'));
      const r = await failToStart({ HARK_CONFIG: serverTestConfig(), PORT: String(port) }, cwd);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `hark: 127.0.0.1:${port} is in use; set PORT (or HOST) or stop the other process\n`,
      );
      expect(existsSync(join(cwd, '.hark/redis/port'))).toBe(false);
    } finally {
      busy.close();
    }
  });

  it('says in one line what to do when Redis is unreachable or LOG_LEVEL is wrong', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hark-serve-'));
    const port = await closedPort();
    const redis = await failToStart(
      { HARK_CONFIG: serverTestConfig(), REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` },
      cwd,
    );
    expect(redis.code).toBe(1);
    expect(redis.stderr).toMatch(
      new RegExp(
        `^hark: Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${port} is not reachable \\(.*ECONNREFUSED.*\\); start it, or set REDIS_URL[^\n]*\n$`,
      ),
    );
    expect(redis.stdout + redis.stderr).not.toContain('hunter2');
    // Only the one line: the connection errors while it waited are not printed as well.
    expect(redis.stdout).toBe('');

    const level = await failToStart({ HARK_CONFIG: serverTestConfig(), LOG_LEVEL: 'verbose' }, cwd);
    expect(level).toMatchObject({ code: 1, stdout: '' });
    expect(level.stderr).toBe(
      'hark: LOG_LEVEL "verbose" is not a log level; set it to one of fatal, error, warn, info, debug, trace, silent (default info)\n',
    );
  });
});

describe('hark serve against a Redis that refuses its password', () => {
  it('says so in one line at once, without waiting for Redis to become reachable', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'hark-serve-auth-'));
    const port = await closedPort();
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--requirepass',
        'the-right-one',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { cwd, stdio: 'ignore' },
    );
    try {
      const probe = connectRedis(`redis://:the-right-one@127.0.0.1:${port}`);
      probe.on('error', () => {});
      await whenReady(probe);
      probe.disconnect();
      const started = Date.now();
      const wrong = await failToStart(
        { HARK_CONFIG: serverTestConfig(), REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` },
        cwd,
      );
      expect(Date.now() - started).toBeLessThan(4000); // not the 5 s wait for a Redis that is down
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toBe('');
      expect(wrong.stderr).toMatch(
        new RegExp(
          `^hark: Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${port} refused Hark's credentials \\(WRONGPASS[^\n]*\\); put the right password in REDIS_URL[^\n]*\n$`,
        ),
      );
      expect(wrong.stderr).not.toContain('hunter2');
    } finally {
      server.kill('SIGKILL');
    }
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
