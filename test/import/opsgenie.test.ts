import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { CompiledSchedule } from '../../src/schedules/engine.js';
import { parseTimeArg } from '../../src/time/parse-time.js';
import { cleanup, expectGolden, filesIn, FIXTURES, hark, read, tmpDir } from './support/run.js';

afterAll(cleanup);

const FROM = join(FIXTURES, 'opsgenie');
const ENV = { HARK_TOKEN_PROMETHEUS_OPS: 'a-new-token-for-prometheus' };

async function imported(from = FROM): Promise<string> {
  const out = tmpDir();
  const r = await hark(['import', 'opsgenie', '--from', from, '--out', out, '--verify']);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe('hark import opsgenie', () => {
  it('writes the golden config; --verify finds no difference from each rotation of the timeline', async () => {
    const out = tmpDir();
    const r = await hark(['import', 'opsgenie', '--from', FROM, '--out', out, '--verify']);
    expect(r.code).toBe(0);
    const verify = r.stdout.split('\n').filter((l) => l.startsWith('verify'));
    expect(verify).toEqual([
      'verify schedule ops-team_schedule role business-hours (schedules/s-ops/timeline.json finalTimeline rotation "Business hours"), 2026-03-01T00:00:00Z to 2026-03-31T00:00:00Z: no differences',
      'verify schedule ops-team_schedule role nights (schedules/s-ops/timeline.json finalTimeline rotation "Nights"), 2026-03-01T00:00:00Z to 2026-03-31T00:00:00Z: no differences',
      'verify schedule ops-team_schedule role eight-hours (schedules/s-ops/timeline.json finalTimeline rotation "Eight hours"), 2026-03-01T00:00:00Z to 2026-03-31T00:00:00Z: no differences',
      'verify schedule db_schedule role primary (schedules/s-db/timeline.json finalTimeline rotation "Two days"), 2026-03-01T00:00:00Z to 2026-03-31T00:00:00Z: no differences',
    ]);
    expectGolden(out, 'opsgenie');
  });

  it('reports what it skipped: none participants, next on-call rules, disabled objects, API integrations', async () => {
    const out = tmpDir();
    const r = await hark(['import', 'opsgenie', '--from', FROM, '--out', out]);
    for (const line of [
      'skipped: rotation "Backup" (r-backup) of schedule "Backup_schedule": it has a "none" participant (a turn with nobody on call): Hark rotations hand off between people only',
      'skipped: schedule "Backup_schedule" (s-backup): none of its rotations could be imported (see above), so no schedule file is written',
      'skipped: schedule "Old_schedule" (s-old): it is disabled in Opsgenie',
      'skipped: escalation "Ops Team_escalation" (e-ops): rule 2 notifies the next on-call of schedule "Ops Team_schedule": Hark notifies who is on call now',
      'approximated: escalation "Ops Team_escalation" (e-ops): rule 4 notifies "if not closed": Hark stops escalating when the incident is acknowledged',
      'skipped: routing rule "Critical to DB" (rr-ops-sev1) of team "Ops Team": its conditions (match-any-condition) are not translated: add a service with a match for them',
      'skipped: integration "Default API" (i-api): type API: Hark takes Alertmanager, Grafana, Datadog, PagerDuty Events and its generic JSON; point this sender at one of those',
      'skipped: user "Bob Builder" (b3c1f0a2-0000-4000-8000-000000000002): mobile contact: Hark pages by sms, voice and email only',
      'approximated: user "Gina Hours" (b3c1f0a2-0000-4000-8000-000000000007): contacts not exported (save users/b3c1f0a2-0000-4000-8000-000000000007.json with ?expand=contact): only the login email is used',
    ]) {
      expect(r.stderr).toContain(`${line}\n`);
      expect(read(out, 'IMPORT-REPORT.md')).toContain(`- ${line.replace(/^(skipped|approximated): /, '')}\n`);
    }
  });

  it('passes hark validate, and is idempotent', async () => {
    const out = await imported();
    const v = await hark(['validate', out], ENV);
    // Warnings only: the services match a label (Opsgenie routes by integration, reported), and
    // each restricted rotation is a role of its own, with gaps.
    expect(v.stderr).toContain(
      'hark.yaml:54:1: warning: no service matches every alert: alerts that match none are refused with 422; add a last service without match\n',
    );
    expect(
      v.stderr
        .trimEnd()
        .split('\n')
        .filter((l) => !l.includes(': warning: ')),
    ).toEqual([]);
    expect(v.code).toBe(0);
    expect(v.stdout).toBe('ok: 7 people, 2 schedules, 2 escalation policies, 2 services, 0 runbooks\n');
    const first = new Map(filesIn(out).map((f) => [f, read(out, f)]));
    const again = await hark(['import', 'opsgenie', '--from', FROM, '--out', out, '--verify']);
    expect(again.code).toBe(0);
    expect(filesIn(out)).toEqual([...first.keys()]);
    for (const [f, text] of first) expect(read(out, f), f).toBe(text);
  });

  it('maps rotations to roles, restrictions to coverage and rule delays to steps (checked by hand)', async () => {
    const out = await imported();
    const { config } = loadConfig(out, { env: ENV });
    const ops = new CompiledSchedule(config.schedules.get('ops-team_schedule')!);
    const who = (role: string, local: string) =>
      ops.base.holderAt(role, parseTimeArg(local, 'Europe/London', 0)!);
    // Weekly from Mon 2026-02-02 09:00: 4 weeks later is turn 4, members[4 mod 3] = bob; the
    // restriction runs Monday 09:00 to Friday 17:30 without a break, and Saturday 10:00–14:00.
    expect(who('business-hours', '2026-03-02T08:59')).toBe(null);
    expect(who('business-hours', '2026-03-04T03:00')).toBe('bob-builder');
    expect(who('business-hours', '2026-03-06T17:30')).toBe(null);
    expect(who('business-hours', '2026-03-07T11:00')).toBe('bob-builder');
    expect(who('business-hours', '2026-03-09T09:00')).toBe('carol-danvers');
    // Nights 18:00–09:00, daily turns from 2026-02-01 18:00: 2026-03-03 07:00 is in turn 29 →
    // bob; an override for this rotation alone on the night of 2026-03-03.
    expect(who('nights', '2026-03-03T07:00')).toBe('bob-builder');
    expect(who('nights', '2026-03-03T09:00')).toBe(null);
    expect(who('nights', '2026-03-03T21:00')).toBe('frank-kohler');
    expect(who('business-hours', '2026-03-03T21:00')).toBe('bob-builder');
    // An override for every rotation across London's DST change (01:00 UTC on 2026-03-29).
    for (const role of ['business-hours', 'nights', 'eight-hours']) {
      expect(who(role, '2026-03-29T03:00')).toBe('gina-hours');
    }
    const policy = config.policies.get('ops-team_escalation')!;
    // Rules at 0m (the schedule), 5m (next on-call: skipped), 10m (dave), 1h (team admins).
    expect(policy.steps.map((s) => s.escalateAfterMs / 60_000)).toEqual([10, 50, 10]);
    expect(policy.steps[0]!.notify).toEqual([
      { kind: 'schedule', schedule: 'ops-team_schedule', role: 'business-hours' },
      { kind: 'schedule', schedule: 'ops-team_schedule', role: 'nights' },
      { kind: 'schedule', schedule: 'ops-team_schedule', role: 'eight-hours' },
    ]);
    expect(policy.repeat).toBe(2);
  });

  it('--verify prints each difference from a changed timeline and exits 1', async () => {
    const dir = tmpDir();
    cpSync(FROM, dir, { recursive: true });
    const file = join(dir, 'schedules/s-db/timeline.json');
    const tl = JSON.parse(readFileSync(file, 'utf8')) as {
      data: { finalTimeline: { rotations: { periods: { recipient: { id: string; name: string } }[] }[] } };
    };
    const period = tl.data.finalTimeline.rotations[0]!.periods[3]!;
    period.recipient = {
      ...period.recipient,
      id: 'b3c1f0a2-0000-4000-8000-000000000001',
      name: 'alice@example.com',
    };
    writeFileSync(file, JSON.stringify(tl));
    const out = tmpDir();
    const r = await hark(['import', 'opsgenie', '--from', dir, '--out', out, '--verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /verify schedule db_schedule role primary .*: 1 difference\n {2}\S+ to \S+: Opsgenie has alice-example, Hark has (erin-chicago|frank-kohler)\n/,
    );
    expect(r.stderr).toContain('hark: --verify found 1 difference between Opsgenie and Hark\n');
  });
});
