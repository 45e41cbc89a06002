/**
 * Shift-change notices (SPEC section 6): at every change of a role's holder — a rotation handoff,
 * a coverage window, an override, a config reload — the incoming person is told (`You are now
 * primary on call for platform until …. Open: #42 (ack bob)`) and the outgoing person is told who
 * took over; people with `remind_before` get a reminder ahead of their shift.
 *
 * Notices follow the holder as it is, not the changes as they were planned: Redis keeps, per
 * schedule and role, the holder last announced (`ShiftAnnouncer`). Planning compares the holder
 * now with it; when they differ it records the new holder (a compare-and-set, so of two workers
 * one announces) and tells the two people. So a handoff and a handoff back before anyone planned
 * (alice → bob → alice) tells no one, alice → bob → carol tells carol and alice (bob held it for
 * moments and is told nothing), planning again changes nothing, and a shift that ended before
 * anyone planned it (an override "until 01:21" seen at 01:22) is never announced. Each notice is
 * its own job and checks again when it is sent that the change it tells is still the current one.
 *
 * When planning happens: a planner job (a BullMQ job scheduler shared by all workers, every 5
 * minutes) plans now and adds one job per change of the next `horizon` with a stable id, at the
 * instant of the change; and every runtime override written or removed (API, SMS, CLI, web) and
 * every config reload asks for a plan within a second (`requestShiftPlan`: one deduplicated,
 * debounced job, so a burst of overrides is planned once, after its last write).
 */
import { actorName } from '../incidents/model.js';
import type { Redis } from 'ioredis';
import type { Config } from '../config/types.js';
import type { Incident } from '../incidents/model.js';
import type { Logger } from '../log.js';
import type { Keys } from '../redis/keys.js';
import { SHIFT_ANNOUNCE } from '../redis/scripts/shifts.js';
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

/** The holder last announced for a schedule role. */
export interface Announced {
  readonly person: string | null;
  /** Who held it before (null: nobody, or nobody was announced before). */
  readonly from: string | null;
  /** Announced changes of this role so far: each change's notices are keyed by it. */
  readonly seq: number;
}

/** One announced change: its notices go to `to` (incoming) and `from` (outgoing). */
export interface Announcement extends Announced {
  readonly schedule: string;
  readonly role: string;
}

/** One person's notice of an announced change. */
export interface ShiftTell {
  readonly schedule: string;
  readonly role: string;
  readonly seq: number;
  readonly person: string;
  readonly side: 'incoming' | 'outgoing';
}

function parseAnnounced(raw: string | null): Announced | null {
  if (raw === null) return null;
  try {
    const a = JSON.parse(raw) as Partial<Announced>;
    const personOk = (p: unknown) => p === null || typeof p === 'string';
    if (!personOk(a.person) || !personOk(a.from) || typeof a.seq !== 'number') return null;
    return { person: a.person ?? null, from: a.from ?? null, seq: a.seq };
  } catch {
    return null;
  }
}

/** The announced holders in Redis, and the comparison with the schedules (see the top of the file). */
export class ShiftAnnouncer {
  private readonly announce: ReturnType<typeof SHIFT_ANNOUNCE.on>;

  constructor(
    private readonly deps: {
      readonly redis: Redis;
      readonly keys: Keys;
      readonly schedules: () => ScheduleRegistry;
      readonly log: Logger;
    },
    /**
     * On a new install (nothing announced yet) each role's baseline is its holder this long ago:
     * a change made just before is still told, older ones are not (nobody is told "you are on
     * call" only because Hark started).
     */
    private readonly firstSightMs: number,
  ) {
    this.announce = SHIFT_ANNOUNCE.on(deps.redis);
  }

  private field(schedule: string, role: string): string {
    return JSON.stringify([schedule, role]);
  }

  /** True until anything was announced (a new install, or one upgraded to announcing). */
  async fresh(): Promise<boolean> {
    return (await this.deps.redis.exists(this.deps.keys.shiftHolders)) === 0;
  }

  async announced(schedule: string, role: string): Promise<Announced | null> {
    return parseAnnounced(
      await this.deps.redis.hget(this.deps.keys.shiftHolders, this.field(schedule, role)),
    );
  }

  /**
   * Compares the holder of `role` at `t` with the one announced; when they differ, records the
   * new holder and answers the change to tell (null: nothing to tell). A role with no record
   * counts as held by nobody (a schedule or role added since: its holder is told), except on a
   * `fresh` install (see `firstSightMs`).
   */
  async reconcile(schedule: string, role: string, t: number, fresh: boolean): Promise<Announcement | null> {
    const field = this.field(schedule, role);
    for (let attempt = 0; attempt < 5; attempt++) {
      const registry = this.deps.schedules();
      await registry.refresh();
      const view = registry.view(schedule);
      if (!view || !view.roles.includes(role)) return null;
      const holder = view.holderAt(role, t);
      const raw = await this.deps.redis.hget(this.deps.keys.shiftHolders, field);
      const known = parseAnnounced(raw);
      const before = known ?? {
        person: fresh ? view.holderAt(role, t - this.firstSightMs) : null,
        from: null,
        seq: 0,
      };
      if (before.person === holder) {
        if (known) return null;
        if (await this.announce([this.deps.keys.shiftHolders], [field, raw ?? '', JSON.stringify(before)]))
          return null;
        continue; // another worker wrote it meanwhile: compare with theirs
      }
      const next: Announced = { person: holder, from: before.person, seq: before.seq + 1 };
      if (await this.announce([this.deps.keys.shiftHolders], [field, raw ?? '', JSON.stringify(next)])) {
        this.deps.log.info(
          { schedule, role, from: next.from, to: next.person, change: next.seq },
          'shift change announced',
        );
        return { schedule, role, ...next };
      }
    }
    return null;
  }

  /** The notices of an announced change (the incoming person's first). */
  tells(a: Announcement): ShiftTell[] {
    const base = { schedule: a.schedule, role: a.role, seq: a.seq };
    return [
      ...(a.person ? [{ ...base, person: a.person, side: 'incoming' as const }] : []),
      ...(a.from ? [{ ...base, person: a.from, side: 'outgoing' as const }] : []),
    ];
  }

  /**
   * The change a notice tells, if it is still the current one at `t` (checked when it is sent):
   * no later change was announced and the incoming person still holds the role. Else null: the
   * shift it tells of is over, and whatever came after has its own notices.
   */
  async current(tell: ShiftTell, t: number): Promise<ShiftChange | null> {
    const known = await this.announced(tell.schedule, tell.role);
    if (!known || known.seq !== tell.seq) return null;
    if ((tell.side === 'incoming' ? known.person : known.from) !== tell.person) return null;
    const registry = this.deps.schedules();
    await registry.refresh();
    const view = registry.view(tell.schedule);
    if (!view || !view.roles.includes(tell.role) || view.holderAt(tell.role, t) !== known.person) return null;
    return { schedule: tell.schedule, role: tell.role, at: t, from: known.from, to: known.person };
  }
}
