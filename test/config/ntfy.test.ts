/**
 * `ntfy:` in hark.yaml, people's `ntfy:` topics, and the `{slack: ...}` / `{ntfy: ...}` notify
 * rules (docs/ntfy.md, docs/slack.md): what is checked, with the `file:line:col` a user sees.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { cleanupTmpConfigs, lines, tmpConfig } from './tmpconfig.js';

afterAll(cleanupTmpConfigs);

const NTFY_TOKEN = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';
const ENV = {
  NTFY_TOKEN,
  SLACK_BOT_TOKEN: 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx',
  SLACK_SIGNING_SECRET: '8f742231b10e8888abcd99yyyzzz85a5',
};
const POLICY = lines('steps:', '  - notify:', '      - {person: alice}');
const SLACK = lines(
  'slack:',
  '  bot_token: "${SLACK_BOT_TOKEN}"',
  '  signing_secret: "${SLACK_SIGNING_SECRET}"',
);

function load(hark: string, env: NodeJS.ProcessEnv = ENV, unsetEnv?: 'warning') {
  const dir = tmpConfig({ 'hark.yaml': hark, 'escalation-policies/main.yaml': POLICY });
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

describe('a valid ntfy section and chat notify rules', () => {
  it('loads the server, its token from the environment, the topics and the rules', () => {
    const { config, warnings } = load(
      lines(
        'people:',
        '  alice:',
        '    sms: "+15555550101"',
        '    slack: U0ALICE01',
        '    ntfy: hark-alice-8f3k2',
        '    notify: {high: [{slack: 0m}, {ntfy: 0m}, {sms: 1m}], low: [{ntfy: 0m}]}',
        '  bob: {sms: "+15555550102"}',
        'ntfy:',
        '  url: https://ntfy.example.com/',
        '  token: "${NTFY_TOKEN}"',
      ) + SLACK,
    );
    expect(warnings).toEqual([]);
    expect(config.ntfy).toMatchObject({
      url: 'https://ntfy.example.com',
      token: NTFY_TOKEN,
      tokenEnv: 'NTFY_TOKEN',
    });
    expect([...config.ntfy!.topics]).toEqual([['alice', 'hark-alice-8f3k2']]);
    expect(Object.isFrozen(config.ntfy)).toBe(true);
    expect(config.people.get('alice')!.notify).toEqual({
      high: [
        { channel: 'slack', afterMs: 0 },
        { channel: 'ntfy', afterMs: 0 },
        { channel: 'sms', afterMs: 60_000 },
      ],
      low: [{ channel: 'ntfy', afterMs: 0 }],
    });
    // The new channels have page limits of their own (as email: one a minute, then bundles).
    expect(config.settings.pageLimits.slack).toEqual([
      { count: 1, perMs: 60_000 },
      { count: 10, perMs: 900_000 },
    ]);
    expect(config.settings.pageLimits.ntfy).toEqual(config.settings.pageLimits.slack);
  });

  it('takes a server without a token (a public topic), and page limits for slack and ntfy', () => {
    const { config } = load(
      lines(
        'people:',
        '  alice: {ntfy: alice_pages, notify: {high: [{ntfy: 0m}]}}',
        'ntfy:',
        '  url: http://10.0.0.5:8080/ntfy',
        'settings:',
        '  page_limits: {ntfy: [{count: 3, per: 1m}], slack: []}',
      ),
    );
    expect(config.ntfy).toMatchObject({ url: 'http://10.0.0.5:8080/ntfy', token: null, tokenEnv: null });
    expect(config.settings.pageLimits.ntfy).toEqual([{ count: 3, perMs: 60_000 }]);
    expect(config.settings.pageLimits.slack).toEqual([]);
  });

  it('pages someone reachable only by ntfy or Slack there by default', () => {
    const { config } = load(
      lines(
        'people:',
        '  alice: {ntfy: alice_pages}',
        '  bob: {slack: U0BOB0002}',
        '  carol: {sms: "+15555550103", slack: U0CAROL03}',
        'ntfy: {url: "https://ntfy.sh"}',
      ) + SLACK,
    );
    const notify = (name: string) => config.people.get(name)!.notify;
    expect(notify('alice')).toEqual({
      high: [{ channel: 'ntfy', afterMs: 0 }],
      low: [{ channel: 'ntfy', afterMs: 0 }],
    });
    expect(notify('bob').high).toEqual([{ channel: 'slack', afterMs: 0 }]);
    // Someone with a phone keeps the usual defaults: a Slack user ID alone adds no DMs.
    expect(notify('carol').high).toEqual([{ channel: 'sms', afterMs: 0 }]);
  });

  it('without the section, a topic is unused: a warning, not an error', () => {
    const { config, warnings } = load(lines('people:', '  alice: {sms: "+15555550101", ntfy: alice_pages}'));
    expect(config.ntfy).toBeNull();
    expect(warnings.map(formatIssue)).toEqual([
      'hark.yaml:2:32: warning: person "alice" has an ntfy topic, but hark.yaml has no ntfy: section, so it is not used (see docs/ntfy.md)',
    ]);
  });
});

describe('what is refused', () => {
  it("a slack rule without the person's Slack user ID, or without the slack section", () => {
    expect(
      errors(
        lines('people:', '  alice: {sms: "+15555550101", notify: {high: [{slack: 0m}, {sms: 1m}]}}') + SLACK,
      ),
    ).toEqual([
      'hark.yaml:2:48: notify rule uses slack but person "alice" has no Slack user ID: add slack: U0123ABCD (their member ID, from their Slack profile)',
    ]);
    expect(
      errors(
        lines('people:', '  alice: {sms: "+15555550101", slack: U0ALICE01, notify: {high: [{slack: 0m}]}}'),
      ),
    ).toEqual([
      'hark.yaml:2:66: notify rule uses slack but hark.yaml has no slack: section, so no DM could be sent (see docs/slack.md)',
    ]);
  });

  it("an ntfy rule without the person's topic, or without the ntfy section", () => {
    expect(
      errors(
        lines(
          'people:',
          '  alice:',
          '    sms: "+15555550101"',
          '    notify: {high: [{sms: 0m}], low: [{ntfy: 0m}]}',
          'ntfy: {url: "https://ntfy.sh"}',
        ),
      ),
    ).toEqual([
      'hark.yaml:4:39: notify rule uses ntfy but person "alice" has no ntfy topic: add ntfy: <the topic they subscribed to in the ntfy app>',
    ]);
    expect(errors(lines('people:', '  alice: {ntfy: alice_pages, notify: {high: [{ntfy: 0m}]}}'))).toEqual([
      'hark.yaml:2:46: notify rule uses ntfy but hark.yaml has no ntfy: section, so no notification could be sent (see docs/ntfy.md)',
    ]);
  });

  it('a bad url, a bad topic (not echoed), a topic shared by two people', () => {
    const problems = errors(
      lines(
        'people:',
        '  alice: {ntfy: "alice pages!"}',
        '  bob: {ntfy: bob_pages}',
        '  carol: {ntfy: bob_pages}',
        'ntfy:',
        '  url: ftp://ntfy.example.com',
        '  server: x',
      ),
    );
    expect(problems).toEqual([
      'hark.yaml:2:17: invalid ntfy topic: use 1 to 64 letters, digits, "-" and "_" (the topic the person subscribed to in the ntfy app)',
      'hark.yaml:4:17: this ntfy topic is also person "bob"\'s (at hark.yaml:3:15): whoever subscribes to a topic gets its pages and acts as its person, so give each person a topic of their own',
      "hark.yaml:6:8: invalid url: expected the ntfy server's http:// or https:// URL, such as https://ntfy.example.com, with no user, password, query or fragment",
      'hark.yaml:7:3: unknown key "server" (allowed: url, token)',
    ]);
    expect(problems.join('\n')).not.toContain('alice pages!');
    expect(errors(lines('people:', '  alice: {ntfy: a}', 'ntfy: {url: "https://u:p@ntfy.sh"}'))).toEqual([
      "hark.yaml:3:13: invalid url: expected the ntfy server's http:// or https:// URL, such as https://ntfy.example.com, with no user, password, query or fragment",
    ]);
  });

  it('a token written in the file, not an ntfy token, or from a variable Hark or another part uses', () => {
    const section = (token: string, more = '') =>
      lines(
        'people:',
        '  alice: {ntfy: alice_pages}',
        'ntfy:',
        '  url: https://ntfy.sh',
        `  token: ${token}`,
      ) + more;
    expect(errors(section(NTFY_TOKEN))).toEqual([
      'hark.yaml:5:10: the ntfy access token must come from the environment alone: write token: "${NTFY_TOKEN}" (no default, nothing around it) and set NTFY_TOKEN',
    ]);
    expect(errors(section('"${NTFY_TOKEN}"'), { NTFY_TOKEN: 'hunter2-not-a-token' })).toEqual([
      "hark.yaml:5:10: NTFY_TOKEN is not an ntfy access token: a token starts with tk_ (make one with: ntfy token add <user>, or in the web app's account page)",
    ]);
    expect(errors(section('"${TWILIO_AUTH_TOKEN}"'), { TWILIO_AUTH_TOKEN: NTFY_TOKEN })).toEqual([
      'hark.yaml:5:10: the ntfy access token cannot come from TWILIO_AUTH_TOKEN: Hark uses it for something else; give it a variable of its own (NTFY_TOKEN)',
    ]);
    const both = errors(
      section(
        '"${SLACK_BOT_TOKEN}"',
        lines('slack:', '  bot_token: "${SLACK_BOT_TOKEN}"', '  signing_secret: "${SLACK_SIGNING_SECRET}"'),
      ),
      { ...ENV, SLACK_BOT_TOKEN: NTFY_TOKEN },
    );
    expect(both).toContain(
      'hark.yaml:5:10: the ntfy access token cannot come from SLACK_BOT_TOKEN: it is also used at hark.yaml:7:14; give it a variable of its own (NTFY_TOKEN)',
    );
    // No message shows the token.
    for (const m of [...both, ...errors(section(NTFY_TOKEN))]) expect(m).not.toContain(NTFY_TOKEN);
  });

  it('an unset token: an error, or with hark validate --no-env a warning and the rest still checked', () => {
    const hark = lines(
      'people:',
      '  alice: {ntfy: alice_pages, notify: {high: [{ntfy: 0m}, {sms: 1m}]}}',
      'ntfy:',
      '  url: https://ntfy.sh',
      '  token: "${NTFY_TOKEN}"',
    );
    expect(errors(hark, {})).toEqual([
      'hark.yaml:2:58: notify rule uses sms but person "alice" has no sms number',
      'hark.yaml:5:10: environment variable NTFY_TOKEN is not set (used as ${NTFY_TOKEN}); set it or write ${NTFY_TOKEN:-default}',
    ]);
    const fixed = hark.replace('{sms: 1m}', '{ntfy: 2m}');
    const { config, warnings } = load(fixed, {}, 'warning');
    expect(warnings.map(formatIssue)).toEqual([
      'hark.yaml:5:10: warning: environment variable NTFY_TOKEN is not set (used as ${NTFY_TOKEN}): the value is not checked',
    ]);
    expect(config.ntfy!.tokenEnv).toBe('NTFY_TOKEN');
  });
});
