/**
 * `heartbeats:`, an integration's `heartbeat:` (Watchdog mode) and an opsgenie integration's
 * `priorities:` in hark.yaml: what is checked, with the `file:line:col` a user sees.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';

afterAll(cleanupTmpConfigs);

const TOKEN = 'hb-token-nightly-0123456789';

/** hark.yaml lines 1–8; what the test adds starts on line 9. */
const HEAD = lines(
  'people:',
  '  alice: {sms: "+15555550101"}',
  'services:',
  '  - {name: backups, match: {labels: {team: storage}}, escalation_policy: main}',
  '  - {name: edge, escalation_policy: main}',
  'api_tokens:',
  '  - {name: ops, token: "ops-token-0123456789abcdef"}',
  'settings: {timezone: Europe/Berlin}',
);
const POLICY = lines('steps:', '  - notify:', '      - {person: alice}');

function load(rest: string, env: NodeJS.ProcessEnv = { HB_NIGHTLY: TOKEN }) {
  const dir = tmpConfig({ 'hark.yaml': HEAD + rest, 'escalation-policies/main.yaml': POLICY });
  return loadConfig(dir, { env });
}

function errors(rest: string, env?: NodeJS.ProcessEnv): string[] {
  try {
    load(rest, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('expected the config to be rejected, but it loaded');
}

describe('heartbeats:', () => {
  it('loads a heartbeat with its interval, grace, service, severity and token from the environment', () => {
    const { config } = load(
      lines(
        'heartbeats:',
        '  - {name: nightly, interval: 1d, grace: 30m, service: backups, severity: SEV-3, token: "${HB_NIGHTLY}"}',
        '  - {name: hourly, interval: 1h, service: edge, token: "${HB_HOURLY}"}',
      ),
      { HB_NIGHTLY: TOKEN, HB_HOURLY: 'hb-token-hourly-0123456789' },
    );
    expect(config.heartbeats).toEqual([
      {
        name: 'nightly',
        intervalMs: 86_400_000,
        graceMs: 1_800_000,
        service: 'backups',
        severity: 'SEV-3',
        token: TOKEN,
        tokenEnv: 'HB_NIGHTLY',
        watchdog: null,
      },
      {
        name: 'hourly',
        intervalMs: 3_600_000,
        graceMs: 0,
        service: 'edge',
        severity: null,
        token: 'hb-token-hourly-0123456789',
        tokenEnv: 'HB_HOURLY',
        watchdog: null,
      },
    ]);
  });

  it('refuses a token written in the file, too short, or shared with an API token', () => {
    expect(
      errors(lines('heartbeats:', `  - {name: nightly, interval: 1h, service: backups, token: "${TOKEN}"}`)),
    ).toEqual([
      'hark.yaml:10:60: the token of heartbeat "nightly" must come from the environment alone: write token: "${HARK_HEARTBEAT_NIGHTLY_TOKEN}" (no default, nothing around it) and set HARK_HEARTBEAT_NIGHTLY_TOKEN',
    ]);
    const row = lines(
      'heartbeats:',
      '  - {name: nightly, interval: 1h, service: backups, token: "${HB_NIGHTLY}"}',
    );
    expect(errors(row, { HB_NIGHTLY: 'short' })).toEqual([
      'hark.yaml:10:60: HB_NIGHTLY is too short for the token of heartbeat "nightly": use at least 16 characters (openssl rand -hex 16)',
    ]);
    expect(errors(row, { HB_NIGHTLY: 'ops-token-0123456789abcdef' })).toEqual([
      'hark.yaml:10:60: the token of heartbeat "nightly" (HB_NIGHTLY) is the same as API token "ops": give each heartbeat a token of its own',
    ]);
    expect(errors(row, {})).toEqual([
      'hark.yaml:10:60: environment variable HB_NIGHTLY is not set (used as ${HB_NIGHTLY}); set it or write ${HB_NIGHTLY:-default}',
    ]);
  });

  it('names unknown services and severities, duplicates, and bad intervals', () => {
    expect(
      errors(
        lines(
          'heartbeats:',
          '  - {name: nightly, interval: 1h, service: backup, severity: SEV-9, token: "${HB_NIGHTLY}"}',
          '  - {name: nightly, interval: 0s, service: edge, token: "${HB_OTHER}"}',
        ),
        { HB_NIGHTLY: TOKEN, HB_OTHER: 'hb-token-other-0123456789' },
      ),
    ).toEqual([
      'hark.yaml:10:44: unknown service "backup" in heartbeat "nightly" (did you mean "backups"?) (services: backups, edge)',
      'hark.yaml:10:62: unknown severity "SEV-9" in heartbeat "nightly" (did you mean "SEV-1"?) (severities: SEV-1, SEV-2, SEV-3)',
      'hark.yaml:11:31: interval must be at least 1s',
    ]);
    expect(
      errors(
        lines(
          'heartbeats:',
          '  - {name: nightly, interval: 1h, service: edge, token: "${HB_NIGHTLY}"}',
          '  - {name: nightly, interval: 2h, service: edge, token: "${HB_OTHER}"}',
        ),
        { HB_NIGHTLY: TOKEN, HB_OTHER: 'hb-token-other-0123456789' },
      ),
    ).toEqual([
      'hark.yaml:11:12: duplicate heartbeat "nightly" in heartbeats (first defined at hark.yaml:10:12)',
    ]);
  });
});

describe("an integration's heartbeat (Watchdog mode)", () => {
  const integration = (heartbeat: string, type = 'alertmanager') =>
    lines(
      'integrations:',
      `  - {name: prom, type: ${type}, token: "prom-token-0123456789", heartbeat: ${heartbeat}}`,
    );

  it('is a heartbeat named after the integration, pinged by its alert, within its time', () => {
    const { config } = load(integration('{alertname: Watchdog, within: 5m}'));
    expect(config.heartbeats).toEqual([
      {
        name: 'prom-watchdog',
        intervalMs: 300_000,
        graceMs: 0,
        service: null,
        severity: null,
        token: null,
        tokenEnv: '',
        watchdog: { integration: 'prom', alertname: 'Watchdog' },
      },
    ]);
    const named = load(
      integration('{alertname: Watchdog, within: 2m, name: prometheus, service: edge, severity: SEV-2}'),
    );
    expect(named.config.heartbeats[0]).toMatchObject({
      name: 'prometheus',
      service: 'edge',
      severity: 'SEV-2',
    });
  });

  it('is refused where alerts have no alertname, and its name must not clash', () => {
    expect(errors(integration('{alertname: Watchdog, within: 5m}', 'datadog'))).toEqual([
      'hark.yaml:10:65: integration "prom" (type datadog) cannot have a heartbeat: its alerts carry no alertname label (Watchdog mode reads alertmanager, grafana, opsgenie and generic alerts)',
    ]);
    expect(
      errors(
        integration('{alertname: Watchdog, within: 5m, name: nightly}') +
          lines('heartbeats:', '  - {name: nightly, interval: 1h, service: edge, token: "${HB_NIGHTLY}"}'),
      ),
    ).toEqual([
      'hark.yaml:10:121: duplicate heartbeat "nightly" in the heartbeat of integration "prom" (first defined at hark.yaml:12:12)',
    ]);
    expect(errors(integration('{alertname: "", within: 0s, service: nope}'))).toEqual([
      'hark.yaml:10:93: alertname cannot be empty: the alert that is always firing, such as Watchdog',
      'hark.yaml:10:105: within must be at least 1s',
    ]);
  });
});

describe("an opsgenie integration's priorities", () => {
  it('map priorities to severities that exist, on opsgenie integrations only', () => {
    const { config } = load(
      lines(
        'integrations:',
        '  - {name: og, type: opsgenie, token: "og-token-0123456789", priorities: {P1: SEV-1, P4: SEV-2}}',
      ),
    );
    expect(config.integrations[0]).toMatchObject({
      type: 'opsgenie',
      priorities: { P1: 'SEV-1', P4: 'SEV-2' },
    });
    expect(
      errors(
        lines(
          'integrations:',
          '  - {name: og, type: opsgenie, token: "og-token-0123456789", priorities: {P1: SEV-0, P9: SEV-1}}',
          '  - {name: prom, type: alertmanager, token: "prom-token-0123456789", priorities: {P1: SEV-1}}',
        ),
      ),
    ).toEqual([
      'hark.yaml:10:86: unknown key "P9" (did you mean "P1"?) (allowed: P1, P2, P3, P4, P5)',
      'hark.yaml:11:70: integration "prom" (type alertmanager) has priorities, which only an opsgenie integration reads',
    ]);
  });
});
