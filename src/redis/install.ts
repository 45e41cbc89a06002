/**
 * Finding `redis-server` for the managed local Redis (REDIS_URL unset), and installing it for the
 * quick start. Only `npm start` (`hark serve --quickstart`) installs, and only when that needs no
 * prompt: as root, or with passwordless sudo (`sudo -n`), through apt-get, dnf or apk, or Homebrew
 * on macOS. It says what it runs and streams the package manager's output to stderr. Everything
 * else — plain `hark serve`, NODE_ENV=production, HARK_NO_INSTALL=1, no way to install without a
 * password — gets one line with the one command to run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** redis-server is missing and Hark will not (or cannot) install it: the message says what to run. */
export class RedisMissingError extends Error {
  override readonly name = 'RedisMissingError';
}

export type PackageManager = 'apt-get' | 'dnf' | 'apk' | 'brew';

export interface InstallPlan {
  /** The package manager found on PATH, if any. */
  readonly manager: PackageManager | null;
  /** The commands Hark would run (absolute paths, `sudo -n` first when needed), or null when it cannot without a prompt. */
  readonly steps: readonly (readonly string[])[] | null;
  /** The same commands as a person reads them (`apt-get update && apt-get install -y redis-server`). */
  readonly shown: string;
  /** The one command for a person to run themselves. */
  readonly manual: string;
  /** Extra environment for the commands (apt-get: DEBIAN_FRONTEND=noninteractive). */
  readonly env: Readonly<Record<string, string>>;
}

/** Where package managers put redis-server when it is not on this PATH (/usr/sbin for a user, Homebrew's prefix). */
const INSTALLED_DIRS = [
  '/usr/bin',
  '/usr/sbin',
  '/usr/local/bin',
  '/usr/local/sbin',
  '/opt/homebrew/bin',
  '/bin',
];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` in these directories (PATH order), or null. */
export function findExecutable(name: string, dirs: readonly string[]): string | null {
  for (const dir of dirs) {
    if (dir === '') continue;
    const file = join(dir, name);
    if (isExecutable(file)) return file;
  }
  return null;
}

export function pathDirs(env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '').split(delimiter).filter((d) => d !== '');
}

const PACKAGES: Record<PackageManager, { readonly commands: readonly (readonly string[])[] }> = {
  'apt-get': { commands: [['update'], ['install', '-y', 'redis-server']] },
  dnf: { commands: [['install', '-y', 'redis']] },
  apk: { commands: [['add', 'redis']] },
  brew: { commands: [['install', 'redis']] },
};

export interface PlanInput {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: NodeJS.Platform;
  /** The effective user id (null where there is none, Windows). */
  readonly uid: number | null;
  /** Whether `sudo -n true` succeeds (asked only when it matters). */
  readonly canSudo: () => boolean;
}

/** What installing redis-server would take on this machine. Pure but for `canSudo`. */
export function installPlan(input: PlanInput): InstallPlan {
  const dirs = pathDirs(input.env);
  const candidates: PackageManager[] = input.platform === 'darwin' ? ['brew'] : ['apt-get', 'dnf', 'apk'];
  for (const manager of candidates) {
    const bin = findExecutable(manager, dirs);
    if (!bin) continue;
    const commands = PACKAGES[manager].commands;
    const env: Record<string, string> = manager === 'apt-get' ? { DEBIAN_FRONTEND: 'noninteractive' } : {};
    const shown = commands.map((c) => [manager, ...c].join(' ')).join(' && ');
    if (manager === 'brew') {
      // Homebrew runs as the user and refuses root.
      const ok = input.uid !== 0;
      return { manager, steps: ok ? commands.map((c) => [bin, ...c]) : null, shown, manual: shown, env };
    }
    const manual = commands.map((c) => ['sudo', manager, ...c].join(' ')).join(' && ');
    if (input.uid === 0) {
      return { manager, steps: commands.map((c) => [bin, ...c]), shown, manual: shown, env };
    }
    const sudo = findExecutable('sudo', dirs);
    if (sudo && input.canSudo()) {
      const withEnv = Object.entries(env).map(([k, v]) => `${k}=${v}`);
      const prefix = withEnv.length > 0 ? [sudo, '-n', 'env', ...withEnv] : [sudo, '-n'];
      return {
        manager,
        steps: commands.map((c) => [...prefix, bin, ...c]),
        shown: manual,
        manual,
        env: {},
      };
    }
    return { manager, steps: null, shown: manual, manual, env };
  }
  const manual =
    input.platform === 'darwin'
      ? 'install Homebrew (https://brew.sh), then run `brew install redis`'
      : "install your system's redis-server package";
  return { manager: null, steps: null, shown: manual, manual, env: {} };
}

function canSudo(env: NodeJS.ProcessEnv): boolean {
  const sudo = findExecutable('sudo', pathDirs(env));
  if (!sudo) return false;
  const r = spawnSync(sudo, ['-n', 'true'], { env, stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

/** Whether HARK_NO_INSTALL is set to something that means yes. */
export function noInstall(env: NodeJS.ProcessEnv): boolean {
  const v = (env.HARK_NO_INSTALL ?? '').trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false' && v !== 'no';
}

export interface FindRedisOptions {
  readonly env: NodeJS.ProcessEnv;
  /** `hark serve --quickstart` (npm start): installing is allowed. */
  readonly quickstart: boolean;
  /** Where the package manager's output and Hark's notes go (stderr). */
  readonly output?: NodeJS.WritableStream;
  /** For tests; default: this machine. */
  readonly platform?: NodeJS.Platform;
  readonly uid?: number | null;
}

function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  output: NodeJS.WritableStream,
): Promise<number> {
  return new Promise((res) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(output, { end: false });
    child.stderr.pipe(output, { end: false });
    child.once('error', () => res(127));
    child.once('close', (code, signal) => res(code ?? (signal ? 128 : 1)));
  });
}

const OR_URL = 'or set REDIS_URL to a Redis ≥ 6.2';

/**
 * The path of redis-server: on PATH, else installed now (quick start only, without a prompt),
 * else a RedisMissingError whose message is one line with the command to run.
 */
export async function findOrInstallRedisServer(opts: FindRedisOptions): Promise<string> {
  const found = findExecutable('redis-server', pathDirs(opts.env));
  if (found) return found;
  const output = opts.output ?? process.stderr;
  const plan = installPlan({
    env: opts.env,
    platform: opts.platform ?? process.platform,
    uid: opts.uid !== undefined ? opts.uid : (process.getuid?.() ?? null),
    canSudo: () => canSudo(opts.env),
  });
  const missing = `redis-server was not found on PATH: ${plan.manager ? `run \`${plan.manual}\`` : plan.manual}, ${OR_URL}`;
  if (!opts.quickstart) {
    throw new RedisMissingError(`${missing} (hark serve installs nothing; npm start installs it for you)`);
  }
  if (noInstall(opts.env)) throw new RedisMissingError(`${missing} (HARK_NO_INSTALL is set)`);
  if (opts.env.NODE_ENV === 'production') {
    throw new RedisMissingError(`${missing} (NODE_ENV=production installs nothing)`);
  }
  if (!plan.steps) {
    const why =
      plan.manager === null
        ? 'no apt-get, dnf, apk or Homebrew found'
        : plan.manager === 'brew'
          ? 'Homebrew does not run as root'
          : 'Hark installs it only as root or with passwordless sudo';
    throw new RedisMissingError(`${missing} (${why})`);
  }
  output.write(
    `hark: redis-server is not installed; installing it: ${plan.shown} (HARK_NO_INSTALL=1 turns this off)\n`,
  );
  const env = { ...opts.env, ...plan.env };
  for (const step of plan.steps) {
    output.write(`hark: running ${step.join(' ')}\n`);
    const code = await run(step, env, output);
    if (code !== 0) {
      throw new RedisMissingError(
        `installing redis-server failed (\`${step.join(' ')}\` exited ${code}): run \`${plan.manual}\` yourself, ${OR_URL}`,
      );
    }
  }
  const installed = findExecutable('redis-server', [...pathDirs(opts.env), ...INSTALLED_DIRS]);
  if (!installed) {
    throw new RedisMissingError(
      `${plan.shown} finished but redis-server is still not found on PATH or in ${INSTALLED_DIRS.join(', ')}: add its directory to PATH, ${OR_URL}`,
    );
  }
  output.write(`hark: installed ${installed}; Hark runs its own instance of it (data in .hark/redis)\n`);
  return installed;
}
