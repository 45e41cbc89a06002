/** `hark incidents`, `hark incident <id>`, `hark ack|resolve <id> --as PERSON`. */
import { describeEvent } from '../../incidents/describe.js';
import { actorName } from '../../incidents/model.js';
import { INCIDENT_ROLES, type Incident, type IncidentRole } from '../../incidents/model.js';
import { configDir, load, type CliEnv } from '../context.js';
import { connectIncidents, parseState, type IncidentClient } from '../incident-client.js';
import { CheckFailed, json, table, UsageError } from '../output.js';

export interface ConnectFlags {
  readonly server?: string;
  readonly token?: string;
  readonly config?: string;
  readonly json?: boolean;
}

async function withClient<T>(
  flags: ConnectFlags,
  cli: CliEnv,
  fn: (c: IncidentClient) => Promise<T>,
): Promise<T> {
  const config = load(configDir(cli.env, flags.config), cli);
  const client = await connectIncidents({
    server: flags.server,
    token: flags.token,
    env: cli.env,
    config,
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function incidentId(text: string): number {
  const id = Number(text.replace(/^#/, ''));
  if (!Number.isInteger(id) || id < 1)
    throw new UsageError(`invalid incident id "${text}": use a number such as 42`);
  return id;
}

const who = (actor: string | null) => (actor ? actorName(actor) : '-');

export async function incidentsCommand(
  flags: ConnectFlags & { state?: string; limit?: string },
  cli: CliEnv,
): Promise<void> {
  const state = parseState(flags.state);
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 500)) {
    throw new UsageError('--limit must be a whole number from 1 to 500');
  }
  const list = await withClient(flags, cli, (c) => c.list({ state, limit }));
  if (flags.json) return cli.out.stdout(json(list));
  cli.out.stdout(
    table(
      ['ID', 'STATE', 'SEVERITY', 'SERVICE', 'ALERTS', 'CREATED', 'ACK BY', 'TITLE'],
      list.map((i) => [
        `#${i.id}`,
        i.state,
        i.severity,
        i.service,
        String(i.alerts.length),
        i.createdAt.replace('T', ' ').slice(0, 16),
        who(i.acknowledgedBy),
        i.title,
      ]),
    ),
  );
}

function describe(i: Incident): string {
  const lines = [
    `#${i.id} ${i.severity} ${i.service}: ${i.title}`,
    `state:      ${i.state}${i.acknowledgedBy ? ` (acknowledged by ${who(i.acknowledgedBy)} at ${i.acknowledgedAt})` : ''}${i.resolvedBy ? ` (resolved by ${who(i.resolvedBy)} at ${i.resolvedAt})` : ''}`,
    `key:        ${i.key}`,
    `urgency:    ${i.urgency}    policy: ${i.escalationPolicy}    runbook: ${i.runbook ?? '-'}`,
    `created:    ${i.createdAt}`,
    `commander:  ${i.commander ?? '-'}${Object.entries(i.roles)
      .filter(([r]) => r !== 'commander')
      .map(([r, p]) => `    ${r}: ${p}`)
      .join('')}`,
    '',
    `alerts (${i.alerts.length}):`,
    ...i.alerts.map((a) => `  ${a.status.padEnd(8)} ${a.id}  ${a.summary}`),
    '',
    'timeline:',
    ...(i.timeline ?? []).map((e) => {
      // step rows name who the step paged, page rows the person and channel (describeEvent)
      const detail =
        e.type === 'role.assigned' ? `${String(e.role)} → ${String(e.person)}` : describeEvent(e);
      return `  ${e.at}  ${e.type.padEnd(24)} ${who(e.actor).padEnd(12)} ${detail}`.trimEnd();
    }),
  ];
  return `${lines.join('\n')}\n`;
}

export async function incidentCommand(
  idText: string,
  role: string | undefined,
  person: string | undefined,
  flags: ConnectFlags & { as?: string },
  cli: CliEnv,
): Promise<void> {
  const id = incidentId(idText);
  if (role !== undefined) {
    if (!(INCIDENT_ROLES as readonly string[]).includes(role)) {
      throw new UsageError(`invalid role "${role}": use ${INCIDENT_ROLES.join(', ')}`);
    }
    if (person === undefined) throw new UsageError(`hark incident ${id} ${role} needs a person`);
    const updated = await withClient(flags, cli, (c) =>
      c.assignRole(id, role as IncidentRole, person, flags.as ?? null),
    );
    cli.out.stdout(
      flags.json
        ? json(updated)
        : `${person} is now ${role} of #${updated.id} ${updated.service}: ${updated.title}\n`,
    );
    return;
  }
  const incident = await withClient(flags, cli, (c) => c.get(id));
  if (!incident) throw new CheckFailed(`hark: there is no incident #${id}`);
  cli.out.stdout(flags.json ? json(incident) : describe(incident));
}

export async function actCommand(
  action: 'acknowledge' | 'resolve' | 'escalate',
  idText: string,
  flags: ConnectFlags & { as?: string },
  cli: CliEnv,
): Promise<void> {
  const id = incidentId(idText);
  const incident = await withClient(flags, cli, (c) => c.act(id, action, flags.as ?? null));
  if (flags.json) return cli.out.stdout(json(incident));
  const done = { acknowledge: 'Acknowledged', resolve: 'Resolved', escalate: 'Escalated' }[action];
  cli.out.stdout(`${done} #${incident.id} ${incident.service}: ${incident.title}\n`);
}
