import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const exec = promisify(execFile);

const hark = (argv: string[], opts: { env?: NodeJS.ProcessEnv; now?: string } = {}) =>
  runCli(argv, {
    env: { HARK_CONFIG: ROOT, ...opts.env },
    now: () => Date.parse(opts.now ?? '2026-11-25T15:00:00Z'),
    lines: true,
  });

/** A copy of the example config with one file changed. */
function exampleWith(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hark-cli-'));
  for (const part of ['hark.yaml', 'schedules', 'escalation-policies', 'runbooks'])
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
  return dir;
}

/** `line:col` (1-based) of the first `needle` in `text`. */
function at(text: string, needle: string): string {
  const before = text.slice(0, text.indexOf(needle)).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('hark validate', () => {
  it('accepts the example config', async () => {
    const r = await hark(['validate', ROOT]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok: 6 people, 2 schedules, 2 escalation policies, 3 services, 1 runbook\n');
    expect(r.code).toBe(0);
  });

  it('rejects an unknown person with file:line:col and exit 1', async () => {
    const dir = exampleWith('schedules/platform.yaml', (t) =>
      t.replace('members: [alice, bob, carol]', 'members: [alice, bbo, carol]'),
    );
    const r = await hark(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'schedules/platform.yaml:7:22: unknown person "bbo" in rotation "weekly" (did you mean "bob"?)\n1 error\n',
    );
  });

  it('reports an unset variable with every other error, and --no-env makes it a warning', async () => {
    // Issue 10 item 12: the unset ${DD_TOKEN} hid the unknown person and the misspelled policy.
    const dir = exampleWith('schedules/platform.yaml', (t) =>
      t.replace('members: [alice, bob, carol]', 'members: [alice, bbo, carol]'),
    );
    const text = readFileSync(join(dir, 'hark.yaml'), 'utf8')
      .replace('${DD_TOKEN:-example-datadog-token}', '${DD_TOKEN}')
      .replace('escalation_policy: follow-the-sun', 'escalation_policy: folow-the-sun');
    writeFileSync(join(dir, 'hark.yaml'), text);
    const policy = `hark.yaml:${at(text, 'folow-the-sun')}: unknown escalation policy "folow-the-sun" for service "edge" (did you mean "follow-the-sun"?) (policies are the files in escalation-policies/)`;
    const token = `hark.yaml:${at(text, '"${DD_TOKEN}"')}:`;
    const person =
      'schedules/platform.yaml:7:22: unknown person "bbo" in rotation "weekly" (did you mean "bob"?)';
    const r = await hark(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      [
        policy,
        `${token} environment variable DD_TOKEN is not set (used as \${DD_TOKEN}); set it or write \${DD_TOKEN:-default}`,
        person,
        '3 errors',
        '',
      ].join('\n'),
    );
    const n = await hark(['validate', dir, '--no-env']);
    expect(n.code).toBe(1);
    expect(n.stderr).toBe(
      [
        `${token} warning: environment variable DD_TOKEN is not set (used as \${DD_TOKEN}): the value is not checked`,
        policy,
        person,
        '2 errors',
        '',
      ].join('\n'),
    );
  });

  it('--no-env accepts a config whose secrets are all unset, with a warning for each (exit 0)', async () => {
    // Every `${NAME:-default}` of the example becomes `${NAME}`, none of them set.
    const dir = exampleWith('hark.yaml', (t) => t.replace(/\$\{([A-Z_]+):-[^}]*\}/g, '$${$1}'));
    const text = readFileSync(join(dir, 'hark.yaml'), 'utf8');
    const code = text.replace(/^\s*#.*$/gm, '');
    const refs = code.match(/\$\{[A-Z_]+\}/g)?.length ?? 0;
    expect(refs).toBeGreaterThan(10);
    const strict = await hark(['validate', dir]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(new RegExp(`\\n${refs} errors\\n$`));
    const r = await hark(['validate', dir, '--no-env']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('ok: 6 people, 2 schedules, 2 escalation policies, 3 services, 1 runbook\n');
    const warnings = r.stderr.trim().split('\n');
    expect(warnings).toHaveLength(refs);
    expect(warnings[0]).toBe(
      `hark.yaml:${at(text, '"${ALICE_PHONE}"')}: warning: environment variable ALICE_PHONE is not set (used as \${ALICE_PHONE}): the value is not checked`,
    );
    const j = await hark(['validate', dir, '--no-env', '--json']);
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.stdout) as {
      ok: boolean;
      errors: unknown[];
      warnings: { message: string }[];
    };
    expect(parsed.ok).toBe(true);
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings.map((w) => w.message.split(' ')[2])).toContain('DD_TOKEN');
  });

  it('warns about coverage gaps in the next 30 days, without failing', async () => {
    const dir = exampleWith('schedules/follow-the-sun.yaml', (t) =>
      t.replace(
        '{days: [fri, sat], from: "22:00", to: "22:00"}',
        '{days: [sat], from: "00:00", to: "22:00"}',
      ),
    );
    const r = await hark(['validate', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'schedules/follow-the-sun.yaml:1:1: warning: role "primary" has nobody on call in the next 30 days: Fri 27 Nov 2026 22:00 UTC to Sat 28 Nov 2026 00:00 UTC (2h) and 7 more (4d 8h in all)\n',
    );
    const j = await hark(['validate', dir, '--json']);
    const parsed = JSON.parse(j.stdout) as { ok: boolean; gaps: { start: string; end: string }[] };
    expect(parsed.ok).toBe(true);
    expect(parsed.gaps[0]).toEqual({
      schedule: 'follow-the-sun',
      role: 'primary',
      start: '2026-11-27T22:00:00Z',
      end: '2026-11-28T00:00:00Z',
    });
    expect(parsed.gaps).toHaveLength(8);
  });
});

describe('hark who', () => {
  it('answers the SPEC JSON shape, local --at in the schedule zone', async () => {
    const r = await hark(['who', 'platform', '--at', '2026-03-08T01:30', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        schedule: 'platform',
        role: 'primary',
        person: 'carol',
        since: '2026-03-02T14:00:00Z',
        until: '2026-03-09T13:00:00Z',
      },
      {
        schedule: 'platform',
        role: 'secondary',
        person: 'alice',
        since: '2026-03-02T14:00:00Z',
        until: '2026-03-09T13:00:00Z',
      },
      { schedule: 'platform', role: 'manager', person: 'dave', since: '2026-01-05T14:00:00Z', until: null },
    ]);
  });

  it('shows the git override of the example (dave over the holidays)', async () => {
    const r = await hark(['who', 'platform', '--at', '2026-12-25T12:00:00Z', '--json']);
    const rows = JSON.parse(r.stdout) as { role: string; person: string; since: string; until: string }[];
    expect(rows[0]).toEqual({
      schedule: 'platform',
      role: 'primary',
      person: 'dave',
      since: '2026-12-24T14:00:00Z',
      until: '2026-12-26T14:00:00Z',
    });
  });

  it('prints a table with times in the schedule zone, for all schedules', async () => {
    const r = await hark(['who']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^SCHEDULE\s+ROLE\s+PERSON\s+SINCE\s+UNTIL\s+SOURCE$/);
    expect(r.stdout).toContain(
      'platform        primary    bob     Mon 23 Nov 2026 09:00 EST  Mon 30 Nov 2026 09:00 EST  rotation:weekly',
    );
    expect(r.stdout).toContain(
      'follow-the-sun  primary    emma    Wed 25 Nov 2026 08:00 UTC  Wed 25 Nov 2026 16:00 UTC  rotation:london',
    );
  });

  it('refuses a bad time or schedule with exit 2', async () => {
    const bad = await hark(['who', 'platform', '--at', 'tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'hark: invalid --at "tuesday": use ISO 8601 such as 2026-03-08T01:30 (local to the schedule), 2026-03-08T06:30Z, or now\n',
    );
    const unknown = await hark(['who', 'platfrom']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('hark: unknown schedule "platfrom" (schedules: follow-the-sun, platform)\n');
  });

  it('exits 1 with the config errors when the config is broken', async () => {
    const dir = exampleWith('hark.yaml', (t) =>
      t.replace('timezone: America/Chicago', 'timezone: America/Chicag0'),
    );
    const r = await hark(['who', '--config', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'hark.yaml:24:15: unknown time zone "America/Chicag0": use an IANA name such as Europe/Berlin or America/New_York\n' +
        'hark: the config has 1 error; run hark validate\n',
    );
  });
});

describe('hark shifts', () => {
  it('lists final shifts per role across a DST change as JSON', async () => {
    const r = await hark([
      'shifts',
      'platform',
      '--from',
      '2026-03-02T09:00',
      '--to',
      '2026-03-16T09:00',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const primary = (JSON.parse(r.stdout) as { role: string }[]).filter((s) => s.role === 'primary');
    expect(primary).toEqual([
      {
        role: 'primary',
        person: 'carol',
        start: '2026-03-02T14:00:00Z',
        end: '2026-03-09T13:00:00Z',
        source: 'rotation:weekly',
      },
      {
        role: 'primary',
        person: 'alice',
        start: '2026-03-09T13:00:00Z',
        end: '2026-03-16T13:00:00Z',
        source: 'rotation:weekly',
      },
    ]);
  });

  it('needs --from and --to, in order', async () => {
    expect((await hark(['shifts', 'platform', '--from', 'now'])).code).toBe(2);
    const reversed = await hark(['shifts', 'platform', '--from', '2026-03-02', '--to', '2026-03-01']);
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toBe('hark: --to must be after --from\n');
  });
});

describe('bin/hark', () => {
  it('runs the built CLI', async () => {
    const ok = await exec(join(ROOT, 'bin/hark'), ['validate', '.'], { cwd: ROOT });
    expect(ok.stdout).toContain('ok: 6 people');
  });

  it('exits 1 on an unknown person, naming file:line:col', async () => {
    const dir = exampleWith('escalation-policies/platform.yaml', (t) =>
      t.replace('- {schedule: platform, role: manager}', '- {person: dvae}'),
    );
    const r = await exec(join(ROOT, 'bin/hark'), ['validate', dir]).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(r).toMatchObject({ code: 1 });
    expect((r as { stderr: string }).stderr).toBe(
      'escalation-policies/platform.yaml:11:18: unknown person "dvae" in step 3 (did you mean "dave"?)\n1 error\n',
    );
  });
});

describe('hark route: grouping', () => {
  /** `hark route` of one alert through the example's integration, text and JSON. */
  async function routeOf(integration: string, alert: object) {
    const file = join(mkdtempSync(join(tmpdir(), 'hark-route-')), 'alert.json');
    writeFileSync(file, JSON.stringify(alert));
    const text = await hark(['route', file, '--integration', integration]);
    const json = await hark(['route', file, '--integration', integration, '--json']);
    expect(text.code).toBe(0);
    expect(json.code).toBe(0);
    const [plan] = JSON.parse(json.stdout) as Record<string, unknown>[];
    const head = text.stdout.split('\n').filter((l) => /^(service|grouping|warning):/.test(l));
    return { head, plan: plan! };
  }
  const grouping = (plan: Record<string, unknown>) => ({
    incidentKey: plan.incidentKey,
    groupBy: plan.groupBy,
    groupedBy: plan.groupedBy,
    missingLabels: plan.missingLabels,
    warnings: plan.warnings,
  });

  it('names the labels that formed the key', async () => {
    const { head, plan } = await routeOf('scripts', {
      status: 'firing',
      summary: 'Checkout p99 > 2s',
      severity: 'critical',
      labels: { team: 'payments', alertname: 'CheckoutLatencyHigh', cluster: 'eu-1' },
    });
    expect(head).toEqual([
      'service:   checkout    incident key: checkout:alertname=CheckoutLatencyHigh&cluster=eu-1',
      'grouping:  by alertname, cluster (group_by: alertname, cluster)',
    ]);
    expect(grouping(plan)).toEqual({
      incidentKey: 'checkout:alertname=CheckoutLatencyHigh&cluster=eu-1',
      groupBy: ['alertname', 'cluster'],
      groupedBy: ['alertname', 'cluster'],
      missingLabels: [],
      warnings: [],
    });
  });

  it('warns about a missing group_by label, which counts as empty', async () => {
    const { head, plan } = await routeOf('scripts', {
      status: 'firing',
      summary: 'Checkout p99 > 2s',
      severity: 'critical',
      labels: { team: 'payments', alertname: 'CheckoutLatencyHigh' },
    });
    const warning =
      'the alert has no "cluster" label: a missing label counts as empty, so it joins any open incident of alerts with the same "alertname" and no "cluster" either';
    expect(head).toEqual([
      'service:   checkout    incident key: checkout:alertname=CheckoutLatencyHigh&cluster=',
      'grouping:  by alertname (group_by: alertname, cluster)',
      `warning:   ${warning}`,
    ]);
    expect(grouping(plan)).toEqual({
      incidentKey: 'checkout:alertname=CheckoutLatencyHigh&cluster=',
      groupBy: ['alertname', 'cluster'],
      groupedBy: ['alertname'],
      missingLabels: ['cluster'],
      warnings: [warning],
    });
  });

  it('falls back to the dedup key, with a warning, when every group_by label is missing', async () => {
    const { head, plan } = await routeOf('datadog', {
      alert_cycle_key: '8000000000000000001',
      alert_transition: 'Triggered',
      alert_priority: 'P1',
      alert_title: 'Payments DB connections exhausted',
      tags: 'team:payments,env:prod',
    });
    const warning =
      'the alert has none of the group_by labels ("alertname", "cluster"): it is not grouped, each such alert opens its own incident';
    expect(head).toEqual([
      'service:   checkout    incident key: checkout:alert=datadog%2F8000000000000000001',
      "grouping:  by the alert's dedup key (it has none of group_by: alertname, cluster)",
      `warning:   ${warning}`,
    ]);
    expect(grouping(plan)).toEqual({
      incidentKey: 'checkout:alert=datadog%2F8000000000000000001',
      groupBy: ['alertname', 'cluster'],
      groupedBy: [],
      missingLabels: ['alertname', 'cluster'],
      warnings: [warning],
    });
  });

  it('says so when the service has no group_by', async () => {
    const { head, plan } = await routeOf('scripts', {
      status: 'firing',
      dedup_key: 'disk-1',
      summary: 'Disk full',
      labels: { team: 'storage' },
    });
    expect(head).toEqual([
      'service:   catch-all    incident key: catch-all:alert=scripts%2Fdisk-1',
      "grouping:  by the alert's dedup key (the service has no group_by)",
    ]);
    expect(grouping(plan)).toMatchObject({ groupBy: [], groupedBy: [], missingLabels: [], warnings: [] });
  });
});
