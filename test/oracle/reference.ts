/**
 * An independent reference implementation of SPEC 1.2 ("Schedules"), written from the spec alone,
 * for property tests against the schedule engine (src/schedules/). It deliberately shares no code
 * with the engine and works differently:
 *
 * - zone arithmetic uses `Intl.DateTimeFormat#formatToParts` (the engine uses luxon);
 * - who holds a role is answered by `holderAt(t)`, which applies the definitions directly at one
 *   instant (shift index from the handoff instants, coverage windows around the local date of t,
 *   layering, overrides), instead of intersecting and sweeping intervals;
 * - shifts are built by evaluating `holderAt` at every instant where the answer could change and
 *   merging equal neighbours.
 *
 * It is slow and simple on purpose. Local times ("LocalMs") are wall-clock milliseconds: the local
 * fields read as if they were UTC.
 */
import rrulePkg from 'rrule';
import type { CoverageWindow, OwnRotation, Rotation, Schedule } from '../../src/config/types.js';
import type { RuntimeOverride } from '../../src/schedules/overrides.js';

const { RRule } = rrulePkg;

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

export interface RefShift {
  role: string;
  person: string;
  start: number;
  end: number;
  source: string;
}

export interface RefSegment {
  start: number;
  end: number;
  holder: RefHolder | null;
}

export interface RefHolder {
  person: string;
  source: string;
}

// ---------------------------------------------------------------------------------------------
// Zone arithmetic (Intl only)

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCache = new Map<string, Map<number, number>>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's UTC offset (ms) in effect at instant t. */
export function offsetAt(zone: string, t: number): number {
  const secs = Math.floor(t / 1000) * 1000;
  let cache = offsetCache.get(zone);
  if (!cache) {
    cache = new Map();
    offsetCache.set(zone, cache);
  }
  const hit = cache.get(secs);
  if (hit !== undefined) return hit;
  const fields: Record<string, number> = {};
  let bc = false;
  for (const p of formatterFor(zone).formatToParts(new Date(secs))) {
    if (p.type === 'era') bc = p.value.startsWith('B');
    else if (p.type !== 'literal' && p.type !== 'dayPeriod') fields[p.type] = Number(p.value);
  }
  const year = bc ? 1 - fields.year! : fields.year!;
  const wall = Date.UTC(
    year,
    fields.month! - 1,
    fields.day!,
    fields.hour! % 24,
    fields.minute!,
    fields.second!,
  );
  const off = wall - secs;
  cache.set(secs, off);
  return off;
}

/** Instant → local wall-clock ms. */
export function toLocal(zone: string, t: number): number {
  return t + offsetAt(zone, t);
}

const instantCache = new Map<string, Map<number, number>>();

/**
 * Local wall-clock ms → instant, per SPEC 1.2: an ambiguous local time means its first
 * occurrence; a nonexistent one moves forward by the length of the gap.
 */
export function toInstant(zone: string, local: number): number {
  let cache = instantCache.get(zone);
  if (!cache) {
    cache = new Map();
    instantCache.set(zone, cache);
  }
  const hit = cache.get(local);
  if (hit !== undefined) return hit;
  // Any instant whose local time is `local` lies within ±14h of it; assume at most one
  // transition in that window (true for every real zone).
  const before = offsetAt(zone, local - 15 * HOUR);
  const after = offsetAt(zone, local + 15 * HOUR);
  const valid: number[] = [];
  for (const o of before === after ? [before] : [before, after]) {
    const t = local - o;
    if (offsetAt(zone, t) === o) valid.push(t);
  }
  let result: number;
  if (valid.length > 0) {
    result = Math.min(...valid); // first occurrence
  } else {
    // In a gap (clocks sprang forward from `before` to `after`): moving forward by the gap
    // length (after - before) and reading with `after` equals reading with `before`.
    if (!(after > before))
      throw new Error(`no instant for local ${new Date(local).toISOString()} in ${zone}`);
    result = local - before;
  }
  cache.set(local, result);
  return result;
}

export interface Transition {
  /** First instant with the new offset. */
  at: number;
  before: number;
  after: number;
}

/** Offset changes of `zone` in [from, to), found by scanning and bisecting. */
export function transitions(zone: string, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  const step = 6 * HOUR;
  let prevT = from;
  let prevO = offsetAt(zone, from);
  for (let t = from + step; t < to + step; t += step) {
    const o = offsetAt(zone, t);
    if (o !== prevO) {
      let lo = prevT;
      let hi = t;
      while (hi - lo > MIN) {
        const mid = lo + Math.floor((hi - lo) / 2 / MIN) * MIN;
        if (offsetAt(zone, mid) === prevO) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi, before: prevO, after: offsetAt(zone, hi) });
    }
    prevT = t;
    prevO = o;
  }
  return out;
}

/** 'YYYY-MM-DDTHH:MM[:SS]' → local ms. */
export function local(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) throw new Error(`bad local time ${text}`);
  return Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
}

export function formatLocalText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

// ---------------------------------------------------------------------------------------------
// Handoffs

interface Until {
  utc: boolean;
  at: number;
}

function parseUntil(value: string): Until {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
  if (!m) throw new Error(`bad UNTIL ${value}`);
  const at = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
  );
  return { utc: m[7] === 'Z', at };
}

/**
 * Handoff instants of an own rotation: h[0] = start, then every RRULE occurrence strictly after
 * start (floating expansion), as instants, for occurrences with local time ≤ `horizonLocal`.
 */
function handoffInstants(rot: OwnRotation, zone: string, horizonLocal: number): number[] {
  const startLocal = rot.start as number;
  const out = [toInstant(zone, startLocal)];
  if (!rot.handoff) return out;
  const text = rot.handoff.text.trim().replace(/^RRULE:/i, '');
  let until: Until | null = null;
  const kept: string[] = [];
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const [key, value] = part.split('=');
    if (key!.trim().toUpperCase() === 'UNTIL') until = parseUntil(value!.trim().toUpperCase());
    else kept.push(part.trim());
  }
  const options = RRule.parseString(kept.join(';'));
  let bound = horizonLocal;
  if (until && !until.utc) options.until = new Date(until.at);
  // An occurrence whose instant is ≤ the UTC UNTIL has local time ≤ UNTIL + max offset (14h).
  if (until && until.utc) bound = Math.min(bound, until.at + 15 * HOUR);
  const rule = new RRule({ ...options, dtstart: new Date(startLocal) });
  const locals: number[] = [];
  rule.all((d) => {
    if (d.getTime() > bound) return false;
    locals.push(d.getTime());
    return true;
  });
  for (const l of locals) {
    if (l <= startLocal || l > bound) continue;
    const inst = toInstant(zone, l);
    if (until && until.utc && inst > until.at) continue;
    out.push(inst);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The reference

interface RootInfo {
  root: OwnRotation;
  depth: number;
}

export class Reference {
  private readonly zone: string;
  private readonly byName = new Map<string, Rotation>();
  private readonly handoffs = new Map<string, { horizon: number; instants: number[]; suffixMin: number[] }>();
  private readonly runtime: RuntimeOverride[];

  constructor(
    readonly schedule: Schedule,
    runtime: readonly RuntimeOverride[],
  ) {
    this.zone = schedule.timezone;
    for (const r of schedule.rotations) this.byName.set(r.name, r);
    this.runtime = runtime.filter((o) => o.schedule === schedule.name);
  }

  /** The own rotation whose handoffs/start/end/coverage `rot` uses, and how many `follows` levels. */
  resolve(rot: Rotation): RootInfo {
    let depth = 0;
    let cur = rot;
    const seen = new Set<string>();
    while (cur.kind === 'follows') {
      if (seen.has(cur.name)) throw new Error(`follows cycle at ${cur.name}`);
      seen.add(cur.name);
      const next = this.byName.get(cur.follows);
      if (!next) throw new Error(`unknown rotation ${cur.follows}`);
      cur = next;
      depth++;
    }
    return { root: cur, depth };
  }

  /** Handoff instants of an own rotation, covering at least local time `needLocal`. */
  handoffsUpTo(rot: OwnRotation, needLocal: number): { instants: number[]; suffixMin: number[] } {
    let entry = this.handoffs.get(rot.name);
    if (!entry || entry.horizon < needLocal) {
      const horizon = needLocal + 30 * DAY;
      const instants = handoffInstants(rot, this.zone, horizon);
      const suffixMin = new Array<number>(instants.length);
      let m = Infinity;
      for (let i = instants.length - 1; i >= 0; i--) {
        m = Math.min(m, instants[i]!);
        suffixMin[i] = m;
      }
      entry = { horizon, instants, suffixMin };
      this.handoffs.set(rot.name, entry);
    }
    return entry;
  }

  /** Shift index k at t: the last handoff k (in order) with h[k] ≤ t; -1 before the first. */
  shiftIndex(rot: OwnRotation, t: number): number {
    // Handoffs at local times beyond local(t) + 1 day are later than t.
    const { suffixMin } = this.handoffsUpTo(rot, toLocal(this.zone, t) + DAY);
    // suffixMin is non-decreasing; the largest k with suffixMin[k] ≤ t is the largest k with h[k] ≤ t.
    let lo = -1;
    let hi = suffixMin.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi + 1) / 2);
      if (suffixMin[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  windowContains(w: CoverageWindow, dayLocal: number, t: number): boolean {
    const weekday = new Date(dayLocal).getUTCDay();
    if (!w.days.includes(weekday)) return false;
    const startLocal = dayLocal + w.from * MIN;
    const endLocal = w.to > w.from ? dayLocal + w.to * MIN : dayLocal + DAY + w.to * MIN;
    return toInstant(this.zone, startLocal) <= t && t < toInstant(this.zone, endLocal);
  }

  covers(root: OwnRotation, t: number): boolean {
    if (t < toInstant(this.zone, root.start)) return false;
    if (root.end !== null && t >= toInstant(this.zone, root.end)) return false;
    if (root.coverage === null) return true;
    const l = toLocal(this.zone, t);
    const date = Math.floor(l / DAY) * DAY;
    // A window lasts at most 24h, so only windows starting on t's local date or the day before
    // can contain t (the day after and two days before are checked too, for safety).
    for (const day of [date - 2 * DAY, date - DAY, date, date + DAY]) {
      for (const w of root.coverage) if (this.windowContains(w, day, t)) return true;
    }
    return false;
  }

  /** Who holds `role` at instant t, straight from the definitions. */
  holderAt(role: string, t: number): RefHolder | null {
    // Runtime overrides: the most recently created covering one wins.
    let best: RuntimeOverride | null = null;
    for (const o of this.runtime) {
      if (o.role !== role || !(o.from <= t && t < o.to)) continue;
      if (best === null || o.createdAt > best.createdAt) best = o;
    }
    if (best) return { person: best.person, source: `override:${best.id}` };
    // Git overrides: the one listed last wins.
    const git = this.schedule.overrides;
    for (let i = git.length - 1; i >= 0; i--) {
      const o = git[i]!;
      if (o.role !== role) continue;
      if (toInstant(this.zone, o.from) <= t && t < toInstant(this.zone, o.to))
        return { person: o.person, source: `override:git:${i}` };
    }
    // Layering: of the role's rotations that cover t, the one listed last wins.
    const rots = this.schedule.rotations;
    for (let i = rots.length - 1; i >= 0; i--) {
      const rot = rots[i]!;
      if (rot.role !== role) continue;
      const { root, depth } = this.resolve(rot);
      if (!this.covers(root, t)) continue;
      const k = this.shiftIndex(root, t);
      if (k < 0) throw new Error('unreachable: t ≥ start = h[0]');
      const n = root.members.length;
      return { person: root.members[(((k + depth) % n) + n) % n]!, source: `rotation:${rot.name}` };
    }
    return null;
  }

  /** Every instant in (from, to) at which some role's holder could change. */
  candidates(from: number, to: number): number[] {
    const z = this.zone;
    const set = new Set<number>();
    const add = (t: number) => {
      if (t > from && t < to) set.add(t);
    };
    const fromLocal = toLocal(z, from);
    const toLocalMs = toLocal(z, to);
    const firstDay = Math.floor(fromLocal / DAY) * DAY - 3 * DAY;
    const lastDay = Math.floor(toLocalMs / DAY) * DAY + 2 * DAY;
    for (const rot of this.schedule.rotations) {
      if (rot.kind !== 'own') continue;
      add(toInstant(z, rot.start));
      if (rot.end !== null) add(toInstant(z, rot.end));
      for (const h of this.handoffsUpTo(rot, toLocalMs + DAY).instants) add(h);
      if (rot.coverage) {
        for (let day = firstDay; day <= lastDay; day += DAY) {
          for (const w of rot.coverage) {
            add(toInstant(z, day + w.from * MIN));
            add(toInstant(z, w.to > w.from ? day + w.to * MIN : day + DAY + w.to * MIN));
          }
        }
      }
    }
    for (const o of this.schedule.overrides) {
      add(toInstant(z, o.from));
      add(toInstant(z, o.to));
    }
    for (const o of this.runtime) {
      add(o.from);
      add(o.to);
    }
    return [...set].sort((a, b) => a - b);
  }

  /**
   * Maximal intervals of [from, to) with one holder (or nobody) of `role`, in time order; the
   * holder is null where nobody holds the role.
   */
  segments(
    role: string,
    from: number,
    to: number,
    points = [from, ...this.candidates(from, to)],
  ): RefSegment[] {
    const out: RefSegment[] = [];
    for (let i = 0; i < points.length; i++) {
      const start = points[i]!;
      const end = points[i + 1] ?? to;
      const h = this.holderAt(role, start);
      const last = out[out.length - 1];
      if (
        last &&
        (last.holder === null
          ? h === null
          : h !== null && last.holder.person === h.person && last.holder.source === h.source)
      ) {
        last.end = end;
      } else {
        out.push({ start, end, holder: h });
      }
    }
    return out;
  }

  shifts(from: number, to: number): RefShift[] {
    const out: RefShift[] = [];
    if (!(from < to)) return out;
    const points = [from, ...this.candidates(from, to)];
    for (const role of this.schedule.roles) {
      for (const seg of this.segments(role, from, to, points)) {
        if (seg.holder)
          out.push({
            role,
            person: seg.holder.person,
            start: seg.start,
            end: seg.end,
            source: seg.holder.source,
          });
      }
    }
    return out;
  }
}

export function referenceShifts(
  schedule: Schedule,
  runtime: RuntimeOverride[],
  from: number,
  to: number,
): RefShift[] {
  return new Reference(schedule, runtime).shifts(from, to);
}
