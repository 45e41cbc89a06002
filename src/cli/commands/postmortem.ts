/** `hark postmortem <id> [-o file.md]`: a blameless post-mortem draft from the incident's timeline. */
import { writeFileSync } from 'node:fs';
import { runbookLink } from '../../incidents/model.js';
import { postmortemMarkdown } from '../../postmortem/draft.js';
import { CheckFailed, UsageError } from '../output.js';
import { configDir, load, type CliEnv } from '../context.js';
import { connectIncidents } from '../incident-client.js';

export async function postmortemCommand(
  idText: string,
  flags: { output?: string; server?: string; token?: string; config?: string },
  cli: CliEnv,
): Promise<void> {
  const id = Number(idText.replace(/^#/, ''));
  if (!Number.isInteger(id) || id < 1)
    throw new UsageError(`invalid incident id "${idText}": use a number such as 42`);
  const config = load(configDir(cli.env, flags.config), cli);
  const client = await connectIncidents({ server: flags.server, token: flags.token, env: cli.env, config });
  try {
    const incident = await client.get(id);
    if (!incident) throw new CheckFailed(`hark: there is no incident #${id}`);
    const base = (cli.env.HARK_PUBLIC_URL || config.settings.publicUrl || '').replace(/\/+$/, '');
    // Without a public URL a local runbook is named, not linked.
    const runbook = base ? runbookLink(incident.runbook, base) : incident.runbook;
    const markdown = postmortemMarkdown(incident, runbook);
    if (flags.output) {
      writeFileSync(flags.output, markdown);
      cli.out.stdout(`wrote ${flags.output}\n`);
    } else cli.out.stdout(markdown);
  } finally {
    await client.close();
  }
}
