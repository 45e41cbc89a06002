/** Assembles the escalation producer (API processes) and worker (worker processes). */
import { Pager, type PagerDeps } from '../pages/pager.js';
import { PageStore } from '../pages/store.js';
import { EscalationWorker, Escalations, type EscalationDeps } from './engine.js';

export interface EscalationRuntimeDeps extends EscalationDeps, Omit<PagerDeps, 'pages'> {
  /** Run the worker in this process (`hark serve` without --api). */
  readonly worker: boolean;
  /** Overdue sweep interval and grace (tests shorten them). */
  readonly sweepEveryMs?: number;
  readonly sweepGraceMs?: number;
  readonly shiftPlanEveryMs?: number;
  readonly shiftHorizonMs?: number;
}

export interface EscalationRuntime {
  readonly escalations: Escalations;
  readonly worker: EscalationWorker | null;
  close(): Promise<void>;
}

export async function startEscalation(deps: EscalationRuntimeDeps): Promise<EscalationRuntime> {
  const escalations = new Escalations(deps);
  const pages = new PageStore(deps.redis, deps.keys, () => deps.config().settings.retentionMs);
  const worker = deps.worker
    ? new EscalationWorker(deps, new Pager({ ...deps, pages }), pages, {
        sweepEveryMs: deps.sweepEveryMs,
        sweepGraceMs: deps.sweepGraceMs,
        shiftPlanEveryMs: deps.shiftPlanEveryMs,
        shiftHorizonMs: deps.shiftHorizonMs,
      })
    : null;
  await worker?.startSweep();
  return {
    escalations,
    worker,
    close: async () => {
      await worker?.close();
      await escalations.close();
    },
  };
}
