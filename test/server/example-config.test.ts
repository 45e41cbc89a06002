/**
 * The example config is safe to run (issue 10, item 11): its PagerDuty integration `legacy` takes
 * only its routing_key, and `hark serve` refuses to expose the example tokens (they are public in
 * this repository) beyond this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { EXAMPLE_TOKENS, isLoopbackHost } from '../../src/server/example-tokens.js';
import { startServer } from '../../src/server/serve.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PD_KEY = 'example-pagerduty-key-0123456789';

let hark: TestHark | null = null;
const children: ChildProcess[] = [];
afterEach(async () => {
  await hark?.close();
  hark = null;
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const event = (routingKey: string, dedup: string) => ({
  routing_key: routingKey,
  event_action: 'trigger',
  dedup_key: dedup,
  payload: { summary: 'Disk almost full on db-1', source: 'db-1', severity: 'critical' },
});

describe('the example legacy PagerDuty integration', () => {
  it('takes its own routing_key only, at /v1/alerts/legacy and /v2/enqueue', async () => {
    hark = await startTestHark(ROOT);
    const post = (path: string, body: unknown) =>
      fetch(`${hark!.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const before = await hark.snapshot();
    for (const path of ['/v1/alerts/legacy', '/v2/enqueue']) {
      for (const key of ['any-key-at-all', 'example-generic-token', `${PD_KEY}x`]) {
        const res = await post(path, event(key, `wrong-${path}`));
        expect(res.status, `${path} with routing_key ${key}`).toBe(401);
        expect(JSON.stringify(await res.json())).not.toContain(key);
      }
    }
    expect(await hark.snapshot()).toEqual(before);
    for (const path of ['/v1/alerts/legacy', '/v2/enqueue']) {
      const res = await post(path, event(PD_KEY, `right-${path}`));
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ status: 'success', dedup_key: `right-${path}` });
    }
  });

  it('reads its routing_key from PD_ROUTING_KEY', () => {
    const { config } = loadConfig(ROOT, { env: { PD_ROUTING_KEY: 'a-routing-key-of-my-own-0123456' } });
    expect(config.integrations.find((i) => i.name === 'legacy')?.token).toBe(
      'a-routing-key-of-my-own-0123456',
    );
  });

  it('is documented in README.md and docs/senders.md', () => {
    for (const doc of ['README.md', 'docs/senders.md']) {
      const text = readFileSync(join(ROOT, doc), 'utf8');
      expect(text, doc).toContain(PD_KEY);
      expect(text, doc).toContain('PD_ROUTING_KEY');
    }
  });
});

describe('example tokens', () => {
  it('are every default token of the example hark.yaml', () => {
    const yaml = readFileSync(join(ROOT, 'hark.yaml'), 'utf8');
    const defaults = [...yaml.matchAll(/token: "\$\{(\w+):-([^}]+)\}"/g)].map((m) => [m[2]!, m[1]!] as const);
    expect(defaults.length).toBe(6);
    expect(new Map(defaults)).toEqual(EXAMPLE_TOKENS);
    // and that is what the loaded config holds with no environment
    const { config } = loadConfig(ROOT, { env: {} });
    const tokens = [...config.apiTokens.map((t) => t.token), ...config.integrations.map((i) => i.token)];
    expect(new Set(tokens)).toEqual(new Set(EXAMPLE_TOKENS.keys()));
  });

  it('loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'hark.example.com', '', '128.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});

/** Runs bin/hark serve on the example config; resolves with its exit code, or its URL once it listens. */
function serve(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; url: string | null; out: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/hark'), 'serve', ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      LOG_LEVEL: 'warn',
      HARK_CONFIG: ROOT,
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: `{example-${Math.random().toString(36).slice(2, 10)}}:`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((res) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /(?:Hark is listening on|Hark escalation worker is running.* on) (\S+)\n/.exec(out);
      if (m) res({ code: null, url: m[1]!, out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => res({ code, url: null, out }));
  });
}

const OWN_TOKENS = {
  HARK_API_TOKEN: 'my-own-api-token-0123456789',
  AM_TOKEN: 'my-own-am-token',
  GRAFANA_TOKEN: 'my-own-grafana-token',
  DD_TOKEN: 'my-own-dd-token',
  PD_ROUTING_KEY: 'my-own-routing-key',
  GENERIC_TOKEN: 'my-own-generic-token',
};

describe('hark serve with the example tokens', () => {
  it('refuses to listen beyond this machine, in one line that says what to set', async () => {
    const r = await serve([], { HOST: '0.0.0.0' });
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      'hark: refusing to start: the tokens of API token "ops-cli" and integrations "prometheus", "grafana", ' +
        '"datadog", "legacy", "scripts" are the example ones, which are public, and Hark would listen on 0.0.0.0: ' +
        'set HARK_API_TOKEN, AM_TOKEN, GRAFANA_TOKEN, DD_TOKEN, PD_ROUTING_KEY, GENERIC_TOKEN to secrets of your own ' +
        '(openssl rand -hex 16 makes one), or use HOST=127.0.0.1 and no public URL to try Hark on this machine only\n',
    );
  });

  it('refuses with HOST unset (0.0.0.0), one example token left, or a public URL beyond localhost', async () => {
    const plain = await serve([], {});
    expect([plain.code, plain.out]).toEqual([1, expect.stringContaining('Hark would listen on 0.0.0.0')]);
    const one = await serve([], { ...OWN_TOKENS, HARK_API_TOKEN: '', HOST: '::' });
    expect(one.code).toBe(1);
    expect(one.out).toMatch(
      /the tokens of API token "ops-cli" are the example ones.* set HARK_API_TOKEN to /,
    );
    const proxied = await serve([], { HOST: '127.0.0.1', HARK_PUBLIC_URL: 'https://hark.example.com' });
    expect(proxied.code).toBe(1);
    expect(proxied.out).toContain('and the public URL is https://hark.example.com:');
  });

  it('starts on loopback (npm start binds 127.0.0.1), and anywhere with tokens of your own', async () => {
    const quick = await serve(['--quickstart'], {});
    expect(quick.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const local = await serve([], { HOST: '::1' });
    expect(local.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    const own = await serve([], { ...OWN_TOKENS, HOST: '0.0.0.0' });
    expect(own.url).toMatch(/^http:\/\/localhost:\d+$/);
    // a worker alone serves no API: no tokens to expose
    const worker = await serve(['--worker'], { HOST: '0.0.0.0' });
    expect(worker.url).toMatch(/^http:\/\/localhost:\d+$/);
  });
});

describe('a config reload with the example tokens', () => {
  it('is refused like a start, and the running config stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hark-example-reload-'));
    cpSync(ROOT, dir, {
      recursive: true,
      filter: (src) => !/[/\\](node_modules|\.git|dist|\.hark|test-artifacts)$/.test(src),
    });
    const running = await startServer({
      configDir: dir,
      env: {
        ...OWN_TOKENS,
        REDIS_URL: inject('redisUrl'),
        HARK_REDIS_PREFIX: `{example-reload-${Date.now()}}:`,
        HOST: '0.0.0.0',
        PORT: '0',
      },
      api: true,
      worker: false,
      log: pino({ level: 'silent' }),
    });
    try {
      // Someone replaces the variable with the example's value in the file itself.
      const file = join(dir, 'hark.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/\$\{HARK_API_TOKEN:-[^}]*\}/, 'example-api-token-change-me'),
      );
      const result = running.reload();
      expect(result.ok).toBe(false);
      expect(!result.ok && result.errors.map((e) => e.message).join('\n')).toMatch(
        /the tokens of API token "\S+" are the example ones.* set HARK_API_TOKEN to /,
      );
      expect(running.config.apiTokens.map((t) => t.token)).not.toContain('example-api-token-change-me');
    } finally {
      await running.stop();
    }
  });
});
