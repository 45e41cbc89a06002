/** `hark shifts <schedule> --from T --to T`: final shifts with holder and source. */
import { shiftRows } from '../../schedules/report.js';
import { humanTime } from '../../time/format.js';
import { compiled, configDir, load, timeArg, type CliEnv } from '../context.js';
import { json, table, UsageError } from '../output.js';
import { runtimeOverrides } from './overrides.js';

export interface ShiftsOptions {
  readonly from: string;
  readonly to: string;
  readonly json?: boolean;
  readonly config?: string;
}

export async function shifts(scheduleName: string, opts: ShiftsOptions, cli: CliEnv): Promise<void> {
  const config = load(configDir(cli.env, opts.config), cli);
  const schedule = compiled(config, scheduleName);
  const zone = schedule.zone.name;
  const now = cli.now();
  const from = timeArg('--from', opts.from, zone, now);
  const to = timeArg('--to', opts.to, zone, now);
  if (to <= from) throw new UsageError('--to must be after --from');
  const view = schedule.withOverrides(await runtimeOverrides(config, cli)); // none without a reachable Redis
  if (opts.json) {
    cli.out.stdout(json(shiftRows(schedule, from, to, view)));
    return;
  }
  const list = view.shifts(from, to);
  cli.out.stdout(
    table(
      ['ROLE', 'PERSON', 'START', 'END', 'SOURCE'],
      list.map((s) => [s.role, s.person, humanTime(s.start, zone), humanTime(s.end, zone), s.source]),
    ),
  );
}
