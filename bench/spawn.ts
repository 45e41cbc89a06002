/** Child processes for the benchmarks: `hark serve` (or another server) started and ready. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

/** Starts `cmd`; resolves once its output matches `ready` (with PATH and `env` only). */
export function startProcess(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(cmd, args, {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((res, rej) => {
    const on = (c: Buffer) => {
      out += c.toString();
      const m = ready.exec(out);
      if (m) res({ child, match: m });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => rej(new Error(`${cmd} exited ${code}: ${out.slice(-2000)}`)));
  });
}

/** `bin/hark serve [extra]` with `env`; resolves with its URL once it listens. */
export async function startHark(
  env: NodeJS.ProcessEnv,
  extra: string[] = [],
): Promise<{ child: ChildProcess; url: string }> {
  const { child, match } = await startProcess(
    process.execPath,
    [join(ROOT, 'bin/hark'), 'serve', ...extra],
    env,
    /Hark is listening on (\S+)/,
  );
  return { child, url: match[1]! };
}

/** SIGTERM, and wait for the exit (at once for one that has exited, or was killed by a signal). */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The q-quantile (0.5: the median) of some measurements, by rank. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}
