/**
 * The grammar of SMS replies (SPEC section 5). Pure: text in, a command or a refusal out; no I/O,
 * no lookups. Whether incident #42 exists, whether `platform` is a schedule or `bob` a person, and
 * what "the last incident" is for this number are the caller's business.
 *
 * Replies are forgiving about form and strict about meaning. Case, spacing (tabs, line breaks,
 * runs of spaces, no-break and ideographic spaces), zero-width characters, fullwidth forms (NFKC),
 * typographic quotes, quotes around the whole reply and a trailing `.` or `!` (as phones add) do
 * not matter. What a reply asks for must be unambiguous: `42` alone, `42x`, `ack 4.2`, `0a` or
 * `ack 42 43` are refused, never guessed at — acting on the wrong incident is worse than asking
 * again.
 *
 *   ack #42        42a, 42 a, #42a, 42ack, ack 42, a 42, ack #42, acknowledge 42, 42 acknowledge
 *   resolve #42    42r, 42 r, #42r, res 42, resolve 42, r 42, 42 res
 *   escalate #42   42e, 42 e, esc 42, escalate 42, e 42, 42 esc
 *   ack last       a, ack, acknowledge
 *   ack all        aa, ack all, a all, acknowledge all
 *   resolve all    rr, res all, r all, resolve all
 *   on call        oncall, on call, on-call, who (a trailing `?` allowed)
 *   take           take <schedule> [[for] <duration>]             (default 1h)
 *   handoff        handoff|hand off <schedule> [to] <person> [[for] <duration>]
 *   help           help, ?, commands (a trailing `?` allowed)
 *
 * Incident numbers are 1..2^31-1, written in plain digits (no sign, no decimals, no leading zero).
 * Durations are written as in config (`30m`, `2h`, `1h30m`, `1d`; spaces inside such as `1h 30m`
 * are allowed) and must be between 1 minute and 30 days.
 *
 * Carrier keywords (STOP, START, ...) come back as `carrier-keyword`: Twilio acts on them itself
 * (opt-out and opt-in of the number) and still forwards them; Hark must not answer them. Like
 * Twilio, only a message that is the single keyword counts. `help` is Hark's help, not a carrier
 * keyword; `info` is left to Twilio.
 *
 * A refusal is one short GSM-7 SMS (at most 160 characters) quoting at most 40 characters of what
 * was sent and pointing to `help`.
 */
import { NAME_RE } from '../config/schema.js';
import { parseDuration } from '../config/duration.js';
import { gsm7Length, QUOTE_SUBSTITUTES, toGsm7 } from '../pages/format.js';

// ------------------------------------------------------------------------------------------------
// types

/** Twilio's single-word opt-out, opt-in and info keywords (HELP is Hark's own `help`). */
export const CARRIER_KEYWORDS = [
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
] as const;
export type CarrierKeyword = (typeof CARRIER_KEYWORDS)[number];

export type SmsCommand =
  | { readonly kind: 'ack'; readonly incident: number }
  | { readonly kind: 'resolve'; readonly incident: number }
  | { readonly kind: 'escalate'; readonly incident: number }
  /** The incident most recently paged to the sender's number. */
  | { readonly kind: 'ack-last' }
  /** Every open incident paged to the sender's number. */
  | { readonly kind: 'ack-all' }
  | { readonly kind: 'resolve-all' }
  /** Who is on call now on the sender's schedules. */
  | { readonly kind: 'oncall' }
  /** The sender takes the primary role of `schedule` for `durationMs` (a runtime override). */
  | { readonly kind: 'take'; readonly schedule: string; readonly durationMs: number }
  /**
   * The sender hands their role on `schedule` to `person` for `durationMs`; null means no
   * duration was given: until the end of the sender's current shift (the caller resolves it).
   */
  | {
      readonly kind: 'handoff';
      readonly schedule: string;
      readonly person: string;
      readonly durationMs: number | null;
    }
  | { readonly kind: 'help' }
  /** STOP, START and the like: the carrier / Twilio handles them; the caller ignores the message. */
  | { readonly kind: 'carrier-keyword'; readonly word: CarrierKeyword };

export interface SmsParseError {
  readonly kind: 'error';
  /** One GSM-7 SMS (at most 160 characters) saying what was not understood. */
  readonly message: string;
}

// ------------------------------------------------------------------------------------------------
// limits and texts

export const MAX_INCIDENT_ID = 2 ** 31 - 1;
export const DEFAULT_TAKE_MS = 3_600_000;
export const MIN_OVERRIDE_MS = 60_000;
export const MAX_OVERRIDE_MS = 30 * 86_400_000;

/** The whole grammar in one GSM-7 SMS (154 of 160 septets: `[` and `]` take two each). */
export const SMS_HELP_TEXT =
  'Hark: 42a ack #42, 42r resolve, 42e escalate, a ack latest, aa ack all, rr resolve all, oncall, ' +
  'take <schedule> [2h], handoff <schedule> <person> [2h]';

/** At most this many septets of the sender's text are quoted back in a refusal. */
export const QUOTE_MAX = 40;
/** Longer messages are not commands; they are refused without being parsed. */
const MAX_INPUT = 300;

const HINT = {
  incident: (n: number) => `Use ${n}a ack, ${n}r resolve, ${n}e escalate.`,
  badNumber: 'Incident numbers are 1 to 2147483647.',
  whichAck: 'Say which incident, e.g. 42a, or a alone for the latest.',
  whichResolve: 'Say which incident, e.g. 42r, or rr for all.',
  whichEscalate: 'Say which incident, e.g. 42e.',
  take: 'Use take <schedule> [2h].',
  handoff: 'Use handoff <schedule> <person> [2h].',
  schedule: 'Schedule names use a-z, 0-9, _ and -.',
  person: 'Person names use a-z, 0-9, _ and -.',
  duration: 'Durations look like 30m, 2h, 1h30m, 1d.',
  durationRange: 'Durations are 1m to 30d.',
} as const;

// ------------------------------------------------------------------------------------------------
// normalizing

/**
 * The text on one line with single spaces, as the sender wrote it otherwise: NFKC (fullwidth
 * letters and digits, no-break and ideographic spaces become ASCII), typographic quotes made
 * ASCII, zero-width and format characters (ZWSP, BOM, direction marks) dropped, control
 * characters and every kind of white space made one space, then trimmed.
 */
function normalize(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKC')) {
    const quote = QUOTE_SUBSTITUTES[ch];
    if (quote !== undefined) out += quote;
    else if (/\p{Cf}/u.test(ch)) continue;
    else if (/[\s\p{Cc}]/u.test(ch)) out += ' ';
    else out += ch;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Trailing `.`, `!` and ideographic full stops (with spaces among them) are not part of a reply. */
function dropTrailingPunctuation(text: string): string {
  return text.replace(/[ .!\u3002]+$/u, '');
}

/** The reply to match: without trailing punctuation or one pair of enclosing quotes, lowercase. */
function replyOf(original: string): string {
  const bare = dropTrailingPunctuation(original);
  const unquoted = /^(["'])(.*)\1$/su.exec(bare)?.[2]?.trim();
  return (unquoted === undefined ? bare : dropTrailingPunctuation(unquoted)).toLowerCase();
}

// ------------------------------------------------------------------------------------------------
// refusals

/** At most QUOTE_MAX septets of `text`, in GSM-7, with `...` when cut. */
function quote(text: string): string {
  const gsm = toGsm7(text);
  if (gsm7Length(gsm) <= QUOTE_MAX) return gsm;
  let out = '';
  for (const ch of gsm) {
    if (gsm7Length(out + ch) > QUOTE_MAX - 3) break;
    out += ch;
  }
  return `${out.trimEnd()}...`;
}

function refuse(original: string, hint?: string): SmsParseError {
  const what = original === '' ? 'Empty message.' : `Not understood: "${quote(original)}".`;
  const why = hint === undefined ? '' : ` ${hint}`;
  return { kind: 'error', message: `${what}${why} Reply help for commands.` };
}

// ------------------------------------------------------------------------------------------------
// parsing

type IncidentKind = 'ack' | 'resolve' | 'escalate';

const VERBS: Readonly<Record<string, IncidentKind>> = {
  a: 'ack',
  ack: 'ack',
  acknowledge: 'ack',
  r: 'resolve',
  res: 'resolve',
  resolve: 'resolve',
  e: 'escalate',
  esc: 'escalate',
  escalate: 'escalate',
};
const VERB_ALT = 'acknowledge|ack|a|resolve|res|r|escalate|esc|e';
/** `42a`, `#42 ack`, `42acknowledge`. */
const NUMBER_FIRST = new RegExp(`^#?(\\d+) ?(${VERB_ALT})$`);
/** `ack 42`, `a #42`, `esc42`. */
const VERB_FIRST = new RegExp(`^(${VERB_ALT}) ?#?(\\d+)$`);
/** Something that starts like an incident reply: `42x`, `#42`, `42 ok` (not `4.2a`, `+42a`). */
const LOOKS_LIKE_INCIDENT = /^#?(\d+)(?:$| |[a-z])/;
/** An incident verb followed by something that is not one incident number: `ack foo`, `r 4.2`. */
const VERB_THEN_OTHER = /^(?:(acknowledge|ack|a)|(resolve|res|r)|(escalate|esc|e))(?: |$)/;

const SIMPLE: Readonly<Record<string, SmsCommand>> = {
  a: { kind: 'ack-last' },
  ack: { kind: 'ack-last' },
  acknowledge: { kind: 'ack-last' },
  aa: { kind: 'ack-all' },
  'a all': { kind: 'ack-all' },
  'ack all': { kind: 'ack-all' },
  'acknowledge all': { kind: 'ack-all' },
  rr: { kind: 'resolve-all' },
  'r all': { kind: 'resolve-all' },
  'res all': { kind: 'resolve-all' },
  'resolve all': { kind: 'resolve-all' },
};
/** Questions: a trailing `?` (or several) is allowed on these. */
const QUESTIONS: Readonly<Record<string, SmsCommand>> = {
  oncall: { kind: 'oncall' },
  'on call': { kind: 'oncall' },
  'on-call': { kind: 'oncall' },
  who: { kind: 'oncall' },
  help: { kind: 'help' },
  commands: { kind: 'help' },
  '': { kind: 'help' }, // `?` alone
};

/** 1..MAX_INCIDENT_ID in plain digits (leading zeros allowed: `042` is 42), else null. */
function incidentNumber(digits: string): number | null {
  const significant = digits.replace(/^0+/, '');
  if (!/^[1-9]\d{0,9}$/.test(significant)) return null;
  const n = Number(significant);
  return n <= MAX_INCIDENT_ID ? n : null;
}

/** The duration words after a schedule or person (`2h`, `for 2h`, `1h 30m`), or a hint. */
function durationOf(words: readonly string[]): number | string {
  const rest = words[0] === 'for' && words.length > 1 ? words.slice(1) : words;
  const ms = parseDuration(rest.join(''));
  if (ms === null) return HINT.duration;
  if (ms < MIN_OVERRIDE_MS || ms > MAX_OVERRIDE_MS) return HINT.durationRange;
  return ms;
}

/**
 * `words` after `take`: `<schedule> [[for] <duration>]`. The duration defaults to one hour.
 */
function parseTake(words: readonly string[]): SmsCommand | string {
  const [schedule, ...rest] = words;
  if (schedule === undefined) return HINT.take;
  if (!NAME_RE.test(schedule)) return HINT.schedule;
  if (rest.length === 0) return { kind: 'take', schedule, durationMs: DEFAULT_TAKE_MS };
  const ms = durationOf(rest);
  return typeof ms === 'string' ? ms : { kind: 'take', schedule, durationMs: ms };
}

/**
 * `words` after `handoff`: `<schedule> [to] <person> [[for] <duration>]`. Without a duration the
 * handoff lasts until the end of the sender's current shift: `durationMs: null`, which the caller
 * turns into an end instant (only it knows the schedule and who holds what).
 */
function parseHandoff(words: readonly string[]): SmsCommand | string {
  const [schedule, ...afterSchedule] = words;
  if (schedule === undefined) return HINT.handoff;
  if (!NAME_RE.test(schedule)) return HINT.schedule;
  const afterTo = afterSchedule[0] === 'to' ? afterSchedule.slice(1) : afterSchedule;
  const [person, ...rest] = afterTo;
  if (person === undefined) return HINT.handoff; // `handoff platform`, `handoff platform to`
  if (!NAME_RE.test(person)) return HINT.person;
  if (rest.length === 0) return { kind: 'handoff', schedule, person, durationMs: null };
  const ms = durationOf(rest);
  return typeof ms === 'string' ? ms : { kind: 'handoff', schedule, person, durationMs: ms };
}

/** The command an SMS reply asks for, or a refusal to send back. Never throws. */
export function parseSmsReply(text: string): SmsCommand | SmsParseError {
  const original = normalize(text);
  if (original.length > MAX_INPUT) return refuse(original);
  const reply = replyOf(original);
  if (reply === '') return refuse(original); // empty, or only `.` / `!`

  const upper = reply.toUpperCase();
  if ((CARRIER_KEYWORDS as readonly string[]).includes(upper)) {
    return { kind: 'carrier-keyword', word: upper as CarrierKeyword };
  }

  const fixed = SIMPLE[reply] ?? QUESTIONS[reply.replace(/ ?\?+$/, '')];
  if (fixed) return fixed;

  const numberFirst = NUMBER_FIRST.exec(reply);
  const verbFirst = numberFirst ? null : VERB_FIRST.exec(reply);
  const [digits, verb] = numberFirst
    ? [numberFirst[1]!, numberFirst[2]!]
    : verbFirst
      ? [verbFirst[2]!, verbFirst[1]!]
      : [null, null];
  if (digits !== null) {
    const incident = incidentNumber(digits);
    return incident === null ? refuse(original, HINT.badNumber) : { kind: VERBS[verb]!, incident };
  }

  const words = reply.split(' ');
  if (words[0] === 'take') {
    const take = parseTake(words.slice(1));
    return typeof take === 'string' ? refuse(original, take) : take;
  }
  const handoffAt = words[0] === 'handoff' ? 1 : words[0] === 'hand' && words[1] === 'off' ? 2 : 0;
  if (handoffAt > 0) {
    const handoff = parseHandoff(words.slice(handoffAt));
    return typeof handoff === 'string' ? refuse(original, handoff) : handoff;
  }

  // Refusals that point to what was probably meant.
  const looks = LOOKS_LIKE_INCIDENT.exec(reply);
  if (looks) {
    const n = incidentNumber(looks[1]!);
    return refuse(original, n === null ? HINT.badNumber : HINT.incident(n));
  }
  const verbOnly = VERB_THEN_OTHER.exec(reply);
  if (verbOnly) {
    return refuse(
      original,
      verbOnly[1] ? HINT.whichAck : verbOnly[2] ? HINT.whichResolve : HINT.whichEscalate,
    );
  }
  return refuse(original);
}
