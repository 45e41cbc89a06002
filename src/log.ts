/** Structured logs (pino). Secrets never reach them: tokens and auth headers are redacted by path. */
import { pino, type DestinationStream, type Logger } from 'pino';
import { StartupError } from './server/startup-error.js';

export type { Logger };

/** The values LOG_LEVEL may take. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Paths pino replaces with `[redacted]` wherever a log line carries them. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  'headers["x-hark-token"]',
  'headers["x-twilio-signature"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-hark-token"]',
  '*.headers["x-twilio-signature"]',
  'routing_key',
  '*.routing_key',
  'secret',
  '*.secret',
];

/** A logger at `level` (LOG_LEVEL) writing JSON lines to stdout (or `destination`). */
export function createLogger(
  level = process.env.LOG_LEVEL || 'info',
  destination?: DestinationStream,
): Logger {
  const wanted = level.trim().toLowerCase() || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(wanted)) {
    throw new StartupError(
      `LOG_LEVEL "${level}" is not a log level; set it to one of ${LOG_LEVELS.join(', ')} (default info)`,
    );
  }
  const options = {
    level: wanted,
    base: { app: 'hark' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
