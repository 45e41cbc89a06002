/**
 * A reason `hark serve` cannot start that the operator can fix (a port in use, Redis unreachable,
 * a bad LOG_LEVEL): the CLI prints its one-line message, which says what to do, and exits 1.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
