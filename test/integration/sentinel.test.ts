/**
 * Redis Sentinel (SPEC 9: "Sentinel/Cluster through ioredis options"): `hark serve` with
 * HARK_REDIS_OPTIONS naming a Sentinel finds the primary through it, and after a failover writes
 * to the new primary: what the old one had replicated survives. Real redis-server processes: a primary, a replica and a
 * Sentinel, each on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { serverTestConfig, TOKENS } from '../server/config.js';

const children: ChildProcess[] = [];
const clients: Redis[] = [];
let hark: RunningServer | null = null;

const freePort = () =>
  new Promise<number>((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });

async function redisServer(args: string[]): Promise<void> {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  children.push(child);
}

async function until<T>(what: string, f: () => Promise<T | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const client = (port: number) => {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  c.on('error', () => {});
  clients.push(c);
  return c;
};

let primaryPort: number;
let replicaPort: number;
let sentinelPort: number;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hark-sentinel-'));
  [primaryPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  await redisServer(['--port', String(primaryPort), '--dir', dir, ...common]);
  await redisServer([
    '--port',
    String(replicaPort),
    '--dir',
    dir,
    ...common,
    '--replicaof',
    '127.0.0.1',
    String(primaryPort),
  ]);
  // The replica is in sync before the Sentinel starts, so its first look at the primary finds it
  // (it looks again only every 10 s).
  const replica = client(replicaPort);
  await until('the replica to sync', async () =>
    (await replica.info('replication')).includes('master_link_status:up'),
  );
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${primaryPort} 1`,
      'sentinel down-after-milliseconds mymaster 1000',
      'sentinel failover-timeout mymaster 2000',
      '',
    ].join('\n'),
  );
  await redisServer([conf, '--sentinel']);
  const sentinel = client(sentinelPort);
  await until('the Sentinel to see the replica', async () => {
    const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', 'mymaster')) as string[][];
    return replicas.length === 1;
  });
}, 30_000);

afterAll(async () => {
  await hark?.stop();
  for (const c of clients) c.disconnect();
  for (const c of children) c.kill('SIGKILL');
  cleanupTmpConfigs();
});

const fire = (url: string, summary: string) =>
  fetch(`${url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
    body: JSON.stringify({ status: 'firing', summary }),
  });

describe('Redis Sentinel', () => {
  it('with HARK_REDIS_WAIT_REPLICAS, answers an alert only once a replica has it', async () => {
    const sentinelOptions = JSON.stringify({
      sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
      name: 'mymaster',
    });
    const waiting = await startServer({
      configDir: serverTestConfig(),
      env: {
        HARK_REDIS_OPTIONS: sentinelOptions,
        HARK_REDIS_PREFIX: '{wait}:',
        HARK_REDIS_WAIT_REPLICAS: '1',
        PORT: '0',
        HOST: '127.0.0.1',
      },
      api: true,
      worker: false,
      log: pino({ level: process.env.HARK_TEST_LOG ?? 'silent' }),
    });
    try {
      const replica = client(replicaPort);
      const primary = client(primaryPort);
      const waits = async () =>
        Number(/cmdstat_wait:calls=(\d+)/.exec(await primary.info('commandstats'))?.[1] ?? 0);
      const before = await waits();
      for (let i = 1; i <= 5; i++) {
        expect((await fire(waiting.listening, `replicated ${i}`)).status).toBe(202);
        // The 202 came after the replica confirmed: it has the incident already.
        expect(await replica.hget(`{wait}:incident:${i}`, 'title')).toBe(`replicated ${i}`);
      }
      // Each alert was answered after a WAIT on the primary.
      expect((await waits()) - before).toBe(5);
    } finally {
      await waiting.stop();
    }
  });

  it('finds the primary through the Sentinel and follows a failover when the primary dies', async () => {
    hark = await startServer({
      configDir: serverTestConfig(),
      env: {
        HARK_REDIS_OPTIONS: JSON.stringify({
          sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
          name: 'mymaster',
        }),
        HARK_REDIS_PREFIX: '{sentinel}:',
        PORT: '0',
        HOST: '127.0.0.1',
      },
      api: true,
      worker: true,
      log: pino({ level: process.env.HARK_TEST_LOG ?? 'silent' }),
    });
    const url = hark.listening;
    expect((await fire(url, 'before the failover')).status).toBe(202);
    const primary = client(primaryPort);
    expect(await primary.hget('{sentinel}:incident:1', 'title')).toBe('before the failover');

    // The primary dies; the Sentinel promotes the replica.
    await until(
      '#1 to reach the replica',
      async () =>
        (await client(replicaPort).hget('{sentinel}:incident:1', 'title')) === 'before the failover',
    );
    children[0]!.kill('SIGKILL');
    const sentinel = client(sentinelPort);
    await until('the replica to be promoted', async () => {
      const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[];
      return Number(port) === replicaPort;
    });
    // Requests until Hark has reconnected get 503 (a sender retries); then it writes to the new primary.
    await until(
      'an alert to be taken after the failover',
      async () => (await fire(url, 'after the failover')).status === 202,
    );
    const promoted = client(replicaPort);
    expect(await promoted.hget('{sentinel}:incident:1', 'title')).toBe('before the failover');
    expect(await promoted.hget('{sentinel}:incident:2', 'title')).toBe('after the failover');
    const list = await fetch(`${url}/v1/incidents`, { headers: { Authorization: `Bearer ${TOKENS.api}` } });
    const titles = ((await list.json()) as { incidents: { title: string }[] }).incidents.map((i) => i.title);
    expect(titles).toEqual(['after the failover', 'before the failover']);
  });

  it('says which HARK_REDIS_OPTIONS field is wrong, without its value', async () => {
    const { redisTarget } = await import('../../src/redis/target.js');
    expect(() =>
      redisTarget({ HARK_REDIS_OPTIONS: '{"sentinels": [{"host": "s1", "port": 26379}]}' }),
    ).toThrow('HARK_REDIS_OPTIONS.name: with "sentinels", "name" (the Sentinel master name) is required');
    expect(() => redisTarget({ HARK_REDIS_OPTIONS: 'password=hunter2' })).toThrow(
      /^HARK_REDIS_OPTIONS is not JSON: give a JSON object of ioredis options$/,
    );
    expect(() => redisTarget({ HARK_REDIS_OPTIONS: '[1]' })).toThrow('must be a JSON object');
    expect(redisTarget({})).toBeNull();
    expect(redisTarget({ REDIS_URL: 'redis://:secret@db:6379/2' })?.label).toBe('redis://***@db:6379/2');
  });
});
