/**
 * `hark handoff`, `hark take`, `hark overrides [rm]` straight to Redis and through a server, and
 * `hark who` / `hark shifts` seeing runtime overrides when a Redis is reachable.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { runCli } from '../support/cli.js';
import { fakeTwilioTransports, startFakeTwilio } from '../support/fake-twilio.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { clockFrom } from '../support/clock.js';
import { shiftNoticesSettled, startTestHark, type TestHark } from '../support/harness.js';
import { API_TOKEN, freshPrefix, HOUR, overrideTestConfig } from './support.js';

let dir: string;
let prefix: string;
beforeAll(() => {
  dir = overrideTestConfig();
});
afterAll(cleanupTmpConfigs);
beforeEach(() => {
  prefix = freshPrefix();
});

const NOW = '2026-03-04T12:00:00Z'; // platform: carol primary until Mon 9 Mar 09:00, alice secondary

const hark = (argv: string[], opts: { env?: NodeJS.ProcessEnv; now?: () => number } = {}) =>
  runCli(argv, {
    env: { HARK_CONFIG: dir, REDIS_URL: inject('redisUrl'), HARK_REDIS_PREFIX: prefix, ...opts.env },
    now: opts.now ?? (() => Date.parse(NOW)),
    lines: true,
  });

async function who(role = 'primary', extra: string[] = []) {
  const r = await hark(['who', 'platform', '--json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { role: string; person: string; since: string; until: string }[]).find(
    (row) => row.role === role,
  )!;
}

describe('hark take / handoff / overrides (Redis)', () => {
  it('hark take changes hark who at once, for 1h by default', async () => {
    expect(await who()).toMatchObject({ person: 'carol', until: '2026-03-09T09:00:00Z' });
    const r = await hark(['take', 'platform', '--as', 'bob']);
    expect(r).toEqual({
      code: 0,
      stdout:
        'bob is primary on call for platform from Wed 04 Mar 2026 12:00 UTC until Wed 04 Mar 2026 13:00 UTC (override o1)\n',
      stderr: '',
    });
    expect(await who()).toEqual({
      schedule: 'platform',
      role: 'primary',
      person: 'bob',
      since: '2026-03-04T12:00:00Z',
      until: '2026-03-04T13:00:00Z',
    });
    const table = await hark(['who', 'platform']);
    expect(table.stdout).toMatch(
      /^platform\s+primary\s+bob\s+Wed 04 Mar 2026 12:00 UTC\s+Wed 04 Mar 2026 13:00 UTC\s+override:o1$/m,
    );
    // Other schedules and roles are untouched.
    expect(await who('secondary')).toMatchObject({ person: 'alice' });
  });

  it('hark take --role --for --reason, and --json', async () => {
    const r = await hark([
      'take',
      'platform',
      '--as',
      'dave',
      '--role',
      'secondary',
      '--for',
      '90m',
      '--reason',
      'cover',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      id: 'o1',
      schedule: 'platform',
      role: 'secondary',
      person: 'dave',
      from: '2026-03-04T12:00:00Z',
      to: '2026-03-04T13:30:00Z',
      createdAt: '2026-03-04T12:00:00Z',
      createdBy: 'person:dave',
      reason: 'cover',
    });
    expect(await who('secondary')).toMatchObject({ person: 'dave', until: '2026-03-04T13:30:00Z' });
  });

  it('hark handoff: until the end of the current holder’s interval by default; --for; --until local to the schedule', async () => {
    const r = await hark([
      'handoff',
      'platform',
      '--to',
      'dave',
      '--as',
      'carol',
      '--reason',
      'flu',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      person: 'dave',
      role: 'primary',
      from: NOW,
      to: '2026-03-09T09:00:00Z',
      createdBy: 'person:carol',
      reason: 'flu',
    });
    expect(await who()).toMatchObject({ person: 'dave', since: NOW, until: '2026-03-09T09:00:00Z' });

    // The newer one wins: dave hands on to erin for 2h.
    const r2 = await hark(['handoff', 'platform', '--to', 'erin', '--for', '2h']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(await who()).toMatchObject({ person: 'erin', until: '2026-03-04T14:00:00Z' });
    expect((await who('primary', ['--at', '2026-03-04T14:00Z'])).person).toBe('dave');

    // `other` is in America/New_York: --until without an offset is local there.
    const r3 = await hark([
      'handoff',
      'other',
      '--role',
      'lead',
      '--to',
      'alice',
      '--until',
      '2026-03-04T18:00',
      '--json',
    ]);
    expect(r3.code, r3.stderr).toBe(0);
    expect(JSON.parse(r3.stdout)).toMatchObject({ to: '2026-03-04T23:00:00Z', createdBy: null });
  });

  it('hark handoff to a person who is not known, a bad role, --for and --until, a bad duration: exit 2', async () => {
    const cases: [string[], string][] = [
      [['handoff', 'platform', '--to', 'bbo'], 'hark: unknown person "bbo" (did you mean "bob"?)\n'],
      [
        ['handoff', 'platform', '--to', 'bob', '--role', 'lead'],
        'hark: schedule "platform" has no role "lead" (roles: primary, secondary)\n',
      ],
      [
        ['handoff', 'platform', '--to', 'bob', '--for', '1h', '--until', '2026-03-05T00:00'],
        'hark: give --for or --until, not both\n',
      ],
      [
        ['handoff', 'platform', '--to', 'bob', '--for', 'a while'],
        'hark: invalid --for "a while": use 30s, 5m, 2h, 1d or a combination such as 1h30m\n',
      ],
      [['handoff', 'platform', '--to', 'bob', '--for', '100d'], 'hark: an override lasts at most 90 days\n'],
      [
        ['handoff', 'platform', '--to', 'bob', '--until', '2026-03-04T11:00'],
        'hark: to must be after from\n',
      ],
      [
        ['handoff', 'platfrom', '--to', 'bob'],
        'hark: unknown schedule "platfrom" (schedules: other, platform)\n',
      ],
      [['take', 'platform', '--as', 'zed'], 'hark: unknown person "zed"\n'],
      [
        ['take', 'platform'],
        "error: required option '--as <person>' not specified\n(run hark --help for usage)\n",
      ],
    ];
    for (const [argv, stderr] of cases) {
      const r = await hark(argv);
      expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 2, stderr });
    }
    expect((await hark(['overrides', 'platform', '--json'])).stdout).toBe('[]\n');
  });

  it('hark overrides lists (table and --json); hark overrides rm removes', async () => {
    expect(await hark(['overrides', 'platform'])).toEqual({
      code: 0,
      stdout: 'no runtime overrides for platform\n',
      stderr: '',
    });
    await hark(['take', 'platform', '--as', 'bob', '--reason', 'pager test']);
    await hark(['handoff', 'platform', '--role', 'secondary', '--to', 'erin', '--for', '1d']);
    const table = await hark(['overrides', 'platform']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      expect.stringMatching(/^ID\s+ROLE\s+PERSON\s+FROM\s+TO\s+CREATED\s+CREATED BY\s+REASON$/),
      expect.stringMatching(
        /^o1\s+primary\s+bob\s+Wed 04 Mar 2026 12:00 UTC\s+Wed 04 Mar 2026 13:00 UTC\s+Wed 04 Mar 2026 12:00 UTC\s+bob\s+pager test$/,
      ),
      expect.stringMatching(
        /^o2\s+secondary\s+erin\s+Wed 04 Mar 2026 12:00 UTC\s+Thu 05 Mar 2026 12:00 UTC\s+Wed 04 Mar 2026 12:00 UTC\s+-$/,
      ),
      '',
    ]);
    const listed = JSON.parse((await hark(['overrides', 'platform', '--json'])).stdout) as { id: string }[];
    expect(listed.map((o) => o.id)).toEqual(['o1', 'o2']);

    expect(await hark(['overrides', 'rm', 'o1'])).toEqual({
      code: 0,
      stdout: 'Removed override o1: bob as primary of platform\n',
      stderr: '',
    });
    expect(await who()).toMatchObject({ person: 'carol' });
    expect(await hark(['overrides', 'rm', 'o1'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'hark: there is no override "o1"\n',
    });
    expect((await hark(['overrides', 'platform', 'o2'])).code).toBe(2);
  });

  it('ended overrides are not listed and no longer count', async () => {
    await hark(['take', 'platform', '--as', 'bob', '--for', '30m']);
    const later = () => Date.parse(NOW) + HOUR;
    expect((await hark(['overrides', 'platform'], { now: later })).stdout).toBe(
      'no runtime overrides for platform\n',
    );
    expect((await hark(['who', 'platform', '--at', NOW, '--json'], { now: later })).stdout).toContain(
      '"person": "carol"',
    );
  });

  it('hark shifts shows runtime overrides as their source', async () => {
    await hark(['take', 'platform', '--as', 'bob', '--for', '2h']);
    const r = await hark([
      'shifts',
      'platform',
      '--from',
      '2026-03-04T11:00',
      '--to',
      '2026-03-04T15:00',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { role: string }[]).filter((s) => s.role === 'primary')).toEqual([
      {
        role: 'primary',
        person: 'carol',
        start: '2026-03-04T11:00:00Z',
        end: '2026-03-04T12:00:00Z',
        source: 'rotation:weekly',
      },
      {
        role: 'primary',
        person: 'bob',
        start: '2026-03-04T12:00:00Z',
        end: '2026-03-04T14:00:00Z',
        source: 'override:o1',
      },
      {
        role: 'primary',
        person: 'carol',
        start: '2026-03-04T14:00:00Z',
        end: '2026-03-04T15:00:00Z',
        source: 'rotation:weekly',
      },
    ]);
  });
});

describe('hark take tells the holders at once', () => {
  it('the running worker tells the incoming and outgoing holder within seconds (planner every 5 min)', async () => {
    const fake = await startFakeTwilio();
    const server = await startTestHark(dir, {
      prefix,
      now: () => Date.parse(NOW),
      shiftPlanEveryMs: 5 * 60_000,
      escalation: {
        transports: fakeTwilioTransports(fake, undefined, '+15555550100'),
        formats: createPageFormats('secret'),
      },
    });
    try {
      await shiftNoticesSettled(server); // the worker's own plan when it starts
      const started = Date.now();
      const r = await hark(['take', 'platform', '--as', 'bob']);
      expect(r.code, r.stderr).toBe(0);
      const bob = await fake.waitFor((m) => m.kind === 'message' && m.to === '+15555550102');
      expect(bob.kind === 'message' && bob.body).toBe(
        'You are now primary on call for platform until Wed 04 Mar 2026 13:00 UTC.',
      );
      const carol = await fake.waitFor((m) => m.kind === 'message' && m.to === '+15555550103');
      expect(carol.kind === 'message' && carol.body).toBe(
        'bob took over primary on call for platform from you.',
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await server.close();
      await fake.close();
    }
  });
});

describe('without a reachable Redis', () => {
  const unreachable = { REDIS_URL: 'redis://127.0.0.1:1' };

  it('hark who falls back to the config, silently', async () => {
    const t0 = Date.now();
    const r = await hark(['who', 'platform', '--json'], { env: unreachable });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { person: string }[])[0]!.person).toBe('carol');
    expect(Date.now() - t0).toBeLessThan(1500);
    const shifts = await hark(['shifts', 'platform', '--from', 'now', '--to', '2026-03-05T00:00'], {
      env: unreachable,
    });
    expect(shifts.code).toBe(0);
  });

  it('hark take and overrides fail with exit 1', async () => {
    const r = await hark(['take', 'platform', '--as', 'bob'], { env: unreachable });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'hark: Redis at redis://127.0.0.1:1 is not reachable\n',
    });
  });
});

describe('through a server (--server URL --token T)', () => {
  // The server's clock and the CLI's: from NOW on, at the real rate (hours from any handoff).
  const clock = clockFrom(NOW);
  let server: TestHark;
  beforeAll(async () => {
    server = await startTestHark(dir, { now: clock });
  });
  afterAll(async () => {
    await server.close();
  });
  const via = (argv: string[], token = API_TOKEN) =>
    hark([...argv, '--server', server.url, '--token', token], {
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      now: clock,
    });

  it('takes, hands off, lists and removes', async () => {
    const taken = await via([
      'take',
      'platform',
      '--as',
      'bob',
      '--role',
      'secondary',
      '--for',
      '45m',
      '--json',
    ]);
    expect(taken.code, taken.stderr).toBe(0);
    const t = JSON.parse(taken.stdout) as {
      id: string;
      from: string;
      to: string;
      createdBy: string;
      person: string;
    };
    expect(t).toMatchObject({ person: 'bob', createdBy: 'person:bob' });
    expect(Date.parse(t.to) - Date.parse(t.from)).toBe(45 * 60_000);

    const oncall = async () => {
      const res = await fetch(`${server.url}/v1/oncall?schedule=platform`, {
        headers: { Authorization: `Bearer ${API_TOKEN}` },
      });
      return ((await res.json()) as { oncall: { role: string; person: string; until: string }[] }).oncall;
    };
    const primary = (await oncall()).find((r) => r.role === 'primary')!;
    const handed = await via([
      'handoff',
      'platform',
      '--to',
      primary.person === 'erin' ? 'dave' : 'erin',
      '--json',
    ]);
    expect(handed.code, handed.stderr).toBe(0);
    const h = JSON.parse(handed.stdout) as { id: string; to: string; createdBy: string; person: string };
    expect(h.createdBy).toBe('person:alice'); // the token's person
    expect(h.to).toBe(primary.until); // the end of the current holder's interval, as the server sees it
    expect((await oncall()).find((r) => r.role === 'primary')!.person).toBe(h.person);

    const list = await via(['overrides', 'platform', '--json']);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((o) => o.id).sort()).toEqual(
      [t.id, h.id].sort(),
    );

    const rm = await via(['overrides', 'rm', h.id]);
    expect(rm).toEqual({
      code: 0,
      stdout: `Removed override ${h.id}: ${h.person} as primary of platform\n`,
      stderr: '',
    });
    expect((await oncall()).find((r) => r.role === 'primary')!.person).toBe(primary.person);
    expect((await via(['overrides', 'rm', h.id])).code).toBe(1);
  });

  it('maps 400 to exit 2 and other failures to exit 1', async () => {
    const bad = await via(['handoff', 'platform', '--to', 'bbo']);
    expect(bad).toEqual({
      code: 2,
      stdout: '',
      stderr: 'hark: unknown person "bbo" (did you mean "bob"?)\n',
    });
    const unauthorized = await via(['overrides', 'platform'], 'wrong-token');
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toBe(
      'hark: send an API token from hark.yaml as Authorization: Bearer <token>\n',
    );
  });
});
