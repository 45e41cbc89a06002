/**
 * `hark import opsgenie|pagerduty|grafana-oncall --from <dir-or-file> [--out <dir>] [--verify]`:
 * turns a vendor's saved API responses into Hark config files (docs/migrating.md).
 */
import { z } from 'zod';
import { formatIssue } from '../../config/errors.js';
import { InputError } from '../../import/input.js';
import { VENDOR_TITLES, VENDORS } from '../../import/plan.js';
import { comparisonTitle, differenceLine, entryLine, REPORT_FILE } from '../../import/report.js';
import { ImportRefused, runImport } from '../../import/run.js';
import type { CliEnv } from '../context.js';
import { CheckFailed, json, UsageError } from '../output.js';

export interface ImportFlags {
  readonly from?: string;
  readonly out?: string;
  readonly verify?: boolean;
  readonly force?: boolean;
  readonly json?: boolean;
}

const args = z.object({
  vendor: z.enum(VENDORS, {
    error: (i) =>
      i.input === undefined
        ? `missing vendor: use ${VENDORS.join(', ')}`
        : `invalid vendor "${String(i.input)}": use ${VENDORS.join(', ')}`,
  }),
  from: z
    .string({ error: '--from is required: the directory of saved API responses, or a bundle .json file' })
    .min(1, {
      error: '--from cannot be empty: give the directory of saved API responses, or a bundle .json file',
    }),
  out: z.string().min(1, { error: '--out cannot be empty: give the config directory to write' }),
  verify: z.boolean(),
  force: z.boolean(),
  json: z.boolean(),
});

export function importCommand(vendor: string | undefined, flags: ImportFlags, cli: CliEnv): void {
  const parsed = args.safeParse({
    vendor,
    from: flags.from,
    out: flags.out ?? cli.env.HARK_CONFIG ?? '.',
    verify: flags.verify ?? false,
    force: flags.force ?? false,
    json: flags.json ?? false,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  const a = parsed.data;
  let result;
  try {
    result = runImport({
      vendor: a.vendor,
      from: a.from,
      out: a.out,
      verify: a.verify,
      force: a.force,
      env: cli.env,
    });
  } catch (e) {
    if (e instanceof InputError || e instanceof ImportRefused) throw new CheckFailed(`hark: ${e.message}`);
    throw e;
  }
  const { plan, errors, comparisons } = result;
  const title = VENDOR_TITLES[plan.vendor];
  const differences = (comparisons ?? []).reduce((n, c) => n + c.differences.length, 0);
  for (const e of plan.report) cli.out.stderr(entryLine(e));
  if (a.json) {
    cli.out.stdout(
      json({
        written: result.written,
        removed: result.removed,
        skipped: plan.report.filter((e) => e.kind === 'skipped'),
        approximated: plan.report.filter((e) => e.kind === 'approximated'),
        env: plan.env,
        errors,
        verify:
          comparisons === null
            ? null
            : comparisons.map((c) => ({
                schedule: c.rendered.schedule,
                role: c.rendered.role,
                origin: c.rendered.origin,
                from: new Date(c.rendered.from).toISOString(),
                to: new Date(c.rendered.to).toISOString(),
                differences: c.differences.map((d) => ({
                  start: new Date(d.start).toISOString(),
                  end: new Date(d.end).toISOString(),
                  vendor: d.vendor,
                  hark: d.hark,
                })),
              })),
      }),
    );
  } else {
    const n = (k: number, what: string, many = `${what}s`) => `${k} ${k === 1 ? what : many}`;
    cli.out.stdout(
      `hark import ${plan.vendor}: wrote ${n(result.written.length, 'file')} to ${a.out}: ${n(plan.people.length, 'person', 'people')}, ${n(plan.schedules.length, 'schedule')}, ${n(plan.policies.length, 'escalation policy', 'escalation policies')}, ${n(plan.services.length, 'service')}, ${n(plan.integrations.length, 'integration')}`,
    );
    for (const r of result.removed)
      cli.out.stdout(`removed ${r} (written by an earlier import, not produced now)`);
    const skipped = plan.report.filter((e) => e.kind === 'skipped').length;
    cli.out.stdout(
      `${n(skipped, 'object or field', 'objects or fields')} skipped, ${plan.report.length - skipped} approximated: see ${REPORT_FILE}`,
    );
    if (plan.env.length > 0) {
      cli.out.stdout(
        `set ${plan.env.map((e) => e.name).join(', ')} (see ${REPORT_FILE}) before hark validate, or run hark validate --no-env ${a.out}`,
      );
    }
    for (const c of comparisons ?? []) {
      cli.out.stdout(
        `verify ${comparisonTitle(c)}: ${c.differences.length === 0 ? 'no differences' : n(c.differences.length, 'difference')}`,
      );
      for (const d of c.differences) cli.out.stdout(`  ${differenceLine(title, d)}`);
    }
    if (comparisons !== null && comparisons.length === 0) {
      cli.out.stdout('verify: the export has no rendered final schedule to compare with');
    }
  }
  if (errors.length > 0) {
    for (const e of errors) cli.out.stderr(formatIssue(e));
    throw new CheckFailed(
      `hark: the written config does not load (${n2(errors.length, 'error')}); see ${REPORT_FILE}`,
    );
  }
  if (differences > 0) {
    throw new CheckFailed(`hark: --verify found ${n2(differences, 'difference')} between ${title} and Hark`);
  }
}

function n2(k: number, what: string): string {
  return `${k} ${what}${k === 1 ? '' : 's'}`;
}
