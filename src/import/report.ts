/**
 * What an import tells its user, on stderr and in IMPORT-REPORT.md: every object or field that
 * was skipped or approximated and why, the environment variables the config reads its secrets
 * from, whether the written config loads, and what --verify found.
 */
import { formatIssue, type ConfigIssue } from '../config/errors.js';
import { isoUtc } from '../time/format.js';
import { VENDOR_TITLES, type ImportPlan, type ReportEntry } from './plan.js';
import type { Comparison, Difference } from './verify.js';

export const REPORT_FILE = 'IMPORT-REPORT.md';
export const REPORT_MARKER = '<!-- Written by `hark import';

export function entryLine(e: ReportEntry): string {
  return `${e.kind}: ${e.object}: ${e.why}`;
}

export function differenceLine(vendorTitle: string, d: Difference): string {
  return `${isoUtc(d.start)} to ${isoUtc(d.end)}: ${vendorTitle} has ${d.vendor}, Hark has ${d.hark}`;
}

export function comparisonTitle(c: Comparison): string {
  const r = c.rendered;
  const role = r.role === null ? '' : ` role ${r.role}`;
  return `schedule ${r.schedule}${role} (${r.origin}), ${isoUtc(r.from)} to ${isoUtc(r.to)}`;
}

export interface ReportInput {
  readonly plan: ImportPlan;
  readonly files: readonly string[];
  readonly errors: readonly ConfigIssue[];
  readonly comparisons: readonly Comparison[] | null;
}

export function reportMarkdown({ plan, files, errors, comparisons }: ReportInput): string {
  const title = VENDOR_TITLES[plan.vendor];
  const out: string[] = [];
  const list = (items: readonly string[]) => (items.length === 0 ? ['- none'] : items.map((i) => `- ${i}`));
  out.push(
    `${REPORT_MARKER} ${plan.vendor}\`; running it again on the same export writes the same files. -->`,
  );
  out.push(`# Import from ${title}`, '');
  out.push('## Read', '', ...list(plan.read.map(([what, n]) => `${what}: ${n}`)), '');
  out.push('## Written', '');
  out.push(
    ...list(
      files.map((f) => {
        if (f === 'hark.yaml') {
          return `hark.yaml: ${count(plan.people.length, 'person', 'people')}, ${count(plan.services.length, 'service')}, ${count(plan.integrations.length, 'integration')}`;
        }
        const s = plan.schedules.find((x) => `schedules/${x.name}.yaml` === f);
        if (s) {
          return `${f}: from schedule "${s.source.name}" (${s.source.id}), ${count(s.rotations.length, 'rotation')}, ${count(s.overrides.length, 'override')}`;
        }
        const p = plan.policies.find((x) => `escalation-policies/${x.name}.yaml` === f);
        if (p)
          return `${f}: from escalation policy "${p.source.name}" (${p.source.id}), ${count(p.steps.length, 'step')}`;
        return f;
      }),
    ),
    '',
  );
  out.push('## Environment variables to set', '');
  if (plan.env.length === 0) out.push('None.', '');
  else {
    out.push('The config reads these secrets from the environment; they are never written to files.', '');
    out.push(
      '| variable | value |',
      '|---|---|',
      ...plan.env.map((e) => `| \`${e.name}\` | ${e.what} |`),
      '',
    );
    out.push('Until they are set, check the config with `hark validate --no-env`.', '');
  }
  const skipped = plan.report.filter((e) => e.kind === 'skipped');
  const approximated = plan.report.filter((e) => e.kind === 'approximated');
  out.push(`## Skipped (${skipped.length})`, '', 'Not carried over: Hark pages nobody for these.', '');
  out.push(...list(skipped.map((e) => `${e.object}: ${e.why}`)), '');
  out.push(
    `## Approximated (${approximated.length})`,
    '',
    'Carried over with a difference: check each one.',
    '',
  );
  out.push(...list(approximated.map((e) => `${e.object}: ${e.why}`)), '');
  out.push('## Validation', '');
  if (errors.length === 0)
    out.push('The written config loads (`hark validate` with the variables above set).', '');
  else out.push('The written config does not load:', '', ...errors.map((e) => `- ${formatIssue(e)}`), '');
  out.push('## Verification', '');
  if (comparisons === null) {
    out.push(
      plan.rendered.length === 0
        ? 'The export has no rendered final schedule to compare with.'
        : `Not run: \`hark import ${plan.vendor} --verify\` compares Hark's shifts with the ${plan.rendered.length} rendered final schedule${plan.rendered.length === 1 ? '' : 's'} in the export.`,
      '',
    );
  } else if (comparisons.length === 0) {
    out.push('The export has no rendered final schedule to compare with.', '');
  } else {
    for (const c of comparisons) {
      out.push(`### ${comparisonTitle(c)}`, '');
      if (c.differences.length === 0) out.push('No differences.', '');
      else out.push(...c.differences.map((d) => `- ${differenceLine(title, d)}`), '');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
