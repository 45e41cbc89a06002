/**
 * What comes next in an escalation (SPEC 1.3 and 4), decided without Redis or a queue: whether a
 * job of an incident still acts, and after a step fired, which step follows and when — the next
 * step, a repeat of the policy from step 1, or the end of the policy.
 */

/** What the decision needs of the policy an incident fixed when it opened. */
export interface PolicyShape {
  /** Further rounds after the first; -1: forever. */
  readonly repeat: number;
  readonly steps: readonly { readonly escalateAfterMs: number }[];
}

/**
 * Whether a job of `cycle` still acts on an incident: only while it is triggered and its
 * escalation has not restarted since (a newer cycle); an acknowledged, resolved or missing
 * incident pages no one.
 */
export function stillEscalating(
  incident: { readonly state: string; readonly cycle: number } | null,
  cycle: number,
): boolean {
  return incident !== null && incident.state === 'triggered' && incident.cycle === cycle;
}

export type NextMove =
  /** Nothing further is due (low urgency notifies step 1 only). */
  | { readonly kind: 'none' }
  /** Step `step` (0-based) of round `loop` fires after `delayMs`. */
  | { readonly kind: 'step'; readonly loop: number; readonly step: number; readonly delayMs: number }
  /** Every step and repeat ran: the end is said after `delayMs` (the last step's wait). */
  | { readonly kind: 'exhausted'; readonly delayMs: number };

/**
 * What follows step `step` of round `loop` having fired. A step that paged nobody is followed at
 * once; the last step's escalate_after is the wait before a repeat (or the end) even when it paged
 * nobody, so a policy whose every step is empty does not spin.
 */
export function nextAfter(fired: {
  readonly urgency: 'high' | 'low';
  readonly policy: PolicyShape;
  readonly loop: number;
  readonly step: number;
  /** Whether the step resolved to anyone. */
  readonly pagedAnyone: boolean;
}): NextMove {
  if (fired.urgency === 'low') return { kind: 'none' };
  const { policy, loop, step } = fired;
  const last = step >= policy.steps.length - 1;
  const wait = policy.steps[step]?.escalateAfterMs ?? 0;
  const delayMs = !fired.pagedAnyone && !last ? 0 : wait;
  if (!last) return { kind: 'step', loop, step: step + 1, delayMs };
  const repeats = policy.repeat < 0 ? Infinity : policy.repeat;
  if (loop < repeats) return { kind: 'step', loop: loop + 1, step: 0, delayMs };
  return { kind: 'exhausted', delayMs };
}
