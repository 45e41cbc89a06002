/** Durations as written in config and on the command line: `30s`, `5m`, `2h`, `1d`, `1h30m`. */
const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const UNIT_MS = [86_400_000, 3_600_000, 60_000, 1000];

export const DURATION_HELP = 'use 30s, 5m, 2h, 1d or a combination such as 1h30m';

/** Milliseconds, or null when the text is not a duration. A bare 0 is allowed. */
export function parseDuration(input: unknown): number | null {
  if (input === 0 || input === '0') return 0;
  if (typeof input !== 'string' || input === '') return null;
  const m = DURATION_RE.exec(input.trim());
  if (!m || input.trim() === '') return null;
  return m.slice(1).reduce((sum, part, i) => sum + (part === undefined ? 0 : Number(part) * UNIT_MS[i]!), 0);
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || `${ms}ms`;
}
