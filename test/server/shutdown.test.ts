/**
 * Stopping `hark serve` (SIGTERM, Ctrl-C) finishes in seconds even when a client holds a
 * connection open with a request it never completes (a slow upload): Docker's stop would
 * otherwise wait for its SIGKILL.
 */
import { connect } from 'node:net';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startServer } from '../../src/server/serve.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { serverTestConfig, TOKENS } from './config.js';

afterAll(cleanupTmpConfigs);

describe('stopping the server', () => {
  it('does not wait for a connection whose request never completes', async () => {
    const running = await startServer({
      configDir: serverTestConfig(),
      env: {
        REDIS_URL: inject('redisUrl'),
        HARK_REDIS_PREFIX: `{shutdown-${Date.now()}}:`,
        PORT: '0',
        HOST: '127.0.0.1',
      },
      api: true,
      worker: false,
      log: pino({ level: 'silent' }),
    });
    const url = new URL(running.listening);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => {});
    const closed = new Promise<void>((res) => socket.once('close', () => res()));
    await new Promise<void>((res) => socket.once('connect', () => res()));
    // A body that is promised but never sent in full.
    socket.write(
      `POST /v1/alerts/scripts HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TOKENS.generic}\r\nContent-Length: 1000\r\n\r\n{"status":`,
    );
    await new Promise((r) => setTimeout(r, 200)); // the server has the request
    const started = Date.now();
    await running.stop();
    expect(Date.now() - started).toBeLessThan(6000);
    await closed;
  }, 20_000);
});
