/** `/hark` slash commands and Slack button presses (src/chat/commands.ts). */
import { describe, expect, it } from 'vitest';
import {
  DECLARE_REFUSAL,
  MAX_NOTE,
  parseInteraction,
  parseSlashCommand,
  parseSlashRequest,
  SLASH_HELP_TEXT,
  type ChatCommand,
} from '../../src/chat/commands.js';
import { INCIDENT_ROLES } from '../../src/incidents/model.js';

const H = 3_600_000;
const BOB = '<@U0BOB0002|bob>';

const error = (text: string): string => {
  const r = parseSlashCommand(text);
  if (r.kind !== 'error')
    throw new Error(`expected a refusal of ${JSON.stringify(text)}, got ${JSON.stringify(r)}`);
  return r.message;
};

describe('incident commands: the SMS grammar, shared', () => {
  const cases: [string, ChatCommand][] = [
    ['ack 42', { kind: 'ack', incident: 42 }],
    ['42a', { kind: 'ack', incident: 42 }],
    ['ACK #42', { kind: 'ack', incident: 42 }],
    ['acknowledge 42', { kind: 'ack', incident: 42 }],
    ['  ack   42  ', { kind: 'ack', incident: 42 }],
    ['ａｃｋ　４２', { kind: 'ack', incident: 42 }],
    ['resolve 42', { kind: 'resolve', incident: 42 }],
    ['res #7', { kind: 'resolve', incident: 7 }],
    ['42r', { kind: 'resolve', incident: 42 }],
    ['esc 42', { kind: 'escalate', incident: 42 }],
    ['escalate 42', { kind: 'escalate', incident: 42 }],
    ['42e', { kind: 'escalate', incident: 42 }],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)}`, () => expect(parseSlashCommand(text)).toEqual(want));
  }

  it('refuses what the SMS grammar refuses, pointing to /hark help', () => {
    expect(error('42x')).toBe(
      'Not understood: "42x". Use 42a ack, 42r resolve, 42e escalate. Type `/hark help` for the commands.',
    );
    expect(error('ack 4.2')).toMatch(
      /^Not understood: "ack 4.2"\. Say which incident, e\.g\. 42a.* Type `\/hark help` for the commands\.$/,
    );
    expect(error('ack 99999999999')).toMatch(/Incident numbers are 1 to 2147483647\./);
    for (const text of ['42x', 'ack 4.2', 'bogus']) expect(error(text)).not.toContain('Reply help');
  });

  it('refuses the SMS forms without an incident: in chat a command says which', () => {
    expect(error('ack')).toBe(
      'Say which incident: `/hark ack 42` (in chat, a command is for one incident). Type `/hark help` for the commands.',
    );
    expect(error('aa')).toMatch(/^Say which incident: `\/hark ack 42`/);
    expect(error('rr')).toMatch(/^Say which incident: `\/hark resolve 42`/);
    expect(error('stop')).toBe('Not understood: "stop". Type `/hark help` for the commands.');
  });
});

describe('on call, take and handoff', () => {
  it('oncall, with or without a schedule', () => {
    expect(parseSlashCommand('oncall')).toEqual({ kind: 'oncall', schedule: null });
    expect(parseSlashCommand('on call')).toEqual({ kind: 'oncall', schedule: null });
    expect(parseSlashCommand('who?')).toEqual({ kind: 'oncall', schedule: null });
    expect(parseSlashCommand('oncall platform')).toEqual({ kind: 'oncall', schedule: 'platform' });
    expect(parseSlashCommand('oncall Platform?')).toEqual({ kind: 'oncall', schedule: 'platform' });
    expect(error('oncall plat form')).toMatch(/^Schedule names use a-z/);
  });

  it('take <schedule> [duration], default 1h', () => {
    expect(parseSlashCommand('take platform')).toEqual({ kind: 'take', schedule: 'platform', durationMs: H });
    expect(parseSlashCommand('take platform 2h')).toEqual({
      kind: 'take',
      schedule: 'platform',
      durationMs: 2 * H,
    });
    expect(parseSlashCommand('take platform for 1h 30m')).toEqual({
      kind: 'take',
      schedule: 'platform',
      durationMs: 1.5 * H,
    });
    expect(error('take platform 40d')).toMatch(/Durations are 1m to 30d\./);
    expect(error(`take ${BOB}`)).toBe('Name the schedule: `/hark take <schedule> [2h]`.');
  });

  it('handoff <schedule> @user [duration]: a Slack mention or a Hark name', () => {
    expect(parseSlashCommand(`handoff platform ${BOB} 4h`)).toEqual({
      kind: 'handoff',
      schedule: 'platform',
      to: { kind: 'slack', user: 'U0BOB0002' },
      durationMs: 4 * H,
    });
    expect(parseSlashCommand('handoff platform to <@W0CAROL03>')).toEqual({
      kind: 'handoff',
      schedule: 'platform',
      to: { kind: 'slack', user: 'W0CAROL03' },
      durationMs: null,
    });
    expect(parseSlashCommand('hand off platform @bob for 30m')).toEqual({
      kind: 'handoff',
      schedule: 'platform',
      to: { kind: 'person', name: 'bob' },
      durationMs: 30 * 60_000,
    });
    expect(error(`handoff ${BOB} platform`)).toBe(
      'Name the schedule first: `/hark handoff <schedule> @someone [4h]`.',
    );
    expect(error('handoff platform')).toMatch(/Use handoff <schedule> <person> \[2h\]\./);
  });

  it('a mention never collides with a name that looks like its placeholder', () => {
    expect(parseSlashCommand(`handoff slack-user-0 ${BOB}`)).toEqual({
      kind: 'handoff',
      schedule: 'slack-user-0',
      to: { kind: 'slack', user: 'U0BOB0002' },
      durationMs: null,
    });
    expect(parseSlashCommand('handoff platform slack-user-0')).toEqual({
      kind: 'handoff',
      schedule: 'platform',
      to: { kind: 'person', name: 'slack-user-0' },
      durationMs: null,
    });
  });
});

describe('roles, notes, declare, help', () => {
  it('role 42 <role> @user', () => {
    expect(parseSlashCommand(`role 42 comms ${BOB}`)).toEqual({
      kind: 'role',
      incident: 42,
      role: 'comms',
      to: { kind: 'slack', user: 'U0BOB0002' },
    });
    expect(parseSlashCommand('role #7 Tech-Lead alice')).toEqual({
      kind: 'role',
      incident: 7,
      role: 'tech-lead',
      to: { kind: 'person', name: 'alice' },
    });
    expect(error('role 42 chief @bob')).toBe(
      `There is no role "chief": the roles are ${INCIDENT_ROLES.join(', ')}.`,
    );
    expect(error('role 42 comms')).toMatch(/^Say who gets the role, one person:/);
    expect(error('role 42 comms @bob @carol')).toMatch(/^Say who gets the role, one person:/);
    expect(error('role comms @bob')).toMatch(/^Say which incident:/);
  });

  it('note 42 <text>: the text as written, with Slack’s escapes and markup undone', () => {
    expect(parseSlashCommand('note 42 Rolled back the deploy; p99 back to 300ms')).toEqual({
      kind: 'note',
      incident: 42,
      text: 'Rolled back the deploy; p99 back to 300ms',
    });
    expect(
      parseSlashCommand(
        `note #42  Asked ${BOB} &amp; <@W0CAROL03> in <#C0OPS0001|ops>: see <https://grafana.example.com/d/x|graph> &lt;p99&gt; <!here>`,
      ),
    ).toEqual({
      kind: 'note',
      incident: 42,
      text: 'Asked @bob & @W0CAROL03 in #ops: see https://grafana.example.com/d/x <p99> @here',
    });
    expect(error('note 42')).toBe("Add the note's text: `/hark note 42 rolled back the deploy`.");
    expect(error('note rolled back')).toMatch(/^Say which incident: `\/hark note 42 <text>`/);
    expect(error(`note 42 ${'x'.repeat(MAX_NOTE + 1)}`)).toBe(`A note is at most ${MAX_NOTE} characters.`);
  });

  it('declare is refused, saying why', () => {
    expect(error('declare checkout SEV-1 Checkout is down')).toBe(DECLARE_REFUSAL);
    expect(DECLARE_REFUSAL).toMatch(/not available yet/);
  });

  it('help (or nothing) lists every command', () => {
    expect(parseSlashCommand('help')).toEqual({ kind: 'help' });
    expect(parseSlashCommand('')).toEqual({ kind: 'help' });
    expect(parseSlashCommand('?')).toEqual({ kind: 'help' });
    for (const word of [
      'ack 42',
      'resolve 42',
      'esc 42',
      'oncall',
      'take',
      'handoff',
      'role 42',
      'note 42',
      'help',
    ]) {
      expect(SLASH_HELP_TEXT).toContain(`/hark ${word}`);
    }
  });

  it('refuses a text too long to be a command', () => {
    expect(error('x'.repeat(5000))).toMatch(/^That is too long for a command\./);
  });
});

describe('parseSlashRequest', () => {
  const body = (over: Record<string, string | undefined> = {}) => {
    const fields: Record<string, string | undefined> = {
      token: 'unused',
      team_id: 'T0TEAM001',
      channel_id: 'C0CHAN001',
      user_id: 'U0ALICE01',
      command: '/hark',
      text: 'ack 42',
      response_url: 'https://hooks.slack.com/commands/T0TEAM001/1/abc',
      trigger_id: '1.2.3',
      ...over,
    };
    return new URLSearchParams(
      Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined),
    ).toString();
  };

  it('reads who asked what, where', () => {
    expect(parseSlashRequest(body())).toEqual({
      command: '/hark',
      text: 'ack 42',
      user: 'U0ALICE01',
      channel: 'C0CHAN001',
      team: 'T0TEAM001',
      responseUrl: 'https://hooks.slack.com/commands/T0TEAM001/1/abc',
      parsed: { kind: 'ack', incident: 42 },
    });
    expect(parseSlashRequest(body({ text: '' }))).toMatchObject({ text: '', parsed: { kind: 'help' } });
  });

  it('names the field that is missing or wrong', () => {
    expect(parseSlashRequest(body({ user_id: undefined }))).toEqual({
      kind: 'bad',
      field: 'user_id',
      message: 'missing',
    });
    expect(parseSlashRequest(body({ user_id: 'alice' }))).toEqual({
      kind: 'bad',
      field: 'user_id',
      message: 'expected a Slack user ID such as U0123ABCD',
    });
    expect(parseSlashRequest(body({ text: undefined }))).toMatchObject({ field: 'text' });
    expect(parseSlashRequest(body({ response_url: 'not a url' }))).toMatchObject({
      field: 'response_url',
      message: 'expected the response URL',
    });
  });
});

describe('parseInteraction (block_actions)', () => {
  const payload = (over: Record<string, unknown> = {}) => ({
    type: 'block_actions',
    user: { id: 'U0ALICE01', username: 'alice', team_id: 'T0TEAM001' },
    team: { id: 'T0TEAM001', domain: 'example' },
    channel: { id: 'C0CHAN001', name: 'checkout-alerts' },
    container: {
      type: 'message',
      message_ts: '1768222980.000100',
      channel_id: 'C0CHAN001',
      is_ephemeral: false,
    },
    response_url: 'https://hooks.slack.com/actions/T0TEAM001/1/abc',
    trigger_id: '1.2.3',
    actions: [
      {
        action_id: 'hark_ack',
        block_id: 'hark_incident_actions',
        value: '42',
        type: 'button',
        action_ts: '1.2',
      },
    ],
    ...over,
  });
  const form = (p: unknown) => new URLSearchParams({ payload: JSON.stringify(p) }).toString();

  it('reads the button, the incident, who pressed it and where', () => {
    expect(parseInteraction(form(payload()))).toEqual({
      kind: 'button',
      action: 'ack',
      incident: 42,
      user: 'U0ALICE01',
      team: 'T0TEAM001',
      channel: 'C0CHAN001',
      messageTs: '1768222980.000100',
      responseUrl: 'https://hooks.slack.com/actions/T0TEAM001/1/abc',
    });
    for (const [id, action] of [
      ['hark_resolve', 'resolve'],
      ['hark_escalate', 'escalate'],
    ] as const) {
      const p = payload({ actions: [{ action_id: id, value: '7', type: 'button', action_ts: '1.2' }] });
      expect(parseInteraction(form(p))).toMatchObject({ kind: 'button', action, incident: 7 });
    }
  });

  it('ignores other interactions and buttons that are not Hark’s', () => {
    expect(parseInteraction(form({ type: 'view_submission', user: { id: 'U0ALICE01' } }))).toEqual({
      kind: 'ignored',
      reason: 'a view_submission interaction',
    });
    const other = payload({ actions: [{ action_id: 'open_dashboard', type: 'button', action_ts: '1.2' }] });
    expect(parseInteraction(form(other))).toEqual({
      kind: 'ignored',
      reason: "action open_dashboard is not Hark's",
    });
  });

  it('names the field that is missing or wrong', () => {
    expect(parseInteraction('')).toEqual({
      kind: 'bad',
      field: 'payload',
      message: 'expected a payload field (JSON)',
    });
    expect(parseInteraction('payload=%7Bnot')).toEqual({
      kind: 'bad',
      field: 'payload',
      message: 'payload is not JSON',
    });
    const noUser = payload();
    delete (noUser as { user?: unknown }).user;
    expect(parseInteraction(form(noUser))).toEqual({ kind: 'bad', field: 'user', message: 'missing' });
    expect(parseInteraction(form(payload({ user: { id: 'alice' } })))).toEqual({
      kind: 'bad',
      field: 'user.id',
      message: 'expected a Slack user ID such as U0123ABCD',
    });
    expect(parseInteraction(form(payload({ actions: [] })))).toEqual({
      kind: 'bad',
      field: 'actions',
      message: 'expected at least one action',
    });
    for (const value of ['abc', '042', '0', '-1', '4.2', undefined]) {
      const p = payload({ actions: [{ action_id: 'hark_ack', value, type: 'button', action_ts: '1.2' }] });
      expect(parseInteraction(form(p)), String(value)).toEqual({
        kind: 'bad',
        field: 'actions[0].value',
        message: 'expected the incident number, such as 42',
      });
    }
    expect(parseInteraction(form(payload({ actions: [{ value: '42', type: 'button' }] })))).toMatchObject({
      kind: 'bad',
      field: 'actions[0].action_id',
    });
    expect(parseInteraction(form([1, 2]))).toEqual({
      kind: 'bad',
      field: 'payload',
      message: 'expected a JSON object',
    });
    expect(parseInteraction(form({ ...payload(), type: undefined }))).toEqual({
      kind: 'bad',
      field: 'type',
      message: 'expected "block_actions"',
    });
    expect(parseInteraction(form(payload({ user: 'U0ALICE01' })))).toEqual({
      kind: 'bad',
      field: 'user',
      message: 'expected a JSON object',
    });
  });
});
