/** Request validation for the API: zod issues → 400 naming the field. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from './errors.js';

function fail(issues: readonly z.core.$ZodIssue[], code: string): never {
  const issue = issues[0]!;
  const field = issue.path.map(String).join('.') || '(body)';
  let message = issue.message;
  if (issue.code === 'invalid_value') message = `must be one of ${issue.values.map(String).join(', ')}`;
  else if (issue.code === 'unrecognized_keys')
    message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  else if (issue.code === 'invalid_type') message = `expected ${issue.expected}`;
  throw new ApiError(400, code, message, field);
}

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const r = schema.safeParse(c.req.query());
  if (!r.success) fail(r.error.issues, 'invalid_query');
  return r.data;
}

/** Parses a JSON body (an empty body is `undefined`). */
export async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let value: unknown = undefined;
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(400, 'invalid_json', 'the body is not valid JSON', '(body)');
    }
  }
  const r = schema.safeParse(value);
  if (!r.success) fail(r.error.issues, 'invalid_body');
  return r.data;
}
