import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bundle } from '../../src/import/input.js';
import { harkName, NameSpace, envName } from '../../src/import/names.js';
import { planPagerduty } from '../../src/import/pagerduty.js';
import { windowsFor } from '../../src/import/shape.js';
import { toConfigSchedule, verifyAll } from '../../src/import/verify.js';
import { cleanup, filesIn, FIXTURES, hark, read, tmpDir } from './support/run.js';

afterAll(cleanup);

describe('names', () => {
  it("follow Hark's name rule and stay unique", () => {
    expect(harkName('Platform Team – EU', 'x')).toBe('platform-team-eu');
    expect(harkName('Frank Köhler', 'x')).toBe('frank-kohler');
    expect(harkName('  ***  ', 'User PXPGF42')).toBe('user-pxpgf42');
    expect(harkName('_Ops_', 'x')).toBe('ops');
    expect(harkName('a'.repeat(80), 'x')).toHaveLength(63);
    const ns = new NameSpace();
    expect([ns.take('Ops', 'a'), ns.take('ops', 'b'), ns.take('OPS!', 'c')]).toEqual([
      'ops',
      'ops-2',
      'ops-3',
    ]);
    expect(envName('PD_ROUTING_KEY', 'checkout-api-prometheus')).toBe(
      'PD_ROUTING_KEY_CHECKOUT_API_PROMETHEUS',
    );
  });
});

describe('coverage windows', () => {
  it('are the union of the spans, joined by time, split at midnight only when longer than a day', () => {
    // Weekdays 09:00–17:00
    expect(windowsFor([1, 2, 3, 4, 5].map((day) => ({ day, from: 540, minutes: 480 })))).toEqual([
      { days: [1, 2, 3, 4, 5], from: 540, to: 1020 },
    ]);
    // Every night 22:00–06:00: one window crossing midnight
    expect(windowsFor([0, 1, 2, 3, 4, 5, 6].map((day) => ({ day, from: 1320, minutes: 480 })))).toEqual([
      { days: [1, 2, 3, 4, 5, 6, 0], from: 1320, to: 360 },
    ]);
    // Saturday 10:00 for two days, wrapping the week's end
    expect(windowsFor([{ day: 6, from: 600, minutes: 2880 }])).toEqual([
      { days: [1], from: 0, to: 600 },
      { days: [6], from: 600, to: 1440 },
      { days: [0], from: 0, to: 1440 },
    ]);
    // The whole week: no coverage needed
    expect(windowsFor([{ day: 3, from: 0, minutes: 7 * 1440 }])).toBe(null);
  });
});

describe('hark import (command line)', () => {
  it('names the argument and what is allowed when one is wrong (exit 2)', async () => {
    const bad = await hark(['import', 'victorops', '--from', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('hark: invalid vendor "victorops": use opsgenie, pagerduty, grafana-oncall\n');
    const none = await hark(['import', 'pagerduty']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'hark: --from is required: the directory of saved API responses, or a bundle .json file\n',
    );
    const missing = await hark(['import', '--from', 'x']);
    expect(missing.stderr).toBe('hark: missing vendor: use opsgenie, pagerduty, grafana-oncall\n');
    const nofile = await hark(['import', 'pagerduty', '--from', '/nonexistent/export', '--out', tmpDir()]);
    expect(nofile.code).toBe(1);
    expect(nofile.stderr).toBe('hark: --from /nonexistent/export: no such file or directory\n');
  });

  it('says which file is missing and the request that makes it', async () => {
    const dir = tmpDir();
    cpSync(join(FIXTURES, 'pagerduty'), dir, { recursive: true });
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'escalation_policies.json'));
    const r = await hark(['import', 'pagerduty', '--from', dir, '--out', tmpDir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'hark: missing escalation_policies.json: save it with curl "https://api.pagerduty.com/escalation_policies?limit=100" (see docs/migrating.md)\n',
    );
  });

  it('never overwrites a config it did not write, unless --force', async () => {
    const out = tmpDir();
    writeFileSync(join(out, 'hark.yaml'), 'people: {}\n');
    const r = await hark(['import', 'pagerduty', '--from', join(FIXTURES, 'pagerduty'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `hark: --out ${out}: hark.yaml exists and was not written by hark import; choose another --out directory or add --force to overwrite\n`,
    );
    expect(read(out, 'hark.yaml')).toBe('people: {}\n');
    const forced = await hark([
      'import',
      'pagerduty',
      '--from',
      join(FIXTURES, 'pagerduty'),
      '--out',
      out,
      '--force',
    ]);
    expect(forced.code).toBe(0);
    expect(read(out, 'hark.yaml')).toMatch(/^# Written by `hark import pagerduty`/);
  });

  it('removes the files of an earlier import that the export no longer has, and keeps others', async () => {
    const out = tmpDir();
    expect(
      (await hark(['import', 'pagerduty', '--from', join(FIXTURES, 'pagerduty'), '--out', out])).code,
    ).toBe(0);
    mkdirSync(join(out, 'runbooks'), { recursive: true });
    writeFileSync(join(out, 'runbooks/db.md'), '# DB\n');
    writeFileSync(
      join(out, 'schedules/mine.yaml'),
      'timezone: UTC\nrotations:\n  - {name: r, members: [alice-example], start: 2026-01-01T00:00}\n',
    );
    const small = await hark([
      'import',
      'pagerduty',
      '--from',
      join(FIXTURES, 'pagerduty-difference.json'),
      '--out',
      out,
    ]);
    expect(small.code).toBe(0);
    expect(small.stdout).toContain(
      'removed schedules/database.yaml (written by an earlier import, not produced now)\n',
    );
    expect(existsSync(join(out, 'schedules/platform-primary.yaml'))).toBe(false);
    expect(existsSync(join(out, 'schedules/mine.yaml'))).toBe(true);
    expect(existsSync(join(out, 'runbooks/db.md'))).toBe(true);
  });

  it('--json gives what was written, skipped and approximated, the variables and the differences', async () => {
    const out = tmpDir();
    const r = await hark([
      'import',
      'pagerduty',
      '--from',
      join(FIXTURES, 'pagerduty-difference.json'),
      '--out',
      out,
      '--verify',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as {
      written: string[];
      skipped: { object: string }[];
      verify: {
        schedule: string;
        differences: { start: string; end: string; vendor: string; hark: string }[];
      }[];
    };
    expect(j.written).toEqual(['hark.yaml', 'schedules/small.yaml', 'IMPORT-REPORT.md']);
    expect(j.skipped.map((s) => s.object)).toContain('user "Bob Builder" (PBOB002)');
    expect(j.verify[0]!.differences).toEqual([
      {
        start: '2026-03-04T14:00:00.000Z',
        end: '2026-03-05T14:00:00.000Z',
        vendor: 'bob-builder',
        hark: 'alice-example',
      },
    ]);
    expect(filesIn(out)).toEqual(['IMPORT-REPORT.md', 'hark.yaml', 'schedules/small.yaml']);
  });
});

describe('PagerDuty layer order', () => {
  it('follows the rendered final schedule when it agrees only with the first listed layer on top', () => {
    const dir = join(FIXTURES, 'pagerduty');
    const files: Record<string, unknown> = {};
    for (const f of filesIn(dir))
      files[f.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const s = files['schedules/PSCHED1'] as { schedule: { schedule_layers: unknown[] } };
    s.schedule.schedule_layers.reverse(); // as if the API listed the lowest layer first
    const plan = planPagerduty(Bundle.of(files));
    expect(plan.report).toContainEqual({
      kind: 'approximated',
      object: 'schedule "Platform Primary" (PSCHED1)',
      why: 'its final_schedule matches the layers only with the first listed layer on top, so that layer order is used',
    });
    const schedules = new Map(plan.schedules.map((x) => [x.name, toConfigSchedule(x)]));
    for (const c of verifyAll(schedules, plan.rendered)) expect(c.differences).toEqual([]);
  });
});
