/** `hark validate [dir]`: check the config; warn on coverage gaps in the next 30 days. */
import { ConfigError, formatIssue, type ConfigIssue } from '../../config/errors.js';
import { loadConfig } from '../../config/load.js';
import { CompiledSchedule } from '../../schedules/engine.js';
import { coverageGaps } from '../../schedules/gaps.js';
import { humanLength, humanTime, isoUtc } from '../../time/format.js';
import { json, CheckFailed, type Out } from '../output.js';
import type { CliEnv } from '../context.js';

const GAP_WINDOW = 30 * 86_400_000;

export interface ValidateOptions {
  readonly json?: boolean;
  /** `--no-env` (commander's `env: false`): unset `${NAME}` variables are warnings, not errors. */
  readonly env?: boolean;
}

export function validate(dir: string, opts: ValidateOptions, cli: CliEnv): void {
  let result;
  try {
    result = loadConfig(dir, { env: cli.env, unsetEnv: opts.env === false ? 'warning' : 'error' });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report(cli.out, opts, e.issues, e.warnings, []);
    throw new CheckFailed(`${e.issues.length} error${e.issues.length === 1 ? '' : 's'}`);
  }
  const { config, warnings } = result;
  const now = cli.now();
  const gapWarnings: ConfigIssue[] = [];
  const gapData: { schedule: string; role: string; start: string; end: string }[] = [];
  for (const schedule of config.schedules.values()) {
    const gaps = coverageGaps(new CompiledSchedule(schedule).base, now, now + GAP_WINDOW);
    for (const role of schedule.roles) {
      const mine = gaps.filter((g) => g.role === role);
      for (const g of mine)
        gapData.push({ schedule: schedule.name, role, start: isoUtc(g.start), end: isoUtc(g.end) });
      if (mine.length === 0) continue;
      const first = mine[0]!;
      const total = mine.reduce((sum, g) => sum + (g.end - g.start), 0);
      const more = mine.length > 1 ? ` and ${mine.length - 1} more (${humanLength(total)} in all)` : '';
      gapWarnings.push({
        level: 'warning',
        file: schedule.file,
        line: 1,
        col: 1,
        message: `role "${role}" has nobody on call in the next 30 days: ${humanTime(first.start, schedule.timezone)} to ${humanTime(first.end, schedule.timezone)} (${humanLength(first.end - first.start)})${more}`,
      });
    }
  }
  report(cli.out, opts, [], [...warnings, ...gapWarnings], gapData);
  if (!opts.json) {
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
    cli.out.stdout(
      `ok: ${n(config.people.size, 'person').replace('persons', 'people')}, ${n(config.schedules.size, 'schedule')}, ${n(config.policies.size, 'escalation policy').replace('policys', 'policies')}, ${n(config.services.length, 'service')}, ${n(config.runbooks.size, 'runbook')}${config.webhooks.length > 0 ? `, ${n(config.webhooks.length, 'webhook')}` : ''}`,
    );
  }
}

function report(
  out: Out,
  opts: ValidateOptions,
  errors: readonly ConfigIssue[],
  warnings: readonly ConfigIssue[],
  gaps: readonly object[],
): void {
  if (opts.json) {
    out.stdout(json({ ok: errors.length === 0, errors, warnings, gaps }));
    return;
  }
  for (const w of warnings) out.stderr(formatIssue(w));
  for (const e of errors) out.stderr(formatIssue(e));
}
