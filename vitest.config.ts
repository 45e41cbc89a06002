import { defineConfig } from 'vitest/config';

// The machine zone of a run is always explicit (test/time/local.test.ts checks it took effect).
process.env.TZ ??= 'UTC';

// `npm test` runs every project under TZ=UTC, then the `tz` project (schedule and time tests)
// again under TZ=America/Los_Angeles: the engine (and hark import, which writes schedules) must
// not depend on the machine's time zone.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/schedules/**', 'test/time/**', 'test/import/**'],
          globalSetup: ['test/support/redis-global.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'tz',
          include: ['test/schedules/**/*.test.ts', 'test/time/**/*.test.ts', 'test/import/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
