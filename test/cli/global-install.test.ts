/**
 * `npm install -g .` in a fresh clone (issue 10, item 10): npm links the folder without installing
 * its dependencies and runs `prepare` there, which must install them and build dist/. Runs the real
 * npm into a temporary prefix, on a copy of the files git tracks (no node_modules, no dist/); the
 * registry is reached through npm's cache first (`--prefer-offline`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** The environment without what the npm running these tests set (its prefix, its lifecycle). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

describe('npm install -g .', () => {
  it('works in a fresh clone: hark is on the PATH of the prefix and runs', () => {
    const base = mkdtempSync(join(tmpdir(), 'hark-global-'));
    onTestFinished(() => rmSync(base, { recursive: true, force: true }));
    const clone = join(base, 'hark');
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && existsSync(join(ROOT, f)));
    for (const f of files) {
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(clone, f));
    }
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);
    const prefix = join(base, 'prefix');
    const install = spawnSync(
      'npm',
      ['install', '-g', '.', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: clone, env: cleanEnv(), encoding: 'utf8', timeout: 400_000 },
    );
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);
    const hark = join(prefix, 'bin', 'hark');
    const version = spawnSync(hark, ['--version'], { cwd: base, env: cleanEnv(), encoding: 'utf8' });
    expect(version.stdout).toBe('0.1.0\n');
    const validate = spawnSync(hark, ['validate', clone], { cwd: base, env: cleanEnv(), encoding: 'utf8' });
    expect([validate.status, validate.stdout]).toEqual([0, expect.stringMatching(/^ok: 6 people/)]);
  }, 420_000);
});
