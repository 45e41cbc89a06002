/** Structured logs (pino). Secrets never reach them: tokens and auth headers are redacted by path. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { app: 'hark' },
    redact: {
      paths: [
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        'routing_key',
        '*.routing_key',
      ],
      censor: '[redacted]',
    },
  });
}
