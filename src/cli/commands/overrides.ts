/**
 * Runtime overrides on the command line (SPEC sections 6 and 8):
 *
 *   hark handoff <schedule> --to PERSON [--role R] [--for D | --until T] [--reason TEXT] [--as PERSON]
 *   hark take <schedule> --as PERSON [--role R] [--for D] [--reason TEXT]
 *   hark overrides <schedule>        hark overrides rm <id>
 *
 * Straight to Redis (REDIS_URL, else the local redis-server a `hark serve` started here) or through
 * a running server (`--server URL --token T`). Also `runtimeOverrides`, with which `hark who` and
 * `hark shifts` see the overrides when a Redis is reachable.
 */
import { actorName } from '../../incidents/model.js';
import type { Redis } from 'ioredis';
import { DURATION_HELP, parseDuration } from '../../config/duration.js';
import type { Config } from '../../config/types.js';
import { keys as makeKeys } from '../../redis/keys.js';
import { cliRedisTarget, type RedisTarget } from '../../redis/target.js';
import {
  DEFAULT_OVERRIDE_MS,
  OverrideError,
  overrideJson,
  type OverrideJson,
} from '../../schedules/override-store.js';
import type { RuntimeOverride } from '../../schedules/overrides.js';
import { humanTime, isoUtc } from '../../time/format.js';
import { compiled, configDir, load, timeArg, type CliEnv } from '../context.js';
import { CheckFailed, json, table, UsageError } from '../output.js';

export interface OverrideFlags {
  readonly server?: string;
  readonly token?: string;
  readonly config?: string;
  readonly json?: boolean;
}

export interface HandoffFlags extends OverrideFlags {
  readonly to: string;
  readonly role?: string;
  readonly for?: string;
  readonly until?: string;
  readonly reason?: string;
  readonly as?: string;
}

export interface TakeFlags extends OverrideFlags {
  readonly as: string;
  readonly role?: string;
  readonly for?: string;
  readonly reason?: string;
}

/** What a command asks for; times already resolved (`to` absent: the server's or store's default). */
interface Request {
  readonly schedule: string;
  readonly role?: string;
  readonly person: string;
  readonly to?: number;
  readonly durationMs?: number;
  readonly reason?: string;
  readonly as?: string;
}

interface OverrideClient {
  create(r: Request): Promise<OverrideJson>;
  list(schedule: string): Promise<OverrideJson[]>;
  remove(id: string): Promise<OverrideJson | null>;
  close(): Promise<void>;
}

/** A Redis connection, or null at once if there is none to be had within `timeoutMs`. */
async function tryRedis(target: RedisTarget, timeoutMs: number): Promise<Redis | null> {
  // Loaded only when there is a Redis to try: `hark who` without one starts as fast as before.
  const { connectTarget } = await import('../../redis/connect.js');
  const redis = connectTarget(target, { retryStrategy: () => null, connectTimeout: timeoutMs });
  redis.on('error', () => {});
  const ready = await new Promise<boolean>((res) => {
    const timer = setTimeout(() => res(false), timeoutMs);
    const done = (ok: boolean) => () => {
      clearTimeout(timer);
      res(ok);
    };
    if (redis.status === 'ready') done(true)();
    redis.once('ready', done(true));
    redis.once('end', done(false));
  });
  if (!ready) {
    redis.disconnect();
    return null;
  }
  return redis;
}

/**
 * The live runtime overrides, when a Redis is reachable (REDIS_URL, else a managed one here);
 * otherwise none, silently: commands that read config work without Redis (SPEC 8).
 */
export async function runtimeOverrides(config: Config, cli: CliEnv): Promise<RuntimeOverride[]> {
  let target: RedisTarget | null;
  try {
    target = cliRedisTarget(cli.env);
  } catch {
    return []; // a bad HARK_REDIS_OPTIONS: the commands that need Redis say so
  }
  if (!target) return [];
  const redis = await tryRedis(target, 1500);
  if (!redis) return [];
  try {
    const keys = makeKeys(cli.env.HARK_REDIS_PREFIX || undefined);
    // Loaded only when a Redis is there: the parts pull in BullMQ, which `hark who` does not need.
    const { composeStores } = await import('../../compose.js');
    return await composeStores({ redis, keys, config: () => config, now: cli.now }).overrides.list();
  } catch {
    return [];
  } finally {
    redis.disconnect();
  }
}

async function redisClient(config: Config, cli: CliEnv): Promise<OverrideClient> {
  const target = cliRedisTarget(cli.env);
  if (!target) {
    throw new CheckFailed(
      'hark: no Redis for runtime overrides: set REDIS_URL, run this where `hark serve` runs, or use --server URL --token T',
    );
  }
  const redis = await tryRedis(target, 3000);
  if (!redis) throw new CheckFailed(`hark: Redis at ${target.label} is not reachable`);
  const keys = makeKeys(cli.env.HARK_REDIS_PREFIX || undefined);
  // Built as the server builds them (src/compose.ts): after a change, the escalation producer
  // asks the running workers for a shift plan at once (the holders are told within seconds); if
  // that cannot be asked for, their periodic planner tells them within 5 minutes.
  const [{ composeHark }, { createLogger }] = await Promise.all([
    import('../../compose.js'),
    import('../../log.js'),
  ]);
  const hark = await composeHark({
    redis,
    keys,
    config: () => config,
    now: cli.now,
    log: createLogger('error'),
    escalation: 'producer',
  });
  const store = hark.overrides;
  return {
    create: async (r) => {
      if (r.as !== undefined && !config.people.has(r.as)) throw new UsageError(`unknown person "${r.as}"`);
      try {
        const from = cli.now();
        const o = await store.create({
          schedule: r.schedule,
          role: r.role,
          person: r.person,
          from,
          to: r.durationMs !== undefined ? from + r.durationMs : r.to,
          createdBy: r.as === undefined ? null : `person:${r.as}`,
          reason: r.reason ?? null,
        });
        return overrideJson(o);
      } catch (e) {
        if (e instanceof OverrideError) throw new UsageError(e.message);
        throw e;
      }
    },
    list: async (schedule) => (await store.list(schedule)).map(overrideJson),
    remove: async (id) => {
      const o = await store.remove(id);
      return o && overrideJson(o);
    },
    close: async () => {
      await hark.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function serverClient(
  server: string,
  token: string | undefined,
  config: Config,
  cli: CliEnv,
): OverrideClient {
  const base = server.replace(/\/+$/, '');
  const bearer = token ?? cli.env.HARK_API_TOKEN;
  if (!bearer) throw new UsageError('--server needs --token (or HARK_API_TOKEN)');
  const call = async (method: string, path: string, body?: unknown) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${bearer}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new CheckFailed(`hark: cannot reach ${base}: ${(e as Error).message}`);
    }
    return { status: res.status, json: (await res.json().catch(() => null)) as unknown };
  };
  const fail = (r: { status: number; json: unknown }): never => {
    const message = (r.json as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${r.status}`;
    if (r.status === 400) throw new UsageError(message);
    throw new CheckFailed(`hark: ${message}`);
  };
  const path = (schedule: string) => `/v1/schedules/${encodeURIComponent(schedule)}/overrides`;
  return {
    create: async (r) => {
      const res = await call('POST', path(r.schedule), {
        ...(r.role === undefined ? {} : { role: r.role }),
        person: r.person,
        ...(r.to === undefined ? {} : { to: isoUtc(r.to) }),
        ...(r.durationMs === undefined ? {} : { duration: `${Math.round(r.durationMs / 1000)}s` }),
        ...(r.reason === undefined ? {} : { reason: r.reason }),
        ...(r.as === undefined ? {} : { as: r.as }),
      });
      if (res.status !== 201) fail(res);
      return (res.json as { override: OverrideJson }).override;
    },
    list: async (schedule) => {
      const res = await call('GET', path(schedule));
      if (res.status !== 200) fail(res);
      return (res.json as { overrides: OverrideJson[] }).overrides;
    },
    remove: async (id) => {
      // An override id does not name its schedule: ask each schedule (only its own is removed).
      for (const schedule of config.schedules.keys()) {
        const res = await call('DELETE', `${path(schedule)}/${encodeURIComponent(id)}`);
        if (res.status === 200) return (res.json as { override: OverrideJson }).override;
        if (res.status !== 404) fail(res);
      }
      return null;
    },
    close: async () => {},
  };
}

async function withClient<T>(
  config: Config,
  flags: OverrideFlags,
  cli: CliEnv,
  fn: (client: OverrideClient) => Promise<T>,
): Promise<T> {
  const client = flags.server
    ? serverClient(flags.server, flags.token, config, cli)
    : await redisClient(config, cli);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function duration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === null || ms === 0) throw new UsageError(`invalid --for "${text}": ${DURATION_HELP}`);
  return ms;
}

const actor = (by: string | null) => (by ? actorName(by) : '-');

function describe(o: OverrideJson, zone: string): string {
  return (
    `${o.person} is ${o.role} on call for ${o.schedule} from ${humanTime(Date.parse(o.from), zone)} ` +
    `until ${humanTime(Date.parse(o.to), zone)} (override ${o.id})\n`
  );
}

async function create(config: Config, flags: OverrideFlags, cli: CliEnv, r: Request): Promise<void> {
  const o = await withClient(config, flags, cli, (client) => client.create(r));
  cli.out.stdout(flags.json ? json(o) : describe(o, compiled(config, r.schedule).zone.name));
}

/** `hark handoff`: PERSON holds the role until the end of the current holder's interval (else 1h). */
export async function handoffCommand(scheduleName: string, flags: HandoffFlags, cli: CliEnv): Promise<void> {
  if (flags.for !== undefined && flags.until !== undefined)
    throw new UsageError('give --for or --until, not both');
  const config = load(configDir(cli.env, flags.config), cli);
  const zone = compiled(config, scheduleName).zone.name;
  await create(config, flags, cli, {
    schedule: scheduleName,
    role: flags.role,
    person: flags.to,
    durationMs: duration(flags.for),
    to: flags.until === undefined ? undefined : timeArg('--until', flags.until, zone, cli.now()),
    reason: flags.reason,
    as: flags.as,
  });
}

/** `hark take`: --as PERSON holds the role from now, for --for (default 1h). */
export async function takeCommand(scheduleName: string, flags: TakeFlags, cli: CliEnv): Promise<void> {
  const config = load(configDir(cli.env, flags.config), cli);
  compiled(config, scheduleName); // an unknown schedule is a usage error before connecting
  await create(config, flags, cli, {
    schedule: scheduleName,
    role: flags.role,
    person: flags.as,
    durationMs: duration(flags.for) ?? DEFAULT_OVERRIDE_MS,
    reason: flags.reason,
    as: flags.as,
  });
}

/** `hark overrides <schedule>` lists; `hark overrides rm <id>` removes one. */
export async function overridesCommand(
  first: string,
  second: string | undefined,
  flags: OverrideFlags,
  cli: CliEnv,
): Promise<void> {
  const config = load(configDir(cli.env, flags.config), cli);
  if (first === 'rm' && second !== undefined) {
    const removed = await withClient(config, flags, cli, (client) => client.remove(second));
    if (!removed) throw new CheckFailed(`hark: there is no override "${second}"`);
    if (flags.json) return cli.out.stdout(json(removed));
    return cli.out.stdout(
      `Removed override ${removed.id}: ${removed.person} as ${removed.role} of ${removed.schedule}\n`,
    );
  }
  if (second !== undefined) throw new UsageError(`unexpected "${second}": use hark overrides rm <id>`);
  const zone = compiled(config, first).zone.name;
  const list = await withClient(config, flags, cli, (client) => client.list(first));
  if (flags.json) return cli.out.stdout(json(list));
  if (list.length === 0) return cli.out.stdout(`no runtime overrides for ${first}\n`);
  const time = (iso: string) => humanTime(Date.parse(iso), zone);
  cli.out.stdout(
    table(
      ['ID', 'ROLE', 'PERSON', 'FROM', 'TO', 'CREATED', 'CREATED BY', 'REASON'],
      list.map((o) => [
        o.id,
        o.role,
        o.person,
        time(o.from),
        time(o.to),
        time(o.createdAt),
        actor(o.createdBy),
        o.reason ?? '',
      ]),
    ),
  );
}
