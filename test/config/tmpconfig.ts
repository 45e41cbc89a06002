/**
 * Test helper: writes a config tree into a fresh temporary directory.
 *
 *   const dir = tmpConfig({ 'hark.yaml': '...', 'schedules/platform.yaml': '...' });
 *
 * Keys are paths relative to the config directory (parent folders are created). Directories made
 * here are removed by `cleanupTmpConfigs()` (call it from `afterAll`).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type ConfigTree = Readonly<Record<string, string>>;

const created: string[] = [];

export function tmpConfig(files: ConfigTree): string {
  const dir = mkdtempSync(join(tmpdir(), 'hark-config-'));
  created.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    const full = join(dir, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  return dir;
}

export function cleanupTmpConfigs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Joins lines with "\n" and adds a final newline, so line numbers in tests are easy to count. */
export function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}
