/** Coverage gaps: stretches where nobody holds a role (what `hark validate` warns about). */
import type { ScheduleView } from './engine.js';

export interface Gap {
  readonly role: string;
  readonly start: number;
  readonly end: number;
}

export function coverageGaps(view: ScheduleView, from: number, to: number): Gap[] {
  const gaps: Gap[] = [];
  for (const role of view.roles) {
    for (const s of view.segments(role, from, to)) {
      if (s.person === null) gaps.push({ role, start: s.start, end: s.end });
    }
  }
  return gaps;
}
