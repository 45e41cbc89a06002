import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { CompiledSchedule } from '../../src/schedules/engine.js';
import { parseTimeArg } from '../../src/time/parse-time.js';
import { cleanup, expectGolden, filesIn, FIXTURES, hark, read, tmpDir } from './support/run.js';

afterAll(cleanup);

const FROM = join(FIXTURES, 'grafana-oncall');
const ENV = {
  HARK_PHONE_ALICE: '+15555550101',
  HARK_TOKEN_ALERTMANAGER_PROD: 'a-new-token-for-alertmanager',
  HARK_TOKEN_GRAFANA_ALERTING: 'a-new-token-for-grafana',
};

async function imported(): Promise<string> {
  const out = tmpDir();
  const r = await hark(['import', 'grafana-oncall', '--from', FROM, '--out', out, '--verify']);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

describe('hark import grafana-oncall', () => {
  it('writes the golden config; --verify finds no difference from final_shifts', async () => {
    const out = tmpDir();
    const r = await hark(['import', 'grafana-oncall', '--from', FROM, '--out', out, '--verify']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('verify'))).toEqual([
      'verify schedule platform (schedules/SPLATFORM0001/final_shifts.json), 2026-03-01T05:00:00Z to 2026-03-31T04:00:00Z: no differences',
      'verify schedule database (schedules/SDATABASE0002/final_shifts.json), 2026-02-28T23:00:00Z to 2026-03-30T22:00:00Z: no differences',
    ]);
    expectGolden(out, 'grafana-oncall');
  });

  it('reports iCal schedules, steps Hark has not, round robin and important rules', async () => {
    const out = tmpDir();
    const r = await hark(['import', 'grafana-oncall', '--from', FROM, '--out', out]);
    for (const line of [
      'skipped: schedule "Old iCal" (SICAL00000003): an iCal schedule: its events live in an external calendar (ical_url_primary); import that calendar by hand',
      'approximated: escalation chain "Platform chain" (FPLATFORM0001): step 5 (notify_person_next_each_time) pages the next of 2 people each time: Hark has no round robin, so it pages all of them',
      'skipped: escalation chain "Platform chain" (FPLATFORM0001): step 6 (notify_user_group): Hark has no notify user group step',
      'skipped: escalation chain "DB chain" (FDATABASE0002): step 4 (trigger_webhook): Hark has no trigger webhook step',
      'approximated: escalation chain "DB chain" (FDATABASE0002): it waits 1m before its first notification: Hark pages the first step at once',
      'skipped: user "alice" (UALICE0000001): 1 "important" notification rules: Hark has one set of rules per urgency; the default rules are used for high urgency',
      'skipped: route RCRITICAL003 of integration "Alertmanager prod": its routing_regex "{{ payload.labels.team == \'db\' }}" is a Jinja template: add a service with a label match for it',
    ]) {
      expect(r.stderr).toContain(`${line}\n`);
      expect(read(out, 'IMPORT-REPORT.md')).toContain(`- ${line.replace(/^(skipped|approximated): /, '')}\n`);
    }
    // The OnCall API exports no phone numbers: they come from the environment.
    expect(read(out, 'hark.yaml')).toContain('sms: "${HARK_PHONE_ALICE}"');
    expect(read(out, 'IMPORT-REPORT.md')).toContain(
      '| `HARK_PHONE_ALICE` | the phone number (E.164) of OnCall user alice: the OnCall API does not export phone numbers |',
    );
    // Integration URLs hold OnCall's secret tokens: never written.
    for (const f of filesIn(out)) expect(read(out, f)).not.toContain('mReAoNwDm0eMwKo1mTeTwYo');
  });

  it('passes hark validate, and is idempotent', async () => {
    const out = await imported();
    const v = await hark(['validate', out], ENV);
    expect(
      v.stderr
        .trimEnd()
        .split('\n')
        .filter((l) => l !== '' && !l.includes(': warning: ')),
    ).toEqual([]);
    expect(v.stdout).toBe('ok: 8 people, 2 schedules, 2 escalation policies, 2 services, 0 runbooks\n');
    expect(v.code).toBe(0);
    const first = new Map(filesIn(out).map((f) => [f, read(out, f)]));
    const again = await hark(['import', 'grafana-oncall', '--from', FROM, '--out', out, '--verify']);
    expect(again.code).toBe(0);
    for (const [f, text] of first) expect(read(out, f), f).toBe(text);
  });

  it('turns shifts into rotations, levels into layers and pairs into roles (checked by hand)', async () => {
    const out = await imported();
    const { config } = loadConfig(out, { env: ENV });
    const platform = new CompiledSchedule(config.schedules.get('platform')!);
    const who = (role: string, local: string) =>
      platform.base.holderAt(role, parseTimeArg(local, 'America/New_York', 0)!);
    // Weekly from Mon 2026-02-02 09:00: week 5 (2026-03-09, after DST began on 03-08) is carol's
    // (members[5 mod 3]) from 09:00 local, not 10:00: durations are wall-clock time.
    expect(who('primary', '2026-03-09T08:59')).toBe('bob');
    expect(who('primary', '2026-03-09T09:00')).toBe('carol');
    // Evenings 18:00–22:00 on weekdays, one turn per day from Mon 2026-02-02 starting with the
    // second group (start_rotation_from_user_index 1): 2026-03-09 is the 25th weekday turn → dave.
    expect(who('primary', '2026-03-09T19:00')).toBe('dave');
    expect(who('primary', '2026-03-09T22:00')).toBe('carol');
    // Weekend pairs, level 2: both members on call, in two roles.
    expect(who('primary', '2026-03-07T11:00')).toBe('gina');
    expect(who('primary-2', '2026-03-07T11:00')).toBe('ivan');
    // The override shift.
    expect(who('primary', '2026-03-10T13:00')).toBe('ivan');
    const db = new CompiledSchedule(config.schedules.get('database')!);
    const dbWho = (local: string) => db.base.holderAt('primary', parseTimeArg(local, 'Europe/Berlin', 0)!);
    // Two-day turns from 2026-02-01, on call from rotation_start 2026-02-10: turn 5 (02-11, 02-12) is carol's.
    expect(dbWho('2026-02-10T12:00')).toBe(null);
    expect(dbWho('2026-02-12T12:00')).toBe('carol');
    // Office hours Mon/Wed/Fri 08:00–17:00 on top, until 2026-03-25.
    expect(dbWho('2026-03-02T09:00')).toBe('erin');
    expect(dbWho('2026-03-27T09:00')).not.toBe('erin');
    const chain = config.policies.get('platform-chain')!;
    expect(chain.steps.map((s) => s.escalateAfterMs / 60_000)).toEqual([5, 10, 15, 1]);
    expect(chain.repeat).toBe(5);
  });

  it('--verify prints a difference from changed final shifts and exits 1', async () => {
    const dir = tmpDir();
    cpSync(FROM, dir, { recursive: true });
    const file = join(dir, 'schedules/SDATABASE0002/final_shifts.json');
    const finals = JSON.parse(readFileSync(file, 'utf8')) as { results: { shift_end: string }[] };
    const row = finals.results[0]!;
    row.shift_end = new Date(Date.parse(row.shift_end) - 3_600_000).toISOString();
    writeFileSync(file, JSON.stringify(finals));
    const r = await hark(['import', 'grafana-oncall', '--from', dir, '--out', tmpDir(), '--verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/: 1 difference\n {2}\S+ to \S+: Grafana OnCall has nobody, Hark has \w+\n/);
  });
});
