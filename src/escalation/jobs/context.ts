/** What every escalation job handler gets: the stores, the sender, the queue and the worker's settings. */
import type { Redis } from 'ioredis';
import type { ChatProvider } from '../../chat/provider.js';
import type { Config } from '../../config/types.js';
import type { EscalationView, IncidentStore } from '../../incidents/store.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { PageSender } from '../../pages/page.js';
import type { PageStore } from '../../pages/store.js';
import type { Keys } from '../../redis/keys.js';
import type { ScheduleRegistry } from '../../schedules/registry.js';
import { stillEscalating } from '../next.js';
import type { ShiftAnnouncer } from '../shift-notices.js';
import type { EscalationQueue } from './queue.js';

export interface EscalationDeps {
  readonly metrics?: Metrics | null;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: IncidentStore;
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly log: Logger;
  readonly now: () => number;
  /** The chat client for shift notices in channels (`slack.shift_notices`); absent or null: none. */
  readonly chat?: () => ChatProvider | null;
}

export interface WorkerSettings {
  /** How long past due a step is before the overdue sweep fires it. */
  readonly sweepGraceMs: number;
  /** How far ahead shift changes are planned. */
  readonly shiftHorizonMs: number;
}

export interface JobContext {
  readonly deps: EscalationDeps;
  readonly sender: PageSender;
  readonly pages: PageStore;
  readonly queue: EscalationQueue;
  readonly announcer: ShiftAnnouncer;
  readonly settings: WorkerSettings;
  /** The overdue sweep fired a missed step (counted for /metrics). */
  caughtUp(): void;
}

/** The incident if it is still triggered in this cycle, else null (the job stands down). */
export async function liveView(
  store: IncidentStore,
  incident: number,
  cycle: number,
): Promise<EscalationView | null> {
  const view = await store.escalationView(incident);
  if (!view || !stillEscalating({ state: view.incident.state, cycle: view.cycle }, cycle)) return null;
  return view;
}
