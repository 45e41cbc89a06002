/** The compiled schedules of one loaded config, built once (no YAML parsing per query). */
import type { Config } from '../config/types.js';
import { CompiledSchedule } from './engine.js';

export class ScheduleRegistry {
  private readonly compiled = new Map<string, CompiledSchedule>();

  constructor(config: Config) {
    for (const [name, schedule] of config.schedules) this.compiled.set(name, new CompiledSchedule(schedule));
  }

  get(name: string): CompiledSchedule | undefined {
    return this.compiled.get(name);
  }

  names(): string[] {
    return [...this.compiled.keys()];
  }
}
