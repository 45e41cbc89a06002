/** What commands share: where the config is, the clock, and the compiled schedules. */
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { CompiledSchedule } from '../schedules/engine.js';
import { parseTimeArg, TIME_HELP } from '../time/parse-time.js';
import { UsageError, type Out } from './output.js';

export interface CliEnv {
  readonly env: NodeJS.ProcessEnv;
  readonly out: Out;
  /** The current instant; tests pin it. */
  readonly now: () => number;
}

export function configDir(env: NodeJS.ProcessEnv, flag: string | undefined): string {
  return flag ?? env.HARK_CONFIG ?? '.';
}

export function load(dir: string, cli: CliEnv): Config {
  return loadConfig(dir, { env: cli.env }).config;
}

export function compiled(config: Config, name: string): CompiledSchedule {
  const schedule = config.schedules.get(name);
  if (!schedule) {
    const known = [...config.schedules.keys()].join(', ') || '(none)';
    throw new UsageError(`unknown schedule "${name}" (schedules: ${known})`);
  }
  return new CompiledSchedule(schedule);
}

export function timeArg(option: string, text: string, zone: string, now: number): number {
  const t = parseTimeArg(text, zone, now);
  if (t === null) throw new UsageError(`invalid ${option} "${text}": ${TIME_HELP}`);
  return t;
}
