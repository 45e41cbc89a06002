// Builds dist/: the CLI and server bundled with esbuild. The libraries `hark who` and
// `hark validate` need are bundled in (a cold start reads a few files instead of hundreds);
// every other dependency stays an import from node_modules. Type checking is `npm run typecheck`.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const BUNDLED = new Set(['commander', 'fastest-levenshtein', 'luxon', 'rrule', 'yaml', 'zod']);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external,
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __harkRequire } from 'node:module'; const require = __harkRequire(import.meta.url);",
  },
});
