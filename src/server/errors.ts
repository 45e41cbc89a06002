/** The HTTP error shape (SPEC section 7): `{"error": {"code", "message", "field"?}}`. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';

/** The shape of every JSON error answer. */
export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().meta({
        description: 'Stable, machine-readable.',
        examples: [
          'unauthorized',
          'not_found',
          'conflict',
          'invalid_id',
          'invalid_query',
          'invalid_body',
          'invalid_json',
          'invalid_alert',
          'unknown_integration',
          'unsupported_media_type',
          'payload_too_large',
          'rate_limited',
          'unrouted',
          'not_supported',
          'unavailable',
          'internal',
        ],
      }),
      message: z.string().describe('For people; never repeats a secret.'),
      field: z
        .string()
        .optional()
        .describe('The offending field (`alerts[2].labels`, `as`, `(body)`), when there is one.'),
    }),
  })
  .meta({ id: 'Error', description: 'Every JSON error answer (SPEC section 7).' });
export type ErrorBody = z.infer<typeof errorSchema>;

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: { code, message, ...(field === undefined ? {} : { field }) } };
}

export function sendError(c: Context, e: ApiError): Response {
  for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
  return c.json(errorBody(e.code, e.message, e.field), e.status);
}

/**
 * Whether an error means Redis could not be reached or take the write (→ 503, so senders retry):
 * down, not answering in time (frozen: `commandTimeout`, RedisTimeoutError), loading, a read-only
 * replica, full at `maxmemory` under `noeviction`, or too few replicas confirmed the write
 * (HARK_REDIS_WAIT_REPLICAS).
 */
export function isRedisDown(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const text = `${e.name} ${e.message}`;
  return /Command timed out|RedisTimeoutError|Connection is closed|Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|ECONNRESET|ETIMEDOUT|MaxRetriesPerRequest|LOADING|READONLY|OOM command not allowed|not replicated|connect/i.test(
    text,
  );
}
