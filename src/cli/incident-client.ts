/**
 * How CLI commands reach incidents: through a running server (`--server URL --token T`), or
 * straight to Redis (REDIS_URL, else the local redis-server a `hark serve` started here). Both go
 * through the same incident operations.
 */
import type { Incident, IncidentRole, IncidentState } from '../incidents/model.js';
import type { ListFilter } from '../incidents/store.js';
import type { Config } from '../config/types.js';
import { composeHark } from '../compose.js';
import { createLogger } from '../log.js';
import { keys as makeKeys } from '../redis/keys.js';
import { connectCliRedis } from './redis.js';
import { CheckFailed, UsageError } from './output.js';
import { refusalError, type IncidentAction, type Refusal } from '../incidents/outcomes.js';

export interface IncidentClient {
  list(filter: ListFilter): Promise<Incident[]>;
  get(id: number): Promise<Incident | null>;
  act(id: number, action: 'acknowledge' | 'resolve' | 'escalate', as: string | null): Promise<Incident>;
  assignRole(id: number, role: IncidentRole, person: string, as: string | null): Promise<Incident>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  readonly server?: string;
  readonly token?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly config: Config;
}

function refusal(id: number, action: IncidentAction, r: Refusal): CheckFailed {
  return new CheckFailed(`hark: ${refusalError(id, action, r)}`);
}

export async function connectIncidents(opts: ConnectOptions): Promise<IncidentClient> {
  if (opts.server) {
    const base = opts.server.replace(/\/+$/, '');
    const token = opts.token ?? opts.env.HARK_API_TOKEN;
    if (!token) throw new UsageError('--server needs --token (or HARK_API_TOKEN)');
    const call = async (
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; json: unknown }> => {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(body ? { 'Content-Type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        });
      } catch (e) {
        throw new CheckFailed(`hark: cannot reach ${base}: ${(e as Error).message}`);
      }
      return { status: res.status, json: await res.json().catch(() => null) };
    };
    const fail = (r: { status: number; json: unknown }): never => {
      const message =
        (r.json as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${r.status}`;
      throw new CheckFailed(`hark: ${message}`);
    };
    return {
      list: async (f) => {
        const q = new URLSearchParams();
        if (f.state) q.set('state', f.state);
        if (f.service) q.set('service', f.service);
        if (f.limit) q.set('limit', String(f.limit));
        const r = await call('GET', `/v1/incidents?${q.toString()}`);
        if (r.status !== 200) fail(r);
        return (r.json as { incidents: Incident[] }).incidents;
      },
      get: async (id) => {
        const r = await call('GET', `/v1/incidents/${id}`);
        if (r.status === 404) return null;
        if (r.status !== 200) fail(r);
        return (r.json as { incident: Incident }).incident;
      },
      act: async (id, action, as) => {
        const r = await call('POST', `/v1/incidents/${id}/${action}`, as ? { as } : undefined);
        if (r.status !== 200) fail(r);
        return (r.json as { incident: Incident }).incident;
      },
      assignRole: async (id, role, person) => {
        const r = await call('POST', `/v1/incidents/${id}/roles`, { role, person });
        if (r.status !== 200) fail(r);
        return (r.json as { incident: Incident }).incident;
      },
      close: async () => {},
    };
  }
  const redis = await connectCliRedis(
    opts.env,
    'hark: no Redis to read incidents from: set REDIS_URL, run this where `hark serve` runs, or use --server URL --token T',
  );
  const config = opts.config;
  // The same parts and operations as the server (src/compose.ts): acknowledging here also
  // cancels pending pages.
  const { store, ops, close } = await composeHark({
    redis,
    keys: makeKeys(opts.env.HARK_REDIS_PREFIX || undefined),
    config: () => config,
    now: () => Date.now(),
    log: createLogger('error'),
    escalation: 'producer',
  });
  return {
    list: (f) => store.list(f),
    get: (id) => store.get(id),
    act: async (id, action, as) => {
      const verb = action === 'acknowledge' ? 'ack' : action;
      if (as === null) throw new UsageError(`${verb} needs --as PERSON`);
      if (!config.people.has(as)) throw new UsageError(`unknown person "${as}"`);
      const now = new Date();
      if (action === 'escalate') {
        const r = await ops.escalate(id, `person:${as}`, now);
        if (r.ok) return r.incident;
        throw refusal(id, 'escalate', r);
      }
      const r =
        action === 'acknowledge'
          ? await ops.acknowledge(id, `person:${as}`, as, now)
          : await ops.resolve(id, `person:${as}`, now);
      if (!r.ok) throw refusal(id, action, r);
      return r.incident;
    },
    assignRole: async (id, role, person, as) => {
      if (!config.people.has(person)) throw new UsageError(`unknown person "${person}"`);
      const r = await ops.assignRole(id, as ? `person:${as}` : 'cli', role, person, new Date());
      if (!r.ok) throw refusal(id, 'role', r);
      return r.incident;
    },
    close: async () => {
      await close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function parseState(s: string | undefined): IncidentState | undefined {
  if (s === undefined) return undefined;
  if (s === 'triggered' || s === 'acknowledged' || s === 'resolved') return s;
  throw new UsageError(`invalid --state "${s}": use triggered, acknowledged or resolved`);
}
