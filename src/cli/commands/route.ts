/**
 * `hark route <alert.json> --integration NAME`: a dry run of what Hark would do with an alert —
 * service, severity, runbook, policy, and who each step would page and when — from the config
 * and schedules alone (no Redis).
 */
import { readFileSync } from 'node:fs';
import { normalize } from '../../alerts/normalize.js';
import { formatDuration } from '../../config/duration.js';
import { resolveStep } from '../../escalation/targets.js';
import { route, type Grouping } from '../../routing/route.js';
import { ScheduleRegistry } from '../../schedules/registry.js';
import { runtimeOverrides } from './overrides.js';
import { isoUtc } from '../../time/format.js';
import { configDir, load, timeArg, type CliEnv } from '../context.js';
import { CheckFailed, json, UsageError } from '../output.js';

export interface RouteFlags {
  readonly integration: string;
  readonly at?: string;
  readonly json?: boolean;
  readonly config?: string;
}

export async function routeCommand(file: string, flags: RouteFlags, cli: CliEnv): Promise<void> {
  const config = load(configDir(cli.env, flags.config), cli);
  const integration = config.integrations.find((i) => i.name === flags.integration);
  if (!integration) {
    throw new UsageError(
      `unknown integration "${flags.integration}" (integrations: ${config.integrations.map((i) => i.name).join(', ') || 'none'})`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new UsageError(`cannot read ${file} as JSON: ${(e as Error).message}`);
  }
  const result = normalize(integration, body);
  if (!result.ok) throw new CheckFailed(`hark: ${result.error.field}: ${result.error.message}`);
  const start = timeArg('--at', flags.at ?? 'now', config.settings.timezone, cli.now());
  // Runtime overrides too, when a Redis is reachable (as `hark who` does): the dry run pages whom
  // the escalation would.
  const runtime = await runtimeOverrides(config, cli);
  const registry = new ScheduleRegistry(config, {
    now: () => cli.now(),
    version: async () => 0,
    load: async () => ({ version: 0, overrides: runtime }),
  });
  await registry.refresh();
  const plans = result.alerts.map((alert) => {
    const r = route(config, alert);
    if (!r) return { alert: alert.summary, status: alert.status, service: null };
    const urgency = r.severity.urgency;
    const steps = urgency === 'low' ? r.policy.steps.slice(0, 1) : r.policy.steps;
    let offset = 0;
    const planned = steps.map((step, i) => {
      const at = start + offset;
      const people = resolveStep(step, registry, at).map((t) => ({
        person: t.person,
        via: t.via,
        pages: (config.people.get(t.person)?.notify[urgency] ?? []).map((rule) => ({
          channel: rule.channel,
          at: isoUtc(at + rule.afterMs),
          after: formatDuration(offset + rule.afterMs),
        })),
      }));
      const entry = { step: i + 1, at: isoUtc(at), after: formatDuration(offset), people };
      offset += step.escalateAfterMs;
      return entry;
    });
    return {
      alert: alert.summary,
      status: alert.status,
      key: alert.key,
      service: r.service.name,
      severity: r.severity.name,
      urgency,
      runbook: r.runbook,
      policy: r.policy.name,
      incidentKey: r.incidentKey,
      groupBy: r.service.groupBy,
      groupedBy: r.grouping.labels,
      missingLabels: r.grouping.missing,
      warnings: groupingWarnings(r.grouping),
      repeat: urgency === 'low' ? 0 : Number.isFinite(r.policy.repeat) ? r.policy.repeat : 'forever',
      steps: planned,
    };
  });
  if (flags.json) return cli.out.stdout(json(plans));
  const lines: string[] = [];
  for (const p of plans) {
    lines.push(`alert:     ${p.alert} (${p.status})`);
    if (p.service === null) {
      lines.push(
        'service:   none matches: Hark would refuse this alert with 422 (add a catch-all service)',
        '',
      );
      continue;
    }
    lines.push(
      `service:   ${p.service}    incident key: ${p.incidentKey}`,
      `grouping:  ${groupingLine(p.groupBy, p.groupedBy)}`,
      ...p.warnings.map((w) => `warning:   ${w}`),
      `severity:  ${p.severity} (${p.urgency} urgency)`,
      `runbook:   ${p.runbook ?? '-'}`,
      `policy:    ${p.policy}${p.urgency === 'low' ? ' (low urgency: step 1 only, no escalation)' : `, repeated ${String(p.repeat)} time(s) after the last step`}`,
    );
    for (const s of p.steps ?? []) {
      lines.push(`  step ${s.step} at +${s.after}:`);
      if (s.people.length === 0) lines.push('    nobody (the next step fires at once)');
      for (const person of s.people) {
        lines.push(
          `    ${person.person} (${person.via}): ${person.pages.map((pg) => `${pg.channel} +${pg.after}`).join(', ') || 'no notify rules for this urgency'}`,
        );
      }
    }
    lines.push('');
  }
  cli.out.stdout(lines.join('\n'));
  if (plans.some((p) => p.service === null)) throw new CheckFailed('hark: an alert matches no service');
}

/** Which labels formed the incident key, for the text output. */
function groupingLine(groupBy: readonly string[], labels: readonly string[]): string {
  if (groupBy.length === 0) return "by the alert's dedup key (the service has no group_by)";
  if (labels.length === 0) return `by the alert's dedup key (it has none of group_by: ${groupBy.join(', ')})`;
  return `by ${labels.join(', ')} (group_by: ${groupBy.join(', ')})`;
}

/** Missing group_by labels: the alert may group more widely than meant, or not at all. */
function groupingWarnings(grouping: Grouping): string[] {
  const { labels, missing } = grouping;
  if (missing.length === 0) return [];
  const names = missing.map((l) => `"${l}"`).join(', ');
  if (labels.length === 0) {
    return [
      `the alert has none of the group_by labels (${names}): it is not grouped, each such alert opens its own incident`,
    ];
  }
  const one = missing.length === 1;
  return [
    `the alert has no ${names} label${one ? '' : 's'}: ${one ? 'a missing label counts' : 'missing labels count'} as empty, so it joins any open incident of alerts with the same ${labels.map((l) => `"${l}"`).join(', ')} and ${one ? `no ${names}` : 'none of those'} either`,
  ];
}
