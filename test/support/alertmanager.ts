/**
 * A real Prometheus Alertmanager (Debian's prometheus-alertmanager) for integration tests: started
 * with a config, fed alerts through its API, stopped (and started again) on demand. Its log is kept
 * for the error of a test that times out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/redis/managed.js';

export interface RunningAlertmanager {
  readonly url: string;
  /** Everything it logged so far. */
  log(): string;
  /** Posts alerts to its API (`/api/v2/alerts`). */
  push(alerts: readonly Record<string, unknown>[]): Promise<void>;
  /** The alerts it holds matching `filter` (`alertname="NodeDown"`). */
  alerts(filter: string): Promise<{ labels: Record<string, string>; startsAt: string; updatedAt: string }[]>;
  stop(): Promise<void>;
}

/** Polls `check` every 50 ms until it answers something truthy; `context()` goes into the timeout error. */
export async function until<T>(
  check: () => Promise<T | false | null | undefined>,
  what: string,
  context: () => string = () => '',
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startAlertmanager(config: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'hark-am-'));
  writeFileSync(join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  const child: ChildProcess = spawn(
    'prometheus-alertmanager',
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const am: RunningAlertmanager = {
    url,
    log: () => log,
    push: async (alerts) => {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (res.status !== 200)
        throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    alerts: async (filter) =>
      (await (await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent(filter)}`)).json()) as {
        labels: Record<string, string>;
        startsAt: string;
        updatedAt: string;
      }[],
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await until(
      async () => (await fetch(`${url}/-/ready`).catch(() => null))?.ok === true,
      'Alertmanager ready',
      () => log.slice(-3000),
    );
  } catch (e) {
    await am.stop();
    throw e;
  }
  return am;
}
