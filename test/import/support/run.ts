/** Test helpers for `hark import`: run it into a fresh directory, compare with golden files. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from '../../support/cli.js';

export const FIXTURES = resolve(import.meta.dirname, '../fixtures');
export const GOLDEN = resolve(import.meta.dirname, '../golden');

const made: string[] = [];

export function tmpDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hark-import-'));
  made.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function hark(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(argv, {
    env: { PATH: process.env.PATH, ...env },
    now: () => Date.parse('2026-03-01T12:00:00Z'),
    lines: true,
  });
}

/** Every file under dir, relative, sorted. */
export function filesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

export function read(dir: string, rel: string): string {
  return readFileSync(join(dir, rel), 'utf8');
}

/**
 * The output directory holds exactly the golden files, byte for byte. UPDATE_GOLDEN=1 rewrites
 * the golden files instead (then review the diff before committing).
 */
export function expectGolden(out: string, name: string): void {
  const golden = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN) {
    rmSync(golden, { recursive: true, force: true });
    for (const rel of filesIn(out)) {
      mkdirSync(dirname(join(golden, rel)), { recursive: true });
      writeFileSync(join(golden, rel), read(out, rel));
    }
  }
  expect(existsSync(golden), `golden files ${golden} (run with UPDATE_GOLDEN=1 to write them)`).toBe(true);
  expect(filesIn(out)).toEqual(filesIn(golden));
  for (const rel of filesIn(golden)) expect(read(out, rel), rel).toBe(read(golden, rel));
}
