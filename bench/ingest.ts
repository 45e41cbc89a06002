/**
 * Alert ingest figures: new incidents per second (one alert per request) and latency at a fixed
 * rate, for `hark serve` against a local Redis configured like the managed one (AOF, fsync on
 * every write), each also as a ratio to a floor measured in the same run: a bare Hono handler
 * doing one Redis round trip.
 */
import autocannon, { type Result } from 'autocannon';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startManagedRedis } from '../src/redis/managed.js';
import { ROOT, startProcess } from './spawn.js';

const TOKEN = 'bench-token-0123456789';

function benchConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hark-bench-config-'));
  mkdirSync(join(dir, 'schedules'));
  mkdirSync(join(dir, 'escalation-policies'));
  writeFileSync(
    join(dir, 'hark.yaml'),
    [
      'people:',
      '  alice: {sms: "+15555550101", email: alice@example.com}',
      'services:',
      '  - {name: all, escalation_policy: main}',
      'integrations:',
      `  - {name: bench, type: generic, token: "${TOKEN}", rate_limit: {requests: 100000000, per: 1m}}`,
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'schedules/main.yaml'),
    'timezone: UTC\nrotations:\n  - {name: r, members: [alice], start: 2026-01-01T00:00}\n',
  );
  writeFileSync(join(dir, 'escalation-policies/main.yaml'), 'steps:\n  - notify: [{schedule: main}]\n');
  return dir;
}

let seq = 0;
function run(
  url: string,
  opts: { connections: number; duration: number; overallRate?: number },
): Promise<Result> {
  return new Promise((res, rej) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections: opts.connections,
        duration: opts.duration,
        ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              body: JSON.stringify({
                dedup_key: `bench-${process.pid}-${seq++}`,
                status: 'firing',
                summary: 'bench alert',
                severity: 'critical',
                labels: { team: 'bench' },
              }),
            }),
          },
        ],
      },
      (err, result) => (err ? rej(err) : res(result)),
    );
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function benchIngest(): Promise<Record<string, string>> {
  const redisDir = mkdtempSync(join(tmpdir(), 'hark-bench-redis-'));
  const redis = await startManagedRedis(pino({ level: 'silent' }), { dir: redisDir });
  const hark = await startProcess(
    process.execPath,
    [join(ROOT, 'bin/hark'), 'serve', '--api'],
    { REDIS_URL: redis.url, HARK_CONFIG: benchConfig(), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    /Hark is listening on (\S+)/,
  );
  const floor = await startProcess(
    process.execPath,
    [join(ROOT, 'bench/floor.mjs'), redis.url],
    {},
    /listening (\d+)/,
  );
  const harkUrl = `${hark.match[1]}/v1/alerts/bench`;
  const floorUrl = `http://127.0.0.1:${floor.match[1]}/floor`;
  const out: Record<string, string> = {};
  try {
    await run(harkUrl, { connections: 10, duration: 2 }); // warm up
    await run(floorUrl, { connections: 10, duration: 2 });
    const floorMax = await run(floorUrl, { connections: 50, duration: 10 });
    const harkMax = await run(harkUrl, { connections: 50, duration: 10 });
    const floorRate = await run(floorUrl, { connections: 50, duration: 10, overallRate: 1000 });
    const harkRate = await run(harkUrl, { connections: 50, duration: 10, overallRate: 1000 });
    for (const [name, r] of [
      ['hark max', harkMax],
      ['hark 1000/s', harkRate],
    ] as const) {
      if (r.non2xx > 0 || r.errors > 0)
        out[`${name}: failed requests`] = `${r.non2xx} non-2xx, ${r.errors} errors`;
    }
    out['new incidents/s, hark (50 connections)'] = fmt(harkMax.requests.average);
    out['requests/s, floor (Hono + 1 Redis round trip)'] = fmt(floorMax.requests.average);
    out['throughput ratio hark / floor'] =
      `${((harkMax.requests.average / floorMax.requests.average) * 100).toFixed(0)}%`;
    out['latency at 1000/s, hark p50 / p99 (ms)'] = `${harkRate.latency.p50} / ${harkRate.latency.p99}`;
    out['latency at 1000/s, floor p50 / p99 (ms)'] = `${floorRate.latency.p50} / ${floorRate.latency.p99}`;
    out['p99 ratio hark / floor at 1000/s'] =
      `${(harkRate.latency.p99 / Math.max(floorRate.latency.p99, 1)).toFixed(1)}x`;
    out['achieved rate at the 1000/s target, hark'] = fmt(harkRate.requests.average);
  } finally {
    hark.child.kill('SIGTERM');
    floor.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await redis.stop();
  }
  return out;
}
