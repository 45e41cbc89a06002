// npm's `prepare` (npm ci, npm install, npm pack, npm install -g .): build dist/.
//
// `npm install -g .` (and `npm link`) in a clone does not install the clone's dependencies: npm 7+
// links the folder into the global node_modules as it is and runs `prepare` in it. In a fresh
// clone there is then no esbuild to build with and no hono, ioredis, … for bin/hark to run. So in
// that case (npm_config_global=true and esbuild missing) this first does what `npm ci` would do in
// the clone, with dev dependencies and without install scripts (as the Dockerfile does), then builds.
// Anywhere else a missing esbuild means dev dependencies were left out on purpose: say so and fail.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const resolvable = (pkg) => {
  try {
    createRequire(new URL('../package.json', import.meta.url)).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

function run(argv, env = process.env) {
  const r = spawnSync(argv[0], argv.slice(1), { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

if (!resolvable('esbuild')) {
  if (process.env.npm_config_global !== 'true') {
    process.stderr.write(
      'hark: esbuild (a dev dependency) is missing, so dist/ cannot be built: run `npm ci` with dev dependencies, then `npm run build`\n',
    );
    process.exit(1);
  }
  // The global install's settings must not reach the install in the clone (its prefix is the
  // global one; --omit=dev would leave esbuild out again).
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (
      /^npm_config_(global|prefix|global_prefix|local_prefix|omit|include|production|only|dev|location)$/i.test(
        key,
      )
    )
      delete env[key];
  }
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const install = ['ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
  process.stderr.write(
    `hark: npm install -g links this folder without its dependencies; installing them here first: npm ${install.join(' ')}\n`,
  );
  run([...npm, ...install], env);
}
run([process.execPath, 'scripts/build.mjs']);
