/** What comes next in an escalation, decided without Redis (src/escalation/next.ts). */
import { describe, expect, it } from 'vitest';
import { nextAfter, stillEscalating, type PolicyShape } from '../../src/escalation/next.js';

const policy = (repeat: number, ...waits: number[]): PolicyShape => ({
  repeat,
  steps: waits.map((escalateAfterMs) => ({ escalateAfterMs })),
});

describe('nextAfter', () => {
  it('goes to the next step after the step’s escalate_after', () => {
    expect(
      nextAfter({ urgency: 'high', policy: policy(0, 1000, 2000), loop: 0, step: 0, pagedAnyone: true }),
    ).toEqual({
      kind: 'step',
      loop: 0,
      step: 1,
      delayMs: 1000,
    });
  });

  it('fires the next step at once when a step paged nobody', () => {
    expect(
      nextAfter({ urgency: 'high', policy: policy(0, 60_000, 2000), loop: 0, step: 0, pagedAnyone: false }),
    ).toEqual({ kind: 'step', loop: 0, step: 1, delayMs: 0 });
  });

  it('repeats from step 1 after the last step while repeats are left', () => {
    expect(
      nextAfter({ urgency: 'high', policy: policy(2, 1000, 3000), loop: 1, step: 1, pagedAnyone: true }),
    ).toEqual({
      kind: 'step',
      loop: 2,
      step: 0,
      delayMs: 3000,
    });
  });

  it('ends after the last step of the last round, after its escalate_after', () => {
    expect(
      nextAfter({ urgency: 'high', policy: policy(1, 1000, 3000), loop: 1, step: 1, pagedAnyone: true }),
    ).toEqual({
      kind: 'exhausted',
      delayMs: 3000,
    });
    expect(
      nextAfter({ urgency: 'high', policy: policy(0, 5000), loop: 0, step: 0, pagedAnyone: true }),
    ).toEqual({
      kind: 'exhausted',
      delayMs: 5000,
    });
  });

  it('waits the last step’s escalate_after before a repeat even when it paged nobody (no spinning)', () => {
    expect(
      nextAfter({ urgency: 'high', policy: policy(-1, 1000, 4000), loop: 7, step: 1, pagedAnyone: false }),
    ).toEqual({
      kind: 'step',
      loop: 8,
      step: 0,
      delayMs: 4000,
    });
  });

  it('repeats forever with repeat -1', () => {
    for (const loop of [0, 1, 1000, 1_000_000]) {
      expect(
        nextAfter({ urgency: 'high', policy: policy(-1, 1000), loop, step: 0, pagedAnyone: true }),
      ).toEqual({
        kind: 'step',
        loop: loop + 1,
        step: 0,
        delayMs: 1000,
      });
    }
  });

  it('low urgency notifies step 1 only: nothing follows', () => {
    expect(
      nextAfter({ urgency: 'low', policy: policy(3, 1000, 2000), loop: 0, step: 0, pagedAnyone: true }),
    ).toEqual({
      kind: 'none',
    });
    expect(
      nextAfter({ urgency: 'low', policy: policy(3, 1000, 2000), loop: 0, step: 0, pagedAnyone: false }),
    ).toEqual({
      kind: 'none',
    });
  });
});

describe('stillEscalating', () => {
  it('only a triggered incident in the job’s cycle is escalated', () => {
    expect(stillEscalating({ state: 'triggered', cycle: 2 }, 2)).toBe(true);
    expect(stillEscalating({ state: 'triggered', cycle: 3 }, 2)).toBe(false); // restarted since
    expect(stillEscalating({ state: 'acknowledged', cycle: 2 }, 2)).toBe(false);
    expect(stillEscalating({ state: 'resolved', cycle: 2 }, 2)).toBe(false);
    expect(stillEscalating(null, 0)).toBe(false);
  });
});
