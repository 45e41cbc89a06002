/**
 * `src/alerts/` is pure normalisation: it imports only the config types, its own files and
 * libraries, never the server, the store or anything with I/O (the HTTP receiver is
 * src/server/api/alerts.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const ALERTS = join(SRC, 'alerts');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('src/alerts', () => {
  it('depends only on src/config and its own files', () => {
    const all = files(ALERTS);
    expect(all.length).toBeGreaterThan(5);
    const outside: string[] = [];
    for (const file of all) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+'([^']+)'/gm)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue; // a library (zod, node:crypto)
        const target = relative(SRC, resolve(dirname(file), spec));
        if (!target.startsWith('alerts/') && !target.startsWith('config/'))
          outside.push(`${relative(SRC, file)} → ${target}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
