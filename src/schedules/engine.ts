/**
 * The schedule engine (SPEC 1.2): who holds each role of a schedule at an instant, the holder's
 * current interval, and the final shifts over a range, from rotations, coverage windows,
 * `follows`, layering, git overrides and runtime overrides.
 *
 * Nothing is stored between queries but caches derived from the config; a `ScheduleView` is the
 * compiled schedule plus one set of runtime overrides.
 */
import type { Schedule } from '../config/types.js';
import { DAY, TimeZone, type Instant } from '../time/local.js';
import type { ActiveOverride, RuntimeOverride } from './overrides.js';
import { CompiledRotation, type HeldInterval } from './rotation.js';

/** A maximal stretch of time with one holder (or nobody) and one source. */
export interface Segment {
  readonly role: string;
  readonly start: number;
  readonly end: number;
  readonly person: string | null;
  readonly source: string | null;
}

export interface Shift {
  readonly role: string;
  readonly person: string;
  readonly start: number;
  readonly end: number;
  readonly source: string;
}

export interface Holding {
  readonly role: string;
  readonly person: string | null;
  readonly source: string | null;
  /** Bounds of the current interval; null where unbounded. */
  readonly since: number | null;
  readonly until: number | null;
}

interface LayerRotation {
  readonly name: string;
  readonly compiled: CompiledRotation;
  readonly memberOffset: number;
}

const BUCKET = 7 * DAY;
const MAX_BUCKETS = 20_000;
/** How far past every finite boundary `until` looks for a change before calling it unbounded. */
const UNBOUNDED_AFTER = 5 * 366 * DAY;

interface Bucket {
  readonly ends: number[];
  readonly persons: (string | null)[];
}

export class CompiledSchedule {
  readonly name: string;
  readonly zone: TimeZone;
  readonly roles: readonly string[];
  /** Per role, its rotations in listed order (later ones win). */
  private readonly layers = new Map<string, LayerRotation[]>();
  private readonly gitOverrides: readonly ActiveOverride[];
  private readonly earliest: number;
  private readonly latestFinite: number;
  private baseView: ScheduleView | null = null;

  constructor(readonly schedule: Schedule) {
    this.name = schedule.name;
    this.zone = new TimeZone(schedule.timezone);
    this.roles = schedule.roles;
    const compiled = new Map<string, CompiledRotation>();
    for (const r of schedule.rotations)
      if (r.kind === 'own') compiled.set(r.name, new CompiledRotation(r, this.zone));
    const byName = new Map(schedule.rotations.map((r) => [r.name, r]));
    for (const r of schedule.rotations) {
      let base = r;
      let depth = 0;
      while (base.kind === 'follows') {
        base = byName.get(base.follows)!;
        depth++;
      }
      const list = this.layers.get(r.role) ?? [];
      list.push({ name: r.name, compiled: compiled.get(base.name)!, memberOffset: depth });
      this.layers.set(r.role, list);
    }
    this.gitOverrides = schedule.overrides.map((o, i) => ({
      role: o.role,
      person: o.person,
      from: this.zone.toInstant(o.from),
      to: this.zone.toInstant(o.to),
      source: `override:git:${i}`,
    }));
    const rotations = [...compiled.values()];
    this.earliest = Math.min(
      ...rotations.map((c) => c.startInstant),
      ...this.gitOverrides.map((o) => o.from),
    );
    this.latestFinite = Math.max(
      ...rotations.map((c) => c.lastFiniteBoundary()),
      ...this.gitOverrides.map((o) => o.to),
    );
  }

  /** The view with no runtime overrides (cached). */
  get base(): ScheduleView {
    this.baseView ??= new ScheduleView(this, []);
    return this.baseView;
  }

  /** A view with these runtime overrides (those of other schedules are ignored). */
  withOverrides(runtime: readonly RuntimeOverride[]): ScheduleView {
    const mine = runtime.filter((o) => o.schedule === this.name);
    return mine.length === 0 ? this.base : new ScheduleView(this, mine);
  }

  /** @internal Layer data for views. */
  layersOf(role: string): readonly LayerRotation[] {
    return this.layers.get(role) ?? [];
  }
  /** @internal */
  gitOverridesOf(role: string): readonly ActiveOverride[] {
    return this.gitOverrides.filter((o) => o.role === role);
  }
  /** @internal */
  bounds(): { earliest: number; latestFinite: number } {
    return { earliest: this.earliest, latestFinite: this.latestFinite };
  }
}

export class ScheduleView {
  /** Overrides in precedence order, per role: runtime (newest first), then git (last listed first). */
  private readonly overrides = new Map<string, ActiveOverride[]>();
  private readonly buckets = new Map<string, Map<number, Bucket>>();
  private bucketCount = 0;
  private readonly earliest: number;
  private readonly latestFinite: number;

  constructor(
    readonly compiled: CompiledSchedule,
    runtime: readonly RuntimeOverride[],
  ) {
    const sortedRuntime = [...runtime].sort(
      (a, b) => b.createdAt - a.createdAt || b.id.length - a.id.length || (a.id < b.id ? 1 : -1),
    );
    for (const role of compiled.roles) {
      const rt: ActiveOverride[] = sortedRuntime
        .filter((o) => o.role === role)
        .map((o) => ({ role, person: o.person, from: o.from, to: o.to, source: `override:${o.id}` }));
      const git = [...compiled.gitOverridesOf(role)].reverse();
      this.overrides.set(role, [...rt, ...git]);
    }
    const b = compiled.bounds();
    this.earliest = Math.min(b.earliest, ...runtime.map((o) => o.from));
    this.latestFinite = Math.max(b.latestFinite, ...runtime.map((o) => o.to));
  }

  get roles(): readonly string[] {
    return this.compiled.roles;
  }

  /**
   * The segments of a role in [from, to): consecutive, covering the whole range, each with one
   * holder (or nobody) and one source. Adjacent segments may share holder and source; `merge` them.
   */
  segments(role: string, from: number, to: number): Segment[] {
    if (to <= from) return [];
    const layers = this.compiled.layersOf(role).map((l) => ({
      source: `rotation:${l.name}`,
      held: l.compiled.held(from, to, l.memberOffset),
    }));
    const overrides = (this.overrides.get(role) ?? []).filter((o) => o.from < to && o.to > from);
    const cuts = new Set<number>([from, to]);
    for (const l of layers) for (const h of l.held) cuts.add(h.start).add(h.end);
    for (const o of overrides) {
      if (o.from > from) cuts.add(o.from);
      if (o.to < to) cuts.add(o.to);
    }
    const points = [...cuts].sort((a, b) => a - b);
    const cursor = layers.map(() => 0);
    const out: Segment[] = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const start = points[i]!;
      const end = points[i + 1]!;
      let person: string | null = null;
      let source: string | null = null;
      const o = overrides.find((ov) => ov.from <= start && start < ov.to);
      if (o) {
        person = o.person;
        source = o.source;
      }
      for (let li = layers.length - 1; li >= 0; li--) {
        const held: readonly HeldInterval[] = layers[li]!.held;
        let c = cursor[li]!;
        while (c < held.length && held[c]!.end <= start) c++;
        cursor[li] = c;
        if (person === null && c < held.length && held[c]!.start <= start) {
          person = held[c]!.person;
          source = layers[li]!.source;
        }
      }
      const last = out[out.length - 1];
      if (last && last.person === person && last.source === source) {
        out[out.length - 1] = { ...last, end };
      } else out.push({ role, start, end, person, source });
    }
    return out;
  }

  /** Who holds `role` at instant t (null: nobody). Cached per week; cheap enough for every page. */
  holderAt(role: string, t: Instant): string | null {
    const index = Math.floor(t / BUCKET);
    let perRole = this.buckets.get(role);
    if (!perRole) {
      perRole = new Map();
      this.buckets.set(role, perRole);
    }
    let bucket = perRole.get(index);
    if (!bucket) {
      if (this.bucketCount >= MAX_BUCKETS) {
        for (const m of this.buckets.values()) m.clear();
        this.bucketCount = 0;
      }
      const segs = this.segments(role, index * BUCKET, (index + 1) * BUCKET);
      bucket = { ends: segs.map((s) => s.end), persons: segs.map((s) => s.person) };
      perRole.set(index, bucket);
      this.bucketCount++;
    }
    const ends = bucket.ends;
    let i = 0;
    while (ends[i]! <= t) i++;
    return bucket.persons[i]!;
  }

  /** The holder of `role` at t with the bounds of their current interval (SPEC 8, `who`). */
  holding(role: string, t: Instant): Holding {
    let span = 8 * DAY;
    let found: Segment | null = null;
    let since: number | null = null;
    let until: number | null = null;
    for (;;) {
      const from = t - span;
      const to = t + span;
      const segs = this.segments(role, from, to);
      found = segs.find((s) => s.start <= t && t < s.end) ?? null;
      if (!found) throw new Error('schedule engine: segments do not cover the range');
      const openBefore = found.start === from;
      const openAfter = found.end === to;
      since = found.start;
      until = found.end;
      let more = false;
      if (openBefore) {
        if (from <= this.earliest) since = null;
        else more = true;
      }
      if (openAfter) {
        if (to > Math.max(this.latestFinite, t) + UNBOUNDED_AFTER) until = null;
        else more = true;
      }
      if (!more) break;
      span *= 4;
    }
    return { role, person: found.person, source: found.source, since, until };
  }

  /** Final shifts in [from, to) per role, in role order then time order; nobody-intervals left out. */
  shifts(from: number, to: number): Shift[] {
    const out: Shift[] = [];
    for (const role of this.roles) {
      for (const s of this.segments(role, from, to)) {
        if (s.person !== null && s.source !== null) {
          out.push({ role, person: s.person, start: s.start, end: s.end, source: s.source });
        }
      }
    }
    return out;
  }
}
