import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { CompiledSchedule } from '../../src/schedules/engine.js';
import { parseTimeArg } from '../../src/time/parse-time.js';
import { cleanup, expectGolden, filesIn, FIXTURES, hark, read, tmpDir } from './support/run.js';

afterAll(cleanup);

const FROM = join(FIXTURES, 'pagerduty');
const ENV = {
  PD_ROUTING_KEY_CHECKOUT_API_PROMETHEUS: 'routing-key-one',
  PD_ROUTING_KEY_POSTGRES_DATADOG: 'routing-key-two',
};

async function imported(): Promise<string> {
  const out = tmpDir();
  const r = await hark(['import', 'pagerduty', '--from', FROM, '--out', out, '--verify']);
  expect(r.stderr.split('\n').filter((l) => l.startsWith('hark:'))).toEqual([]);
  expect(r.code).toBe(0);
  return out;
}

describe('hark import pagerduty', () => {
  it('writes the golden config and report, and --verify finds no difference from final_schedule', async () => {
    const out = tmpDir();
    const r = await hark(['import', 'pagerduty', '--from', FROM, '--out', out, '--verify']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'hark import pagerduty: wrote 6 files to ' +
        out +
        ': 9 people, 2 schedules, 2 escalation policies, 2 services, 2 integrations\n',
    );
    expect(r.stdout).toContain(
      'verify schedule platform-primary (schedules/PSCHED1.json final_schedule), 2026-03-01T05:00:00Z to 2026-03-31T04:00:00Z: no differences\n',
    );
    expect(r.stdout).toContain(
      'verify schedule database (schedules/PSCHED2.json final_schedule), 2026-02-28T23:00:00Z to 2026-03-30T22:00:00Z: no differences\n',
    );
    expectGolden(out, 'pagerduty');
  });

  it('lists every skipped and approximated object on stderr and in IMPORT-REPORT.md', async () => {
    const out = tmpDir();
    const r = await hark(['import', 'pagerduty', '--from', FROM, '--out', out]);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      'approximated: user "Bob Builder" (PBOB002): contact method "Home": Hark keeps one sms number per person; rules using it page +15555550102 instead',
      'skipped: user "Bob Builder" (PBOB002): contact method "iPhone" (push_notification_contact_method): Hark pages by sms, voice and email only',
      'skipped: user "Bob Builder" (PBOB002): high-urgency notification rule PNR0B01 (after 0m): its contact method is not one Hark can use',
      'approximated: escalation policy "Platform Escalation" (PPOLCY1): rule 2 assigns round robin: Hark has no round robin, so it pages all 2 targets at once',
      'skipped: escalation policy "Database" (PPOLCY2): rule 2: target Flexible DB of type schedule_v3_reference: Hark notifies schedules and people',
      'skipped: service "Legacy Batch" (PSERV03): it is disabled in PagerDuty',
      'approximated: service "Checkout API" (PSERV01): PagerDuty routes by integration key, Hark by labels: this service matches alerts labelled service=checkout-api; change its match in hark.yaml to what your alerts carry',
      'skipped: integration "Email" (PINTG02) of service "Checkout API": type generic_email_inbound_integration: Hark takes alerts over HTTP, not email',
      'approximated: service "Postgres" (PSERV02): PagerDuty routes by integration key, Hark by labels: this service matches alerts labelled service=postgres; change its match in hark.yaml to what your alerts carry',
      'skipped: escalation policy "Database" (PPOLCY2): step 2 notifies nobody Hark can page, so it is left out; its wait (30m) is added to the step before',
    ]);
    const report = read(out, 'IMPORT-REPORT.md');
    for (const l of lines) expect(report).toContain(`- ${l.replace(/^(skipped|approximated): /, '')}\n`);
    expect(report).toContain('## Skipped (6)');
    expect(report).toContain('## Approximated (4)');
  });

  it('passes hark validate with the routing keys set, and with --no-env without them', async () => {
    const out = await imported();
    const v = await hark(['validate', out], ENV);
    // PagerDuty routes by integration key: the services match a label instead (reported).
    expect(v.stderr).toBe(
      'hark.yaml:81:1: warning: no service matches every alert: alerts that match none are refused with 422; add a last service without match\n',
    );
    expect(v.stdout).toBe('ok: 9 people, 2 schedules, 2 escalation policies, 2 services, 0 runbooks\n');
    expect(v.code).toBe(0);
    const n = await hark(['validate', '--no-env', out]);
    expect(n.code).toBe(0);
    expect(n.stderr).toContain('environment variable PD_ROUTING_KEY_CHECKOUT_API_PROMETHEUS is not set');
    const bare = await hark(['validate', out]);
    expect(bare.code).toBe(1);
  });

  it('is idempotent: a second run on the same export writes byte-identical files', async () => {
    const out = await imported();
    const first = new Map(filesIn(out).map((f) => [f, read(out, f)]));
    const again = await hark(['import', 'pagerduty', '--from', FROM, '--out', out, '--verify']);
    expect(again.code).toBe(0);
    expect(filesIn(out)).toEqual([...first.keys()]);
    for (const [f, text] of first) expect(read(out, f), f).toBe(text);
  });

  it('never writes an integration key: tokens are ${ENV} references', async () => {
    const out = await imported();
    for (const f of filesIn(out)) {
      const text = read(out, f);
      expect(text).not.toContain('a1b2c3d4e5f60718293a4b5c6d7e8f90');
      expect(text).not.toContain('f0e9d8c7b6a5948372615049382716a5');
    }
    expect(read(out, 'hark.yaml')).toContain('token: "${PD_ROUTING_KEY_CHECKOUT_API_PROMETHEUS}"');
  });

  it('has the people on call that the layers, restrictions and overrides give (checked by hand)', async () => {
    const out = await imported();
    const { config } = loadConfig(out, { env: ENV });
    const platform = new CompiledSchedule(config.schedules.get('platform-primary')!);
    const who = (local: string) =>
      platform.base.holderAt('primary', parseTimeArg(local, 'America/New_York', 0)!);
    // Weekly layer: 8 weeks after 2026-01-05 09:00, members[8 mod 3] = carol.
    expect(who('2026-03-02T10:00')).toBe('carol-danvers');
    // Weekend layer (Sat 10:00 to Mon 10:00): 57 whole days after 2026-01-03 10:00 → hank.
    expect(who('2026-03-02T09:30')).toBe('hank-weekend');
    // Nights layer: 723 h after its virtual start 2026-02-01 20:00 → turn 60 → dave.
    expect(who('2026-03-03T23:00')).toBe('dave-night');
    // The weekly restriction Wed 12:00–15:00 of the weekend layer.
    expect(who('2026-03-04T13:00')).toBe('gina-weekend');
    // Overrides, one across the start of daylight saving time (02:00 → 03:00 on 2026-03-08).
    expect(who('2026-03-08T03:30')).toBe('ivan-cover');
    expect(who('2026-03-10T12:00')).toBe('ivan-cover');
    // After the override, Sunday on the weekend layer: 63 whole days (and 19 h) → hank.
    expect(who('2026-03-08T05:00')).toBe('hank-weekend');
    // Berlin, two-day turns from 2026-02-02 09:00: 27 days later is turn 13 → frank; across
    // Berlin's DST change (2026-03-29) the handoff stays at 09:00 local.
    const db = new CompiledSchedule(config.schedules.get('database')!);
    const dbWho = (local: string) => db.base.holderAt('primary', parseTimeArg(local, 'Europe/Berlin', 0)!);
    expect(dbWho('2026-03-01T10:00')).toBe('frank-kohler');
    expect(dbWho('2026-03-30T08:59')).toBe('erin-berlin');
    expect(dbWho('2026-03-30T09:00')).toBe('frank-kohler');
  });

  it('--verify prints a deliberate difference (start, end, who) and exits 1', async () => {
    const out = tmpDir();
    const r = await hark([
      'import',
      'pagerduty',
      '--from',
      join(FIXTURES, 'pagerduty-difference.json'),
      '--out',
      out,
      '--verify',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'verify schedule small (pagerduty-difference.json "schedules/PSCHEDX" final_schedule), 2026-03-02T14:00:00Z to 2026-03-09T13:00:00Z: 1 difference\n' +
        '  2026-03-04T14:00:00Z to 2026-03-05T14:00:00Z: PagerDuty has bob-builder, Hark has alice-example\n',
    );
    expect(r.stderr).toContain('hark: --verify found 1 difference between PagerDuty and Hark\n');
    expect(read(out, 'IMPORT-REPORT.md')).toContain(
      '- 2026-03-04T14:00:00Z to 2026-03-05T14:00:00Z: PagerDuty has bob-builder, Hark has alice-example\n',
    );
  });

  it('reads a bundle file as it reads the directory', async () => {
    const dir = tmpDir();
    const bundle: Record<string, unknown> = {};
    for (const f of filesIn(FROM))
      bundle[f.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(FROM, f), 'utf8'));
    writeFileSync(join(dir, 'export.json'), JSON.stringify(bundle));
    const a = await imported();
    const b = tmpDir();
    const r = await hark(['import', 'pagerduty', '--from', join(dir, 'export.json'), '--out', b, '--verify']);
    expect(r.code).toBe(0);
    for (const f of filesIn(a).filter((x) => x.endsWith('.yaml'))) expect(read(b, f), f).toBe(read(a, f));
  });

  it('names the file and JSON path of input that does not have the documented shape', async () => {
    const dir = tmpDir();
    cpSync(FROM, dir, { recursive: true });
    const file = join(dir, 'schedules/PSCHED2.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as {
      schedule: { schedule_layers: { rotation_turn_length_seconds: unknown }[] };
    };
    json.schedule.schedule_layers[0]!.rotation_turn_length_seconds = '2 days';
    writeFileSync(file, JSON.stringify(json));
    const r = await hark(['import', 'pagerduty', '--from', dir, '--out', tmpDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'hark: schedules/PSCHED2.json: $.schedule.schedule_layers[0].rotation_turn_length_seconds: Invalid input: expected number, received string\n',
    );
  });
});
