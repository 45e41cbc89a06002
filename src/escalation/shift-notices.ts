/**
 * Shift-change notices (SPEC section 6): at every change of a role's holder — a rotation handoff,
 * a coverage window, an override — the incoming person is told (`You are now primary on call for
 * platform until …. Open: #42 (ack bob)`) and the outgoing person is told who took over; people
 * with `remind_before` get a reminder ahead of their shift.
 *
 * A planner job (a BullMQ job scheduler shared by all workers) looks `horizon` ahead and adds one
 * job per change with a stable id, so re-planning never doubles a notice. When a notice job fires
 * it recomputes who holds the role before and at that instant (overrides made since count), and a
 * Redis SET NX per (change, person) makes sure no one is told twice.
 */
import { actorName } from '../incidents/model.js';
import type { Config } from '../config/types.js';
import type { Incident } from '../incidents/model.js';
import type { ScheduleRegistry } from '../schedules/registry.js';
import { humanTime } from '../time/format.js';

export interface ShiftChange {
  readonly schedule: string;
  readonly role: string;
  /** Instant (ms) of the change. */
  readonly at: number;
  readonly from: string | null;
  readonly to: string | null;
}

/** Changes of holder in (from, to], per schedule and role, as the registry sees them now. */
export async function plannedChanges(
  registry: ScheduleRegistry,
  from: number,
  to: number,
): Promise<ShiftChange[]> {
  await registry.refresh();
  const out: ShiftChange[] = [];
  for (const name of registry.names()) {
    const view = registry.view(name);
    if (!view) continue;
    for (const role of view.roles) {
      const segments = view.segments(role, from, to);
      for (let i = 1; i < segments.length; i++) {
        const before = segments[i - 1]!.person;
        const after = segments[i]!.person;
        if (before !== after)
          out.push({ schedule: name, role, at: segments[i]!.start, from: before, to: after });
      }
    }
  }
  return out;
}

/** The change at `at` as things stand now (null when nobody's holding changes there any more). */
export async function currentChange(
  registry: ScheduleRegistry,
  schedule: string,
  role: string,
  at: number,
): Promise<ShiftChange | null> {
  await registry.refresh();
  const view = registry.view(schedule);
  if (!view || !view.roles.includes(role)) return null;
  const from = view.holderAt(role, at - 1);
  const to = view.holderAt(role, at);
  return from === to ? null : { schedule, role, at, from, to };
}

/** The notice texts for the incoming and outgoing person. */
export function noticeTexts(
  change: ShiftChange,
  config: Config,
  registry: ScheduleRegistry,
  open: readonly Incident[],
): { incoming: string | null; outgoing: string | null } {
  const zone = config.schedules.get(change.schedule)?.timezone ?? 'UTC';
  const holding = change.to ? registry.view(change.schedule)?.holding(change.role, change.at) : null;
  const until = holding?.until ? ` until ${humanTime(holding.until, zone)}` : '';
  const openText =
    open.length === 0
      ? ''
      : ` Open: ${open
          .slice(0, 5)
          .map((i) => `#${i.id}${i.acknowledgedBy ? ` (ack ${actorName(i.acknowledgedBy)})` : ''}`)
          .join(', ')}${open.length > 5 ? ` +${open.length - 5} more` : ''}`;
  return {
    incoming: change.to
      ? `You are now ${change.role} on call for ${change.schedule}${until}.${openText}`
      : null,
    outgoing: change.from
      ? change.to
        ? `${change.to} took over ${change.role} on call for ${change.schedule} from you.`
        : `Your ${change.role} shift on ${change.schedule} has ended; nobody holds it now.`
      : null,
  };
}

export function reminderText(change: ShiftChange, config: Config): string {
  const zone = config.schedules.get(change.schedule)?.timezone ?? 'UTC';
  return `Reminder: you are ${change.role} on call for ${change.schedule} from ${humanTime(change.at, zone)}.`;
}
