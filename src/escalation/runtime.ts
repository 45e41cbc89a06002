/** Assembles the escalation producer (API processes) and worker (worker processes). */
import { Pager, type PagerDeps } from '../pages/pager.js';
import type { PageStore } from '../pages/store.js';
import { EscalationWorker, Escalations, type EscalationDeps } from './engine.js';

export interface EscalationRuntimeDeps extends EscalationDeps, PagerDeps {
  /** The page records (the same store the HTTP answers use). */
  readonly pages: PageStore;
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
  const worker = deps.worker
    ? new EscalationWorker(deps, new Pager(deps), deps.pages, {
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
