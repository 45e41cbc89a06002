/**
 * The compiled schedules of one loaded config, built once (no YAML parsing per query), and their
 * views with the runtime overrides (SPEC 6), cached until the overrides change.
 */
import type { Config } from '../config/types.js';
import { CompiledSchedule, type ScheduleView } from './engine.js';
import type { RuntimeOverride } from './overrides.js';

/** Where runtime overrides come from (the OverrideStore). `version` changes whenever they do. */
export interface OverrideSource {
  now(): number;
  version(): Promise<number>;
  /** The live overrides (none has ended) and the version they belong to. */
  load(): Promise<{ readonly version: number; readonly overrides: readonly RuntimeOverride[] }>;
}

interface Loaded {
  readonly version: number;
  readonly overrides: readonly RuntimeOverride[];
  /** When the first of them ends: the cache is reloaded then, so ended overrides drop out. */
  readonly staleAt: number;
}

export class ScheduleRegistry {
  private readonly compiled = new Map<string, CompiledSchedule>();
  private loaded: Loaded | null = null;
  private readonly views = new Map<string, ScheduleView>();

  constructor(
    config: Config,
    private readonly overrides: OverrideSource | null = null,
  ) {
    for (const [name, schedule] of config.schedules) this.compiled.set(name, new CompiledSchedule(schedule));
  }

  /** The compiled schedule; its `base` is the config-only view (`hark validate`). */
  get(name: string): CompiledSchedule | undefined {
    return this.compiled.get(name);
  }

  names(): string[] {
    return [...this.compiled.keys()];
  }

  /**
   * The view with the runtime overrides as of the last `refresh()` (config only without an
   * override source). Cached per schedule: holder lookups stay cheap.
   */
  view(name: string): ScheduleView | undefined {
    const compiled = this.compiled.get(name);
    if (!compiled || !this.loaded) return compiled?.base;
    let view = this.views.get(name);
    if (!view) {
      view = compiled.withOverrides(this.loaded.overrides);
      this.views.set(name, view);
    }
    return view;
  }

  /** Brings the views up to date: one GET while the overrides are unchanged. */
  async refresh(): Promise<void> {
    const source = this.overrides;
    if (!source) return;
    const current = this.loaded;
    if (current && source.now() < current.staleAt && (await source.version()) === current.version) return;
    const next = await source.load();
    // A concurrent refresh may have loaded a newer version meanwhile.
    if (this.loaded && this.loaded !== current && this.loaded.version > next.version) return;
    this.loaded = {
      ...next,
      staleAt: Math.min(Infinity, ...next.overrides.map((o) => o.to)),
    };
    this.views.clear();
  }
}
