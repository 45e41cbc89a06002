/**
 * One rotation's shifts (SPEC 1.2): shift k runs from handoff k to handoff k+1 and is held by
 * members[k mod n] (a `follows` rotation: members[(k+1) mod n] of the rotation it follows).
 *
 * Handoff instants come from floating local occurrences. Converting local times to instants can
 * make two handoffs coincide (both inside one DST gap) or, for sub-hourly patterns around a gap,
 * even reverse. The holder at t is the one of the latest handoff k with instant ≤ t; a shift
 * whose instant is not before a later handoff's is empty (it is skipped, and so is its member).
 */
import type { OwnRotation } from '../config/types.js';
import { DAY, type Instant, type LocalMs, type TimeZone } from '../time/local.js';
import { coverageIntervals } from './coverage.js';
import { expandLocal } from './handoff-rule.js';
import { intersect, type Interval } from './intervals.js';

export interface HeldInterval extends Interval {
  readonly person: string;
}

const INITIAL_SPAN = 120 * DAY;

/** Lazily expanded handoff instants of an own rotation: c[0] = start, c[k] = handoff k. */
class HandoffSeries {
  /** Effective start of shift k: min over j ≥ k of the handoff instants (see module comment). */
  private starts: Instant[] = [];
  /** Starts below this instant are final: later expansion cannot change them. */
  private settledUntil = -Infinity;
  private exhausted = false;
  private limit: LocalMs;

  constructor(
    private readonly rotation: OwnRotation,
    private readonly zone: TimeZone,
    private readonly startInstant: Instant,
    private readonly endInstant: Instant | null,
  ) {
    this.limit = rotation.start;
    if (rotation.handoff === null) {
      this.starts = [startInstant];
      this.exhausted = true;
      this.settledUntil = Infinity;
    }
  }

  /** Makes sure every shift that begins at or before t is known, with its end. */
  ensure(t: Instant): readonly Instant[] {
    const horizon = this.endInstant === null ? t : Math.min(t, this.endInstant);
    while (!this.exhausted && this.settledUntil <= horizon) this.expand(horizon);
    return this.starts;
  }

  private expand(horizon: Instant): void {
    const rule = this.rotation.handoff!;
    const wanted = this.zone.toLocal(horizon) + 3 * DAY;
    const doubled = this.rotation.start + 2 * Math.max(this.limit - this.rotation.start, INITIAL_SPAN / 2);
    this.limit = Math.max(wanted, doubled) as LocalMs;
    const { occurrences, more } = expandLocal(rule, this.rotation.start, this.limit);
    const instants: Instant[] = [this.startInstant];
    let exhausted = !more;
    for (const local of occurrences) {
      const at = this.zone.toInstant(local);
      if (rule.until?.kind === 'utc') {
        // UNTIL bounds every occurrence (RFC 5545): around a DST gap a later local time can land
        // on an earlier instant, so each one is checked. Past UNTIL by more than any UTC offset,
        // no later occurrence can qualify.
        if (local > rule.until.at + 2 * DAY) {
          exhausted = true;
          break;
        }
        if (at > rule.until.at) continue;
      }
      instants.push(at);
    }
    for (let k = instants.length - 2; k >= 0; k--) {
      if (instants[k]! > instants[k + 1]!) instants[k] = instants[k + 1]!;
    }
    this.starts = instants;
    this.exhausted = exhausted;
    // An occurrence after `limit` is at most a DST gap (hours) earlier as an instant than `limit`.
    this.settledUntil = exhausted ? Infinity : this.zone.toInstant(this.limit) - DAY;
  }
}

/** Largest k with a[k] ≤ t, or -1. */
export function lastAtOrBefore(a: readonly number[], t: number): number {
  let lo = 0;
  let hi = a.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** An own rotation, compiled: answers "who holds it when" over instant ranges. */
export class CompiledRotation {
  readonly startInstant: Instant;
  readonly endInstant: Instant | null;
  private readonly series: HandoffSeries;

  constructor(
    readonly rotation: OwnRotation,
    readonly zone: TimeZone,
  ) {
    this.startInstant = zone.toInstant(rotation.start);
    this.endInstant = rotation.end === null ? null : zone.toInstant(rotation.end);
    this.series = new HandoffSeries(rotation, zone, this.startInstant, this.endInstant);
  }

  /**
   * The intervals in [from, to) during which the rotation covers time, with the holder. `shift`
   * maps a shift index to a member (followers pass k + depth).
   */
  held(from: number, to: number, memberOffset: number): HeldInterval[] {
    const lo = Math.max(from, this.startInstant);
    const hi = this.endInstant === null ? to : Math.min(to, this.endInstant);
    if (hi <= lo) return [];
    const starts = this.series.ensure(hi);
    const members = this.rotation.members;
    const out: HeldInterval[] = [];
    for (let k = Math.max(0, lastAtOrBefore(starts, lo)); k < starts.length && starts[k]! < hi; k++) {
      const s = Math.max(starts[k]!, lo);
      const e = Math.min(k + 1 < starts.length ? starts[k + 1]! : Infinity, hi);
      if (e > s) out.push({ start: s, end: e, person: members[(k + memberOffset) % members.length]! });
    }
    if (this.rotation.coverage === null) return out;
    return intersect(out, coverageIntervals(this.rotation.coverage, this.zone, lo, hi));
  }

  /** Finite instants where the rotation's pattern stops being periodic (for who's `until`). */
  lastFiniteBoundary(): number {
    return Math.max(this.startInstant, this.endInstant ?? -Infinity);
  }
}
