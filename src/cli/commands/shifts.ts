/** `hark shifts <schedule> --from T --to T`: final shifts with holder and source. */
import { shiftRows } from '../../schedules/report.js';
import { humanTime } from '../../time/format.js';
import { compiled, configDir, load, timeArg, type CliEnv } from '../context.js';
import { json, table, UsageError } from '../output.js';

export interface ShiftsOptions {
  readonly from: string;
  readonly to: string;
  readonly json?: boolean;
  readonly config?: string;
}

export function shifts(scheduleName: string, opts: ShiftsOptions, cli: CliEnv): void {
  const config = load(configDir(cli.env, opts.config), cli);
  const schedule = compiled(config, scheduleName);
  const zone = schedule.zone.name;
  const now = cli.now();
  const from = timeArg('--from', opts.from, zone, now);
  const to = timeArg('--to', opts.to, zone, now);
  if (to <= from) throw new UsageError('--to must be after --from');
  if (opts.json) {
    cli.out.stdout(json(shiftRows(schedule, from, to)));
    return;
  }
  const list = schedule.base.shifts(from, to);
  cli.out.stdout(
    table(
      ['ROLE', 'PERSON', 'START', 'END', 'SOURCE'],
      list.map((s) => [s.role, s.person, humanTime(s.start, zone), humanTime(s.end, zone), s.source]),
    ),
  );
}
