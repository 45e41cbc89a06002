/**
 * `hark import`: reads the export, plans the Hark config, writes it (never over a file the import
 * did not write, unless forced), loads what it wrote with the config loader, and with `verify`
 * compares the written schedules with the vendor's rendered final schedules.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import type { Schedule } from '../config/types.js';
import { planGrafanaOncall } from './grafana-oncall.js';
import { Bundle } from './input.js';
import { planOpsgenie } from './opsgenie.js';
import { planPagerduty } from './pagerduty.js';
import type { ImportPlan, Vendor } from './plan.js';
import { REPORT_FILE, REPORT_MARKER, reportMarkdown } from './report.js';
import { toConfigSchedule, verifyAll, type Comparison } from './verify.js';
import { MARKER, renderFiles } from './write.js';

export interface ImportOptions {
  readonly vendor: Vendor;
  readonly from: string;
  readonly out: string;
  readonly verify: boolean;
  readonly force: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export interface ImportResult {
  readonly plan: ImportPlan;
  /** Paths written, relative to `out`, in order. */
  readonly written: readonly string[];
  /** Files of an earlier import that this one no longer produces, removed. */
  readonly removed: readonly string[];
  /** Errors of the config loader on the written files (none when it loads). */
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
  readonly comparisons: readonly Comparison[] | null;
}

/** A file is in the way: it exists and was not written by an import. */
export class ImportRefused extends Error {
  override readonly name = 'ImportRefused';
}

const PLANNERS: Record<Vendor, (b: Bundle) => ImportPlan> = {
  pagerduty: planPagerduty,
  opsgenie: planOpsgenie,
  'grafana-oncall': planGrafanaOncall,
};

export function plan(vendor: Vendor, from: string): ImportPlan {
  return PLANNERS[vendor](Bundle.read(from));
}

function writtenByImport(path: string, marker: string): boolean {
  try {
    return readFileSync(path, 'utf8').startsWith(marker);
  } catch {
    return false;
  }
}

export function runImport(opts: ImportOptions): ImportResult {
  const p = plan(opts.vendor, opts.from);
  const files = renderFiles(p);
  const paths = [...files.keys()];
  if (!opts.force) {
    const blocked = [...paths, REPORT_FILE].filter((rel) => {
      const full = join(opts.out, rel);
      return existsSync(full) && !writtenByImport(full, rel === REPORT_FILE ? REPORT_MARKER : MARKER);
    });
    if (blocked.length > 0) {
      throw new ImportRefused(
        `--out ${opts.out}: ${blocked.join(', ')} ${blocked.length === 1 ? 'exists and was' : 'exist and were'} not written by hark import; choose another --out directory or add --force to overwrite`,
      );
    }
  }
  const removed: string[] = [];
  for (const sub of ['schedules', 'escalation-policies']) {
    const dir = join(opts.out, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      const rel = `${sub}/${f}`;
      if (f.endsWith('.yaml') && !files.has(rel) && writtenByImport(join(dir, f), MARKER)) {
        rmSync(join(dir, f));
        removed.push(rel);
      }
    }
  }
  for (const [rel, text] of files) {
    const full = join(opts.out, rel);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, text);
  }
  let errors: readonly ConfigIssue[] = [];
  let warnings: readonly ConfigIssue[] = [];
  let schedules: ReadonlyMap<string, Schedule> | null = null;
  try {
    const loaded = loadConfig(opts.out, { env: opts.env, unsetEnv: 'warning' });
    warnings = loaded.warnings;
    schedules = loaded.config.schedules;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    errors = e.issues;
    warnings = e.warnings;
  }
  let comparisons: Comparison[] | null = null;
  if (opts.verify) {
    // The written files as the loader read them; if they do not load, the plan itself.
    const compared = schedules ?? new Map(p.schedules.map((s) => [s.name, toConfigSchedule(s)]));
    comparisons = verifyAll(compared, p.rendered);
  }
  writeFileSync(join(opts.out, REPORT_FILE), reportMarkdown({ plan: p, files: paths, errors, comparisons }));
  return { plan: p, written: [...paths, REPORT_FILE], removed, errors, warnings, comparisons };
}
