/** Half-open instant intervals [start, end) and the few operations the engine needs on them. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** Sorts and merges overlapping or touching intervals; drops empty ones. */
export function union(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((x, y) => x.start - y.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) {
      if (i.end > last.end) out[out.length - 1] = { start: last.start, end: i.end };
    } else out.push(i);
  }
  return out;
}

/** Intersection of a sorted list of disjoint labelled intervals with a sorted disjoint list. */
export function intersect<T extends Interval>(items: readonly T[], mask: readonly Interval[]): T[] {
  const out: T[] = [];
  let j = 0;
  for (const item of items) {
    while (j < mask.length && mask[j]!.end <= item.start) j++;
    for (let m = j; m < mask.length && mask[m]!.start < item.end; m++) {
      const start = Math.max(item.start, mask[m]!.start);
      const end = Math.min(item.end, mask[m]!.end);
      if (end > start) out.push({ ...item, start, end });
    }
  }
  return out;
}
