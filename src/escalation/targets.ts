/** Who a step of an escalation policy pages at an instant (SPEC 1.3: resolved when the step fires). */
import type { EscalationStep } from '../config/types.js';
import type { ScheduleRegistry } from '../schedules/registry.js';

export interface ResolvedTarget {
  readonly person: string;
  /** `schedule:platform/primary` or `person`. */
  readonly via: string;
}

/**
 * The people a step pages at `at`, each once, in the order the step lists them. Schedules answer
 * with the runtime overrides as of the registry's last `refresh()`.
 */
export function resolveStep(step: EscalationStep, schedules: ScheduleRegistry, at: number): ResolvedTarget[] {
  const out: ResolvedTarget[] = [];
  const seen = new Set<string>();
  for (const target of step.notify) {
    let person: string | null;
    let via: string;
    if (target.kind === 'person') {
      person = target.person;
      via = 'person';
    } else {
      person = schedules.view(target.schedule)?.holderAt(target.role, at) ?? null;
      via = `schedule:${target.schedule}/${target.role}`;
    }
    if (person !== null && !seen.has(person)) {
      seen.add(person);
      out.push({ person, via });
    }
  }
  return out;
}
