/** `hark serve` runs the event stream's runner: the stream's length on /metrics, a clean stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { serverTestConfig } from '../server/config.js';
import { connect, freshKeys, note, writeEvents } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');
let redis: Redis;
const children: ChildProcess[] = [];
beforeAll(async () => {
  redis = await connect();
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => {
  redis.disconnect();
  cleanupTmpConfigs();
});

/** bin/hark serve (dist/, built by npm test); resolves with the URL it serves /metrics on. */
function serve(prefix: string, flags: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/hark'), 'serve', ...flags], {
    cwd: mkdtempSync(join(tmpdir(), 'hark-events-')),
    env: {
      PATH: process.env.PATH,
      HARK_CONFIG: serverTestConfig(),
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: prefix,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((res, rej) => {
    const on = (c: Buffer) => {
      out += c.toString();
      const m =
        /Hark is listening on (\S+)\n/.exec(out) ??
        /Hark escalation worker is running \(--worker\): .* on (\S+)\n/.exec(out);
      if (m) res({ child, url: m[1]! });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => rej(new Error(`hark serve exited ${code}: ${out}`)));
  });
}

describe('hark serve and the event stream', () => {
  for (const flags of [[], ['--worker'], ['--api']]) {
    it(`shows the stream's length on /metrics and stops cleanly (${flags.join(' ') || 'both'})`, async () => {
      const keys = freshKeys();
      await writeEvents(
        redis,
        keys,
        [1, 2, 3].map((i) => ({ incident: i, event: note(i) })),
      );
      const { child, url } = await serve(keys.prefix, flags);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^hark_event_stream_length 3$/m);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const t0 = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);
    });
  }
});
