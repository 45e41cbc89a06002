/**
 * `hark serve [--api] [--worker]`: run Hark until SIGINT/SIGTERM. Stdout carries only the JSON log
 * lines; the banner for a person at the terminal goes to stderr.
 */
import { startServer } from '../../server/serve.js';
import type { CliEnv } from '../context.js';

export interface ServeFlags {
  readonly api?: boolean;
  readonly worker?: boolean;
  readonly quickstart?: boolean;
  readonly config?: string;
}

/** A curl that fires a test alert at the first generic (or alertmanager) integration. */
function exampleCurl(
  url: string,
  config: Awaited<ReturnType<typeof startServer>>['config'],
  showToken: boolean,
): string | null {
  const generic = config.integrations.find((i) => i.type === 'generic');
  if (!generic) return null;
  const token = showToken && generic.token ? generic.token : `<token of integration ${generic.name}>`;
  const body = JSON.stringify({
    status: 'firing',
    summary: 'Test alert from curl',
    severity: 'critical',
    labels: { team: 'payments' },
  });
  return `curl -X POST ${url}/v1/alerts/${generic.name} -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '${body}'`;
}

export async function serveCommand(flags: ServeFlags, cli: CliEnv): Promise<void> {
  const both = !flags.api && !flags.worker;
  const running = await startServer({
    configDir: flags.config ?? cli.env.HARK_CONFIG ?? '.',
    env: cli.env,
    api: both || flags.api === true,
    worker: both || flags.worker === true,
    quickstart: flags.quickstart === true,
  });
  const showToken = process.stdout.isTTY === true && cli.env.NODE_ENV !== 'production';
  if (!running.api) {
    cli.out.stderr(
      `\nHark escalation worker is running (--worker): /healthz, /readyz and /metrics on ${running.listening}\n`,
    );
  } else {
    const curl = exampleCurl(running.listening, running.config, showToken);
    const banner = [
      `\nHark is listening on ${running.listening}`,
      `Public URL (links in pages): ${running.url}`,
    ];
    const apiToken = running.config.apiTokens[0];
    if (apiToken) {
      const signIn = showToken ? apiToken.token : `an API token from hark.yaml (${apiToken.name})`;
      banner.push(`Dashboard: ${running.listening}/ (sign in with ${signIn})`);
    }
    if (curl) {
      banner.push(
        `Fire a test alert:\n  ${curl}`,
        `Then: curl -H 'Authorization: Bearer <api token>' ${running.listening}/v1/incidents`,
      );
    }
    cli.out.stderr(`${banner.join('\n')}\n`);
  }
  await new Promise<void>((res) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      cli.out.stderr(`hark: ${signal}, shutting down`);
      running.stop().then(res, res);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // SIGHUP reloads the config of this process (the result is logged; a bad config is refused).
    process.on('SIGHUP', () => {
      running.reload();
    });
  });
}
