import { describe, expect, it } from 'vitest';
import {
  CARRIER_KEYWORDS,
  DEFAULT_TAKE_MS,
  MAX_OVERRIDE_MS,
  QUOTE_MAX,
  SMS_HELP_TEXT,
  parseSmsReply,
  type SmsCommand,
} from '../../src/answers/sms-grammar.js';
import { gsm7Length, isGsm7, smsSegments } from '../../src/pages/format.js';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;

const ack = (incident: number): SmsCommand => ({ kind: 'ack', incident });
const resolve = (incident: number): SmsCommand => ({ kind: 'resolve', incident });
const escalate = (incident: number): SmsCommand => ({ kind: 'escalate', incident });

/** Every accepted form of SPEC section 5, in its plain spelling. */
const ACCEPTED: ReadonlyArray<readonly [string, SmsCommand]> = [
  // ack #42
  ['42a', ack(42)],
  ['42 a', ack(42)],
  ['ack 42', ack(42)],
  ['a 42', ack(42)],
  ['42 ack', ack(42)],
  ['42ack', ack(42)],
  ['acknowledge 42', ack(42)],
  ['42 acknowledge', ack(42)],
  ['#42a', ack(42)],
  ['#42 a', ack(42)],
  ['ack #42', ack(42)],
  ['a #42', ack(42)],
  ['a42', ack(42)],
  ['ack42', ack(42)],
  ['1a', ack(1)],
  ['7 a', ack(7)],
  ['042a', ack(42)],
  ['2147483647a', ack(2147483647)],
  // resolve #42
  ['42r', resolve(42)],
  ['42 r', resolve(42)],
  ['res 42', resolve(42)],
  ['resolve 42', resolve(42)],
  ['r 42', resolve(42)],
  ['#42r', resolve(42)],
  ['42 res', resolve(42)],
  ['42 resolve', resolve(42)],
  ['resolve #1234', resolve(1234)],
  // escalate #42
  ['42e', escalate(42)],
  ['42 e', escalate(42)],
  ['esc 42', escalate(42)],
  ['escalate 42', escalate(42)],
  ['e 42', escalate(42)],
  ['#42e', escalate(42)],
  ['42 esc', escalate(42)],
  ['esc #9', escalate(9)],
  // without a number
  ['a', { kind: 'ack-last' }],
  ['ack', { kind: 'ack-last' }],
  ['acknowledge', { kind: 'ack-last' }],
  ['aa', { kind: 'ack-all' }],
  ['ack all', { kind: 'ack-all' }],
  ['a all', { kind: 'ack-all' }],
  ['acknowledge all', { kind: 'ack-all' }],
  ['rr', { kind: 'resolve-all' }],
  ['res all', { kind: 'resolve-all' }],
  ['r all', { kind: 'resolve-all' }],
  ['resolve all', { kind: 'resolve-all' }],
  ['oncall', { kind: 'oncall' }],
  ['on call', { kind: 'oncall' }],
  ['on-call', { kind: 'oncall' }],
  ['who', { kind: 'oncall' }],
  ['who?', { kind: 'oncall' }],
  ['oncall?', { kind: 'oncall' }],
  ['help', { kind: 'help' }],
  ['help?', { kind: 'help' }],
  ['?', { kind: 'help' }],
  ['??', { kind: 'help' }],
  ['commands', { kind: 'help' }],
  // take
  ['take platform', { kind: 'take', schedule: 'platform', durationMs: H }],
  ['take platform 2h', { kind: 'take', schedule: 'platform', durationMs: 2 * H }],
  ['TAKE Platform 30m', { kind: 'take', schedule: 'platform', durationMs: 30 * M }],
  ['take platform 1h30m', { kind: 'take', schedule: 'platform', durationMs: 90 * M }],
  ['take platform 1h 30m', { kind: 'take', schedule: 'platform', durationMs: 90 * M }],
  ['take platform for 2h', { kind: 'take', schedule: 'platform', durationMs: 2 * H }],
  ['take platform 1d', { kind: 'take', schedule: 'platform', durationMs: D }],
  ['take platform 1m', { kind: 'take', schedule: 'platform', durationMs: M }],
  ['take platform 90s', { kind: 'take', schedule: 'platform', durationMs: 90_000 }],
  ['take platform 30d', { kind: 'take', schedule: 'platform', durationMs: 30 * D }],
  ['take db-oncall_2 45m', { kind: 'take', schedule: 'db-oncall_2', durationMs: 45 * M }],
  ['take for', { kind: 'take', schedule: 'for', durationMs: H }],
  // handoff (durationMs null: until the end of the sender's current shift)
  ['handoff platform bob', { kind: 'handoff', schedule: 'platform', person: 'bob', durationMs: null }],
  ['handoff platform bob 2h', { kind: 'handoff', schedule: 'platform', person: 'bob', durationMs: 2 * H }],
  [
    'HandOff Platform Bob 1H30M',
    { kind: 'handoff', schedule: 'platform', person: 'bob', durationMs: 90 * M },
  ],
  ['handoff platform to bob', { kind: 'handoff', schedule: 'platform', person: 'bob', durationMs: null }],
  ['handoff platform to bob for 1d', { kind: 'handoff', schedule: 'platform', person: 'bob', durationMs: D }],
  ['hand off platform bob', { kind: 'handoff', schedule: 'platform', person: 'bob', durationMs: null }],
  ['handoff platform to to', { kind: 'handoff', schedule: 'platform', person: 'to', durationMs: null }],
  ['handoff sre-eu mary_o 3h', { kind: 'handoff', schedule: 'sre-eu', person: 'mary_o', durationMs: 3 * H }],
];

describe('parseSmsReply: accepted forms', () => {
  it.each(ACCEPTED)('%j', (text, expected) => {
    expect(parseSmsReply(text)).toEqual(expected);
  });

  it('uses one hour when take has no duration', () => {
    expect(DEFAULT_TAKE_MS).toBe(H);
    expect(parseSmsReply('take platform')).toMatchObject({ durationMs: DEFAULT_TAKE_MS });
  });
});

/** Ways phones and people mangle a reply that must not change its meaning. */
const VARIANTS: ReadonlyArray<readonly [string, (s: string) => string]> = [
  ['upper case', (s) => s.toUpperCase()],
  ['title case', (s) => s.replace(/\b[a-z]/g, (c) => c.toUpperCase())],
  ['leading and trailing spaces', (s) => `   ${s}  `],
  ['tabs and newlines around', (s) => `\t\n${s}\r\n`],
  ['runs of spaces inside', (s) => s.replace(/ /g, '   ')],
  ['tabs and newlines inside', (s) => s.replace(/ /g, ' \t\n ')],
  ['no-break spaces', (s) => `\u00A0${s.replace(/ /g, '\u00A0')}\u00A0`],
  ['ideographic and narrow spaces', (s) => `${s.replace(/ /g, '\u3000')}\u202F`],
  ['zero-width characters', (s) => `\uFEFF${s.replace(/ /g, ' \u200B')}\u200D`],
  ['a trailing period', (s) => `${s}.`],
  ['a trailing exclamation mark', (s) => `${s}!`],
  ['trailing punctuation and space', (s) => `${s} !! `],
  ['fullwidth characters', (s) => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0))],
  ['smart quotes around', (s) => `\u201C${s}\u201D`],
  ['straight quotes around', (s) => `"${s}"`],
];

describe('parseSmsReply: case and spacing do not matter', () => {
  for (const [variant, mangle] of VARIANTS) {
    it(`with ${variant}`, () => {
      for (const [text, expected] of ACCEPTED) {
        const mangled = mangle(text);
        expect(parseSmsReply(mangled), JSON.stringify(mangled)).toEqual(expected);
      }
    });
  }

  it('mangled forms are really different texts (the variants above test something)', () => {
    for (const [variant, mangle] of VARIANTS) {
      expect(mangle('ack 42'), variant).not.toBe('ack 42');
    }
  });
});

function expectError(text: string): string {
  const result = parseSmsReply(text);
  expect(result.kind, JSON.stringify(text)).toBe('error');
  if (result.kind !== 'error') throw new Error('unreachable');
  return result.message;
}

/** Refusals, each with a piece of the expected explanation. */
const REFUSED: ReadonlyArray<readonly [string, string]> = [
  ['', 'Empty message.'],
  ['   \n\t ', 'Empty message.'],
  ['...', 'Not understood: "..."'],
  ['hello there', 'Not understood: "hello there"'],
  ['asdf', 'Not understood: "asdf"'],
  ['42x', 'Use 42a ack, 42r resolve, 42e escalate.'],
  ['42', 'Use 42a ack, 42r resolve, 42e escalate.'],
  ['#42', 'Use 42a ack, 42r resolve, 42e escalate.'],
  ['42 ok', 'Use 42a ack, 42r resolve, 42e escalate.'],
  ['42aa', 'Use 42a ack'],
  ['42a 43a', 'Use 42a ack'],
  ['ack foo', 'Say which incident, e.g. 42a'],
  ['ack x42', 'Say which incident, e.g. 42a'],
  ['ack 42 43', 'Say which incident, e.g. 42a'],
  ['ack 4.2', 'Say which incident, e.g. 42a'],
  ['ack +42', 'Say which incident, e.g. 42a'],
  ['ack -42', 'Say which incident, e.g. 42a'],
  ['r', 'Say which incident, e.g. 42r, or rr for all.'],
  ['resolve', 'Say which incident, e.g. 42r, or rr for all.'],
  ['res foo', 'Say which incident, e.g. 42r'],
  ['e', 'Say which incident, e.g. 42e.'],
  ['esc', 'Say which incident, e.g. 42e.'],
  ['esc all', 'Say which incident, e.g. 42e.'],
  ['0a', 'Incident numbers are 1 to 2147483647.'],
  ['ack 0', 'Incident numbers are 1 to 2147483647.'],
  ['000r', 'Incident numbers are 1 to 2147483647.'],
  ['99999999999a', 'Incident numbers are 1 to 2147483647.'],
  ['2147483648a', 'Incident numbers are 1 to 2147483647.'],
  ['ack 123456789012345678901234567890', 'Incident numbers are 1 to 2147483647.'],
  ['+42a', 'Not understood: "+42a". Reply'],
  ['4.2a', 'Not understood: "4.2a". Reply'],
  ['42.5r', 'Not understood: "42.5r". Reply'],
  ['-1a', 'Not understood: "-1a". Reply'],
  ['1e3a', 'Not understood: "1e3a". Use 1a ack'],
  ['a a', 'Say which incident, e.g. 42a'],
  ['rrr', 'Not understood: "rrr". Reply'],
  ['aaa', 'Not understood: "aaa". Reply'],
  ['take', 'Use take <schedule> [2h].'],
  ['take Bad Name!', 'Durations look like 30m, 2h, 1h30m, 1d.'],
  ['take b@d', 'Schedule names use a-z, 0-9, _ and -.'],
  ['take _platform', 'Schedule names use a-z, 0-9, _ and -.'],
  [`take ${'p'.repeat(64)}`, 'Schedule names use a-z, 0-9, _ and -.'],
  ['take platform 40d', 'Durations are 1m to 30d.'],
  ['take platform 30d1m', 'Durations are 1m to 30d.'],
  ['take platform 0', 'Durations are 1m to 30d.'],
  ['take platform 0m', 'Durations are 1m to 30d.'],
  ['take platform 59s', 'Durations are 1m to 30d.'],
  ['take platform 2', 'Durations look like 30m, 2h, 1h30m, 1d.'],
  ['take platform -2h', 'Durations look like 30m, 2h, 1h30m, 1d.'],
  ['take platform 2 hours', 'Durations look like 30m, 2h, 1h30m, 1d.'],
  ['take platform 1.5h', 'Durations look like 30m, 2h, 1h30m, 1d.'],
  ['take platform for', 'Durations look like 30m, 2h, 1h30m, 1d.'],
  ['take platform 2h now', 'Durations look like 30m, 2h, 1h30m, 1d.'],
  ['handoff', 'Use handoff <schedule> <person> [2h].'],
  ['handoff platform', 'Use handoff <schedule> <person> [2h].'],
  ['handoff platform to', 'Use handoff <schedule> <person> [2h].'],
  ['hand off', 'Use handoff <schedule> <person> [2h].'],
  ['handoff pl@tform bob', 'Schedule names use a-z, 0-9, _ and -.'],
  ['handoff platform b.o.b', 'Person names use a-z, 0-9, _ and -.'],
  ['handoff platform bob 31d', 'Durations are 1m to 30d.'],
  ['handoff platform bob soon', 'Durations look like 30m, 2h, 1h30m, 1d.'],
  ['hand platform bob', 'Not understood: "hand platform bob". Reply'],
  ['\u{1F44D}', 'Not understood: "?". Reply'],
  ['\u{1F44D}\u{1F3FD}\u{1F525}', 'Not understood: "'],
  ['stop please', 'Not understood: "stop please"'],
  ['helpme', 'Not understood: "helpme"'],
  ['who is on call', 'Not understood: "who is on call"'],
];

describe('parseSmsReply: refusals', () => {
  it.each(REFUSED)('%j', (text, explanation) => {
    const message = expectError(text);
    expect(message).toContain(explanation);
    expect(message).toMatch(/ Reply help for commands\.$/);
  });

  it('says exactly what was not understood', () => {
    expect(parseSmsReply('42x')).toEqual({
      kind: 'error',
      message: 'Not understood: "42x". Use 42a ack, 42r resolve, 42e escalate. Reply help for commands.',
    });
    expect(parseSmsReply('foo')).toEqual({
      kind: 'error',
      message: 'Not understood: "foo". Reply help for commands.',
    });
    expect(parseSmsReply('')).toEqual({ kind: 'error', message: 'Empty message. Reply help for commands.' });
  });

  it('quotes the text as sent (case kept, spacing collapsed, smart quotes made plain)', () => {
    expect(expectError('  Hello\n\tWORLD  ')).toContain('"Hello WORLD"');
    expect(expectError('\u2018hi\u2019 there')).toContain(`"'hi' there"`);
  });

  it('accepts the largest incident number and refuses the next one', () => {
    expect(parseSmsReply('ack 2147483647')).toEqual(ack(2 ** 31 - 1));
    expectError('ack 2147483648');
  });

  it('accepts a duration of exactly 30 days and refuses one minute more', () => {
    expect(MAX_OVERRIDE_MS).toBe(30 * D);
    expect(parseSmsReply('take platform 30d')).toMatchObject({ durationMs: 30 * D });
    expect(parseSmsReply('take platform 29d24h')).toMatchObject({ durationMs: 30 * D });
    expectError('take platform 29d24h1m');
    expectError('handoff platform bob 720h1m');
  });
});

/** Every refusal must be one GSM-7 SMS. */
function expectOneSms(message: string): void {
  expect(isGsm7(message), message).toBe(true);
  expect(gsm7Length(message), message).toBeLessThanOrEqual(160);
  expect(smsSegments(message), message).toBe(1);
}

/** The text between the first `"` and the last `"` of a refusal. */
function quoted(message: string): string {
  const m = /^Not understood: "(.*)"\./s.exec(message);
  expect(m, message).not.toBeNull();
  return m![1]!;
}

describe('parseSmsReply: a refusal is one short GSM-7 SMS', () => {
  it('for every refusal above', () => {
    for (const [text] of REFUSED) expectOneSms(expectError(text));
  });

  it('quotes at most 40 characters of a long text, marking the cut', () => {
    const message = expectError(`please ${'acknowledge everything '.repeat(20)}`);
    expectOneSms(message);
    const q = quoted(message);
    expect(gsm7Length(q)).toBeLessThanOrEqual(QUOTE_MAX);
    expect(q).toMatch(/^please acknowledge.*\.\.\.$/);
  });

  it('keeps a text of exactly 40 characters whole', () => {
    const text = 'x'.repeat(QUOTE_MAX);
    expect(quoted(expectError(text))).toBe(text);
    expect(quoted(expectError(text + 'y'))).toBe(`${'x'.repeat(QUOTE_MAX - 3)}...`);
  });

  it('counts GSM-7 extension characters as two when cutting the quote', () => {
    const message = expectError('{'.repeat(100));
    expectOneSms(message);
    expect(gsm7Length(quoted(message))).toBeLessThanOrEqual(QUOTE_MAX);
    expect(quoted(message)).toMatch(/^\{+\.\.\.$/);
  });

  it('maps characters outside GSM-7 (emoji, CJK, Cyrillic) in the quote', () => {
    for (const text of [
      '\u{1F525}\u{1F525} fire',
      '确认 42',
      'подтвердить 42',
      `take ${'\u{1F600}'.repeat(80)}`,
    ]) {
      expectOneSms(expectError(text));
    }
  });

  it('stays one SMS for huge numbers and long schedule or person names', () => {
    for (const text of [
      `${'9'.repeat(200)}a`,
      `ack ${'9'.repeat(200)}`,
      `take ${'a'.repeat(63)} ${'9'.repeat(100)}d`,
      `handoff ${'a'.repeat(63)} ${'b'.repeat(63)} ${'1'.repeat(60)}h`,
      'x'.repeat(5000),
    ]) {
      expectOneSms(expectError(text));
    }
  });

  it('never throws, and always answers one SMS, for arbitrary text', () => {
    const alphabet = [...'aAcCkKrReE0123456789#+-.!?  \t\n_@{}"\u201C\u00A0\u200B\u00E9\u{1F44D}'];
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      let text = '';
      const length = rand(60);
      for (let j = 0; j < length; j++) text += alphabet[rand(alphabet.length)];
      const result = parseSmsReply(text);
      if (result.kind === 'error') expectOneSms(result.message);
      else expect(result.kind).toMatch(/^(ack|resolve|escalate|ack-last|ack-all|resolve-all|oncall|help)$/);
    }
  });
});

describe('parseSmsReply: carrier keywords', () => {
  const expected = [
    'STOP',
    'STOPALL',
    'UNSUBSCRIBE',
    'CANCEL',
    'END',
    'QUIT',
    'OPTOUT',
    'REVOKE',
    'START',
    'YES',
    'UNSTOP',
    'OPTIN',
    'INFO',
  ];

  it('lists the opt-out, opt-in and info keywords Twilio acts on', () => {
    expect([...CARRIER_KEYWORDS].sort()).toEqual([...expected].sort());
  });

  it.each(expected)('%s in any case and spacing is left to the carrier', (word) => {
    for (const text of [
      word,
      word.toLowerCase(),
      ` ${word[0]}${word.slice(1).toLowerCase()}.\n`,
      `${word}!`,
    ]) {
      expect(parseSmsReply(text), JSON.stringify(text)).toEqual({ kind: 'carrier-keyword', word });
    }
  });

  it('counts only a message that is the single keyword (as Twilio does)', () => {
    for (const text of ['stop please', 'please stop', 'stop 42', 'start now', 'yes 42']) {
      expectError(text);
    }
  });

  it('keeps help as Hark help, not a carrier keyword', () => {
    for (const text of ['HELP', 'help', 'Help.', 'HELP?']) {
      expect(parseSmsReply(text), text).toEqual({ kind: 'help' });
    }
  });
});

describe('SMS_HELP_TEXT', () => {
  it('is one 160-character GSM-7 SMS', () => {
    expect(isGsm7(SMS_HELP_TEXT)).toBe(true);
    expect(gsm7Length(SMS_HELP_TEXT)).toBeLessThanOrEqual(160);
    expect(smsSegments(SMS_HELP_TEXT)).toBe(1);
  });

  it('names every command of the grammar', () => {
    for (const part of [
      '42a ack',
      '42r resolve',
      '42e escalate',
      'a ack',
      'aa ack all',
      'rr resolve all',
      'oncall',
      'take <schedule>',
      'handoff <schedule> <person>',
    ]) {
      expect(SMS_HELP_TEXT).toContain(part);
    }
  });

  it('shows examples that parse as what they say', () => {
    expect(parseSmsReply('42a')).toEqual(ack(42));
    expect(parseSmsReply('42r')).toEqual(resolve(42));
    expect(parseSmsReply('42e')).toEqual(escalate(42));
    expect(parseSmsReply('a')).toEqual({ kind: 'ack-last' });
    expect(parseSmsReply('aa')).toEqual({ kind: 'ack-all' });
    expect(parseSmsReply('rr')).toEqual({ kind: 'resolve-all' });
    expect(parseSmsReply('oncall')).toEqual({ kind: 'oncall' });
    expect(parseSmsReply('take platform 2h')).toMatchObject({ kind: 'take', durationMs: 2 * H });
    expect(parseSmsReply('handoff platform bob 2h')).toMatchObject({ kind: 'handoff', durationMs: 2 * H });
  });
});
