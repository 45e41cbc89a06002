/**
 * Makes a plan consistent before it is written, reporting each thing it removes: a schedule left
 * without rotations, an override for a role no rotation has, a target naming a removed schedule,
 * a step left without targets (its wait goes to the step before, so later steps keep their
 * times), a policy left without steps, and a service whose policy was removed.
 */
import { describe, type ImportPlan, type PlannedPolicy, type PlannedStep, type Report } from './plan.js';

type Draft = Omit<ImportPlan, 'report'>;

export function finalize(plan: Draft, report: Report): Draft {
  const schedules = plan.schedules.flatMap((s) => {
    if (s.rotations.length === 0) {
      report.skip(
        describe('schedule', s.source.name, s.source.id),
        'none of its rotations could be imported (see above), so no schedule file is written',
      );
      return [];
    }
    const roles = new Set(s.rotations.map((r) => r.role));
    const overrides = s.overrides.filter((o) => {
      if (roles.has(o.role)) return true;
      report.skip(
        describe('override', o.source.name, o.source.id),
        `of schedule "${s.source.name ?? s.name}": its rotation was not imported, so Hark has no role "${o.role}" for it`,
      );
      return false;
    });
    return [{ ...s, overrides, roles: s.roles.filter((r) => roles.has(r)) }];
  });
  const scheduleNames = new Set(schedules.map((s) => s.name));
  const policies = plan.policies.flatMap((p): PlannedPolicy[] => {
    const what = describe('escalation policy', p.source.name, p.source.id);
    const steps: PlannedStep[] = [];
    let carried = 0;
    p.steps.forEach((step, i) => {
      const notify = step.notify.filter((t) => {
        if ('person' in t || scheduleNames.has(t.schedule)) return true;
        report.skip(what, `step ${i + 1}: target schedule "${t.schedule}" was not imported`);
        return false;
      });
      if (notify.length === 0) {
        const wait = step.escalateAfterMinutes ?? 0;
        const prev = steps[steps.length - 1];
        if (prev) {
          steps[steps.length - 1] = {
            ...prev,
            escalateAfterMinutes: (prev.escalateAfterMinutes ?? 0) + wait,
          };
        } else carried += wait;
        report.skip(
          what,
          `step ${i + 1} notifies nobody Hark can page, so it is left out${prev ? `; its wait (${wait}m) is added to the step before` : carried > 0 ? `; the next step is paged at once instead of after ${carried}m` : ''}`,
        );
        return;
      }
      steps.push({ ...step, notify });
    });
    if (carried > 0 && steps.length > 0) {
      report.approx(
        what,
        `the first step is paged at once: Hark has no delay before the first step (was ${carried}m)`,
      );
    }
    if (steps.length === 0) {
      report.skip(what, 'no step could be imported, so no policy file is written');
      return [];
    }
    const last = steps[steps.length - 1]!;
    if (p.repeat === 0 && last.escalateAfterMinutes !== undefined) {
      steps[steps.length - 1] = { ...last, escalateAfterMinutes: undefined };
    }
    return [{ ...p, steps }];
  });
  const policyNames = new Set(policies.map((p) => p.name));
  const services = plan.services.filter((s) => {
    if (policyNames.has(s.policy)) return true;
    report.skip(describe('service', s.source.name, s.source.id), `its escalation policy was not imported`);
    return false;
  });
  return { ...plan, schedules, policies, services };
}
