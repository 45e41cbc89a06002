/**
 * The running config and its reload (SPEC 7: `POST /v1/config/reload`, SIGHUP). A reload reads the
 * directory again; a config that fails validation is refused with its errors and the running one
 * stays. Readers hold `() => live.config` getters, so they see the new config on their next call;
 * running escalations keep the policy snapshot their incident fixed when it opened.
 */
import { ConfigError, type ConfigIssue } from './errors.js';
import { loadConfig } from './load.js';
import type { Config } from './types.js';
import { z } from 'zod';

const names = z.array(z.string()).readonly();
export const configChangesSchema = z
  .object({ added: names, removed: names, changed: names })
  .readonly()
  .meta({ id: 'ConfigChanges' });
export type ConfigChanges = z.infer<typeof configChangesSchema>;

/** Per section, which names were added, removed or changed; `settings`: whether they changed. */
export const configDiffSchema = z
  .object({
    people: configChangesSchema,
    schedules: configChangesSchema,
    policies: configChangesSchema,
    services: configChangesSchema,
    integrations: configChangesSchema,
    runbooks: configChangesSchema,
    webhooks: configChangesSchema,
    settings: z.boolean(),
  })
  .readonly()
  .describe('Per section, the names added, removed or changed; `settings`: whether they changed.');
export type ConfigDiff = z.infer<typeof configDiffSchema>;

export type ReloadResult =
  | { readonly ok: true; readonly warnings: readonly ConfigIssue[]; readonly diff: ConfigDiff }
  | { readonly ok: false; readonly errors: readonly ConfigIssue[] };

type Listener = (config: Config) => void;

export class LiveConfig {
  private current: Config;
  private readonly listeners: Listener[] = [];

  /**
   * `refuse`: a check a new config must also pass (it throws to refuse, as at start: an example
   * token that would be exposed).
   */
  constructor(
    initial: Config,
    private readonly env: NodeJS.ProcessEnv,
    private readonly refuse: (config: Config) => void = () => {},
  ) {
    this.current = initial;
  }

  get config(): Config {
    return this.current;
  }

  /** Called with the new config after each successful reload (before `reload` returns). */
  onReload(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Reads the config directory again. Never throws for a bad config: it answers the errors. */
  reload(): ReloadResult {
    let next: Config;
    let warnings: readonly ConfigIssue[];
    try {
      ({ config: next, warnings } = loadConfig(this.current.dir, { env: this.env }));
      this.refuse(next);
    } catch (e) {
      if (e instanceof ConfigError) return { ok: false, errors: e.issues };
      const message = e instanceof Error ? e.message : String(e);
      return { ok: false, errors: [{ level: 'error', file: '.', line: 0, col: 0, message }] };
    }
    const diff = diffConfigs(this.current, next);
    this.current = next;
    for (const l of this.listeners) l(next);
    return { ok: true, warnings, diff };
  }
}

/** Stable JSON of a config part: maps as entry lists, regexes as their source. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v instanceof Map ? [...(v as Map<unknown, unknown>).entries()] : v instanceof RegExp ? String(v) : v,
  );
}

function diffNamed(
  before: Iterable<readonly [string, unknown]>,
  after: Iterable<readonly [string, unknown]>,
): ConfigChanges {
  const a = new Map(before);
  const b = new Map(after);
  return {
    added: [...b.keys()].filter((k) => !a.has(k)),
    removed: [...a.keys()].filter((k) => !b.has(k)),
    changed: [...b.keys()].filter((k) => a.has(k) && canonical(a.get(k)) !== canonical(b.get(k))),
  };
}

const byName = <T extends { readonly name: string }>(list: readonly T[]) =>
  list.map((x) => [x.name, x] as const);

/** Which named parts of the config changed. */
export function diffConfigs(before: Config, after: Config): ConfigDiff {
  return {
    people: diffNamed(before.people, after.people),
    schedules: diffNamed(before.schedules, after.schedules),
    policies: diffNamed(before.policies, after.policies),
    services: diffNamed(byName(before.services), byName(after.services)),
    integrations: diffNamed(byName(before.integrations), byName(after.integrations)),
    runbooks: diffNamed(before.runbooks, after.runbooks),
    webhooks: diffNamed(byName(before.webhooks), byName(after.webhooks)),
    settings: canonical(before.settings) !== canonical(after.settings),
  };
}
