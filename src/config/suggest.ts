import { createRequire } from 'node:module';

type Distance = (a: string, b: string) => number;
let distanceFn: Distance | null = null;

/** Loaded on first use: suggestions are only needed when the config has errors (keeps CLI start fast). */
function distance(a: string, b: string): number {
  distanceFn ??= (createRequire(import.meta.url)('fastest-levenshtein') as { distance: Distance }).distance;
  return distanceFn(a, b);
}

/** The closest candidate to a misspelled name, if one is close enough to be a likely typo. */
export function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return best !== null && bestDistance <= limit && bestDistance < name.length ? best : null;
}

/** ` (did you mean "bob"?)` or an empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c === null ? '' : ` (did you mean "${c}"?)`;
}
