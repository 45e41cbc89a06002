/**
 * Handoff rules: the RFC 5545 RRULE subset Hark accepts for `handoff`, its validation, and its
 * expansion as *floating* local date-times (rrule's `tzid` is never used: its output depends on
 * the machine's time zone).
 */
import rrulePkg from 'rrule';
import type { Options as RRuleOptions, Weekday } from 'rrule';
import { localMs, type LocalMs } from '../time/local.js';

const { RRule } = rrulePkg;

export type Freq = 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
const FREQS: readonly Freq[] = ['HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export const SUPPORTED_PARTS = [
  'FREQ',
  'INTERVAL',
  'COUNT',
  'UNTIL',
  'WKST',
  'BYDAY',
  'BYMONTHDAY',
  'BYMONTH',
  'BYHOUR',
  'BYMINUTE',
] as const;

export interface HandoffRule {
  readonly text: string;
  readonly freq: Freq;
  readonly interval: number;
  readonly count: number | null;
  /** UNTIL as a floating local time, or as a UTC instant when written with `Z`. */
  readonly until:
    { readonly kind: 'local'; readonly at: LocalMs } | { readonly kind: 'utc'; readonly at: number } | null;
  readonly wkst: number | null; // 0 = MO
  readonly byday: readonly { readonly day: number; readonly n: number }[]; // day 0 = MO, n 0 = every
  readonly bymonthday: readonly number[];
  readonly bymonth: readonly number[];
  readonly byhour: readonly number[];
  readonly byminute: readonly number[];
}

export class HandoffRuleError extends Error {}

function intList(name: string, value: string, min: number, max: number, allowNegative = false): number[] {
  return value.split(',').map((item) => {
    if (!/^[+-]?\d+$/.test(item))
      throw new HandoffRuleError(`${name} must be a comma-separated list of integers, got "${value}"`);
    const n = Number(item);
    const abs = Math.abs(n);
    if ((n < 0 && !allowNegative) || abs < min || abs > max || (allowNegative && n === 0)) {
      const range = allowNegative ? `${min} to ${max} or -${max} to -${min}` : `${min} to ${max}`;
      throw new HandoffRuleError(`${name} values must be ${range}, got ${item}`);
    }
    return n;
  });
}

function parseUntil(value: string): HandoffRule['until'] {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (!m)
    throw new HandoffRuleError(`UNTIL must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ, got "${value}"`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((p) => Number(p ?? 0));
  const at = localMs(y!, mo!, d!, h, mi, s);
  const check = new Date(at);
  if (mo! < 1 || mo! > 12 || check.getUTCDate() !== d || h! > 23 || mi! > 59 || s! > 59) {
    throw new HandoffRuleError(`UNTIL is not a valid date and time, got "${value}"`);
  }
  return m[7] === 'Z' ? { kind: 'utc', at } : { kind: 'local', at };
}

/** Parses and validates a handoff RRULE. Throws HandoffRuleError with a message for people. */
export function parseHandoffRule(input: string): HandoffRule {
  const text = input.trim().replace(/^RRULE:/i, '');
  if (text === '') throw new HandoffRuleError('handoff is empty; expected an RRULE such as FREQ=WEEKLY');
  const parts = new Map<string, string>();
  for (const part of text.split(';').filter((p, i, all) => p.trim() !== '' || i < all.length - 1)) {
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new HandoffRuleError(
        `"${part}" is not NAME=VALUE; expected an RRULE such as FREQ=WEEKLY;BYDAY=MO`,
      );
    const name = part.slice(0, eq).trim().toUpperCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .toUpperCase();
    if (name === 'DTSTART' || name === 'TZID') {
      throw new HandoffRuleError(
        `${name} is not allowed in handoff: the rotation's start and the schedule's timezone set it`,
      );
    }
    if (!(SUPPORTED_PARTS as readonly string[]).includes(name)) {
      throw new HandoffRuleError(`unsupported RRULE part ${name} (supported: ${SUPPORTED_PARTS.join(', ')})`);
    }
    if (parts.has(name)) throw new HandoffRuleError(`${name} appears twice`);
    parts.set(name, value);
  }
  const freqText = parts.get('FREQ');
  if (freqText === undefined)
    throw new HandoffRuleError('FREQ is required (HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY)');
  if (!(FREQS as readonly string[]).includes(freqText)) {
    throw new HandoffRuleError(`FREQ must be HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, got ${freqText}`);
  }
  const freq = freqText as Freq;
  const interval = parts.has('INTERVAL') ? intList('INTERVAL', parts.get('INTERVAL')!, 1, 1000)[0]! : 1;
  if (parts.has('INTERVAL') && parts.get('INTERVAL')!.includes(','))
    throw new HandoffRuleError('INTERVAL takes one number');
  if (parts.has('COUNT') && parts.has('UNTIL'))
    throw new HandoffRuleError('COUNT and UNTIL cannot both be given');
  const countList = parts.has('COUNT') ? intList('COUNT', parts.get('COUNT')!, 1, 100_000) : null;
  if (countList && countList.length !== 1) throw new HandoffRuleError('COUNT takes one number');
  const until = parts.has('UNTIL') ? parseUntil(parts.get('UNTIL')!) : null;

  const dayIndex = (d: string, what: string): number => {
    const i = (DAYS as readonly string[]).indexOf(d);
    if (i < 0) throw new HandoffRuleError(`${what} must name days as MO, TU, WE, TH, FR, SA, SU, got "${d}"`);
    return i;
  };
  const wkst = parts.has('WKST') ? dayIndex(parts.get('WKST')!, 'WKST') : null;
  const byday = (parts.get('BYDAY')?.split(',') ?? []).map((item) => {
    const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(item);
    if (!m) throw new HandoffRuleError(`BYDAY entries look like MO or 1MO or -1FR, got "${item}"`);
    const n = m[1] === undefined ? 0 : Number(m[1]);
    if (m[1] !== undefined && n === 0)
      throw new HandoffRuleError(`BYDAY numbers count from 1 (or from -1 at the end), got "${item}"`);
    if (n !== 0) {
      const inYear = freq === 'YEARLY' && !parts.has('BYMONTH');
      if (freq !== 'MONTHLY' && freq !== 'YEARLY') {
        throw new HandoffRuleError(`BYDAY with a number (${item}) needs FREQ=MONTHLY or FREQ=YEARLY`);
      }
      const max = inYear ? 53 : 5;
      if (Math.abs(n) > max)
        throw new HandoffRuleError(`BYDAY number must be 1 to ${max} or -${max} to -1, got ${item}`);
    }
    return { day: dayIndex(m[2]!, 'BYDAY'), n };
  });
  const bymonthday = parts.has('BYMONTHDAY')
    ? intList('BYMONTHDAY', parts.get('BYMONTHDAY')!, 1, 31, true)
    : [];
  if (bymonthday.length > 0 && freq === 'WEEKLY')
    throw new HandoffRuleError('BYMONTHDAY cannot be used with FREQ=WEEKLY');
  const bymonth = parts.has('BYMONTH') ? intList('BYMONTH', parts.get('BYMONTH')!, 1, 12) : [];
  const byhour = parts.has('BYHOUR') ? intList('BYHOUR', parts.get('BYHOUR')!, 0, 23) : [];
  const byminute = parts.has('BYMINUTE') ? intList('BYMINUTE', parts.get('BYMINUTE')!, 0, 59) : [];

  const rule: HandoffRule = {
    text,
    freq,
    interval,
    count: countList ? countList[0]! : null,
    until,
    wkst,
    byday,
    bymonthday,
    bymonth,
    byhour,
    byminute,
  };
  if (!everMatches(rule)) {
    throw new HandoffRuleError(
      'this RRULE matches no date at all (check BYMONTH, BYMONTHDAY and BYDAY together)',
    );
  }
  return rule;
}

/**
 * Whether any calendar date satisfies the rule's date filters. rrule searches until the year 9999
 * for a rule that never matches (seconds to minutes), so such rules are refused up front. The
 * Gregorian calendar repeats every 400 years, so checking one cycle is exact.
 */
function everMatches(rule: HandoffRule): boolean {
  if (rule.bymonthday.length === 0 && rule.byday.every((d) => d.n === 0) && rule.bymonth.length === 0)
    return true;
  const nthInYear = rule.freq === 'YEARLY' && rule.bymonth.length === 0;
  const cycleStart = Date.UTC(2000, 0, 1);
  const cycleEnd = Date.UTC(2400, 0, 1);
  for (let t = cycleStart; t < cycleEnd; t += 86_400_000) {
    const date = new Date(t);
    const month = date.getUTCMonth() + 1;
    if (rule.bymonth.length > 0 && !rule.bymonth.includes(month)) continue;
    const year = date.getUTCFullYear();
    const day = date.getUTCDate();
    const dim = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (rule.bymonthday.length > 0 && !rule.bymonthday.some((v) => v === day || dim + 1 + v === day))
      continue;
    if (rule.byday.length > 0) {
      const weekday = (date.getUTCDay() + 6) % 7;
      let pos = day;
      let len = dim;
      if (nthInYear) {
        pos = Math.round((t - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
        len = Math.round((Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / 86_400_000);
      }
      const fromStart = Math.floor((pos - 1) / 7) + 1;
      const fromEnd = -(Math.floor((len - pos) / 7) + 1);
      const ok = rule.byday.some(
        (d) => d.day === weekday && (d.n === 0 || d.n === fromStart || d.n === fromEnd),
      );
      if (!ok) continue;
    }
    return true;
  }
  return false;
}

const RRULE_FREQ: Record<Freq, number> = {
  YEARLY: RRule.YEARLY,
  MONTHLY: RRule.MONTHLY,
  WEEKLY: RRule.WEEKLY,
  DAILY: RRule.DAILY,
  HOURLY: RRule.HOURLY,
};
const RRULE_DAYS: readonly Weekday[] = [RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR, RRule.SA, RRule.SU];

/**
 * Expands a rule with DTSTART = `start` (floating), yielding the local date-times of occurrences
 * strictly after `start` and at or before `limit`. `more` is false when the rule has no further
 * occurrences (COUNT or a floating UNTIL reached). A UTC UNTIL is left to the caller, which knows
 * the instants.
 */
export function expandLocal(
  rule: HandoffRule,
  start: LocalMs,
  limit: LocalMs,
): { occurrences: LocalMs[]; more: boolean } {
  const step = fixedStep(rule);
  return step === null ? expandWithRRule(rule, start, limit) : expandFixed(rule, step, start, limit);
}

const FIXED_STEP_MS: Partial<Record<Freq, number>> = {
  HOURLY: 3_600_000,
  DAILY: 86_400_000,
  WEEKLY: 7 * 86_400_000,
};

/**
 * HOURLY, DAILY and WEEKLY rules without BY* parts recur at a fixed step of wall-clock time from
 * DTSTART (which always matches them), so they need no rrule iteration: the common weekly
 * rotation expands in microseconds. test/schedules/fixed-step.test.ts compares both paths.
 */
export function fixedStep(rule: HandoffRule): number | null {
  const unit = FIXED_STEP_MS[rule.freq];
  if (unit === undefined) return null;
  const plain =
    rule.byday.length === 0 &&
    rule.bymonthday.length === 0 &&
    rule.bymonth.length === 0 &&
    rule.byhour.length === 0 &&
    rule.byminute.length === 0;
  return plain ? unit * rule.interval : null;
}

function expandFixed(
  rule: HandoffRule,
  step: number,
  start: LocalMs,
  limit: LocalMs,
): { occurrences: LocalMs[]; more: boolean } {
  const occurrences: LocalMs[] = [];
  // COUNT counts DTSTART, which a fixed-step rule always matches.
  const last = rule.count === null ? Infinity : rule.count - 1;
  const until = rule.until?.kind === 'local' ? rule.until.at : Infinity;
  for (let k = 1; ; k++) {
    const t = start + k * step;
    if (k > last || t > until) return { occurrences, more: false };
    if (t > limit) return { occurrences, more: true };
    occurrences.push(t as LocalMs);
  }
}

/** Any rule, through rrule with floating dates. */
export function expandWithRRule(
  rule: HandoffRule,
  start: LocalMs,
  limit: LocalMs,
): { occurrences: LocalMs[]; more: boolean } {
  const options: Partial<RRuleOptions> = {
    freq: RRULE_FREQ[rule.freq],
    interval: rule.interval,
    dtstart: new Date(start),
  };
  if (rule.count !== null) options.count = rule.count;
  if (rule.until?.kind === 'local') options.until = new Date(rule.until.at);
  if (rule.wkst !== null) options.wkst = RRULE_DAYS[rule.wkst]!;
  if (rule.byday.length > 0) {
    options.byweekday = rule.byday.map((d) => (d.n === 0 ? RRULE_DAYS[d.day]! : RRULE_DAYS[d.day]!.nth(d.n)));
  }
  if (rule.bymonthday.length > 0) options.bymonthday = [...rule.bymonthday];
  if (rule.bymonth.length > 0) options.bymonth = [...rule.bymonth];
  if (rule.byhour.length > 0) options.byhour = [...rule.byhour];
  if (rule.byminute.length > 0) options.byminute = [...rule.byminute];
  const occurrences: LocalMs[] = [];
  let stopped = false;
  new RRule(options).all((date) => {
    const t = date.getTime();
    if (t > limit) {
      stopped = true;
      return false;
    }
    if (t > start) occurrences.push(t as LocalMs);
    return true;
  });
  return { occurrences, more: stopped };
}
