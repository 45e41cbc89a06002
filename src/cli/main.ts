/** The `hark` command line (SPEC section 8). */
import { HARK_VERSION } from '../version.js';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, formatIssue } from '../config/errors.js';
import type { EventsFlags } from './commands/events.js';
import type { HeartbeatFlags } from './commands/heartbeats.js';
import type { ConnectFlags } from './commands/incidents.js';
import type { ImportFlags } from './commands/import.js';
import type { HandoffFlags, OverrideFlags, TakeFlags } from './commands/overrides.js';
import type { RouteFlags } from './commands/route.js';
import type { WebhookFlags } from './commands/webhooks.js';
import type { CliEnv } from './context.js';
import { CheckFailed, processOut, UsageError } from './output.js';

function program(cli: CliEnv): Command {
  const p = new Command('hark')
    .description('Hark: alerts in, the right person paged, escalation until someone acknowledges.')
    .version(HARK_VERSION)
    .showHelpAfterError('(run hark --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => cli.out.stdout(s), writeErr: (s) => cli.out.stderr(s) });
  const configOption = () =>
    new Option('-c, --config <dir>', 'config directory (default: $HARK_CONFIG or .)');

  p.command('serve')
    .description('run the HTTP server and/or the escalation workers (default both)')
    .option('--api', 'HTTP API only')
    .option('--worker', 'escalation workers only')
    .option(
      '--quickstart',
      'first run on this machine (npm start): listen on 127.0.0.1 unless HOST is set; install redis-server if REDIS_URL is unset and there is none (HARK_NO_INSTALL=1: never)',
    )
    .addOption(configOption())
    .action(async (opts: { api?: boolean; worker?: boolean; quickstart?: boolean; config?: string }) =>
      (await import('./commands/serve.js')).serveCommand(opts, cli),
    );

  p.command('validate')
    .description('check the config; warn on coverage gaps in the next 30 days')
    .argument('[dir]', 'config directory (default: $HARK_CONFIG or .)')
    .option('--json', 'errors, warnings and gaps as JSON')
    .option('--no-env', 'unset ${NAME} variables are warnings (check a config without its secrets)')
    .action(async (dir: string | undefined, opts: { json?: boolean; env?: boolean }) =>
      (await import('./commands/validate.js')).validate(dir ?? cli.env.HARK_CONFIG ?? '.', opts, cli),
    );

  p.command('who')
    .description('who holds each role now or at TIME')
    .argument('[schedule]', 'one schedule (default: all)')
    .option('--at <time>', 'ISO 8601 (local to the schedule without an offset) or now', 'now')
    .option('--json', 'output JSON')
    .addOption(configOption())
    .action(async (schedule: string | undefined, opts: { at?: string; json?: boolean; config?: string }) =>
      (await import('./commands/who.js')).who(schedule, opts, cli),
    );

  p.command('shifts')
    .description('final shifts with holder and source')
    .argument('<schedule>')
    .requiredOption('--from <time>', 'start of the range (ISO 8601 or now)')
    .requiredOption('--to <time>', 'end of the range (ISO 8601)')
    .option('--json', 'output JSON')
    .addOption(configOption())
    .action(async (schedule: string, opts: { from: string; to: string; json?: boolean; config?: string }) =>
      (await import('./commands/shifts.js')).shifts(schedule, opts, cli),
    );
  const connectOptions = (cmd: Command) =>
    cmd
      .option('--server <url>', 'talk to a running Hark instead of Redis')
      .option('--token <token>', 'API token for --server (default: $HARK_API_TOKEN)')
      .option('--json', 'output JSON')
      .addOption(configOption());

  p.command('route')
    .description('dry run: service, severity, runbook, policy, and who each step would page and when')
    .argument('<alert.json>', 'a request body as the integration would send it (- for stdin)')
    .requiredOption('--integration <name>', 'the integration it arrives on')
    .option('--at <time>', 'when it arrives (ISO 8601 or now)', 'now')
    .option('--json', 'output JSON')
    .addOption(configOption())
    .action(async (file: string, opts: RouteFlags) =>
      (await import('./commands/route.js')).routeCommand(file, opts, cli),
    );

  connectOptions(p.command('incidents').description('list incidents, newest first'))
    .option('--state <state>', 'triggered, acknowledged or resolved')
    .option('--limit <n>', 'at most this many (default 50)')
    .action(async (opts: ConnectFlags & { state?: string; limit?: string }) =>
      (await import('./commands/incidents.js')).incidentsCommand(opts, cli),
    );

  connectOptions(
    p.command('heartbeats').description('heartbeats and their state; exit 1 when one is missed'),
  ).action(async (opts: HeartbeatFlags) =>
    (await import('./commands/heartbeats.js')).heartbeatsCommand(opts, cli),
  );

  connectOptions(
    p.command('events').description('the incident event stream, oldest first; --follow to watch it live'),
  )
    .option('--after <id>', 'only events after this id (hark events --json shows ids)')
    .option('--follow', 'keep printing new events until Ctrl-C (from now, without --after)')
    .action(async (opts: EventsFlags) => (await import('./commands/events.js')).eventsCommand(opts, cli));

  connectOptions(
    p
      .command('incident')
      .description('one incident with its timeline; with ROLE PERSON, hand an incident role over')
      .argument('<id>')
      .argument('[role]', 'commander, tech-lead, comms or scribe')
      .argument('[person]'),
  )
    .option('--as <person>', 'who is handing the role over')
    .action(
      async (
        id: string,
        role: string | undefined,
        person: string | undefined,
        opts: ConnectFlags & { as?: string },
      ) => (await import('./commands/incidents.js')).incidentCommand(id, role, person, opts, cli),
    );

  for (const [name, action] of [
    ['ack', 'acknowledge'],
    ['resolve', 'resolve'],
    ['escalate', 'escalate'],
  ] as const) {
    connectOptions(p.command(name).description(`${action} an incident`).argument('<id>'))
      .option('--as <person>', 'who is acting (required without --server)')
      .action(async (id: string, opts: ConnectFlags & { as?: string }) =>
        (await import('./commands/incidents.js')).actCommand(action, id, opts, cli),
      );
  }
  connectOptions(
    p
      .command('handoff')
      .description(
        'hand a role over: PERSON holds it until the current shift ends (else 1h), or --for / --until',
      )
      .argument('<schedule>'),
  )
    .requiredOption('--to <person>', 'who takes the role')
    .option('--role <role>', 'the role (default primary)')
    .option('--for <duration>', 'how long, such as 2h')
    .option('--until <time>', 'until when (ISO 8601)')
    .option('--reason <text>', 'why, for the record')
    .option('--as <person>', 'who is making the change')
    .action(async (schedule: string, opts: HandoffFlags) =>
      (await import('./commands/overrides.js')).handoffCommand(schedule, opts, cli),
    );

  connectOptions(p.command('take').description('take a role yourself, from now').argument('<schedule>'))
    .requiredOption('--as <person>', 'who takes the role')
    .option('--role <role>', 'the role (default primary)')
    .option('--for <duration>', 'how long (default 1h)')
    .option('--reason <text>', 'why, for the record')
    .action(async (schedule: string, opts: TakeFlags) =>
      (await import('./commands/overrides.js')).takeCommand(schedule, opts, cli),
    );

  connectOptions(
    p
      .command('overrides')
      .description('list the runtime overrides of a schedule; overrides rm <id> removes one')
      .argument('<schedule>', 'a schedule, or rm')
      .argument('[id]', 'with rm: the override to remove'),
  ).action(async (first: string, id: string | undefined, opts: OverrideFlags) =>
    (await import('./commands/overrides.js')).overridesCommand(first, id, opts, cli),
  );

  connectOptions(
    p.command('postmortem').description('a blameless post-mortem draft in markdown').argument('<id>'),
  )
    .option('-o, --output <file>', 'write it to a file')
    .action(async (id: string, opts: { output?: string; server?: string; token?: string; config?: string }) =>
      (await import('./commands/postmortem.js')).postmortemCommand(id, opts, cli),
    );

  connectOptions(
    p
      .command('webhooks')
      .description(
        'outgoing webhooks and their last outcomes; deliveries <name>, test <name> (a signed test event), secret (a new one)',
      )
      .argument('[action]', 'deliveries, test or secret')
      .argument('[name]', 'the webhook'),
  ).action(async (action: string | undefined, name: string | undefined, opts: WebhookFlags) =>
    (await import('./commands/webhooks.js')).webhooksCommand(action, name, opts, cli),
  );

  p.command('feed-url')
    .description("the iCal subscribe URL of a schedule's or a person's shifts (token included)")
    .argument('<kind>', 'schedule or person')
    .argument('<name>')
    .option('--json', 'output JSON')
    .addOption(configOption())
    .action(async (kind: string, name: string, opts: { json?: boolean; config?: string }) =>
      (await import('./commands/feed-url.js')).feedUrlCommand(kind, name, opts, cli),
    );

  p.command('import')
    .description('turn an Opsgenie, PagerDuty or Grafana OnCall API export into Hark config files')
    .argument('[vendor]', 'opsgenie, pagerduty or grafana-oncall')
    .option(
      '--from <path>',
      'the directory of saved API responses, or one bundle .json file (docs/migrating.md)',
    )
    .option('--out <dir>', 'the config directory to write (default: $HARK_CONFIG or .)')
    .option(
      '--verify',
      "compare Hark's shifts with the vendor's rendered final schedule; exit 1 on any difference",
    )
    .option('--force', 'overwrite files that were not written by hark import')
    .option('--json', 'output JSON')
    .action(async (vendor: string | undefined, opts: ImportFlags) =>
      (await import('./commands/import.js')).importCommand(vendor, opts, cli),
    );

  p.command('page-test')
    .description('send a test page')
    .argument('<person>')
    .requiredOption('--channel <channel>', 'sms, voice or email')
    .addOption(configOption())
    .action(async (person: string, opts: { channel: string; config?: string }) =>
      (await import('./commands/page-test.js')).pageTestCommand(person, opts, cli),
    );
  return p;
}

/** Runs the CLI and returns its exit code: 0 success, 1 failed check, 2 usage error. */
export async function run(argv: readonly string[], cli: CliEnv): Promise<number> {
  try {
    await program(cli).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0
        ? 0
        : 2;
    }
    if (e instanceof UsageError) {
      cli.out.stderr(`hark: ${e.message}`);
      return 2;
    }
    if (e instanceof CheckFailed) {
      cli.out.stderr(e.message);
      return 1;
    }
    if (
      e instanceof Error &&
      ['RedisMissingError', 'RedisConfigError', 'ExampleTokenError', 'StartupError'].includes(e.name)
    ) {
      cli.out.stderr(`hark: ${e.message}`);
      return 1;
    }
    if (e instanceof ConfigError) {
      for (const issue of e.issues) cli.out.stderr(formatIssue(issue));
      cli.out.stderr(
        `hark: the config has ${e.issues.length} error${e.issues.length === 1 ? '' : 's'}; run hark validate`,
      );
      return 1;
    }
    throw e;
  }
}

export function main(): void {
  run(process.argv.slice(2), { env: process.env, out: processOut, now: () => Date.now() }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `hark: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
