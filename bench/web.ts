/**
 * Web and feed figures: the dashboard (`/`, signed in) and an incident page with 50 incidents
 * open, and a schedule's iCal feed over a year, served by `hark serve` on the example config
 * against a local Redis. Requests per second with 10 connections, and latency p50 / p99.
 */
import autocannon, { type Result } from 'autocannon';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startManagedRedis } from '../src/redis/managed.js';
import { ROOT, startHark, stop } from './spawn.js';

const API = 'example-api-token-change-me';
const GENERIC = 'example-generic-token';

const load = (url: string, headers: Record<string, string> = {}): Promise<Result> =>
  new Promise((res, rej) =>
    autocannon({ url, connections: 10, duration: 5, headers }, (e, r) => (e ? rej(e) : res(r))),
  );

const fmt = (r: Result) =>
  `${Math.round(r.requests.average)}/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms` +
  (r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : '');

export async function benchWeb(): Promise<Record<string, string>> {
  const redis = await startManagedRedis(pino({ level: 'silent' }), {
    dir: mkdtempSync(join(tmpdir(), 'hark-bench-web-')),
  });
  const env = { REDIS_URL: redis.url, HARK_CONFIG: ROOT, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const hark = await startHark(env);
  try {
    for (let i = 0; i < 50; i++) {
      await fetch(`${hark.url}/v1/alerts/scripts`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${GENERIC}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ status: 'firing', summary: `Bench incident ${i}`, severity: 'critical' }),
      });
    }
    const login = await fetch(`${hark.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: API }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const html = await (await fetch(`${hark.url}/`, { headers: { cookie } })).text();
    const feed = /href="([^"]+\/v1\/schedules\/platform\.ics\?token=[^"]+)"/
      .exec(html)![1]!
      .replace(/^https?:\/\/[^/]+/, hark.url);
    const year = `${feed}&from=2026-01-01&to=2027-01-01`;
    const ics = await (await fetch(year)).text();
    return {
      'dashboard / (50 open incidents, 2 schedules, 10 connections)': fmt(
        await load(`${hark.url}/`, { cookie }),
      ),
      'incident page /i/1': fmt(await load(`${hark.url}/i/1`, { cookie })),
      [`iCal feed, a year of platform (${ics.split('BEGIN:VEVENT').length - 1} events)`]: fmt(
        await load(year),
      ),
    };
  } finally {
    await stop(hark.child);
    await redis.stop();
  }
}
