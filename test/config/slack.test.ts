/**
 * `slack:` in hark.yaml, people's `slack:` and services' `slack_channel:` / `slack_incident_channels:`
 * (docs/slack.md): what is checked, with the `file:line:col` a user sees.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { cleanupTmpConfigs, lines, tmpConfig } from './tmpconfig.js';

afterAll(cleanupTmpConfigs);

const BOT_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const ENV = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET };

/** hark.yaml lines 1–8; the slack section's entries start on line 9. */
const HEAD = lines(
  'people:',
  '  alice: {sms: "+15555550101", slack: U0ALICE01}',
  '  bob: {sms: "+15555550102", slack: W0BOB0002}',
  '  carol: {sms: "+15555550103"}',
  'services:',
  '  - {name: checkout, match: {labels: {team: payments}}, escalation_policy: main, slack_channel: checkout-alerts}',
  '  - {name: edge, escalation_policy: main}',
  'slack:',
);
/** HEAD without its `slack:` line. */
const NO_SLACK = HEAD.replace('slack:\n', '');
const SECRETS = lines('  bot_token: "${SLACK_BOT_TOKEN}"', '  signing_secret: "${SLACK_SIGNING_SECRET}"');

const POLICY = lines('steps:', '  - notify:', '      - {person: alice}');
const SCHEDULE = lines(
  'rotations:',
  '  - {name: weekly, members: [alice, bob], start: 2026-01-05T09:00, handoff: FREQ=WEEKLY}',
);

function load(hark: string, env: NodeJS.ProcessEnv = ENV, unsetEnv?: 'warning') {
  const dir = tmpConfig({
    'hark.yaml': hark,
    'escalation-policies/main.yaml': POLICY,
    'schedules/platform.yaml': SCHEDULE,
  });
  return loadConfig(dir, { env, unsetEnv });
}

function errors(hark: string, env: NodeJS.ProcessEnv = ENV): string[] {
  try {
    load(hark, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('expected the config to be rejected, but it loaded');
}

describe('a valid slack section', () => {
  it('loads its secrets from the environment, people and service channels, and the defaults', () => {
    const { config, warnings } = load(HEAD + SECRETS);
    expect(warnings).toEqual([]);
    const slack = config.slack!;
    expect(slack.botToken).toBe(BOT_TOKEN);
    expect(slack.botTokenEnv).toBe('SLACK_BOT_TOKEN');
    expect(slack.signingSecret).toBe(SIGNING_SECRET);
    expect(slack.signingSecretEnv).toBe('SLACK_SIGNING_SECRET');
    // Default: the high-urgency severities (SEV-1 and SEV-2 by default), archived a day after resolve.
    const defaults = { severities: ['SEV-1', 'SEV-2'], archiveAfterMs: 86_400_000 };
    expect(slack.incidentChannels).toEqual(defaults);
    expect([...slack.services]).toEqual([
      ['checkout', { channel: '#checkout-alerts', incidentChannels: defaults }],
      ['edge', { channel: null, incidentChannels: defaults }],
    ]);
    expect([...slack.userIds]).toEqual([
      ['alice', 'U0ALICE01'],
      ['bob', 'W0BOB0002'],
    ]);
    expect(slack.people.get('U0ALICE01')).toBe('alice');
    expect(slack.people.get('W0BOB0002')).toBe('bob');
    expect(slack.people.get('U0CAROL03')).toBeUndefined();
    expect(slack.shiftNotices.size).toBe(0);
    expect(Object.isFrozen(slack)).toBe(true);
    // A Slack user ID adds no pages by itself: a {slack: ...} notify rule does (test/config/ntfy.test.ts).
    expect(config.people.get('alice')!.notify.high).toEqual([{ channel: 'sms', afterMs: 0 }]);
  });

  it('takes incident_channels {from, archive_after}, false, and per-service overrides', () => {
    const services = lines(
      'people:',
      '  alice: {sms: "+15555550101"}',
      '  bob: {sms: "+15555550102"}',
      'services:',
      '  - {name: checkout, escalation_policy: main, match: {labels: {team: a}}, slack_incident_channels: false}',
      '  - {name: search, escalation_policy: main, match: {labels: {team: b}}, slack_incident_channels: {from: SEV-3}}',
      '  - {name: infra, escalation_policy: main, match: {labels: {team: c}}, slack_incident_channels: {archive_after: 0}}',
      '  - {name: edge, escalation_policy: main}',
      'slack:',
    );
    const { config } = load(
      services + SECRETS + lines('  incident_channels: {from: SEV-1, archive_after: 2h}'),
    );
    const slack = config.slack!;
    expect(slack.incidentChannels).toEqual({ severities: ['SEV-1'], archiveAfterMs: 7_200_000 });
    const policy = (name: string) => slack.services.get(name)!.incidentChannels;
    expect(policy('checkout')).toEqual({ severities: [], archiveAfterMs: 7_200_000 });
    expect(policy('search')).toEqual({ severities: ['SEV-1', 'SEV-2', 'SEV-3'], archiveAfterMs: 7_200_000 });
    // archive_after: 0 is never; the severities come from the section.
    expect(policy('infra')).toEqual({ severities: ['SEV-1'], archiveAfterMs: null });
    expect(policy('edge')).toEqual(slack.incidentChannels);

    const off = load(HEAD + SECRETS + lines('  incident_channels: false')).config.slack!;
    expect(off.incidentChannels).toEqual({ severities: [], archiveAfterMs: 86_400_000 });
  });

  it('follows the configured severities: from names the lowest severity that gets a channel', () => {
    const custom = lines(
      'severities:',
      '  - {name: P1, urgency: high}',
      '  - {name: P2, urgency: high}',
      '  - {name: P3, urgency: low}',
      '  - {name: P4, urgency: low}',
    );
    expect(load(NO_SLACK + custom + 'slack:\n' + SECRETS).config.slack!.incidentChannels.severities).toEqual([
      'P1',
      'P2',
    ]);
    const from = lines('  incident_channels: {from: P3}');
    expect(
      load(NO_SLACK + custom + 'slack:\n' + SECRETS + from).config.slack!.incidentChannels.severities,
    ).toEqual(['P1', 'P2', 'P3']);
  });

  it('keeps channel IDs as they are and names as #name, written with or without the # (quoted)', () => {
    const { config } = load(HEAD + SECRETS + lines('  shift_notices:', '    platform: C0123ABCD'));
    expect([...config.slack!.shiftNotices]).toEqual([['platform', 'C0123ABCD']]);
    const quoted = load(HEAD + SECRETS + lines('  shift_notices: {platform: "#platform-oncall"}'));
    expect(quoted.config.slack!.shiftNotices.get('platform')).toBe('#platform-oncall');
    const bare = load(HEAD + SECRETS + lines('  shift_notices: {platform: platform-oncall}'));
    expect(bare.config.slack!.shiftNotices.get('platform')).toBe('#platform-oncall');
  });

  it('without a slack section, Slack is off; services that name a channel are warned about', () => {
    const { config, warnings } = load(NO_SLACK);
    expect(config.slack).toBeNull();
    expect(warnings.map(formatIssue)).toEqual([
      'hark.yaml:6:82: warning: service "checkout" has slack_channel, but hark.yaml has no slack: section, so it is not used (see docs/slack.md)',
    ]);
  });

  it('with hark validate --no-env, unset secrets are warnings and the rest is still checked', () => {
    const { config, warnings } = load(HEAD + SECRETS, {}, 'warning');
    expect(config.slack).not.toBeNull();
    expect(warnings.map(formatIssue)).toEqual([
      'hark.yaml:9:14: warning: environment variable SLACK_BOT_TOKEN is not set (used as ${SLACK_BOT_TOKEN}): the value is not checked',
      'hark.yaml:10:19: warning: environment variable SLACK_SIGNING_SECRET is not set (used as ${SLACK_SIGNING_SECRET}): the value is not checked',
    ]);
    expect(() => load(HEAD + SECRETS + lines('  incident_channels: {from: SEV-7}'), {}, 'warning')).toThrow(
      /unknown severity "SEV-7"/,
    );
  });
});

describe('refused, naming file:line:col', () => {
  it('a secret written in the file, with a default, or with more around it, without showing it', () => {
    const bot =
      'Slack\'s bot token must come from the environment alone: write bot_token: "${SLACK_BOT_TOKEN}" (no default, nothing around it) and set SLACK_BOT_TOKEN';
    const signing =
      'Slack\'s signing secret must come from the environment alone: write signing_secret: "${SLACK_SIGNING_SECRET}" (no default, nothing around it) and set SLACK_SIGNING_SECRET';
    const written =
      HEAD + lines(`  bot_token: ${BOT_TOKEN}`, `  signing_secret: "\${SIGNING:-${SIGNING_SECRET}}"`);
    const e = errors(written, {});
    expect(e).toEqual([`hark.yaml:9:14: ${bot}`, `hark.yaml:10:19: ${signing}`]);
    expect(e.join('\n')).not.toContain(BOT_TOKEN);
    expect(e.join('\n')).not.toContain(SIGNING_SECRET);
    expect(errors(HEAD + lines('  bot_token: "xoxb-${SLACK_BOT_TOKEN}"', SECRETS.split('\n')[1]!))).toEqual([
      `hark.yaml:9:14: ${bot}`,
    ]);
  });

  it('a secret that is not a bot token or a signing secret, without showing it', () => {
    const e = errors(HEAD + SECRETS, {
      SLACK_BOT_TOKEN: 'xoxp-user-token-123',
      SLACK_SIGNING_SECRET: 'short secret',
    });
    expect(e).toEqual([
      "hark.yaml:9:14: SLACK_BOT_TOKEN is not a Slack bot token: a bot token starts with xoxb- (the app's Bot User OAuth Token, on its OAuth & Permissions page)",
      "hark.yaml:10:19: SLACK_SIGNING_SECRET is not a Slack signing secret: copy the app's Signing Secret from its Basic Information page (App Credentials)",
    ]);
    expect(e.join('\n')).not.toContain('xoxp-user');
    expect(e.join('\n')).not.toContain('short secret');
  });

  it('a variable used elsewhere in the file, or one Hark reads for something else', () => {
    const same = HEAD + lines('  bot_token: "${SLACK_BOT_TOKEN}"', '  signing_secret: "${SLACK_BOT_TOKEN}"');
    expect(errors(same)).toEqual([
      "hark.yaml:9:14: Slack's bot token cannot come from SLACK_BOT_TOKEN: it is also used at hark.yaml:10:19; give it a variable of its own (SLACK_BOT_TOKEN)",
      "hark.yaml:10:19: Slack's signing secret cannot come from SLACK_BOT_TOKEN: it is also used at hark.yaml:9:14; give it a variable of its own (SLACK_SIGNING_SECRET)",
    ]);
    const twilio = HEAD + lines('  bot_token: "${TWILIO_AUTH_TOKEN}"', SECRETS.split('\n')[1]!);
    expect(errors(twilio, { ...ENV, TWILIO_AUTH_TOKEN: BOT_TOKEN })).toEqual([
      "hark.yaml:9:14: Slack's bot token cannot come from TWILIO_AUTH_TOKEN: Hark uses it for something else; give it a variable of its own (SLACK_BOT_TOKEN)",
    ]);
  });

  it('a missing secret, an unknown key, a list instead of a mapping', () => {
    expect(
      errors(HEAD + lines('  bot_token: "${SLACK_BOT_TOKEN}"', '  incident_channel: {from: SEV-1}')),
    ).toEqual([
      'hark.yaml:9:3: missing required key "signing_secret"',
      'hark.yaml:10:3: unknown key "incident_channel" (did you mean "incident_channels"?) (allowed: bot_token, signing_secret, incident_channels, shift_notices)',
    ]);
    expect(errors(HEAD + lines('  - bot_token'))).toEqual([
      'hark.yaml:9:3: slack must be a mapping (key: value), got a list',
    ]);
  });

  it('incident_channels that is neither false nor {from, archive_after}; an unknown severity', () => {
    expect(errors(HEAD + SECRETS + lines('  incident_channels: true'))).toEqual([
      'hark.yaml:11:22: incident_channels must be a mapping such as {from: SEV-2, archive_after: 24h}, or false for no incident channels',
    ]);
    expect(
      errors(HEAD + SECRETS + lines('  incident_channels: {from: SEV-0, archive_after: soon, to: SEV-3}')),
    ).toEqual([
      'hark.yaml:11:51: invalid duration "soon": use 30s, 5m, 2h, 1d or a combination such as 1h30m',
      'hark.yaml:11:57: unknown key "to" (allowed: from, archive_after)',
    ]);
    expect(errors(HEAD + SECRETS + lines('  incident_channels: {from: SEV-0}'))).toEqual([
      'hark.yaml:11:29: unknown severity "SEV-0" in incident_channels.from (did you mean "SEV-1"?) (severities, highest first: SEV-1, SEV-2, SEV-3; from names the lowest that gets a channel)',
    ]);
    const service = HEAD.replace(
      'slack_channel: checkout-alerts}',
      'slack_incident_channels: {from: sev-2}}',
    );
    expect(errors(service + SECRETS)).toEqual([
      expect.stringMatching(
        /^hark\.yaml:6:114: unknown severity "sev-2" in slack_incident_channels\.from \(did you mean "SEV-2"\?\)/,
      ),
    ]);
  });

  it("a person's Slack user ID that is not one, or is another person's too", () => {
    const people = lines(
      'people:',
      '  alice: {sms: "+15555550101", slack: "@alice"}',
      '  bob: {sms: "+15555550102", slack: U0SHARED1}',
      '  carol: {sms: "+15555550103", slack: U0SHARED1}',
      'slack:',
    );
    expect(errors(people + SECRETS)).toEqual([
      'hark.yaml:2:39: invalid Slack user ID "@alice": use the member ID from the person\'s Slack profile (⋮ → Copy member ID), such as U0123ABCD',
      'hark.yaml:4:39: Slack user U0SHARED1 is also person "bob" (at hark.yaml:3:37): what a Slack user does in Slack is done as one person, so give each person their own Slack user',
    ]);
    // Checked without a slack section too.
    expect(errors(people.replace('slack:\n', ''))).toHaveLength(2);
  });

  it('a channel that is not one, or a # name left unquoted (a YAML comment)', () => {
    const bad = HEAD.replace('slack_channel: checkout-alerts', 'slack_channel: "Checkout Alerts"');
    expect(errors(bad + SECRETS)).toEqual([
      'hark.yaml:6:97: invalid Slack channel "Checkout Alerts": write a channel name (lowercase letters, digits, "-" and "_", at most 80) such as checkout-alerts or "#checkout-alerts", or a channel ID such as C0123ABCD',
    ]);
    const comment = lines(
      'people:',
      '  alice: {sms: "+15555550101"}',
      '  bob: {sms: "+15555550102"}',
      'services:',
      '  - name: edge',
      '    escalation_policy: main',
      '    slack_channel: #edge-alerts',
      'slack:',
    );
    expect(errors(comment + SECRETS + lines('  shift_notices:', '    platform: #platform'))).toEqual([
      'hark.yaml:7:5: slack_channel is empty: a "#" starts a YAML comment, so write the channel without it (checkout-alerts) or in quotes ("#checkout-alerts")',
      'hark.yaml:12:5: platform is empty: a "#" starts a YAML comment, so write the channel without it (checkout-alerts) or in quotes ("#checkout-alerts")',
    ]);
  });

  it('shift notices for an unknown schedule, with did-you-mean', () => {
    expect(errors(HEAD + SECRETS + lines('  shift_notices: {platfrom: platform-oncall}'))).toEqual([
      'hark.yaml:11:19: unknown schedule "platfrom" in shift_notices (did you mean "platform"?) (schedules are the files in schedules/)',
    ]);
  });
});
