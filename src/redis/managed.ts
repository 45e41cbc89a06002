/**
 * The local `redis-server` Hark supervises when REDIS_URL is unset (SPEC section 9): data in
 * `.hark/redis` with AOF on (fsync on every write), bound to 127.0.0.1, on a free port written to
 * `.hark/redis/port` so that CLI commands find it, and stopped when Hark stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { RedisMissingError } from './install.js';

export interface ManagedRedis {
  readonly url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => res(port));
    });
  });
}

export function managedRedisDir(base = process.cwd()): string {
  return resolve(base, '.hark', 'redis');
}

/** The URL of a managed Redis that a running `hark serve` started here, if any. */
export function findManagedRedis(base = process.cwd()): string | null {
  try {
    const port = Number(readFileSync(join(managedRedisDir(base), 'port'), 'utf8').trim());
    return Number.isInteger(port) && port > 0 ? `redis://127.0.0.1:${port}` : null;
  } catch {
    return null;
  }
}

/** Starts redis-server and resolves once it accepts connections. */
export async function startManagedRedis(
  log: Logger,
  opts: {
    dir?: string;
    port?: number;
    /** The redis-server to run (default: from PATH). */ bin?: string;
  } = {},
): Promise<ManagedRedis> {
  const bin = opts.bin ?? 'redis-server';
  const missing = () =>
    new RedisMissingError(`${bin} was not found: install redis-server or set REDIS_URL to a Redis ≥ 6.2`);
  const dir = opts.dir ?? managedRedisDir();
  mkdirSync(dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'yes',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--logfile',
    '',
  ];
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw missing();
  }
  const output: string[] = [];
  await new Promise<void>((res, rej) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      if (text.includes('Ready to accept connections')) res();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e: NodeJS.ErrnoException) => rej(e.code === 'ENOENT' ? missing() : e));
    child.once('exit', (code) =>
      rej(new Error(`redis-server exited (${code}) before it was ready:\n${output.join('').slice(-2000)}`)),
    );
  });
  child.removeAllListeners('exit');
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  writeFileSync(join(dir, 'port'), `${port}\n`);
  const url = `redis://127.0.0.1:${port}`;
  log.info({ redis: url, dir }, 'started a local redis-server (REDIS_URL is unset)');
  let unexpectedExit = true;
  child.once('exit', (code, signal) => {
    if (unexpectedExit) log.fatal({ code, signal }, 'the local redis-server stopped unexpectedly');
  });
  return {
    url,
    stop: () =>
      new Promise<void>((res) => {
        unexpectedExit = false;
        rmSync(join(dir, 'port'), { force: true });
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      }),
  };
}
