/** Runs the `hark` CLI in-process (`run` of src/cli/main.ts) and captures what it writes. */
import { run } from '../../src/cli/main.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env: NodeJS.ProcessEnv;
  /** The CLI's clock; default: the real one. */
  readonly now?: () => number;
  /** End every write with a newline (messages are written without one), for line-based checks. */
  readonly lines?: boolean;
}

export async function runCli(argv: readonly string[], opts: CliOptions): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const end = (t: string) => (opts.lines && !t.endsWith('\n') ? `${t}\n` : t);
  const code = await run(argv, {
    env: opts.env,
    out: { stdout: (t) => (stdout += end(t)), stderr: (t) => (stderr += end(t)) },
    now: opts.now ?? (() => Date.now()),
  });
  return { code, stdout, stderr };
}
