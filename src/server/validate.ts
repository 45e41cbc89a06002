/** Request validation for the API: zod issues → 400 naming the field. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from './errors.js';

/**
 * The house messages for zod's generic issues (a per-parse error map: a message set on a schema
 * wins): `must be one of a, b`, `unknown field x`, `expected string`.
 */
function message(iss: z.core.$ZodRawIssue): string | undefined {
  if (iss.code === 'invalid_value') return `must be one of ${iss.values.map(String).join(', ')}`;
  if (iss.code === 'unrecognized_keys')
    return `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.join(', ')}`;
  if (iss.code === 'invalid_type') return `expected ${iss.expected}`;
  return undefined;
}

/** The 400 for the first issue: `{"error": {"code", "message", "field"}}`. */
export function fail(issues: readonly z.core.$ZodIssue[], code: string): never {
  const issue = issues[0]!;
  const field = issue.path.map(String).join('.') || '(body)';
  throw new ApiError(400, code, issue.message, field);
}

/** `value` checked against `schema`; a 400 with `code` when it does not fit. */
export function validated<S extends z.ZodType>(schema: S, value: unknown, code: string): z.output<S> {
  const r = schema.safeParse(value, { error: message });
  if (!r.success) fail(r.error.issues, code);
  return r.data;
}

/** A JSON body as a value (an empty body is `undefined`); 400 `invalid_json` when it is not JSON. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON', '(body)');
  }
}
