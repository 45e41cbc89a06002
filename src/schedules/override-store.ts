/**
 * Runtime overrides (SPEC 6) in Redis: who takes a role of a schedule from when to when, with who
 * made the change, when and why. `hark handoff` / `hark take`, the API and SMS all come here.
 *
 * One hash holds every override (id → JSON; there are few), an INCR counter gives short ids
 * (`o1`, `o2`, … base 36) and another counts changes, so readers (ScheduleRegistry) can cache
 * their views and check for news with one GET. Overrides that have ended are left out of every
 * answer and deleted lazily. Every create and remove calls `changed` (the shift-notice planner is
 * asked to run at once: the incoming and outgoing holders are told within seconds).
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { didYouMean } from '../config/suggest.js';
import type { Config } from '../config/types.js';
import type { Keys } from '../redis/keys.js';
import { REMOVE_OVERRIDE } from '../redis/scripts/overrides.js';
import { isoUtc } from '../time/format.js';
import { DAY } from '../time/local.js';
import { CompiledSchedule } from './engine.js';
import type { RuntimeOverride } from './overrides.js';
import type { OverrideSource } from './registry.js';

/** The longest a runtime override may last. */
export const MAX_OVERRIDE_MS = 90 * DAY;
/** A handoff's length when the current holder's interval has no end. */
export const DEFAULT_OVERRIDE_MS = 3_600_000;
export const DEFAULT_ROLE = 'primary';
const MAX_REASON = 500;

/** A refused override; `field` names the input at fault (schedule, role, person, from, to, reason). */
export class OverrideError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export interface NewOverride {
  readonly schedule: string;
  /** Default: primary. */
  readonly role?: string;
  readonly person: string;
  /** Default: now. */
  readonly from?: number;
  /** Default: the end of the current holder's interval at `from` (at most 90 days), else 1h. */
  readonly to?: number;
  /** The actor (`person:alice`, `token:ops-cli`), or null when unknown. */
  readonly createdBy: string | null;
  readonly reason?: string | null;
}

/** An override as JSON (API and `--json`): instants as ISO 8601 in UTC. */
export const overrideJsonSchema = z
  .object({
    id: z.string().meta({ examples: ['o3'] }),
    schedule: z.string(),
    role: z.string(),
    person: z.string(),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    createdAt: z.iso.datetime({ offset: true }),
    createdBy: z.string().nullable().describe('The actor (`person:alice`, `token:ops-cli`), or null.'),
    reason: z.string().nullable(),
  })
  .readonly()
  .meta({ id: 'Override' });
export type OverrideJson = z.infer<typeof overrideJsonSchema>;

export function overrideJson(o: RuntimeOverride): OverrideJson {
  return {
    id: o.id,
    schedule: o.schedule,
    role: o.role,
    person: o.person,
    from: isoUtc(o.from),
    to: isoUtc(o.to),
    createdAt: isoUtc(o.createdAt),
    createdBy: o.createdBy,
    reason: o.reason,
  };
}

function parse(json: string): RuntimeOverride | null {
  try {
    const o = JSON.parse(json) as Partial<RuntimeOverride>;
    if (
      typeof o.id !== 'string' ||
      typeof o.schedule !== 'string' ||
      typeof o.role !== 'string' ||
      typeof o.person !== 'string' ||
      typeof o.from !== 'number' ||
      typeof o.to !== 'number' ||
      typeof o.createdAt !== 'number'
    )
      return null;
    return {
      id: o.id,
      schedule: o.schedule,
      role: o.role,
      person: o.person,
      from: o.from,
      to: o.to,
      createdAt: o.createdAt,
      createdBy: o.createdBy ?? null,
      reason: o.reason ?? null,
    };
  } catch {
    return null;
  }
}

/** Time order: by start, then the older first (the later created wins where they overlap). */
const byFrom = (a: RuntimeOverride, b: RuntimeOverride) =>
  a.from - b.from || a.createdAt - b.createdAt || a.id.length - b.id.length || (a.id < b.id ? -1 : 1);

export class OverrideStore implements OverrideSource {
  private readonly removeScript: ReturnType<typeof REMOVE_OVERRIDE.on>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly config: () => Config,
    private readonly clock: () => number = Date.now,
    /** Called after every create and remove (it must not throw: the change is stored by then). */
    private readonly changed: () => Promise<void> = async () => {},
  ) {
    this.removeScript = REMOVE_OVERRIDE.on(redis);
  }

  now(): number {
    return this.clock();
  }

  /** Checks the input against the config, stores the override and answers it. */
  async create(input: NewOverride): Promise<RuntimeOverride> {
    const config = this.config();
    const schedule = config.schedules.get(input.schedule);
    if (!schedule) {
      const known = [...config.schedules.keys()];
      throw new OverrideError(
        'schedule',
        `unknown schedule "${input.schedule}"${didYouMean(input.schedule, known) || ` (schedules: ${known.join(', ') || '(none)'})`}`,
      );
    }
    const role = input.role ?? DEFAULT_ROLE;
    if (!schedule.roles.includes(role)) {
      throw new OverrideError(
        'role',
        `schedule "${schedule.name}" has no role "${role}" (roles: ${schedule.roles.join(', ')})`,
      );
    }
    if (!config.people.has(input.person)) {
      throw new OverrideError(
        'person',
        `unknown person "${input.person}"${didYouMean(input.person, config.people.keys())}`,
      );
    }
    const reason = input.reason?.trim() || null;
    if (reason !== null && reason.length > MAX_REASON)
      throw new OverrideError('reason', `the reason is longer than ${MAX_REASON} characters`);
    const now = this.now();
    const from = input.from ?? now;
    if (!Number.isFinite(from)) throw new OverrideError('from', 'from is not a valid time');
    let to = input.to;
    if (to === undefined) {
      const view = new CompiledSchedule(schedule).withOverrides(await this.list(schedule.name));
      const until = view.holding(role, from).until;
      to = until === null ? from + DEFAULT_OVERRIDE_MS : Math.min(until, from + MAX_OVERRIDE_MS);
    }
    if (!Number.isFinite(to)) throw new OverrideError('to', 'to is not a valid time');
    if (to <= from) throw new OverrideError('to', 'to must be after from');
    if (to <= now)
      throw new OverrideError('to', 'the override would already be over: to must be in the future');
    if (to - from > MAX_OVERRIDE_MS) throw new OverrideError('to', 'an override lasts at most 90 days');

    const n = await this.redis.incr(this.keys.nextOverrideId);
    const override: RuntimeOverride = {
      id: `o${n.toString(36)}`,
      schedule: schedule.name,
      role,
      person: input.person,
      from,
      to,
      createdAt: now,
      createdBy: input.createdBy,
      reason,
    };
    await this.redis
      .multi()
      .hset(this.keys.overrides, override.id, JSON.stringify(override))
      .incr(this.keys.overridesVersion)
      .exec();
    await this.changed();
    return override;
  }

  /** The overrides that have not ended (of one schedule, or all), in time order. */
  async list(schedule?: string): Promise<RuntimeOverride[]> {
    const all = (await this.load()).overrides;
    return schedule === undefined ? [...all] : all.filter((o) => o.schedule === schedule);
  }

  async get(id: string): Promise<RuntimeOverride | null> {
    const json = await this.redis.hget(this.keys.overrides, id);
    const o = json === null ? null : parse(json);
    return o && o.to > this.now() ? o : null;
  }

  /** Removes an override (only if it is of `schedule`, when given); answers it, or null if there was none. */
  async remove(id: string, schedule?: string): Promise<RuntimeOverride | null> {
    const json = await this.removeScript(
      [this.keys.overrides, this.keys.overridesVersion],
      [id, schedule ?? ''],
    );
    if (json === null) return null;
    await this.changed();
    return parse(json);
  }

  /** A counter that changes whenever an override is created or removed. */
  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.overridesVersion)) ?? 0);
  }

  /** Every live override with the version it belongs to (read together). */
  async load(): Promise<{ version: number; overrides: RuntimeOverride[] }> {
    const replies = await this.redis
      .multi()
      .get(this.keys.overridesVersion)
      .hgetall(this.keys.overrides)
      .exec();
    const [versionReply, allReply] = replies ?? [];
    if (versionReply?.[0]) throw versionReply[0];
    if (allReply?.[0]) throw allReply[0];
    const now = this.now();
    const overrides: RuntimeOverride[] = [];
    const ended: string[] = [];
    for (const [id, json] of Object.entries((allReply?.[1] ?? {}) as Record<string, string>)) {
      const o = parse(json);
      if (!o || o.to <= now) ended.push(id);
      else overrides.push(o);
    }
    // Ended overrides change no answer from now on: deleted without counting a change.
    if (ended.length > 0) await this.redis.hdel(this.keys.overrides, ...ended);
    return { version: Number(versionReply?.[1] ?? 0), overrides: overrides.sort(byFrom) };
  }
}
