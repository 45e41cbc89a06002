/**
 * The config loader (SPEC section 1): every validation rule, with the exact `file:line:col:
 * message` a user sees.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, type ConfigIssue } from '../../src/config/errors.js';
import { loadConfig, type LoadResult } from '../../src/config/load.js';
import { cleanupTmpConfigs, lines, tmpConfig, type ConfigTree } from './tmpconfig.js';

const ROOT = resolve(import.meta.dirname, '../..');

afterAll(cleanupTmpConfigs);

function load(files: ConfigTree, env: NodeJS.ProcessEnv = {}): LoadResult {
  return loadConfig(tmpConfig(files), { env });
}

/** The ConfigError the tree fails with (the test fails if it loads). */
function configError(files: ConfigTree, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    load(files, env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected the config to be rejected, but it loaded');
}

/** Every error, formatted as `file:line:col: message`, in the order the loader reports them. */
function errors(files: ConfigTree, env: NodeJS.ProcessEnv = {}): string[] {
  return configError(files, env).issues.map(formatIssue);
}

/** The warnings of a config that must load. */
function warnings(files: ConfigTree, env: NodeJS.ProcessEnv = {}): string[] {
  return load(files, env).warnings.map(formatIssue);
}

// ------------------------------------------------------------------------------------ fixtures

/** hark.yaml lines 1–4. Tests append from line 5 on. */
const PEOPLE = lines(
  'people:',
  '  alice: {sms: "+15555550101", email: alice@example.com}',
  '  bob: {sms: "+15555550102", voice: "+15555550102", email: bob@example.com}',
  '  carol: {email: carol@example.com}',
);

const SCHEDULE = lines(
  'timezone: America/New_York',
  'rotations:',
  '  - name: weekly',
  '    role: primary',
  '    members: [alice, bob, carol]',
  '    start: 2026-01-05T09:00',
  '    handoff: FREQ=WEEKLY',
  '  - name: backup',
  '    role: secondary',
  '    follows: weekly',
);

const POLICY = lines(
  'repeat: 2',
  'steps:',
  '  - notify:',
  '      - {schedule: platform}',
  '    escalate_after: 5m',
  '  - notify:',
  '      - {schedule: platform, role: secondary}',
  '      - {person: carol}',
);

/** A valid tree: hark.yaml (PEOPLE plus `harkTail`), schedules/platform.yaml, escalation-policies/platform.yaml. */
function tree(harkTail = '', more: ConfigTree = {}): ConfigTree {
  return {
    'hark.yaml': PEOPLE + harkTail,
    'schedules/platform.yaml': SCHEDULE,
    'escalation-policies/platform.yaml': POLICY,
    ...more,
  };
}

/** hark.yaml with PEOPLE and a schedules/platform.yaml with the given text. */
function withSchedule(text: string): ConfigTree {
  return { 'hark.yaml': PEOPLE, 'schedules/platform.yaml': text };
}

/** A tree whose escalation-policies/platform.yaml has the given text. */
function withPolicy(text: string): ConfigTree {
  return tree('', { 'escalation-policies/platform.yaml': text });
}

const NAME_HELP =
  'use lowercase letters, digits, "_" and "-", starting with a letter or digit (at most 63 characters)';
const DURATION_HELP = 'use 30s, 5m, 2h, 1d or a combination such as 1h30m';
const PHONE_HELP =
  'invalid phone number: use E.164, a "+" and the country code and number, such as +15551234567';
const LOCAL_HELP = "use YYYY-MM-DDTHH:MM (wall-clock time in the schedule's timezone, no offset)";
const TZ_HELP = 'use an IANA name such as Europe/Berlin or America/New_York';

// ------------------------------------------------------------------------------ the example

describe('the example config in the repository', () => {
  it('loads with no errors and no warnings', () => {
    const { config, warnings } = loadConfig(ROOT, { env: {} });
    expect(warnings).toEqual([]);
    expect([...config.people.keys()]).toEqual(['alice', 'bob', 'carol', 'dave', 'emma', 'finn']);
    expect([...config.schedules.keys()]).toEqual(['follow-the-sun', 'platform']);
    expect([...config.policies.keys()]).toEqual(['follow-the-sun', 'platform']);
    expect([...config.runbooks.keys()]).toEqual(['checkout-latency']);
    expect(config.services.map((s) => s.name)).toEqual(['checkout', 'edge', 'catch-all']);
    expect(config.integrations.map((i) => i.name)).toEqual([
      'prometheus',
      'grafana',
      'datadog',
      'legacy',
      'scripts',
    ]);
    expect(config.defaultSeverity).toBe('SEV-2');
    // `${NAME:-default}` falls back to the default when the variable is not set
    expect(config.people.get('alice')?.sms).toBe('+15555550101');
    expect(config.settings.publicUrl).toBeNull();
    expect(config.settings.ackTimeoutMs).toBe(30 * 60_000);
    expect(config.runbooks.get('checkout-latency')?.title).toBe('Checkout latency');
  });

  it('takes values from the environment', () => {
    const { config } = loadConfig(ROOT, {
      env: { ALICE_PHONE: '+4915100000001', HARK_PUBLIC_URL: 'https://hark.example.com/' },
    });
    expect(config.people.get('alice')?.sms).toBe('+4915100000001');
    expect(config.people.get('alice')?.voice).toBe('+4915100000001');
    expect(config.settings.publicUrl).toBe('https://hark.example.com');
  });

  it('is deeply frozen', () => {
    const { config } = loadConfig(ROOT, { env: {} });
    const notFrozen: string[] = [];
    const seen = new Set<object>();
    const walk = (value: unknown, path: string): void => {
      if (value === null || typeof value !== 'object' || seen.has(value)) return;
      seen.add(value);
      if (value instanceof RegExp) return; // compiled matchers; stateless without the g/y flags
      if (!Object.isFrozen(value)) notFrozen.push(path);
      if (value instanceof Map) for (const [k, v] of value) walk(v, `${path}.get(${JSON.stringify(k)})`);
      else for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
    };
    walk(config, 'config');
    expect(notFrozen).toEqual([]);
    expect(seen.size).toBeGreaterThan(100);
    expect(() => {
      (config.settings as { timezone: string }).timezone = 'Europe/Berlin';
    }).toThrow(TypeError);
    expect(() => {
      (config.services as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('has maps that cannot be changed either', () => {
    const { config } = loadConfig(ROOT, { env: {} });
    const people = config.people as Map<string, unknown>;
    const schedules = config.schedules as Map<string, unknown>;
    expect(() => people.set('mallory', {})).toThrow(TypeError);
    expect(() => schedules.delete('platform')).toThrow(TypeError);
    expect(() => (config.runbooks as Map<string, unknown>).clear()).toThrow(TypeError);
    expect(people.has('mallory')).toBe(false);
    expect(schedules.has('platform')).toBe(true);
  });
});

describe('a minimal valid tree', () => {
  it('loads', () => {
    const { config, warnings } = load(tree());
    expect(warnings).toEqual([]);
    expect(config.schedules.get('platform')?.roles).toEqual(['primary', 'secondary']);
    expect(config.policies.get('platform')?.repeat).toBe(2);
  });

  it('applies the defaults: severities, settings, notify rules, roles', () => {
    const { config } = load(tree());
    expect(config.severities.map((s) => `${s.name}:${s.urgency}`)).toEqual([
      'SEV-1:high',
      'SEV-2:high',
      'SEV-3:low',
    ]);
    expect(config.defaultSeverity).toBe('SEV-1');
    expect(config.settings).toEqual({
      timezone: 'UTC',
      publicUrl: null,
      ackTimeoutMs: 30 * 60_000,
      autoResolve: true,
      retentionMs: 90 * 86_400_000,
      eventRetentionMs: 7 * 86_400_000,
      maxBodyBytes: 1_048_576,
      pageLimits: {
        sms: [
          { count: 1, perMs: 60_000 },
          { count: 5, perMs: 900_000 },
        ],
        voice: [
          { count: 1, perMs: 120_000 },
          { count: 3, perMs: 900_000 },
        ],
        email: [
          { count: 1, perMs: 60_000 },
          { count: 10, perMs: 900_000 },
        ],
        slack: [
          { count: 1, perMs: 60_000 },
          { count: 10, perMs: 900_000 },
        ],
        ntfy: [
          { count: 1, perMs: 60_000 },
          { count: 10, perMs: 900_000 },
        ],
      },
    });
    expect(config.people.get('carol')).toMatchObject({
      displayName: 'carol',
      timezone: 'UTC',
      notify: { high: [{ channel: 'email', afterMs: 0 }], low: [{ channel: 'email', afterMs: 0 }] },
    });
    const step1 = config.policies.get('platform')?.steps[0];
    expect(step1?.notify).toEqual([{ kind: 'schedule', schedule: 'platform', role: 'primary' }]);
    expect(config.policies.get('platform')?.steps[1]?.escalateAfterMs).toBe(10 * 60_000);
  });
});

// ------------------------------------------------------------------------------ YAML syntax

describe('YAML syntax', () => {
  it('reports a syntax error with its line and column', () => {
    expect(
      errors({
        'hark.yaml': lines('people:', '  alice:', '    email: alice@example.com', '   sms: "+15555550101"'),
      }),
    ).toContain('hark.yaml:4:1: YAML syntax error: All mapping items must start at the same column');
  });

  it('reports a syntax error once, without also calling the file empty', () => {
    expect(
      errors({
        'hark.yaml': lines('people:', '  alice:', '    email: alice@example.com', '   sms: "+15555550101"'),
      }),
    ).toEqual(['hark.yaml:4:1: YAML syntax error: All mapping items must start at the same column']);
    expect(
      errors({
        ...tree(),
        'schedules/platform.yaml': lines('rotations:', '\t- name: weekly'),
      }),
    ).toEqual(['schedules/platform.yaml:2:1: YAML syntax error: Tabs are not allowed as indentation']);
  });

  it('reports every syntax error in a file', () => {
    const found = errors({
      'hark.yaml': lines('people:', '  alice: {email: alice@example.com}', '  - bob'),
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'hark.yaml:3:1: YAML syntax error: A block sequence may not be used as an implicit map key',
        'hark.yaml:3:3: YAML syntax error: Implicit keys need to be on a single line',
        'hark.yaml:3:3: YAML syntax error: Implicit map keys need to be followed by map values',
      ]),
    );
  });

  it('names a duplicate key and where it was first defined', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  alice: {email: alice@example.com}',
          '  bob: {email: bob@example.com}',
          '  alice: {sms: "+15555550101"}',
        ),
      }),
    ).toEqual(['hark.yaml:4:3: duplicate key "alice" (first defined at hark.yaml:2:3)']);
    expect(
      errors({
        ...tree(),
        'schedules/platform.yaml': `timezone: UTC\n${SCHEDULE}`,
      }),
    ).toEqual([
      'schedules/platform.yaml:2:1: duplicate key "timezone" (first defined at schedules/platform.yaml:1:1)',
    ]);
  });

  it('reports an unknown tag as a warning that does not stop the load', () => {
    expect(warnings({ 'hark.yaml': PEOPLE + lines('settings: !foo {timezone: UTC}') })).toEqual([
      'hark.yaml:5:11: warning: YAML: Unresolved tag: !foo',
    ]);
  });

  it('explains that a file holds one YAML document', () => {
    expect(errors({ 'hark.yaml': PEOPLE + lines('---', 'people: {}') })).toEqual([
      'hark.yaml:5:1: a config file holds one YAML document; remove the second "---" and what follows, or move it to its own file',
    ]);
  });

  it('accepts anchors and aliases', () => {
    const { config } = load({
      'hark.yaml': lines('people:', '  alice: &contact {email: team@example.com}', '  bob: *contact'),
    });
    expect(config.people.get('bob')?.email).toBe('team@example.com');
  });

  it('reports an alias to an unknown anchor instead of crashing', () => {
    expect(errors({ 'hark.yaml': lines('people:', '  alice: {email: a@example.com}', '  bob: *b') })).toEqual(
      ['hark.yaml:3:8: YAML syntax error: unresolved alias *b: define the anchor &b before using it'],
    );
  });

  it('reports an alias bomb instead of crashing', () => {
    const bomb = ['  a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, next] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
    ] as const) {
      bomb.push(`  ${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    let thrown: unknown;
    try {
      load({ 'hark.yaml': PEOPLE + lines('x:', ...bomb) });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues[0]?.file).toBe('hark.yaml');
  });

  it('reports an empty file', () => {
    expect(errors({ 'hark.yaml': '# nothing here yet\n' })).toEqual(['hark.yaml:1:1: the file is empty']);
    expect(errors({ ...tree(), 'escalation-policies/platform.yaml': '' })).toEqual([
      'escalation-policies/platform.yaml:1:1: the file is empty',
    ]);
  });

  it('reports a missing hark.yaml with the directory it looked in', () => {
    const dir = tmpConfig({});
    let thrown: unknown;
    try {
      loadConfig(dir, { env: {} });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues.map(formatIssue)).toEqual([
      `hark.yaml:1:1: hark.yaml not found in ${dir}`,
    ]);
  });
});

// ------------------------------------------------------------------------------ shapes

describe('unknown keys', () => {
  it('at the top of hark.yaml, with did-you-mean and the allowed keys', () => {
    expect(errors(tree(lines('servcies: []')))).toEqual([
      'hark.yaml:5:1: unknown key "servcies" (did you mean "services"?) (allowed: people, severities, default_severity, services, integrations, api_tokens, settings, webhooks, slack, ntfy, heartbeats)',
    ]);
  });

  it('in a person', () => {
    expect(
      errors({ 'hark.yaml': lines('people:', '  alice: {sms: "+15555550101", emial: a@example.com}') }),
    ).toEqual([
      'hark.yaml:2:32: unknown key "emial" (did you mean "email"?) (allowed: name, timezone, sms, voice, email, slack, ntfy, notify, remind_before)',
    ]);
  });

  it('in notify, settings, services, integrations and api_tokens', () => {
    expect(
      errors(
        tree(
          lines(
            'settings:',
            '  timzone: UTC',
            'services:',
            '  - {name: all, escalation_policy: platform, runbok: x}',
            'integrations:',
            '  - {name: prom, type: alertmanager, secret: abc}',
            'api_tokens:',
            '  - {name: ops, token: 0123456789abcdef, user: alice}',
          ),
        ),
      ),
    ).toEqual([
      'hark.yaml:6:3: unknown key "timzone" (did you mean "timezone"?) (allowed: timezone, public_url, ack_timeout, auto_resolve, retention, event_retention, max_body, page_limits)',
      'hark.yaml:8:46: unknown key "runbok" (did you mean "runbook"?) (allowed: name, match, escalation_policy, group_by, runbook, slack_channel, slack_incident_channels)',
      'hark.yaml:10:38: unknown key "secret" (allowed: name, type, token, rate_limit, heartbeat, priorities)',
      'hark.yaml:12:42: unknown key "user" (allowed: name, token, person)',
    ]);
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  alice:',
          '    email: a@example.com',
          '    notify:',
          '      urgent: []',
        ),
      }),
    ).toEqual(['hark.yaml:5:7: unknown key "urgent" (allowed: high, low)']);
  });

  it('in a severity and in a matcher', () => {
    expect(
      errors(
        tree(
          lines(
            'severities:',
            '  - {name: SEV-1, urgency: high, priority: 1}',
            '  - {name: SEV-2, urgency: low, match: {label: {severity: warning}}}',
          ),
        ),
      ),
    ).toEqual([
      'hark.yaml:6:34: unknown key "priority" (allowed: name, urgency, match)',
      'hark.yaml:7:41: unknown key "label" (did you mean "labels"?) (allowed: labels, annotations)',
    ]);
  });

  it('in a schedule, a rotation, a coverage window and an override', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'timezone: UTC',
            'rotation: []',
            'rotations:',
            '  - name: weekly',
            '    members: [alice]',
            '    start: 2026-01-05T09:00',
            '    bogus: 1',
            '    coverage:',
            '      - {day: [mon], from: "09:00", to: "17:00"}',
            'overrides:',
            '  - {person: bob, from: 2026-03-01T09:00, until: 2026-03-02T09:00, to: 2026-03-02T09:00}',
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:2:1: unknown key "rotation" (did you mean "rotations"?) (allowed: timezone, rotations, overrides)',
      'schedules/platform.yaml:7:5: unknown key "bogus" (allowed: name, role, members, start, handoff, end, coverage, follows)',
      'schedules/platform.yaml:9:10: unknown key "day" (did you mean "days"?) (allowed: days, from, to)',
      'schedules/platform.yaml:11:43: unknown key "until" (allowed: role, person, from, to)',
    ]);
  });

  it('in a policy, a step and a target', () => {
    expect(
      errors(
        withPolicy(
          lines(
            'repeats: 2',
            'steps:',
            '  - notify: [{schedule: platform, rol: secondary}]',
            '    escalate: 5m',
          ),
        ),
      ),
    ).toEqual([
      'escalation-policies/platform.yaml:1:1: unknown key "repeats" (did you mean "repeat"?) (allowed: repeat, steps)',
      'escalation-policies/platform.yaml:3:35: unknown key "rol" (did you mean "role"?) (allowed: schedule, role, person)',
      'escalation-policies/platform.yaml:4:5: unknown key "escalate" (allowed: notify, escalate_after)',
    ]);
  });
});

describe('missing required keys', () => {
  it('people in hark.yaml', () => {
    expect(errors({ 'hark.yaml': lines('# settings first', 'settings: {timezone: UTC}') })).toEqual([
      'hark.yaml:2:1: missing required key "people"',
    ]);
  });

  it('rotations in a schedule, steps in a policy', () => {
    expect(
      errors({ ...withSchedule(lines('timezone: UTC')), 'escalation-policies/p.yaml': 'repeat: 1\n' }),
    ).toEqual([
      'escalation-policies/p.yaml:1:1: missing required key "steps"',
      'schedules/platform.yaml:1:1: missing required key "rotations"',
    ]);
  });

  it('name, escalation_policy, token, notify, to', () => {
    expect(
      errors(
        tree(
          lines(
            'severities:',
            '  - {urgency: high}',
            '  - {name: SEV-2, urgency: low}',
            'services:',
            '  - {name: all}',
            'integrations:',
            '  - {type: generic, token: abc}',
            '  - {name: prom, type: pagerduty}',
            'api_tokens:',
            '  - {name: ops}',
          ),
          {
            'escalation-policies/platform.yaml': lines('steps:', '  - {escalate_after: 5m}'),
            'schedules/platform.yaml': lines(
              'rotations:',
              '  - members: [alice]',
              '    start: 2026-01-05T09:00',
              '    coverage: [{from: "09:00"}]',
              'overrides:',
              '  - {person: bob, from: 2026-03-01T09:00}',
            ),
          },
        ),
      ),
    ).toEqual([
      'escalation-policies/platform.yaml:2:5: missing required key "notify"',
      'hark.yaml:6:5: missing required key "name"',
      'hark.yaml:9:5: missing required key "escalation_policy"',
      'hark.yaml:11:5: missing required key "name"',
      'hark.yaml:14:5: missing required key "token"',
      'schedules/platform.yaml:2:5: missing required key "name"',
      'schedules/platform.yaml:4:16: missing required key "to"',
      'schedules/platform.yaml:6:5: missing required key "to"',
    ]);
  });
});

describe('missing required keys with a fixed set of values', () => {
  it('urgency and type', () => {
    expect(
      errors(
        tree(lines('severities:', '  - {name: SEV-1}', 'integrations:', '  - {name: prom, token: abc}')),
      ),
    ).toEqual([
      'hark.yaml:6:5: missing required key "urgency"',
      'hark.yaml:8:5: missing required key "type"',
    ]);
  });
});

describe('wrong types', () => {
  it('reports what was expected and what was found', () => {
    expect(errors({ 'hark.yaml': lines('people: [alice]') })).toEqual([
      'hark.yaml:1:9: people must be a mapping (key: value), got a list',
    ]);
  });

  it('repeat must be a number or forever', () => {
    expect(errors(withPolicy(lines('repeat: two', 'steps:', '  - notify: [{person: alice}]')))).toEqual([
      'escalation-policies/platform.yaml:1:9: repeat must be a whole number from 0 to 20, or forever',
    ]);
  });

  it('names the field whose value has the wrong type', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  alice: {email: a@example.com, notify: {high: {sms: 0m}}}',
          'services:',
          '  - {name: all, escalation_policy: platform, group_by: alertname}',
          'settings: {auto_resolve: "yes"}',
        ),
        'escalation-policies/platform.yaml': lines('steps:', '  - notify: {person: alice}'),
        'schedules/platform.yaml': lines(
          'rotations:',
          '  - {name: a, members: alice, start: 2026-01-05T09:00}',
        ),
      }),
    ).toEqual([
      'escalation-policies/platform.yaml:2:13: notify must be a list, got a mapping',
      'hark.yaml:2:48: high must be a list, got a mapping',
      'hark.yaml:4:56: group_by must be a list, got a string',
      'hark.yaml:5:26: auto_resolve must be true or false, got a string',
      'schedules/platform.yaml:2:24: members must be a list, got a string',
    ]);
    expect(errors({ 'hark.yaml': lines('people:') })).toEqual([
      'hark.yaml:1:1: people is empty: expected a mapping (key: value)',
    ]);
  });

  it('names the field whose value is not one of the allowed values', () => {
    expect(
      errors(
        tree(
          lines(
            'severities:',
            '  - {name: SEV-1, urgency: urgent}',
            'integrations:',
            '  - {name: prom, type: prometheus, token: abc}',
          ),
        ),
      ),
    ).toEqual([
      'hark.yaml:6:28: invalid urgency "urgent": allowed values are high, low',
      'hark.yaml:8:24: invalid type "prometheus": allowed values are alertmanager, grafana, datadog, pagerduty, generic, opsgenie',
    ]);
  });
});

// ------------------------------------------------------------------------------ formats

describe('names', () => {
  it('of people (map keys)', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  Alice: {email: a@example.com}',
          `  ${'a'.repeat(64)}: {email: a@example.com}`,
          `  ${'b'.repeat(63)}: {email: b@example.com}`,
          '  _x: {email: x@example.com}',
          '  x.y: {email: x@example.com}',
          '  9-lives_ok: {email: x@example.com}',
        ),
      }),
    ).toEqual([
      `hark.yaml:2:3: invalid person name "Alice": ${NAME_HELP}`,
      `hark.yaml:3:3: invalid person name "${'a'.repeat(64)}": ${NAME_HELP}`,
      `hark.yaml:5:3: invalid person name "_x": ${NAME_HELP}`,
      `hark.yaml:6:3: invalid person name "x.y": ${NAME_HELP}`,
    ]);
  });

  it('of services, integrations and API tokens', () => {
    expect(
      errors(
        tree(
          lines(
            'services:',
            '  - {name: Checkout, escalation_policy: platform}',
            '  - {name: ok, escalation_policy: Platform, runbook: Run Book}',
            'integrations:',
            '  - {name: prom etheus, type: pagerduty}',
            'api_tokens:',
            '  - {name: -ops, token: 0123456789abcdef, person: Alice}',
          ),
        ),
      ),
    ).toEqual([
      `hark.yaml:6:12: invalid service name "Checkout": ${NAME_HELP}`,
      `hark.yaml:7:35: invalid escalation policy name "Platform": ${NAME_HELP}`,
      `hark.yaml:7:54: invalid runbook name "Run Book": ${NAME_HELP}`,
      `hark.yaml:9:12: invalid integration name "prom etheus": ${NAME_HELP}`,
      `hark.yaml:11:12: invalid token name "-ops": ${NAME_HELP}`,
      `hark.yaml:11:51: invalid person name "Alice": ${NAME_HELP}`,
    ]);
  });

  it('of rotations, roles, members, follows and override people', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - {name: Weekly, role: Primary, members: [Alice], start: 2026-01-05T09:00}',
            '  - {name: b, follows: Weekly}',
            'overrides:',
            '  - {role: Primary, person: Bob, from: 2026-03-01T09:00, to: 2026-03-02T09:00}',
          ),
        ),
      ),
    ).toEqual([
      `schedules/platform.yaml:2:12: invalid rotation name "Weekly": ${NAME_HELP}`,
      `schedules/platform.yaml:2:26: invalid role name "Primary": ${NAME_HELP}`,
      `schedules/platform.yaml:2:45: invalid person name "Alice": ${NAME_HELP}`,
      `schedules/platform.yaml:3:24: invalid rotation name "Weekly": ${NAME_HELP}`,
      `schedules/platform.yaml:5:12: invalid role name "Primary": ${NAME_HELP}`,
      `schedules/platform.yaml:5:29: invalid person name "Bob": ${NAME_HELP}`,
    ]);
  });

  it('of policy targets', () => {
    expect(
      errors(
        withPolicy(lines('steps:', '  - notify: [{schedule: Platform, role: Primary}, {person: Alice}]')),
      ),
    ).toEqual([
      `escalation-policies/platform.yaml:2:25: invalid schedule name "Platform": ${NAME_HELP}`,
      `escalation-policies/platform.yaml:2:41: invalid role name "Primary": ${NAME_HELP}`,
      `escalation-policies/platform.yaml:2:60: invalid person name "Alice": ${NAME_HELP}`,
    ]);
  });

  it('of severities, which may use capitals and dots', () => {
    expect(
      errors(
        tree(
          lines(
            'severities:',
            '  - {name: P1.critical, urgency: high}',
            '  - {name: "sev 2", urgency: high}',
            `  - {name: ${'S'.repeat(33)}, urgency: low}`,
            '  - {name: -x, urgency: low}',
          ),
        ),
      ),
    ).toEqual([
      'hark.yaml:7:12: invalid severity name "sev 2": use letters, digits, ".", "_" and "-" (at most 32 characters)',
      `hark.yaml:8:12: invalid severity name "${'S'.repeat(33)}": use letters, digits, ".", "_" and "-" (at most 32 characters)`,
      'hark.yaml:9:12: invalid severity name "-x": use letters, digits, ".", "_" and "-" (at most 32 characters)',
    ]);
  });

  it('of schedule, policy and runbook files', () => {
    expect(
      errors(
        tree('', {
          'schedules/Platform.yaml': SCHEDULE,
          'escalation-policies/on call.yaml': POLICY,
          'runbooks/Checkout_Latency.md': '# Checkout latency\n',
        }),
      ),
    ).toEqual([
      `escalation-policies/on call.yaml:1:1: invalid escalation policy name "on call" (from the file name): ${NAME_HELP}`,
      `runbooks/Checkout_Latency.md:1:1: invalid runbook name "Checkout_Latency" (from the file name): ${NAME_HELP}`,
      `schedules/Platform.yaml:1:1: invalid schedule name "Platform" (from the file name): ${NAME_HELP}`,
    ]);
  });

  it('warns about .yml files, which are ignored, and ignores other files', () => {
    expect(
      warnings(
        tree('', {
          'schedules/other.yml': 'not: [valid',
          'escalation-policies/old.yml': '',
          'schedules/README.md': '# notes\n',
          'schedules/.hidden.yaml': 'not: [valid',
          'runbooks/notes.txt': 'x',
        }),
      ),
    ).toEqual([
      'escalation-policies/old.yml:1:1: warning: ignored: files in escalation-policies/ must end in .yaml',
      'schedules/other.yml:1:1: warning: ignored: files in schedules/ must end in .yaml',
    ]);
  });
});

describe('durations and sizes', () => {
  it('are parsed', () => {
    const { config } = load(
      tree(
        lines(
          'settings:',
          '  ack_timeout: 1h30m',
          '  retention: 30d',
          '  event_retention: 36h',
          '  max_body: 512KiB',
        ),
      ),
    );
    expect(config.settings.ackTimeoutMs).toBe(90 * 60_000);
    expect(config.settings.retentionMs).toBe(30 * 86_400_000);
    expect(config.settings.eventRetentionMs).toBe(36 * 3_600_000);
    expect(config.settings.maxBodyBytes).toBe(512 * 1024);
    expect(load(tree(lines('settings: {ack_timeout: 0}'))).config.settings.ackTimeoutMs).toBe(0);
    expect(
      errors({
        'hark.yaml': lines('people: {a: {email: a@example.com}}', 'settings:', '  event_retention: 10m'),
      }),
    ).toEqual(['hark.yaml:3:20: event_retention must be at least 1h']);
  });

  it('reject anything else, saying what is allowed', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  alice:',
          '    email: a@example.com',
          '    remind_before: 1 hour',
          '    notify: {high: [{email: 5x}]}',
          'settings:',
          '  ack_timeout: 30',
          '  retention: 90 days',
          '  max_body: 1GB',
          '  event_retention: a week',
        ),
        'escalation-policies/platform.yaml': lines(
          'steps:',
          '  - notify: [{person: alice}]',
          '    escalate_after: 5',
        ),
      }),
    ).toEqual([
      `escalation-policies/platform.yaml:3:21: invalid duration "5": ${DURATION_HELP}`,
      `hark.yaml:4:20: invalid duration "1 hour": ${DURATION_HELP}`,
      `hark.yaml:5:29: invalid duration "5x": ${DURATION_HELP}`,
      `hark.yaml:7:16: invalid duration "30": ${DURATION_HELP}`,
      `hark.yaml:8:14: invalid duration "90 days": ${DURATION_HELP}`,
      'hark.yaml:9:13: invalid size "1GB": use a number of bytes or a size such as 512KiB or 1MiB',
      `hark.yaml:10:20: invalid duration "a week": ${DURATION_HELP}`,
    ]);
  });
});

describe('settings', () => {
  it('public_url must be an http(s) URL; a trailing slash is dropped', () => {
    expect(errors(tree(lines('settings: {public_url: "hark.example.com"}')))).toEqual([
      'hark.yaml:5:24: invalid public_url: expected an http:// or https:// URL',
    ]);
    expect(
      load(tree(lines('settings: {public_url: "https://hark.example.com/"}'))).config.settings.publicUrl,
    ).toBe('https://hark.example.com');
  });
});

describe('time zones', () => {
  it('of settings, people and schedules', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  alice: {email: a@example.com, timezone: Europe/Berlinn}',
          'settings:',
          '  timezone: CEST',
        ),
        'schedules/platform.yaml': `timezone: America/New_Yrok\n${SCHEDULE.split('\n').slice(1).join('\n')}`,
      }),
    ).toEqual([
      `hark.yaml:2:43: unknown time zone "Europe/Berlinn": ${TZ_HELP}`,
      `hark.yaml:4:13: unknown time zone "CEST": ${TZ_HELP}`,
      `schedules/platform.yaml:1:11: unknown time zone "America/New_Yrok": ${TZ_HELP}`,
      'schedules/platform.yaml:5:22: unknown person "bob" in rotation "weekly"',
      'schedules/platform.yaml:5:27: unknown person "carol" in rotation "weekly"',
    ]);
  });

  it('default to settings.timezone', () => {
    const { config } = load({
      'hark.yaml': PEOPLE + lines('settings: {timezone: Europe/Berlin}'),
      'schedules/platform.yaml': SCHEDULE.replace('timezone: America/New_York\n', ''),
    });
    expect(config.people.get('alice')?.timezone).toBe('Europe/Berlin');
    expect(config.schedules.get('platform')?.timezone).toBe('Europe/Berlin');
  });
});

describe('local times, times of day, days', () => {
  it('local times are YYYY-MM-DDTHH:MM that exist, without an offset', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - name: weekly',
            '    members: [alice]',
            '    start: 2026-02-30T09:00',
            '    end: 2026-01-05T09:00Z',
            'overrides:',
            '  - {person: bob, from: 2026-03-01 9am, to: 2026-03-02T24:00}',
          ),
        ),
      ),
    ).toEqual([
      `schedules/platform.yaml:4:12: invalid local time "2026-02-30T09:00": ${LOCAL_HELP}`,
      `schedules/platform.yaml:5:10: invalid local time "2026-01-05T09:00Z": ${LOCAL_HELP}`,
      `schedules/platform.yaml:7:25: invalid local time "2026-03-01 9am": ${LOCAL_HELP}`,
      `schedules/platform.yaml:7:45: invalid local time "2026-03-02T24:00": ${LOCAL_HELP}`,
    ]);
  });

  it('times of day are HH:MM; only `to` may be 24:00', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - name: weekly',
            '    members: [alice]',
            '    start: 2026-01-05T09:00',
            '    coverage:',
            '      - {from: "24:00", to: "9:00"}',
            '      - {from: "07:60", to: "24:01"}',
            '      - {from: "00:00", to: "24:00"}',
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:6:16: invalid time of day "24:00": use HH:MM from 00:00 to 23:59',
      'schedules/platform.yaml:6:29: invalid time of day "9:00": use HH:MM from 00:00 to 23:59 (or 24:00)',
      'schedules/platform.yaml:7:16: invalid time of day "07:60": use HH:MM from 00:00 to 23:59',
      'schedules/platform.yaml:7:29: invalid time of day "24:01": use HH:MM from 00:00 to 23:59 (or 24:00)',
    ]);
  });

  it('days are mon…sun in any case, and at least one', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - name: weekly',
            '    members: [alice]',
            '    start: 2026-01-05T09:00',
            '    coverage:',
            '      - {days: [Mon, monday], from: "09:00", to: "17:00"}',
            '      - {days: [], from: "09:00", to: "17:00"}',
            '    ',
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:6:22: invalid day "monday": use mon, tue, wed, thu, fri, sat or sun',
      'schedules/platform.yaml:7:16: list at least one day, or leave days out for every day',
    ]);
    const { config } = load(
      withSchedule(
        lines(
          'rotations:',
          '  - {name: weekly, members: [alice], start: 2026-01-05T09:00, coverage: [{days: [FRI, sat], from: "22:00", to: "22:00"}, {from: "00:00", to: "24:00"}]}',
        ),
      ),
    );
    const rotation = config.schedules.get('platform')?.rotations[0];
    expect(rotation?.kind === 'own' && rotation.coverage).toEqual([
      { days: [5, 6], from: 22 * 60, to: 22 * 60 },
      { days: [0, 1, 2, 3, 4, 5, 6], from: 0, to: 24 * 60 },
    ]);
  });
});

// ------------------------------------------------------------------------------ people

describe('people', () => {
  it('phone numbers are E.164; the message does not repeat the number', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  alice: {sms: "15555550101", voice: "+0123456789"}',
          '  bob: {sms: "+1555", voice: "+1 555 555 0102"}',
        ),
      }),
    ).toEqual([
      `hark.yaml:2:16: ${PHONE_HELP}`,
      `hark.yaml:2:38: ${PHONE_HELP}`,
      `hark.yaml:3:14: ${PHONE_HELP}`,
      `hark.yaml:3:30: ${PHONE_HELP}`,
    ]);
  });

  it('explains that a phone number must be quoted', () => {
    const found = errors({ 'hark.yaml': lines('people:', '  alice: {sms: +4915100000001}') });
    expect(found).toEqual([
      'hark.yaml:2:16: sms must be a string, got a number: put it in quotes (phone numbers, tokens and times are strings)',
    ]);
    expect(found.join('\n')).not.toContain('4915100000001');
  });

  it('email addresses look like name@example.com', () => {
    expect(
      errors({ 'hark.yaml': lines('people:', '  alice: {email: alice}', '  bob: {email: "b ob@x.io"}') }),
    ).toEqual([
      'hark.yaml:2:18: invalid email address: expected name@example.com',
      'hark.yaml:3:16: invalid email address: expected name@example.com',
    ]);
  });

  it('a person needs at least one contact', () => {
    expect(
      errors({ 'hark.yaml': lines('people:', '  alice: {email: a@example.com}', '  bob: {name: Bob}') }),
    ).toEqual([
      'hark.yaml:3:3: person "bob" has no sms, voice, email, slack or ntfy: they could never be paged',
    ]);
  });

  it('a notify rule is one channel with a delay', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  alice:',
          '    email: a@example.com',
          '    notify:',
          '      high: [{pager: 1m}, {email: 0m, voice: 1m}, {}]',
        ),
      }),
    ).toEqual([
      'hark.yaml:5:14: a notify rule is one channel with a delay: {sms: 0m}, {voice: 2m}, {email: 0m}, {slack: 0m} or {ntfy: 0m}',
      'hark.yaml:5:27: a notify rule is one channel with a delay: {sms: 0m}, {voice: 2m}, {email: 0m}, {slack: 0m} or {ntfy: 0m}',
      'hark.yaml:5:51: a notify rule is one channel with a delay: {sms: 0m}, {voice: 2m}, {email: 0m}, {slack: 0m} or {ntfy: 0m}',
    ]);
  });

  it('a notify rule needs the contact for its channel', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  alice:',
          '    email: a@example.com',
          '    notify:',
          '      high: [{sms: 0m}, {voice: 2m}, {email: 0m}]',
          '  bob:',
          '    sms: "+15555550102"',
          '    notify: {low: [{email: 0m}]}',
        ),
      }),
    ).toEqual([
      'hark.yaml:5:14: notify rule uses sms but person "alice" has no sms number',
      'hark.yaml:5:25: notify rule uses voice but person "alice" has no voice number',
      'hark.yaml:8:20: notify rule uses email but person "bob" has no email address',
    ]);
  });

  it('notify defaults follow the contacts', () => {
    const { config } = load({ 'hark.yaml': PEOPLE });
    expect(config.people.get('bob')?.notify).toEqual({
      high: [
        { channel: 'sms', afterMs: 0 },
        { channel: 'email', afterMs: 0 },
        { channel: 'voice', afterMs: 60_000 },
      ],
      low: [{ channel: 'email', afterMs: 0 }],
    });
    expect(config.people.get('alice')?.notify.high).toEqual([
      { channel: 'sms', afterMs: 0 },
      { channel: 'email', afterMs: 0 },
    ]);
  });
});

// ------------------------------------------------------------------------------ severities

describe('severities', () => {
  it('need at least one entry and unique names', () => {
    expect(errors(tree(lines('severities: []')))).toEqual([
      'hark.yaml:5:13: list at least one severity, or leave severities out for the defaults',
    ]);
    expect(
      errors(
        tree(
          lines(
            'severities:',
            '  - {name: SEV-1, urgency: high}',
            '  - {name: SEV-2, urgency: high}',
            '  - {name: SEV-1, urgency: low}',
          ),
        ),
      ),
    ).toEqual(['hark.yaml:8:12: duplicate severity "SEV-1" (first defined at hark.yaml:6:12)']);
  });

  it('default_severity must name a severity (did you mean, and the list)', () => {
    expect(errors(tree(lines('default_severity: SEV2')))).toEqual([
      'hark.yaml:5:19: unknown severity "SEV2" in default_severity (did you mean "SEV-2"?) (severities: SEV-1, SEV-2, SEV-3)',
    ]);
    expect(
      errors(
        tree(
          lines(
            'severities:',
            '  - {name: critical, urgency: high}',
            '  - {name: minor, urgency: low}',
            'default_severity: urgent',
          ),
        ),
      ),
    ).toEqual([
      'hark.yaml:8:19: unknown severity "urgent" in default_severity (severities: critical, minor)',
    ]);
  });

  it('default_severity defaults to the first severity', () => {
    const { config } = load(
      tree(lines('severities:', '  - {name: P2, urgency: high}', '  - {name: P1, urgency: high}')),
    );
    expect(config.defaultSeverity).toBe('P2');
  });
});

describe('matchers', () => {
  it('accept exact values, lists and /regex/', () => {
    const { config } = load(
      tree(
        lines(
          'services:',
          '  - name: all',
          '    match: {labels: {team: payments, env: [prod, staging], alertname: "/Checkout.*/", code: 500}}',
          '    escalation_policy: platform',
        ),
      ),
    );
    const labels = config.services[0]?.match?.labels;
    expect(labels?.get('team')).toEqual([{ kind: 'exact', value: 'payments' }]);
    expect(labels?.get('env')?.map((m) => (m.kind === 'exact' ? m.value : ''))).toEqual(['prod', 'staging']);
    expect(labels?.get('code')).toEqual([{ kind: 'exact', value: '500' }]);
    const re = labels?.get('alertname')?.[0];
    expect(re?.kind === 'regex' && re.regex.test('CheckoutLatencyHigh')).toBe(true);
    expect(re?.kind === 'regex' && re.regex.test('XCheckout')).toBe(false); // anchored
  });

  it('reject other value types', () => {
    expect(
      errors(
        tree(lines('severities:', '  - {name: SEV-1, urgency: high, match: {labels: {severity: {a: b}}}}')),
      ),
    ).toEqual(['hark.yaml:6:61: expected a string, a /regex/ or a list of them']);
  });

  it('reject an empty list of values with a message for people', () => {
    expect(
      errors(
        tree(lines('severities:', '  - {name: SEV-1, urgency: high, match: {annotations: {team: []}}}')),
      ),
    ).toEqual(['hark.yaml:6:62: list at least one value: a string or a /regex/']);
  });

  it('report an invalid regular expression as written', () => {
    expect(
      errors(
        tree(
          lines(
            'services:',
            '  - name: all',
            '    match: {labels: {alertname: [Foo, "/(x/"]}}',
            '    escalation_policy: platform',
          ),
        ),
      ),
    ).toEqual(['hark.yaml:7:39: invalid regular expression /(x/: Unterminated group']);
  });

  it('report an invalid regular expression at its position (current wording)', () => {
    const found = errors(
      tree(
        lines(
          'services:',
          '  - name: all',
          '    match: {labels: {alertname: "/[a/"}}',
          '    escalation_policy: platform',
        ),
      ),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^hark\.yaml:7:33: invalid regular expression \/\[a\/: .*Unterminated character class$/,
    );
  });
});

// ------------------------------------------------------------------------------ services etc.

describe('services', () => {
  it('need a known escalation policy and runbook (did you mean)', () => {
    expect(
      errors(
        tree(
          lines(
            'services:',
            '  - {name: checkout, escalation_policy: platfrom, runbook: checkout-latncy}',
            '  - {name: other, escalation_policy: nothing-like-it}',
          ),
          { 'runbooks/checkout-latency.md': '# Checkout latency\n' },
        ),
      ),
    ).toEqual([
      'hark.yaml:6:41: unknown escalation policy "platfrom" for service "checkout" (did you mean "platform"?) (policies are the files in escalation-policies/)',
      'hark.yaml:6:60: unknown runbook "checkout-latncy" for service "checkout" (did you mean "checkout-latency"?) (runbooks are the files in runbooks/)',
      'hark.yaml:7:38: unknown escalation policy "nothing-like-it" for service "other" (policies are the files in escalation-policies/)',
    ]);
  });

  it('have unique names', () => {
    expect(
      errors(
        tree(
          lines(
            'services:',
            '  - {name: a, match: {labels: {team: a}}, escalation_policy: platform}',
            '  - {name: a, match: {labels: {team: b}}, escalation_policy: platform}',
          ),
        ),
      ),
    ).toEqual(['hark.yaml:7:12: duplicate service "a" (first defined at hark.yaml:6:12)']);
  });

  it('group_by labels cannot be empty', () => {
    expect(
      errors(
        tree(lines('services:', '  - {name: a, escalation_policy: platform, group_by: [alertname, ""]}')),
      ),
    ).toEqual(['hark.yaml:6:66: label names cannot be empty']);
  });

  it('warn about services after a catch-all, which are never used', () => {
    expect(
      warnings(
        tree(
          lines(
            'services:',
            '  - name: payments',
            '    match: {labels: {team: payments}}',
            '    escalation_policy: platform',
            '  - name: catch-all',
            '    escalation_policy: platform',
            '  - name: edge',
            '    match: {labels: {team: edge}}',
            '    escalation_policy: platform',
            '  - name: other',
            '    escalation_policy: platform',
          ),
        ),
      ),
    ).toEqual([
      'hark.yaml:11:5: warning: service "edge" is never used: service "catch-all" above it matches every alert',
      'hark.yaml:14:5: warning: service "other" is never used: service "catch-all" above it matches every alert',
    ]);
  });

  it('report warnings with the errors when the config is rejected', () => {
    const e = configError(
      tree(
        lines(
          'services:',
          '  - {name: all, escalation_policy: platform}',
          '  - {name: late, escalation_policy: nope}',
        ),
      ),
    );
    expect(e.issues.map(formatIssue)).toEqual([
      'hark.yaml:7:37: unknown escalation policy "nope" for service "late" (policies are the files in escalation-policies/)',
    ]);
    expect(e.warnings.map(formatIssue)).toEqual([
      'hark.yaml:7:5: warning: service "late" is never used: service "all" above it matches every alert',
    ]);
  });
});

describe('integrations', () => {
  it('need a token, except pagerduty (its routing_key is the token)', () => {
    expect(
      errors(
        tree(
          lines(
            'integrations:',
            '  - {name: prom, type: alertmanager}',
            '  - {name: dd, type: datadog}',
            '  - {name: graf, type: grafana}',
            '  - {name: scripts, type: generic}',
            '  - {name: legacy, type: pagerduty}',
          ),
        ),
      ),
    ).toEqual([
      'hark.yaml:6:5: integration "prom" (type alertmanager) needs a token',
      'hark.yaml:7:5: integration "dd" (type datadog) needs a token',
      'hark.yaml:8:5: integration "graf" (type grafana) needs a token',
      'hark.yaml:9:5: integration "scripts" (type generic) needs a token',
    ]);
  });

  it('warn when a pagerduty integration has no token: it would take any routing_key', () => {
    const found = warnings(
      tree(
        lines(
          'integrations:',
          '  - {name: legacy, type: pagerduty}',
          '  - {name: keyed, type: pagerduty, token: a-routing-key}',
        ),
      ),
    ).filter((w) => w.includes('routing_key'));
    expect(found).toEqual([
      'hark.yaml:6:5: warning: integration "legacy" has no token, so it accepts events with any routing_key: set token (the routing_key its senders use)',
    ]);
  });

  it('tokens cannot be empty', () => {
    expect(errors(tree(lines('integrations:', '  - {name: empty, type: generic, token: ""}')))).toEqual([
      'hark.yaml:6:41: token cannot be empty',
    ]);
  });

  it('have unique names', () => {
    expect(
      errors(
        tree(
          lines(
            'integrations:',
            '  - {name: prom, type: pagerduty}',
            '  - {name: prom, type: generic, token: t}',
          ),
        ),
      ),
    ).toEqual(['hark.yaml:7:12: duplicate integration "prom" (first defined at hark.yaml:6:12)']);
  });
});

describe('api_tokens', () => {
  it('are at least 16 characters', () => {
    expect(
      errors(
        tree(
          lines(
            'api_tokens:',
            '  - {name: ops, token: short, person: alice}',
            '  - {name: ci, token: 0123456789abcde}',
          ),
        ),
      ),
    ).toEqual([
      'hark.yaml:6:24: API tokens must be at least 16 characters long',
      'hark.yaml:7:23: API tokens must be at least 16 characters long',
    ]);
  });

  it('name a known person (did you mean)', () => {
    expect(
      errors(
        tree(
          lines(
            'api_tokens:',
            '  - {name: ci, token: 0123456789abcdef, person: alcie}',
            '  - {name: bot, token: 0123456789abcdef}',
          ),
        ),
      ),
    ).toEqual(['hark.yaml:6:49: unknown person "alcie" in API token "ci" (did you mean "alice"?)']);
  });

  it('have unique names', () => {
    expect(
      errors(
        tree(
          lines(
            'api_tokens:',
            '  - {name: ops, token: 0123456789abcdef}',
            '  - name: ops',
            '    token: fedcba9876543210',
          ),
        ),
      ),
    ).toEqual(['hark.yaml:7:11: duplicate API token "ops" (first defined at hark.yaml:6:12)']);
  });
});

// ------------------------------------------------------------------------------ schedules

describe('schedules', () => {
  it('report an unknown person in a rotation (did you mean)', () => {
    expect(
      errors(
        tree('', {
          'schedules/platform.yaml': SCHEDULE.replace('[alice, bob, carol]', '[alice, bbo, carol]'),
        }),
      ),
    ).toEqual([
      'schedules/platform.yaml:5:22: unknown person "bbo" in rotation "weekly" (did you mean "bob"?)',
    ]);
  });

  it('need at least one rotation and unique rotation names', () => {
    expect(errors(withSchedule(lines('rotations: []')))).toEqual([
      'schedules/platform.yaml:1:12: a schedule needs at least one rotation',
    ]);
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - {name: weekly, members: [alice], start: 2026-01-05T09:00}',
            '  - {name: weekly, members: [bob], start: 2026-01-05T09:00}',
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:3:12: duplicate rotation "weekly" (first defined at schedules/platform.yaml:2:12)',
    ]);
  });

  it('rotations need members (or follows) and start', () => {
    expect(errors(withSchedule(lines('rotations:', '  - name: weekly', '    role: primary')))).toEqual([
      'schedules/platform.yaml:2:5: rotation "weekly" needs members (or follows: another rotation)',
      'schedules/platform.yaml:2:5: rotation "weekly" needs start (YYYY-MM-DDTHH:MM, when shift 0 begins)',
    ]);
    expect(
      errors(withSchedule(lines('rotations:', '  - name: b', '    members: []', '    start: 2026-01-05'))),
    ).toEqual(['schedules/platform.yaml:3:14: list at least one member']);
  });

  it('a rotation with several members needs a handoff', () => {
    expect(
      errors(
        withSchedule(
          lines('rotations:', '  - {name: weekly, members: [alice, bob], start: 2026-01-05T09:00}'),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:2:29: rotation "weekly" has 2 members but no handoff: only alice would ever be on call (add handoff: FREQ=WEEKLY, for example)',
    ]);
    // one member needs no handoff
    expect(() =>
      load(
        withSchedule(lines('rotations:', '  - {name: weekly, members: [alice], start: 2026-01-05T09:00}')),
      ),
    ).not.toThrow();
  });

  it('report handoff errors: syntax, unsupported parts, impossible rules', () => {
    const rotation = (name: string, handoff: string) =>
      `  - {name: ${name}, members: [alice, bob], start: 2026-01-05T09:00, handoff: "${handoff}"}`;
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            rotation('a', 'FREQ=SECONDLY'),
            rotation('b', 'FREQ=WEEKLY;BYSETPOS=1'),
            rotation('c', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'),
            rotation('d', 'WEEKLY'),
            rotation('e', 'DTSTART=20260105T090000;FREQ=WEEKLY'),
            rotation('f', ''),
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:2:72: invalid handoff "FREQ=SECONDLY": FREQ must be HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, got SECONDLY',
      'schedules/platform.yaml:3:72: invalid handoff "FREQ=WEEKLY;BYSETPOS=1": unsupported RRULE part BYSETPOS (supported: FREQ, INTERVAL, COUNT, UNTIL, WKST, BYDAY, BYMONTHDAY, BYMONTH, BYHOUR, BYMINUTE)',
      'schedules/platform.yaml:4:72: invalid handoff "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30": this RRULE matches no date at all (check BYMONTH, BYMONTHDAY and BYDAY together)',
      'schedules/platform.yaml:5:72: invalid handoff "WEEKLY": "WEEKLY" is not NAME=VALUE; expected an RRULE such as FREQ=WEEKLY;BYDAY=MO',
      'schedules/platform.yaml:6:72: invalid handoff "DTSTART=20260105T090000;FREQ=WEEKLY": DTSTART is not allowed in handoff: the rotation\'s start and the schedule\'s timezone set it',
      'schedules/platform.yaml:7:72: invalid handoff "": handoff is empty; expected an RRULE such as FREQ=WEEKLY',
    ]);
  });

  it('end must be after start', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - name: weekly',
            '    members: [alice]',
            '    start: 2026-01-05T09:00',
            '    end: 2026-01-05T09:00',
            '  - {name: b, members: [bob], start: 2026-01-05T09:00, end: 2025-12-31T09:00}',
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:5:10: end must be after start in rotation "weekly"',
      'schedules/platform.yaml:6:61: end must be after start in rotation "b"',
    ]);
  });

  it('a following rotation has only name, role and follows', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - {name: weekly, members: [alice, bob], start: 2026-01-05T09:00, handoff: FREQ=WEEKLY}',
            '  - name: backup',
            '    follows: weekly',
            '    members: [alice]',
            '    start: 2026-01-05T09:00',
            '    handoff: FREQ=DAILY',
            '    end: 2026-02-05T09:00',
            '    coverage: [{from: "09:00", to: "17:00"}]',
          ),
        ),
      ),
    ).toEqual(
      ['members', 'start', 'handoff', 'end', 'coverage'].map(
        (key, i) =>
          `schedules/platform.yaml:${5 + i}:5: rotation "backup" follows "weekly" and takes its ${key} from it; remove ${key} (a following rotation has only name, role and follows)`,
      ),
    );
  });

  it('follows must name a rotation of the schedule (did you mean, and the list)', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - {name: weekly, members: [alice, bob], start: 2026-01-05T09:00, handoff: FREQ=WEEKLY}',
            '  - {name: backup, role: secondary, follows: weekyl}',
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:3:46: rotation "backup" follows unknown rotation "weekyl" (did you mean "weekly"?) (rotations in this schedule: weekly, backup)',
    ]);
  });

  it('follows cannot form a cycle', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - {name: weekly, members: [alice], start: 2026-01-05T09:00}',
            '  - {name: c1, role: b, follows: c2}',
            '  - {name: c2, role: c, follows: c1}',
            '  - {name: self, role: d, follows: self}',
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:3:34: rotation "c1" follows in a cycle: c1 → c2 → c1',
      'schedules/platform.yaml:4:34: rotation "c2" follows in a cycle: c2 → c1 → c2',
      'schedules/platform.yaml:5:36: rotation "self" follows in a cycle: self → self',
    ]);
  });

  it('follows may chain', () => {
    const { config } = load(
      withSchedule(
        lines(
          'rotations:',
          '  - {name: weekly, members: [alice, bob, carol], start: 2026-01-05T09:00, handoff: FREQ=WEEKLY}',
          '  - {name: second, role: secondary, follows: weekly}',
          '  - {name: third, role: tertiary, follows: second}',
        ),
      ),
    );
    expect(config.schedules.get('platform')?.roles).toEqual(['primary', 'secondary', 'tertiary']);
  });
});

describe('overrides', () => {
  const rotations = lines(
    'rotations:',
    '  - {name: weekly, role: primary, members: [alice], start: 2026-01-05T09:00}',
    '  - {name: b, role: secondary, members: [bob], start: 2026-01-05T09:00}',
    'overrides:',
  );

  it('need a role of the schedule (did you mean, and the roles)', () => {
    expect(
      errors(
        withSchedule(
          rotations +
            lines('  - {role: primay, person: alice, from: 2026-03-01T09:00, to: 2026-03-02T09:00}'),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:5:12: override 1 is for unknown role "primay" (did you mean "primary"?) (roles in this schedule: primary, secondary)',
    ]);
  });

  it('explain the default role when the schedule has no primary', () => {
    expect(
      errors(
        withSchedule(
          lines(
            'rotations:',
            '  - {name: days, role: day, members: [alice], start: 2026-01-05T09:00}',
            'overrides:',
            '  - {person: alice, from: 2026-03-01T09:00, to: 2026-03-02T09:00}',
          ),
        ),
      ),
    ).toEqual([
      'schedules/platform.yaml:4:5: override 1 has no role, so it is for "primary", which no rotation of this schedule has: add role (roles: day)',
    ]);
  });

  it('need a known person and to after from', () => {
    expect(
      errors(
        withSchedule(
          rotations +
            lines(
              '  - {person: alcie, from: 2026-03-01T09:00, to: 2026-03-02T09:00}',
              '  - {person: bob, from: 2026-03-01T09:00, to: 2026-03-01T09:00}',
              '  - {person: bob, from: 2026-03-02T09:00, to: 2026-03-01T09:00}',
            ),
        ),
      ).filter((e) => !e.includes('unknown person')),
    ).toEqual([
      'schedules/platform.yaml:6:47: override 2: to must be after from',
      'schedules/platform.yaml:7:47: override 3: to must be after from',
    ]);
  });

  it('count overrides from 1 in messages, like steps', () => {
    expect(
      errors(
        withSchedule(
          rotations +
            lines(
              '  - {person: bob, from: 2026-03-01T09:00, to: 2026-03-02T09:00}',
              '  - {person: alcie, from: 2026-03-01T09:00, to: 2026-03-02T09:00}',
            ),
        ),
      ),
    ).toEqual(['schedules/platform.yaml:6:14: unknown person "alcie" in override 2 (did you mean "alice"?)']);
  });
});

// ------------------------------------------------------------------------------ policies

describe('escalation policies', () => {
  it('repeat is 0–20 or forever', () => {
    for (const bad of ['21', '-1', '2.5', '"2"', 'always']) {
      expect(errors(withPolicy(lines(`repeat: ${bad}`, 'steps:', '  - notify: [{person: alice}]')))).toEqual([
        'escalation-policies/platform.yaml:1:9: repeat must be a whole number from 0 to 20, or forever',
      ]);
    }
    expect(
      load(
        withPolicy(lines('repeat: forever', 'steps:', '  - notify: [{person: alice}]')),
      ).config.policies.get('platform')?.repeat,
    ).toBe(Infinity);
    expect(
      load(withPolicy(lines('repeat: 20', 'steps:', '  - notify: [{person: alice}]'))).config.policies.get(
        'platform',
      )?.repeat,
    ).toBe(20);
    expect(
      load(withPolicy(lines('steps:', '  - notify: [{person: alice}]'))).config.policies.get('platform')
        ?.repeat,
    ).toBe(0);
  });

  it('escalate_after is longer than 0', () => {
    expect(
      errors(
        withPolicy(
          lines(
            'steps:',
            '  - notify: [{person: alice}]',
            '    escalate_after: 0',
            '  - notify: [{person: bob}]',
            '    escalate_after: 0m',
          ),
        ),
      ),
    ).toEqual([
      'escalation-policies/platform.yaml:3:21: escalate_after must be longer than 0s',
      'escalation-policies/platform.yaml:5:21: escalate_after must be longer than 0s',
    ]);
  });

  it('need at least one step, and each step at least one target', () => {
    expect(errors(withPolicy(lines('steps: []')))).toEqual([
      'escalation-policies/platform.yaml:1:8: a policy needs at least one step',
    ]);
    expect(errors(withPolicy(lines('steps:', '  - notify: []')))).toEqual([
      'escalation-policies/platform.yaml:2:13: a step must notify at least one schedule or person',
    ]);
  });

  it('a target is exactly one of schedule (with an optional role) or person', () => {
    const allowed = '(a target is {schedule: NAME}, {schedule: NAME, role: ROLE} or {person: NAME})';
    expect(
      errors(
        withPolicy(
          lines(
            'steps:',
            '  - notify:',
            '      - {schedule: platform, person: bob}',
            '      - {role: secondary}',
            '      - {}',
            '      - {person: bob, role: primary}',
          ),
        ),
      ),
    ).toEqual([
      `escalation-policies/platform.yaml:3:9: target names both a schedule and a person; use one target for each ${allowed}`,
      `escalation-policies/platform.yaml:4:9: target has a role but no schedule; role picks a role of a schedule ${allowed}`,
      `escalation-policies/platform.yaml:5:9: target names nothing ${allowed}`,
      `escalation-policies/platform.yaml:6:9: target has a role but no schedule; role picks a role of a schedule ${allowed}`,
    ]);
  });

  it('targets name known schedules, roles and people (did you mean)', () => {
    expect(
      errors(
        withPolicy(
          lines(
            'steps:',
            '  - notify:',
            '      - {schedule: platfrom}',
            '      - {schedule: platform, role: secondry}',
            '  - notify:',
            '      - {person: alcie}',
            '      - {schedule: elsewhere}',
          ),
        ),
      ),
    ).toEqual([
      'escalation-policies/platform.yaml:3:20: unknown schedule "platfrom" in step 1 (did you mean "platform"?) (schedules are the files in schedules/)',
      'escalation-policies/platform.yaml:4:36: schedule "platform" has no role "secondry" (did you mean "secondary"?) (roles: primary, secondary)',
      'escalation-policies/platform.yaml:6:18: unknown person "alcie" in step 2 (did you mean "alice"?)',
      'escalation-policies/platform.yaml:7:20: unknown schedule "elsewhere" in step 2 (schedules are the files in schedules/)',
    ]);
  });

  it('the default role primary must exist in the schedule', () => {
    expect(
      errors({
        ...withPolicy(lines('steps:', '  - notify: [{schedule: platform}]')),
        'schedules/platform.yaml': lines(
          'rotations:',
          '  - {name: days, role: day, members: [alice], start: 2026-01-05T09:00}',
        ),
      }),
    ).toEqual([
      'escalation-policies/platform.yaml:2:25: schedule "platform" has no role "primary" (roles: day)',
    ]);
  });
});

// ------------------------------------------------------------------------------ runbooks

describe('runbooks', () => {
  it('load with or without front matter', () => {
    const { config } = load(
      tree('', {
        'runbooks/with-front.md': lines(
          '---',
          'title: With front matter',
          'match: {labels: {alertname: Foo}}',
          '---',
          '# Heading',
        ),
        'runbooks/heading.md': lines('Intro', '', '# From the heading  ', 'text'),
        'runbooks/plain.md': 'no title here\n',
      }),
    );
    expect(config.runbooks.get('with-front')).toMatchObject({
      title: 'With front matter',
      body: '# Heading\n',
    });
    expect(config.runbooks.get('with-front')?.match?.labels.get('alertname')).toEqual([
      { kind: 'exact', value: 'Foo' },
    ]);
    expect(config.runbooks.get('heading')?.title).toBe('From the heading');
    expect(config.runbooks.get('plain')?.title).toBe('plain');
  });

  it('report front matter errors at their line in the file (front matter starts on line 2)', () => {
    expect(
      errors(
        tree('', {
          'runbooks/a.md': lines(
            '---',
            'title: A',
            'match: {labels: {alertname: X}}',
            'tags: [x]',
            '---',
            '# A',
          ),
          'runbooks/b.md': lines('---', 'title: [B]', 'match:', '  lables: {}', '---'),
          'runbooks/c.md': lines(
            '---',
            'title: C',
            'match:',
            '  labels:',
            '    alertname: [ok, "/(x/"]',
            '---',
          ),
          'runbooks/d.md': lines('---', '- a list', '---'),
        }),
      ).map((e) =>
        e.replace(/invalid regular expression \/\(x\/: .*$/, 'invalid regular expression /(x/: …'),
      ),
    ).toEqual([
      'runbooks/a.md:4:1: unknown key "tags" (allowed: title, match)',
      'runbooks/b.md:2:8: title must be a string, got a list',
      'runbooks/b.md:4:3: unknown key "lables" (did you mean "labels"?) (allowed: labels, annotations)',
      'runbooks/c.md:5:21: invalid regular expression /(x/: …',
      'runbooks/d.md:2:1: the top level must be a mapping (key: value), got a list',
    ]);
  });

  it('count lines the same with CRLF line ends', () => {
    expect(errors(tree('', { 'runbooks/a.md': '---\r\ntitle: A\r\nfoo: 1\r\n---\r\n# A\r\n' }))).toEqual([
      'runbooks/a.md:3:1: unknown key "foo" (allowed: title, match)',
    ]);
  });

  it('report a YAML syntax error in front matter at its line', () => {
    expect(
      errors(
        tree('', {
          'runbooks/a.md': lines('---', 'title: A', 'match: {labels: {alertname: X}', '---', '# A'),
        }),
      ),
    ).toContain(
      'runbooks/a.md:3:31: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
    );
  });

  it('accept empty front matter', () => {
    const { config } = load(
      tree('', {
        'runbooks/a.md': lines('---', '# no settings yet', '---', '# Runbook A'),
        'runbooks/b.md': lines('---', '---', '# Runbook B'),
      }),
    );
    expect(config.runbooks.get('a')?.title).toBe('Runbook A');
    expect(config.runbooks.get('b')?.title).toBe('Runbook B');
  });

  it('report front matter that is never closed', () => {
    expect(
      errors(
        tree('', { 'runbooks/a.md': lines('---', 'title: A', 'match: {labels: {alertname: X}}', '# A') }),
      ),
    ).toEqual([
      'runbooks/a.md:1:1: front matter starts with --- on line 1 but is never closed: end it with a line of ---',
    ]);
  });
});

// ------------------------------------------------------------------------------ ${ENV}

describe('environment variables', () => {
  it('are replaced in every string value, with ${NAME:-default} and $$ for a literal $', () => {
    const { config } = load(
      {
        'hark.yaml': lines(
          'people:',
          '  bob:',
          '    name: "$$HOME costs $$5, ${UNSET:-x}${SET}-${EMPTY:-dflt} $${NOT_A_VAR}"',
          '    sms: ${BOB_PHONE}',
          '    email: "${USER_NAME:-bob}@${DOMAIN:-example.com}"',
          'settings:',
          '  public_url: ${URL:-}',
          '  timezone: ${TZ_NAME}',
        ),
      },
      { SET: 'S', EMPTY: '', BOB_PHONE: '+15555550102', TZ_NAME: 'Europe/Berlin' },
    );
    expect(config.people.get('bob')).toMatchObject({
      displayName: '$HOME costs $5, xS-dflt ${NOT_A_VAR}',
      sms: '+15555550102',
      email: 'bob@example.com',
    });
    expect(config.settings.publicUrl).toBeNull();
    expect(config.settings.timezone).toBe('Europe/Berlin');
  });

  it('are not replaced in keys', () => {
    expect(
      errors({ 'hark.yaml': lines('people:', '  ${WHO}: {email: b@example.com}') }, { WHO: 'bob' }),
    ).toEqual([`hark.yaml:2:3: invalid person name "\${WHO}": ${NAME_HELP}`]);
  });

  it('that are missing are errors, one per variable', () => {
    expect(
      errors({
        'hark.yaml': lines('people:', '  bob:', '    email: b@example.com', '    name: "${FIRST} ${LAST}"'),
      }),
    ).toEqual([
      'hark.yaml:4:11: environment variable FIRST is not set (used as ${FIRST}); set it or write ${FIRST:-default}',
      'hark.yaml:4:11: environment variable LAST is not set (used as ${LAST}); set it or write ${LAST:-default}',
    ]);
  });

  it('that are missing are errors in schedules, policies and runbook front matter too', () => {
    expect(
      errors(
        tree('', {
          'schedules/platform.yaml': SCHEDULE.replace(
            'timezone: America/New_York',
            'timezone: ${SCHEDULE_TZ}',
          ),
          'escalation-policies/platform.yaml': POLICY.replace(
            'escalate_after: 5m',
            'escalate_after: "${WAIT}"',
          ),
          'runbooks/a.md': lines('---', 'title: A', 'match: {labels: {team: "${TEAM}"}}', '---'),
        }),
      ).filter((e) => e.includes('environment variable')),
    ).toEqual([
      'escalation-policies/platform.yaml:5:21: environment variable WAIT is not set (used as ${WAIT}); set it or write ${WAIT:-default}',
      'runbooks/a.md:3:24: environment variable TEAM is not set (used as ${TEAM}); set it or write ${TEAM:-default}',
      'schedules/platform.yaml:1:11: environment variable SCHEDULE_TZ is not set (used as ${SCHEDULE_TZ}); set it or write ${SCHEDULE_TZ:-default}',
    ]);
  });

  it('that are missing give one error, not a second one about the empty value', () => {
    expect(
      errors({
        'hark.yaml': lines(
          'people:',
          '  bob: {sms: "${BOB_PHONE}"}',
          'integrations:',
          '  - {name: prom, type: alertmanager, token: "${AM_TOKEN}"}',
        ),
      }),
    ).toEqual([
      'hark.yaml:2:14: environment variable BOB_PHONE is not set (used as ${BOB_PHONE}); set it or write ${BOB_PHONE:-default}',
      'hark.yaml:4:45: environment variable AM_TOKEN is not set (used as ${AM_TOKEN}); set it or write ${AM_TOKEN:-default}',
    ]);
  });

  it('that are set but empty are reported as empty', () => {
    expect(
      errors(
        { 'hark.yaml': lines('people:', '  bob:', '    email: b@example.com', '    name: "${BOB_NAME}"') },
        { BOB_NAME: '' },
      ),
    ).toEqual(['hark.yaml:4:11: environment variable BOB_NAME is set but empty (used as ${BOB_NAME})']);
  });

  // Issue 10 item 12: an unset ${DD_TOKEN} hid an unknown person and a misspelled policy.
  const UNSET_AND_MORE = tree(
    lines(
      '  dave: {sms: "${DAVE_PHONE}", notify: {high: [{voice: 0m}]}}',
      'services:',
      '  - {name: checkout, escalation_policy: platfrom}',
      'integrations:',
      '  - {name: datadog, type: datadog, token: "${DD_TOKEN}"}',
    ),
    {
      'schedules/platform.yaml': SCHEDULE.replace(
        'members: [alice, bob, carol]',
        'members: [alice, bbo, carol]',
      ),
    },
  );

  it('that are missing hide no other error: all are reported at once', () => {
    expect(errors(UNSET_AND_MORE)).toEqual([
      'hark.yaml:5:15: environment variable DAVE_PHONE is not set (used as ${DAVE_PHONE}); set it or write ${DAVE_PHONE:-default}',
      'hark.yaml:5:48: notify rule uses voice but person "dave" has no voice number',
      'hark.yaml:7:41: unknown escalation policy "platfrom" for service "checkout" (did you mean "platform"?) (policies are the files in escalation-policies/)',
      'hark.yaml:9:43: environment variable DD_TOKEN is not set (used as ${DD_TOKEN}); set it or write ${DD_TOKEN:-default}',
      'schedules/platform.yaml:5:22: unknown person "bbo" in rotation "weekly" (did you mean "bob"?)',
    ]);
  });

  it('that are missing are warnings with unsetEnv: warning, and every other error stays an error', () => {
    const e = (() => {
      try {
        loadConfig(tmpConfig(UNSET_AND_MORE), { env: {}, unsetEnv: 'warning' });
      } catch (err) {
        if (err instanceof ConfigError) return err;
      }
      throw new Error('expected the config to be rejected');
    })();
    expect(e.issues.map(formatIssue)).toEqual([
      'hark.yaml:5:48: notify rule uses voice but person "dave" has no voice number',
      'hark.yaml:7:41: unknown escalation policy "platfrom" for service "checkout" (did you mean "platform"?) (policies are the files in escalation-policies/)',
      'schedules/platform.yaml:5:22: unknown person "bbo" in rotation "weekly" (did you mean "bob"?)',
    ]);
    expect(e.warnings.map(formatIssue)).toEqual([
      'hark.yaml:5:15: warning: environment variable DAVE_PHONE is not set (used as ${DAVE_PHONE}): the value is not checked',
      'hark.yaml:9:43: warning: environment variable DD_TOKEN is not set (used as ${DD_TOKEN}): the value is not checked',
    ]);
  });

  it('that are missing or empty leave a config that loads with unsetEnv: warning, every entry in it', () => {
    const { config, warnings } = loadConfig(
      tmpConfig(
        tree(
          lines(
            '  dave: {sms: "${DAVE_PHONE}", voice: "${DAVE_PHONE}", email: "${DAVE_EMAIL}", timezone: "${DAVE_TZ}"}',
            'services:',
            '  - {name: checkout, escalation_policy: platform}',
            'integrations:',
            '  - {name: datadog, type: datadog, token: "${DD_TOKEN}"}',
            'api_tokens:',
            '  - {name: ci, token: "${HARK_API_TOKEN}", person: dave}',
            'settings:',
            '  public_url: "${HARK_PUBLIC_URL}"',
          ),
        ),
      ),
      { env: { DAVE_EMAIL: '' }, unsetEnv: 'warning' },
    );
    expect(warnings.map((w) => `${w.line}:${w.col}: ${w.message.replace(/ \(used as .*/, '')}`)).toEqual([
      '5:15: environment variable DAVE_PHONE is not set',
      '5:39: environment variable DAVE_PHONE is not set',
      '5:63: environment variable DAVE_EMAIL is set but empty',
      '5:90: environment variable DAVE_TZ is not set',
      '9:43: environment variable DD_TOKEN is not set',
      '11:23: environment variable HARK_API_TOKEN is not set',
      '13:15: environment variable HARK_PUBLIC_URL is not set',
    ]);
    expect([...config.people.keys()]).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(config.people.get('dave')?.notify.high.map((r) => r.channel)).toEqual(['sms', 'email', 'voice']);
    expect(config.integrations.map((i) => i.name)).toEqual(['datadog']);
    expect(config.apiTokens.map((t) => t.person)).toEqual(['dave']);
  });

  it('report a malformed ${...} reference instead of keeping it literally', () => {
    expect(
      errors({
        'hark.yaml':
          PEOPLE + lines('integrations:', '  - {name: prom, type: alertmanager, token: "${AM-TOKEN}"}'),
      }),
    ).toEqual([
      'hark.yaml:6:45: malformed ${AM-TOKEN}: write ${NAME} or ${NAME:-default}, NAME being letters, digits and _ (and $$ for a literal $)',
    ]);
  });
});

// ------------------------------------------------------------------------------ secrets

describe('secrets', () => {
  it('from the environment never appear in error text', () => {
    const env = {
      BOB_PHONE: '555-SECRET-0102',
      CAROL_EMAIL: 'SECRET',
      HARK_API_TOKEN: 'tok-SECRET',
      AM_TOKEN: 'am-SECRET-token-0123456789',
      HARK_PUBLIC_URL: 'htps://SECRET.example.com',
    };
    const e = configError(
      {
        'hark.yaml': lines(
          'people:',
          '  alice: {email: a@example.com}',
          '  bob: {sms: "${BOB_PHONE}", voice: "${BOB_PHONE}"}',
          '  carol: {email: "${CAROL_EMAIL}"}',
          'integrations:',
          '  - {name: Prom, type: alertmanager, token: "${AM_TOKEN}"}',
          'api_tokens:',
          '  - {name: ops, token: "${HARK_API_TOKEN}", person: alice}',
          'settings:',
          '  public_url: "${HARK_PUBLIC_URL}"',
        ),
      },
      env,
    );
    expect(e.issues.map((i) => `${i.line}:${i.col}`)).toEqual([
      '3:14',
      '3:37',
      '4:18',
      '6:12',
      '8:24',
      '10:15',
    ]);
    const text = [e.message, ...e.issues.map(formatIssue), ...e.warnings.map(formatIssue)].join('\n');
    expect(text).not.toContain('SECRET');
    expect(text).toContain(PHONE_HELP);
    expect(text).toContain('API tokens must be at least 16 characters long');
  });

  it('written as YAML numbers are not echoed either', () => {
    const found = errors({
      'hark.yaml': PEOPLE + lines('api_tokens:', '  - {name: ops, token: 98765432109876543210}'),
    });
    expect(found).toEqual([
      'hark.yaml:6:24: token must be a string, got a number: put it in quotes (phone numbers, tokens and times are strings)',
    ]);
    expect(found.join('\n')).not.toMatch(/98765/);
  });
});

// ------------------------------------------------------------------------------ all at once

describe('all errors at once', () => {
  it('reports every error of every file, sorted by file, line and column', () => {
    expect(
      errors({
        'hark.yaml':
          PEOPLE + lines('default_severity: SEV-9', 'services:', '  - {name: all, escalation_policy: nope}'),
        'schedules/b.yaml': lines(
          'rotations:',
          '  - {name: r, members: [zed], start: 2026-01-05T09:00}',
          '  - {name: r2, members: [alice, bob], start: 2026-01-05T09:00}',
        ),
        'schedules/a.yaml': lines('timezone: Nowhere', 'rotations: []'),
        'escalation-policies/p.yaml': lines(
          'steps:',
          '  - notify: [{schedule: c}]',
          '  - notify: [{person: zed}]',
        ),
        'runbooks/r.md': lines('---', 'title: R', 'mtach: {}', '---'),
      }),
    ).toEqual([
      'escalation-policies/p.yaml:2:25: unknown schedule "c" in step 1 (schedules are the files in schedules/)',
      'escalation-policies/p.yaml:3:23: unknown person "zed" in step 2',
      'hark.yaml:5:19: unknown severity "SEV-9" in default_severity (did you mean "SEV-1"?) (severities: SEV-1, SEV-2, SEV-3)',
      'hark.yaml:7:36: unknown escalation policy "nope" for service "all" (policies are the files in escalation-policies/)',
      'runbooks/r.md:3:1: unknown key "mtach" (did you mean "match"?) (allowed: title, match)',
      `schedules/a.yaml:1:11: unknown time zone "Nowhere": ${TZ_HELP}`,
      'schedules/a.yaml:2:12: a schedule needs at least one rotation',
      'schedules/b.yaml:2:25: unknown person "zed" in rotation "r"',
      'schedules/b.yaml:3:25: rotation "r2" has 2 members but no handoff: only alice would ever be on call (add handoff: FREQ=WEEKLY, for example)',
    ]);
  });

  it('lists every error in the ConfigError message', () => {
    const e = configError(tree(lines('default_severity: SEV-9', 'settings: {retention: forever}')));
    expect(e.name).toBe('ConfigError');
    expect(e.message).toBe(
      [
        'invalid config:',
        'hark.yaml:5:19: unknown severity "SEV-9" in default_severity (did you mean "SEV-1"?) (severities: SEV-1, SEV-2, SEV-3)',
        `hark.yaml:6:23: invalid duration "forever": ${DURATION_HELP}`,
      ].join('\n'),
    );
    expect(e.issues.every((i): i is ConfigIssue => i.level === 'error')).toBe(true);
  });

  it('does not cascade: a name defined in a file with errors is still known elsewhere', () => {
    expect(
      errors({
        'hark.yaml': PEOPLE + lines('settings: {timzone: UTC}'),
        'schedules/platform.yaml': SCHEDULE.replace('America/New_York', 'Mars/Base'),
        'escalation-policies/platform.yaml': POLICY.replace('escalate_after: 5m', 'escalate_after: 5'),
        'runbooks/rb.md': lines('---', 'title: [', '---'),
        'escalation-policies/other.yaml': lines(
          'steps:',
          '  - notify: [{schedule: platform, role: secondary}, {person: alice}]',
        ),
      }).filter((e) => !e.startsWith('runbooks/')),
    ).toEqual([
      `escalation-policies/platform.yaml:5:21: invalid duration "5": ${DURATION_HELP}`,
      'hark.yaml:5:12: unknown key "timzone" (did you mean "timezone"?) (allowed: timezone, public_url, ack_timeout, auto_resolve, retention, event_retention, max_body, page_limits)',
      `schedules/platform.yaml:1:11: unknown time zone "Mars/Base": ${TZ_HELP}`,
    ]);
    expect(
      errors({
        ...tree(lines('services:', '  - {name: all, escalation_policy: platform, runbook: rb}')),
        'escalation-policies/platform.yaml': lines('steps: []'),
        'runbooks/rb.md': lines('---', 'titel: x', '---'),
      }),
    ).toEqual([
      'escalation-policies/platform.yaml:1:8: a policy needs at least one step',
      'runbooks/rb.md:2:1: unknown key "titel" (did you mean "title"?) (allowed: title, match)',
    ]);
  });

  it('does not cascade from a YAML syntax error in hark.yaml into unknown persons', () => {
    expect(
      errors(
        tree('', {
          'hark.yaml': lines(
            'people:',
            '  alice: {email: a@example.com}',
            '  bob: {email: b@example.com',
            '  carol: {}',
          ),
        }),
      ),
    ).toEqual([
      'hark.yaml:4:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
  });

  it('reports cross-reference errors of a file that also has a schema error', () => {
    expect(
      errors(
        tree(lines('settings: {timzone: UTC}', 'services:', '  - {name: all, escalation_policy: platfrom}'), {
          'schedules/platform.yaml': SCHEDULE.replace('America/New_York', 'America/New_Yrok').replace(
            'bob,',
            'bbo,',
          ),
        }),
      ),
    ).toEqual([
      'hark.yaml:5:12: unknown key "timzone" (did you mean "timezone"?) (allowed: timezone, public_url, ack_timeout, auto_resolve, retention, event_retention, max_body, page_limits)',
      'hark.yaml:7:36: unknown escalation policy "platfrom" for service "all" (did you mean "platform"?) (policies are the files in escalation-policies/)',
      `schedules/platform.yaml:1:11: unknown time zone "America/New_Yrok": ${TZ_HELP}`,
      'schedules/platform.yaml:5:22: unknown person "bbo" in rotation "weekly" (did you mean "bob"?)',
    ]);
  });
});

describe('ways to never be paged', () => {
  it('refuses an empty high-urgency notify list', () => {
    expect(
      errors({ 'hark.yaml': lines('people:', '  alice: {email: a@example.com, notify: {high: []}}') }),
    ).toEqual([
      'hark.yaml:2:48: high must list at least one rule, or high-urgency incidents would never reach this person',
    ]);
  });

  it('warns when a person could only be called, since low urgency never calls', () => {
    expect(
      warnings({
        'hark.yaml': lines(
          'people:',
          '  alice: {voice: "+15555550101"}',
          '  bob: {sms: "+15555550102", voice: "+15555550102", notify: {high: [{sms: 0m}], low: [{voice: 0m}]}}',
        ),
      }),
    ).toEqual([
      'hark.yaml:2:3: warning: person "alice" has only a voice number, and low-urgency incidents never call: they will not hear of those',
      'hark.yaml:3:87: warning: low-urgency incidents never call: use sms or email here',
    ]);
  });

  it('treats a service with an empty match as a catch-all', () => {
    expect(
      warnings({
        'hark.yaml':
          PEOPLE +
          lines(
            'services:',
            '  - {name: all, match: {}, escalation_policy: platform}',
            '  - {name: late, escalation_policy: platform}',
          ),
        'schedules/platform.yaml': SCHEDULE,
        'escalation-policies/platform.yaml': lines('steps:', '  - notify: [{schedule: platform}]'),
      }),
    ).toEqual([
      'hark.yaml:7:5: warning: service "late" is never used: service "all" above it matches every alert',
    ]);
  });
});

describe('integration rate limits', () => {
  it('default to 3000 requests a minute and take {requests, per}', () => {
    const { config } = load({
      'hark.yaml':
        PEOPLE +
        lines(
          'integrations:',
          '  - {name: a, type: generic, token: t}',
          '  - {name: b, type: generic, token: t, rate_limit: {requests: 10, per: 1s}}',
        ),
    });
    expect(config.integrations.map((i) => i.rateLimit)).toEqual([
      { requests: 3000, perMs: 60_000 },
      { requests: 10, perMs: 1000 },
    ]);
  });

  it('refuse zero requests and windows under a second', () => {
    expect(
      errors({
        'hark.yaml':
          PEOPLE +
          lines(
            'integrations:',
            '  - {name: b, type: generic, token: t, rate_limit: {requests: 0, per: 500ms}}',
          ),
      }),
    ).toEqual([
      'hark.yaml:6:63: requests must be at least 1',
      `hark.yaml:6:71: invalid duration "500ms": ${DURATION_HELP}`,
    ]);
  });
});

describe('routing coverage', () => {
  it('warns when no service takes every alert', () => {
    expect(
      warnings({
        'hark.yaml':
          PEOPLE +
          lines(
            'services:',
            '  - {name: web, match: {labels: {team: web}}, escalation_policy: platform}',
            'integrations:',
            '  - {name: a, type: generic, token: t}',
          ),
        'schedules/platform.yaml': SCHEDULE,
        'escalation-policies/platform.yaml': lines('steps:', '  - notify: [{schedule: platform}]'),
      }),
    ).toEqual([
      'hark.yaml:5:1: warning: no service matches every alert: alerts that match none are refused with 422; add a last service without match',
    ]);
  });
});

describe('page limits', () => {
  it('take {count, per} lists per channel; an empty list means no limit; a channel left out keeps its default', () => {
    const { config } = load({
      'hark.yaml': PEOPLE + lines('settings:', '  page_limits: {sms: [{count: 2, per: 30s}], voice: []}'),
    });
    expect(config.settings.pageLimits).toEqual({
      sms: [{ count: 2, perMs: 30_000 }],
      voice: [],
      email: [
        { count: 1, perMs: 60_000 },
        { count: 10, perMs: 900_000 },
      ],
      slack: [
        { count: 1, perMs: 60_000 },
        { count: 10, perMs: 900_000 },
      ],
      ntfy: [
        { count: 1, perMs: 60_000 },
        { count: 10, perMs: 900_000 },
      ],
    });
    const off = load({ 'hark.yaml': PEOPLE + lines('settings:', '  page_limits: {email: []}') });
    expect(off.config.settings.pageLimits.email).toEqual([]);
  });

  it('refuse a zero count and windows under a second', () => {
    expect(
      errors({ 'hark.yaml': PEOPLE + lines('settings:', '  page_limits: {sms: [{count: 0, per: 0s}]}') }),
    ).toEqual(['hark.yaml:6:31: count must be at least 1', 'hark.yaml:6:39: per must be at least 1s']);
  });
});
