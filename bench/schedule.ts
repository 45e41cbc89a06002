/**
 * Schedule engine figures: holder lookups per second on a cached schedule, a year of shifts for a
 * weekly rotation, and `hark who` cold start. Printed, not asserted.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import { CompiledSchedule } from '../src/schedules/engine.js';

const ROOT = resolve(import.meta.dirname, '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function benchSchedule(): Record<string, string> {
  const { config } = loadConfig(ROOT, { env: {} });
  const platform = config.schedules.get('platform')!;
  const fts = config.schedules.get('follow-the-sun')!;
  const results: Record<string, string> = {};

  // 1. holderAt on a cached view: instants spread over four weeks.
  for (const [label, schedule] of [
    ['platform (weekly + follows + override)', platform],
    ['follow-the-sun (coverage windows)', fts],
  ] as const) {
    const view = new CompiledSchedule(schedule).base;
    const base = Date.parse('2026-11-25T00:00:00Z');
    const instants = Array.from({ length: 4096 }, (_, i) => base + ((i * 2_654_435_761) % (28 * 86_400_000)));
    for (const t of instants) view.holderAt('primary', t); // warm the cache
    const n = 5_000_000;
    let sink = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink += view.holderAt('primary', instants[i & 4095]!)?.length ?? 0;
    const secs = (performance.now() - t0) / 1000;
    results[`holderAt lookups/s, ${label}`] =
      `${Math.round(n / secs).toLocaleString('en-US')} (checksum ${sink})`;
  }

  // 2. A year of shifts of a weekly rotation (all roles of `platform`).
  const from = Date.parse('2027-01-01T00:00:00Z');
  const to = Date.parse('2028-01-01T00:00:00Z');
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 50; i++) {
    const compiled = new CompiledSchedule(platform);
    let t0 = performance.now();
    compiled.base.shifts(from, to);
    cold.push(performance.now() - t0);
    t0 = performance.now();
    const shifts = compiled.base.shifts(from, to);
    warm.push(performance.now() - t0);
    if (shifts.length < 100) throw new Error('unexpected shift count');
  }
  results['shifts for a year, weekly rotation, first call (ms, median)'] = median(cold).toFixed(3);
  results['shifts for a year, weekly rotation, repeated (ms, median)'] = median(warm).toFixed(3);

  // 3. `hark who` cold start, a fresh process each time.
  const runs: number[] = [];
  for (let i = 0; i < 11; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [resolve(ROOT, 'bin/hark'), 'who'], {
      cwd: ROOT,
      env: { ...process.env, HARK_CONFIG: ROOT },
    });
    runs.push(performance.now() - t0);
  }
  results['hark who cold start (ms, median of 11)'] = median(runs).toFixed(0);
  results['hark who cold start (ms, best of 11)'] = Math.min(...runs).toFixed(0);
  return results;
}
