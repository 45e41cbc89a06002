/**
 * zod issues as messages for people: they name the field, say what is wrong and what is allowed,
 * and never repeat the value of a field that may hold a secret (tokens, phone numbers).
 */
import type { z } from 'zod';
import type { Path, SourceFile } from './source.js';
import { didYouMean } from './suggest.js';

type ZodIssue = z.core.$ZodIssue;

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** What a value is, without its content: values may be secrets. */
function kindOf(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'boolean') return `${String(v)}`;
  return typeof v === 'number' ? 'a number' : `a ${typeof v}`;
}

const EXPECTED: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  record: 'a mapping (key: value)',
};

/** `group_by`, `members entry 2`, or `the file` for the root. */
function fieldName(path: Path): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'the top level';
  if (typeof last === 'number') {
    const parent = path[path.length - 2];
    return parent === undefined ? `entry ${last + 1}` : `${String(parent)} entry ${last + 1}`;
  }
  return last;
}

/** The keys a strict object schema allows at `path`, found by walking the schema. */
function allowedKeys(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  type Def = {
    type: string;
    innerType?: unknown;
    in?: unknown;
    element?: unknown;
    valueType?: unknown;
    shape?: Record<string, unknown>;
  };
  const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;
  const unwrap = (s: unknown): unknown => {
    for (;;) {
      const d = defOf(s);
      if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable') && d.innerType)
        s = d.innerType;
      else if (d.type === 'pipe' && d.in) s = d.in;
      else return s;
    }
  };
  let s: unknown = unwrap(root);
  for (const p of path) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape && typeof p === 'string' && p in d.shape) s = unwrap(d.shape[p]);
    else if (d.type === 'array' && d.element) s = unwrap(d.element);
    else if (d.type === 'record' && d.valueType) s = unwrap(d.valueType);
    else return [];
  }
  const d = defOf(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

/** Reports one zod issue of `root` validating `data`, which sits at `prefix` in the file. */
export function reportZodIssue(
  src: SourceFile,
  root: z.ZodType,
  data: unknown,
  issue: ZodIssue,
  prefix: Path,
): void {
  const rel = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const path = [...prefix, ...rel];
  const value = valueAt(data, issue.path);
  if (
    value === undefined &&
    (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')
  ) {
    const key = String(path[path.length - 1]);
    if (src.hasKey(path)) {
      const expected =
        issue.code === 'invalid_type'
          ? (EXPECTED[issue.expected] ?? issue.expected)
          : issue.code === 'invalid_value'
            ? `one of ${issue.values.map(String).join(', ')}`
            : 'a value';
      src.report(path, `${key} is empty: expected ${expected}`, { key: true });
    } else src.report(path.slice(0, -1), `missing required key "${key}"`);
    return;
  }
  const field = fieldName(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, issue.path);
      for (const key of issue.keys) {
        src.report(
          [...path, key],
          `unknown key "${key}"${didYouMean(key, allowed)} (allowed: ${allowed.join(', ')})`,
          {
            key: true,
          },
        );
      }
      return;
    }
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      const hint =
        issue.expected === 'string' && typeof value === 'number'
          ? ': put it in quotes (phone numbers, tokens and times are strings)'
          : '';
      src.report(path, `${field} must be ${expected}, got ${kindOf(value)}${hint}`);
      return;
    }
    case 'invalid_value': {
      const shown = typeof value === 'string' ? `"${value}"` : kindOf(value);
      src.report(
        path,
        `invalid ${field} ${shown}: allowed values are ${issue.values.map(String).join(', ')}`,
      );
      return;
    }
    case 'invalid_union': {
      const branches = issue.errors.flat();
      if (issue.message === 'Invalid input' && branches.every((b) => b.code === 'invalid_type')) {
        const expected = [
          ...new Set(
            branches.map((b) => (b.code === 'invalid_type' ? (EXPECTED[b.expected] ?? b.expected) : '')),
          ),
        ];
        src.report(path, `${field} must be ${expected.join(' or ')}, got ${kindOf(value)}`);
      } else src.report(path, issue.message);
      return;
    }
    default:
      src.report(path, issue.message);
  }
}
