/**
 * `hark import --verify`: who Hark has on call (the schedule engine on the written files) against
 * the vendor's rendered final schedule, over the range the vendor rendered. Each stretch where
 * they differ is one difference: start, end, and who each side has.
 */
import type { Schedule } from '../config/types.js';
import { CompiledSchedule } from '../schedules/engine.js';
import { parseHandoffRule } from '../schedules/handoff-rule.js';
import type { LocalMs } from '../time/local.js';
import type { PlannedSchedule, RenderedSchedule } from './plan.js';

export interface Difference {
  readonly schedule: string;
  readonly role: string | null;
  readonly start: number;
  readonly end: number;
  /** Who the vendor has on call (`nobody` when none). */
  readonly vendor: string;
  readonly hark: string;
}

export interface Comparison {
  readonly rendered: RenderedSchedule;
  readonly differences: readonly Difference[];
}

/** A planned schedule as the engine's config type, to compare before anything is written. */
export function toConfigSchedule(s: PlannedSchedule): Schedule {
  return {
    name: s.name,
    file: `schedules/${s.name}.yaml`,
    timezone: s.timezone,
    rotations: s.rotations.map((r) => ({
      kind: 'own' as const,
      name: r.name,
      role: r.role,
      members: r.members,
      start: r.start,
      handoff: r.handoff === null ? null : parseHandoffRule(r.handoff),
      end: r.end,
      coverage: r.coverage?.map((w) => ({ days: w.days, from: w.from, to: w.to })) ?? null,
    })),
    overrides: s.overrides.map((o) => ({
      role: o.role,
      person: o.person,
      from: o.from as LocalMs,
      to: o.to as LocalMs,
    })),
    roles: [...new Set(s.rotations.map((r) => r.role))],
  };
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly who: string;
}

/** Compares one rendered schedule with the engine's shifts of `schedule`. */
export function compare(schedule: CompiledSchedule | undefined, rendered: RenderedSchedule): Comparison {
  const { from, to } = rendered;
  const hark: Span[] = [];
  if (schedule) {
    const roles = rendered.role === null ? schedule.roles : schedule.roles.filter((r) => r === rendered.role);
    for (const role of roles) {
      for (const seg of schedule.base.segments(role, from, to)) {
        if (seg.person !== null) hark.push({ start: seg.start, end: seg.end, who: seg.person });
      }
    }
  }
  const vendor: Span[] = rendered.entries
    .map((e) => ({ start: Math.max(e.start, from), end: Math.min(e.end, to), who: e.who }))
    .filter((e) => e.end > e.start);
  const cuts = new Set<number>([from, to]);
  for (const s of [...hark, ...vendor]) cuts.add(s.start).add(s.end);
  const points = [...cuts].sort((a, b) => a - b);
  const at = (spans: readonly Span[]) => {
    // spans sorted by start; a sweep keeps the ones open at each point
    const sorted = [...spans].sort((a, b) => a.start - b.start);
    let next = 0;
    let open: Span[] = [];
    return (t: number): string => {
      while (next < sorted.length && sorted[next]!.start <= t) open.push(sorted[next++]!);
      open = open.filter((s) => s.end > t);
      const names = [...new Set(open.map((s) => s.who))].sort();
      return names.length === 0 ? 'nobody' : names.join(' + ');
    };
  };
  const vendorAt = at(vendor);
  const harkAt = at(hark);
  const differences: Difference[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i]!;
    const end = points[i + 1]!;
    const v = vendorAt(start);
    const h = harkAt(start);
    if (v === h) continue;
    const last = differences[differences.length - 1];
    if (last && last.end === start && last.vendor === v && last.hark === h) {
      differences[differences.length - 1] = { ...last, end };
    } else
      differences.push({ schedule: rendered.schedule, role: rendered.role, start, end, vendor: v, hark: h });
  }
  return { rendered, differences };
}

/** Compares every rendered schedule with the given schedules (by Hark name). */
export function verifyAll(
  schedules: ReadonlyMap<string, Schedule>,
  rendered: readonly RenderedSchedule[],
): Comparison[] {
  const compiled = new Map<string, CompiledSchedule>();
  for (const [name, s] of schedules) compiled.set(name, new CompiledSchedule(s));
  return rendered.map((r) => compare(compiled.get(r.schedule), r));
}
