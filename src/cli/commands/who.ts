/** `hark who [schedule] [--at TIME]`: who holds each role now or at TIME. */
import { humanTime, isoUtc } from '../../time/format.js';
import { compiled, configDir, load, timeArg, type CliEnv } from '../context.js';
import { json, table } from '../output.js';

export interface WhoOptions {
  readonly at?: string;
  readonly json?: boolean;
  readonly config?: string;
}

export interface WhoRow {
  schedule: string;
  role: string;
  person: string | null;
  since: string | null;
  until: string | null;
}

export function who(scheduleName: string | undefined, opts: WhoOptions, cli: CliEnv): void {
  const config = load(configDir(cli.env, opts.config), cli);
  const names = scheduleName === undefined ? [...config.schedules.keys()] : [scheduleName];
  const now = cli.now();
  const rows: WhoRow[] = [];
  const human: string[][] = [];
  for (const name of names) {
    const schedule = compiled(config, name);
    const at = timeArg('--at', opts.at ?? 'now', schedule.zone.name, now);
    for (const role of schedule.roles) {
      const h = schedule.base.holding(role, at);
      rows.push({
        schedule: name,
        role,
        person: h.person,
        since: h.since === null ? null : isoUtc(h.since),
        until: h.until === null ? null : isoUtc(h.until),
      });
      const zone = schedule.zone.name;
      human.push([
        name,
        role,
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
