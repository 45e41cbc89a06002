/**
 * Shared pieces of the alert sources: size limits, zod schemas for labels and timestamps, the
 * zod-issue-to-`BadInput` translation, dedup-key hashing and summary/link helpers.
 *
 * Every limit here is stated in the error a sender gets when it is exceeded.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AlertLink, BadInput } from '../types.js';

export const LIMITS = {
  /** Alerts per request (Alertmanager `alerts[]`, a generic array). */
  alerts: 1000,
  /** Entries in one labels or annotations object. */
  mapEntries: 256,
  labelName: 256,
  labelValue: 4096,
  annotationValue: 16384,
  /** PagerDuty's limit for `payload.summary`; derived summaries are cut to it. */
  summary: 1024,
  /** PagerDuty's limit for `dedup_key`; every sender-supplied key. */
  key: 255,
  /** Details text (a string, or an object as pretty JSON). */
  details: 65536,
  url: 4096,
  /** Levels of objects and arrays in a free-form field (PagerDuty `custom_details`, generic `details`, Grafana `values`). */
  depth: 32,
} as const;

// ------------------------------------------------------------------------------ error messages

type RawIssue = z.core.$ZodRawIssue;

/** What a JSON value is, for "expected X, got Y" (never the value itself: it could be a secret). */
export function kindOf(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof v;
  }
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'an array',
};

function quote(v: unknown): string {
  const s = typeof v === 'string' ? v : String(v);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/**
 * The default message for each zod issue (a per-parse error map: a message set on a schema wins).
 * Enum values are echoed (they are never secrets); other values only by their kind.
 */
function defaultMessage(iss: RawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type': {
      const expected = EXPECTED[iss.expected] ?? iss.expected;
      return iss.input === undefined
        ? `missing; expected ${expected}`
        : `expected ${expected}, got ${kindOf(iss.input)}`;
    }
    case 'invalid_value': {
      const allowed = iss.values.map((v) => JSON.stringify(v)).join(', ');
      if (iss.input === undefined) return `missing; expected one of ${allowed}`;
      const got = typeof iss.input === 'string' ? quote(iss.input) : kindOf(iss.input);
      return `expected one of ${allowed}, got ${got}`;
    }
    case 'too_big':
      if (iss.origin === 'string') return `too long: at most ${String(iss.maximum)} characters`;
      if (iss.origin === 'array') return `too many items: at most ${String(iss.maximum)}`;
      return undefined;
    case 'too_small':
      if (iss.origin === 'string') return 'must not be empty';
      if (iss.origin === 'array') return `must have at least ${String(iss.minimum)} item(s)`;
      return undefined;
    case 'invalid_key':
      return iss.issues[0]?.message;
    default:
      return undefined;
  }
}

/** `alerts[2].labels.severity`, `payload["custom key"]`; the body itself is `(body)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out === '' ? '(body)' : out;
}

export type Parsed<T> =
  { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: BadInput };

/** Parse with the messages above; the first problem (in field order) becomes the `BadInput`. */
export function parse<S extends z.ZodType>(
  schema: S,
  body: unknown,
  prefix: readonly PropertyKey[] = [],
): Parsed<z.output<S>> {
  const r = schema.safeParse(body, { error: defaultMessage });
  if (r.success) return { ok: true, data: r.data };
  const issue = r.error.issues[0]!;
  return { ok: false, error: { field: formatPath([...prefix, ...issue.path]), message: issue.message } };
}

export function bad(field: string, message: string): { readonly ok: false; readonly error: BadInput } {
  return { ok: false, error: { field, message } };
}

// ------------------------------------------------------------------------------ schemas

/** A JSON object at the top of a request (extra fields from senders are accepted and ignored). */
export function bodyObject<T extends z.core.$ZodLooseShape>(shape: T, what: string) {
  return z.object(shape, {
    error: (iss) =>
      iss.code === 'invalid_type' ? `expected a JSON object (${what}), got ${kindOf(iss.input)}` : undefined,
  });
}

function stringMap(kind: 'label' | 'annotation', maxValue: number) {
  return z
    .record(
      z
        .string()
        .min(1, `${kind} names must not be empty`)
        .max(LIMITS.labelName, `${kind} name too long: at most ${LIMITS.labelName} characters`),
      z
        .string({
          error: (iss) => `${kind} values must be strings, got ${kindOf(iss.input)}`,
        })
        .max(maxValue, `${kind} value too long: at most ${maxValue} characters`),
      {
        error: (iss) =>
          iss.code === 'invalid_type' && iss.input !== undefined
            ? `expected an object of ${kind}s (name: string value), got ${kindOf(iss.input)}`
            : undefined,
      },
    )
    .refine(
      (m) => Object.keys(m).length <= LIMITS.mapEntries,
      `too many ${kind}s: at most ${LIMITS.mapEntries}`,
    );
}

export const labelsSchema = stringMap('label', LIMITS.labelValue);
export const annotationsSchema = stringMap('annotation', LIMITS.annotationValue);

/**
 * Whether a JSON value has more than `max` levels of objects and arrays (`{"a": [1]}` has 2).
 * Iterative: a value nested 20,000 deep is answered, not a stack overflow.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * A free-form JSON field (shown as text): at most `LIMITS.depth` levels deep. The check aborts the
 * field's later refinements, so that nothing recursive (JSON.stringify) ever sees a deeper value.
 */
export function shallow<S extends z.ZodType>(schema: S) {
  return schema.refine((v) => !nestedDeeperThan(v, LIMITS.depth), {
    message: `nested too deep: at most ${LIMITS.depth} levels of objects and arrays`,
    abort: true,
  });
}

/** A dedup key from the sender: 1 to 255 characters. */
export const keySchema = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.key, `too long: at most ${LIMITS.key} characters`);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:?\d{2})$/;

/**
 * An RFC 3339 / ISO 8601 instant as UTC ISO (`2024-05-01T12:00:00.000Z`, milliseconds); `null` for
 * Go's zero time `0001-01-01T00:00:00Z` (Alertmanager's "no end"); `undefined` if not a valid instant.
 * Accepts `+0000` offsets (PagerDuty's own examples) and more than 3 fraction digits (Go's 9).
 */
export function parseInstant(s: string): string | null | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac = '', zone = 'Z'] = m;
  if (y === '0001') return null;
  const offset = zone === 'Z' || zone === 'z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${sec}.${frac.padEnd(3, '0').slice(0, 3)}${offset}`;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  // Date.parse rolls 2024-02-30 over to March: the calendar fields must survive the round trip.
  const check = new Date(`${y}-${mo}-${d}T00:00:00Z`);
  if (check.getUTCMonth() + 1 !== Number(mo) || check.getUTCDate() !== Number(d)) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return undefined;
  return new Date(t).toISOString();
}

const TIMESTAMP_MESSAGE = 'expected an RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z';

/** An optional RFC 3339 timestamp, output as UTC ISO or null. */
export const instantSchema = z
  .string()
  .nullish()
  .refine((s) => s === undefined || s === null || parseInstant(s) !== undefined, TIMESTAMP_MESSAGE)
  .transform((s) => (s === undefined || s === null ? null : (parseInstant(s) ?? null)));

export function isHttpUrl(s: string): boolean {
  if (!/^https?:\/\//i.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

const URL_MESSAGE = 'expected an absolute http:// or https:// URL';

/** A URL the sender wrote on purpose (PagerDuty `links`, generic `runbook_url`): must be http(s). */
export const httpUrlSchema = z
  .string()
  .max(LIMITS.url, `too long: at most ${LIMITS.url} characters`)
  .refine(isHttpUrl, URL_MESSAGE);

// ------------------------------------------------------------------------------ alert building

/** First 16 hex digits of the SHA-256 of the canonical JSON of `parts`. */
export function hashKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** Labels as sorted `[name, value]` pairs: the stable form for hashing. */
export function sortedEntries(m: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A copy with own, enumerable, data properties only (no prototype games from `__proto__` keys). */
export function plainMap(m: Readonly<Record<string, string>> | null | undefined): Record<string, string> {
  return m ? Object.fromEntries(Object.entries(m)) : {};
}

/** A one-line summary: the first non-blank line, cut to `LIMITS.summary` characters. */
export function oneLine(s: string): string {
  const line = s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '');
  const text = line ?? '';
  return text.length > LIMITS.summary ? `${text.slice(0, LIMITS.summary - 1)}…` : text;
}

/** The first of `values` that is a non-blank string. */
export function firstText(...values: (string | null | undefined)[]): string | null {
  for (const v of values) if (v !== undefined && v !== null && v.trim() !== '') return v;
  return null;
}

/** Link from a sender-generated URL: kept only if it is an absolute http(s) URL. */
export function linkIf(href: string | null | undefined, text: string | null): AlertLink[] {
  return href && isHttpUrl(href) ? [{ href, text }] : [];
}

/** Details text from a string, or any other JSON value as pretty JSON; null when absent/blank. */
export function detailsText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.trim() === '' ? null : v;
  return JSON.stringify(v, null, 2);
}
