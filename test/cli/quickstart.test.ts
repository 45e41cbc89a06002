/**
 * The quick start on a machine without redis-server (issue 10, item 10): `npm start`
 * (`hark serve --quickstart`) installs it with the package manager when it can without a prompt,
 * and otherwise, like production `hark serve` always, prints the one command to run. The machine's
 * own redis-server is never touched: each test runs bin/hark with PATH set to a directory of fake
 * `apt-get` and `sudo` scripts that record their arguments; the fake apt-get "installs" a
 * redis-server that execs the real one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable, installPlan, pathDirs, type PlanInput } from '../../src/redis/install.js';
import { serverTestConfig, TOKENS } from '../server/config.js';

const ROOT = resolve(import.meta.dirname, '../..');
const REAL_REDIS = findExecutable('redis-server', pathDirs(process.env));
const IS_ROOT = process.getuid?.() === 0;
/** A user without root: `nobody` when the tests run as root, else the user running them. */
const NON_ROOT = IS_ROOT ? { uid: 65534, gid: 65534 } : {};

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface FakeMachine {
  /** The only directory on PATH. */
  readonly bin: string;
  /** One line per fake command run: `apt-get update DEBIAN_FRONTEND=noninteractive uid=0`. */
  readonly record: () => string[];
  /** A directory (writable by anyone) to run Hark in, and a config it can read. */
  readonly cwd: string;
  readonly config: string;
}

function script(file: string, body: string): void {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

/** A PATH with a fake apt-get, and a sudo that works without a password, or asks for one. */
function fakeMachine(opts: { sudo: 'passwordless' | 'password' | 'none' }): FakeMachine {
  const dir = mkdtempSync(join(tmpdir(), 'hark-quickstart-'));
  chmodSync(dir, 0o777);
  const bin = join(dir, 'bin');
  const cwd = join(dir, 'run');
  // Open to anyone: a non-root Hark writes .hark/ in cwd, and the fake install writes to bin.
  for (const d of [bin, cwd]) {
    mkdirSync(d);
    chmodSync(d, 0o777);
  }
  const record = join(dir, 'record');
  writeFileSync(record, '');
  chmodSync(record, 0o666);
  script(
    join(bin, 'apt-get'),
    [
      `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND uid=$(/usr/bin/id -u)" >> ${record}`,
      'echo "Reading package lists... (fake apt-get)"',
      'if [ "$1" = install ]; then',
      `  printf '#!/bin/sh\\nexec ${REAL_REDIS} "$@"\\n' > ${bin}/redis-server`,
      `  /bin/chmod 755 ${bin}/redis-server`,
      '  echo "Setting up redis-server (fake) ..."',
      'fi',
    ].join('\n'),
  );
  if (opts.sudo === 'passwordless') {
    script(
      join(bin, 'sudo'),
      [`echo "sudo $*" >> ${record}`, '[ "$1" = -n ] && shift', 'PATH=/usr/bin:/bin exec "$@"'].join('\n'),
    );
  } else if (opts.sudo === 'password') {
    script(
      join(bin, 'sudo'),
      [`echo "sudo $* (refused)" >> ${record}`, 'echo "sudo: a password is required" >&2', 'exit 1'].join(
        '\n',
      ),
    );
  }
  const config = serverTestConfig();
  chmodSync(config, 0o755);
  return {
    bin,
    cwd,
    config,
    record: () =>
      readFileSync(record, 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
  };
}

interface Run {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the URL once Hark listens, rejects when it exits first. */
  readonly listening: Promise<string>;
  readonly exit: Promise<number | null>;
}

function hark(
  m: FakeMachine,
  args: string[],
  env: NodeJS.ProcessEnv,
  user: { uid?: number; gid?: number } = {},
): Run {
  const child = spawn(process.execPath, [join(ROOT, 'bin/hark'), 'serve', ...args], {
    cwd: m.cwd,
    env: { PATH: m.bin, PORT: '0', LOG_LEVEL: 'warn', HARK_CONFIG: m.config, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...user,
  });
  children.push(child);
  let out = '';
  const exit = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const listening = new Promise<string>((res, rej) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Hark is listening on (\S+)\n/.exec(out);
      if (match) res(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exit.then((code) => rej(new Error(`hark serve exited ${code}:\n${out}`)));
  });
  listening.catch(() => {});
  return { child, output: () => out, listening, exit };
}

async function stop(r: Run): Promise<void> {
  r.child.kill('SIGTERM');
  await r.exit;
}

describe('npm start on a machine without redis-server', () => {
  it('installs it with apt-get as root, says what it runs, and starts on it', async () => {
    // As root Hark runs apt-get itself; a non-root run of this test goes through the fake sudo.
    const m = fakeMachine({ sudo: 'passwordless' });
    const r = hark(m, ['--quickstart'], {});
    const url = await r.listening;
    // The quick start listens on this machine only.
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const out = r.output();
    expect(out).toContain(
      'hark: redis-server is not installed; installing it: ' +
        (IS_ROOT
          ? 'apt-get update && apt-get install -y redis-server'
          : 'sudo apt-get update && sudo apt-get install -y redis-server'),
    );
    expect(out).toContain(
      `hark: running ${IS_ROOT ? '' : `${m.bin}/sudo -n env DEBIAN_FRONTEND=noninteractive `}${m.bin}/apt-get update`,
    );
    // the package manager's output is streamed
    expect(out).toContain('Setting up redis-server (fake) ...');
    expect(out).toContain(`hark: installed ${m.bin}/redis-server`);
    const uid = process.getuid?.() ?? 0;
    expect(m.record().filter((l) => l.startsWith('apt-get'))).toEqual([
      `apt-get update DEBIAN_FRONTEND=noninteractive uid=${uid}`,
      `apt-get install -y redis-server DEBIAN_FRONTEND=noninteractive uid=${uid}`,
    ]);
    const res = await fetch(`${url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
      body: JSON.stringify({ status: 'firing', summary: 'stored in the freshly installed Redis' }),
    });
    expect(res.status).toBe(202);
    await stop(r);
    expect(existsSync(join(m.cwd, '.hark/redis/appendonlydir'))).toBe(true);
  });

  it('installs through passwordless sudo when not root', async () => {
    const m = fakeMachine({ sudo: 'passwordless' });
    const r = hark(m, ['--quickstart'], {}, NON_ROOT);
    await r.listening;
    expect(r.output()).toContain(
      'hark: redis-server is not installed; installing it: sudo apt-get update && sudo apt-get install -y redis-server',
    );
    const uid = IS_ROOT ? 65534 : (process.getuid?.() ?? 0);
    expect(m.record()).toEqual([
      'sudo -n true',
      `sudo -n env DEBIAN_FRONTEND=noninteractive ${m.bin}/apt-get update`,
      `apt-get update DEBIAN_FRONTEND=noninteractive uid=${uid}`,
      `sudo -n env DEBIAN_FRONTEND=noninteractive ${m.bin}/apt-get install -y redis-server`,
      `apt-get install -y redis-server DEBIAN_FRONTEND=noninteractive uid=${uid}`,
    ]);
    await stop(r);
  });

  it('prints the one command to run when sudo wants a password', async () => {
    const m = fakeMachine({ sudo: 'password' });
    const r = hark(m, ['--quickstart'], {}, NON_ROOT);
    expect(await r.exit).toBe(1);
    expect(r.output()).toBe(
      'hark: redis-server was not found on PATH: run `sudo apt-get update && sudo apt-get install -y redis-server`, ' +
        'or set REDIS_URL to a Redis ≥ 6.2 (Hark installs it only as root or with passwordless sudo)\n',
    );
    expect(m.record()).toEqual(['sudo -n true (refused)']);
  });

  it('installs nothing with HARK_NO_INSTALL=1', async () => {
    const m = fakeMachine({ sudo: 'passwordless' });
    const r = hark(m, ['--quickstart'], { HARK_NO_INSTALL: '1' });
    expect(await r.exit).toBe(1);
    const command = IS_ROOT
      ? 'apt-get update && apt-get install -y redis-server'
      : 'sudo apt-get update && sudo apt-get install -y redis-server';
    expect(r.output()).toBe(
      `hark: redis-server was not found on PATH: run \`${command}\`, or set REDIS_URL to a Redis ≥ 6.2 (HARK_NO_INSTALL is set)\n`,
    );
    expect(m.record()).toEqual([]);
  });

  it('production hark serve never installs anything, not even as root', async () => {
    const m = fakeMachine({ sudo: 'passwordless' });
    for (const [args, env] of [
      [[], {}],
      [[], { NODE_ENV: 'production' }],
      [['--quickstart'], { NODE_ENV: 'production' }],
    ] as const) {
      const r = hark(m, [...args], { HOST: '127.0.0.1', ...env });
      expect(await r.exit).toBe(1);
      expect(r.output()).toMatch(
        /^hark: redis-server was not found on PATH: run `(sudo )?apt-get update && /,
      );
      expect(r.output().split('\n')).toHaveLength(2);
    }
    expect(m.record()).toEqual([]);
    expect(existsSync(join(m.bin, 'redis-server'))).toBe(false);
  });
});

describe('the install plan', () => {
  const machine = (tools: string[]): NodeJS.ProcessEnv => {
    const dir = mkdtempSync(join(tmpdir(), 'hark-plan-'));
    for (const t of tools) script(join(dir, t), 'exit 0');
    return { PATH: dir };
  };
  const plan = (tools: string[], input: Partial<PlanInput> = {}) => {
    const env = machine(tools);
    const p = installPlan({ env, platform: 'linux', uid: 0, canSudo: () => false, ...input });
    const dir = env.PATH!;
    const strip = (s: string) => s.split(`${dir}/`).join('');
    return { ...p, steps: p.steps?.map((s) => s.map(strip).join(' ')) ?? null };
  };

  it('uses apt-get, dnf or apk as root, sudo -n without, and otherwise gives the command', () => {
    expect(plan(['apt-get'])).toMatchObject({
      manager: 'apt-get',
      steps: ['apt-get update', 'apt-get install -y redis-server'],
      env: { DEBIAN_FRONTEND: 'noninteractive' },
      manual: 'apt-get update && apt-get install -y redis-server',
    });
    expect(plan(['dnf'])).toMatchObject({ steps: ['dnf install -y redis'], manual: 'dnf install -y redis' });
    expect(plan(['apk'])).toMatchObject({ steps: ['apk add redis'], manual: 'apk add redis' });
    expect(plan(['apt-get', 'sudo'], { uid: 1000, canSudo: () => true })).toMatchObject({
      steps: [
        'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update',
        'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server',
      ],
    });
    expect(plan(['dnf', 'sudo'], { uid: 1000, canSudo: () => true }).steps).toEqual([
      'sudo -n dnf install -y redis',
    ]);
    expect(plan(['apt-get', 'sudo'], { uid: 1000, canSudo: () => false })).toMatchObject({
      steps: null,
      manual: 'sudo apt-get update && sudo apt-get install -y redis-server',
    });
    // passwordless sudo is asked only when there is a sudo
    expect(
      plan(['apk'], {
        uid: 1000,
        canSudo: () => {
          throw new Error('asked');
        },
      }),
    ).toMatchObject({ steps: null, manual: 'sudo apk add redis' });
    expect(plan([])).toMatchObject({ manager: null, steps: null });
  });

  it('uses Homebrew on macOS, as the user only', () => {
    expect(plan(['brew', 'apt-get'], { platform: 'darwin', uid: 501 })).toMatchObject({
      manager: 'brew',
      steps: ['brew install redis'],
    });
    expect(plan(['brew'], { platform: 'darwin', uid: 0 })).toMatchObject({
      steps: null,
      manual: 'brew install redis',
    });
    expect(plan([], { platform: 'darwin', uid: 501 }).manual).toContain('brew install redis');
  });
});
