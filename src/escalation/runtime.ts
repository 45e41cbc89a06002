/** Assembles the escalation producer (API processes) and worker (worker processes). */
import type { Redis } from 'ioredis';
import type { Config } from '../config/types.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import { Pager, type PageFormats } from '../pages/pager.js';
import type { Transports } from '../pages/types.js';
import type { Keys } from '../redis/keys.js';
import type { ScheduleRegistry } from '../schedules/registry.js';
import { EscalationWorker, Escalations } from './engine.js';

export interface EscalationRuntimeDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: IncidentStore;
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly log: Logger;
  readonly now: () => number;
  readonly publicUrl: () => string;
  readonly transports: Transports;
  readonly formats: PageFormats;
  /** Run the worker in this process (`hark serve` without --api). */
  readonly worker: boolean;
  /** Overdue sweep interval and grace (tests shorten them). */
  readonly sweepEveryMs?: number;
  readonly sweepGraceMs?: number;
}

export interface EscalationRuntime {
  readonly escalations: Escalations;
  readonly worker: EscalationWorker | null;
  close(): Promise<void>;
}

export async function startEscalation(deps: EscalationRuntimeDeps): Promise<EscalationRuntime> {
  const escalations = new Escalations(deps);
  const worker = deps.worker
    ? new EscalationWorker(deps, new Pager(deps), {
        sweepEveryMs: deps.sweepEveryMs,
        sweepGraceMs: deps.sweepGraceMs,
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
