/** `hark who [schedule] [--at TIME]`: who holds each role now or at TIME. */
import { whoRows, type WhoRow } from '../../schedules/report.js';
import { humanTime } from '../../time/format.js';
import { compiled, configDir, load, timeArg, type CliEnv } from '../context.js';
import { json, table } from '../output.js';
import { runtimeOverrides } from './overrides.js';

export interface WhoOptions {
  readonly at?: string;
  readonly json?: boolean;
  readonly config?: string;
}

export async function who(scheduleName: string | undefined, opts: WhoOptions, cli: CliEnv): Promise<void> {
  const config = load(configDir(cli.env, opts.config), cli);
  const names = scheduleName === undefined ? [...config.schedules.keys()] : [scheduleName];
  if (scheduleName !== undefined) compiled(config, scheduleName); // an unknown schedule: usage error first
  const runtime = await runtimeOverrides(config, cli); // none without a reachable Redis
  const now = cli.now();
  const rows: WhoRow[] = [];
  const human: string[][] = [];
  for (const name of names) {
    const schedule = compiled(config, name);
    const zone = schedule.zone.name;
    const at = timeArg('--at', opts.at ?? 'now', zone, now);
    for (const { row, holding: h } of whoRows(schedule, at, schedule.withOverrides(runtime))) {
      rows.push(row);
      human.push([
        name,
        row.role,
        h.person ?? '(nobody)',
        h.since === null ? '-' : humanTime(h.since, zone),
        h.until === null ? '-' : humanTime(h.until, zone),
        h.source ?? '',
      ]);
    }
  }
  cli.out.stdout(
    opts.json ? json(rows) : table(['SCHEDULE', 'ROLE', 'PERSON', 'SINCE', 'UNTIL', 'SOURCE'], human),
  );
}
