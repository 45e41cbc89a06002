/**
 * `hark postmortem <id>`: a blameless post-mortem draft in markdown from an incident and its
 * timeline (SPEC section 3): summary, impact window, severity, responders, time to acknowledge and
 * to resolve, the full timeline, runbook, and empty sections for the people to fill in.
 */
import { actorName } from '../incidents/model.js';
import type { Incident } from '../incidents/model.js';
import { describeEvent as describe } from '../incidents/describe.js';
import { humanLength } from '../time/format.js';

const who = actorName;

export function postmortemMarkdown(i: Incident, runbookUrl: string | null): string {
  const timeline = i.timeline ?? [];
  const created = Date.parse(i.createdAt);
  const firstAck = timeline.find((e) => e.type === 'incident.acknowledged');
  const resolved = i.resolvedAt ? Date.parse(i.resolvedAt) : null;
  const alertTimes = i.alerts
    .map((a) => Date.parse(a.startsAt ?? a.receivedAt))
    .filter((t) => !Number.isNaN(t));
  const impactStart = Math.min(created, ...alertTimes);
  const responders = [
    ...new Set(
      timeline.flatMap((e) =>
        e.actor.startsWith('person:') ? [who(e.actor)] : e.type === 'page.sent' ? [e.person] : [],
      ),
    ),
  ];
  const paged = [...new Set(timeline.flatMap((e) => (e.type === 'page.sent' ? [e.person] : [])))];
  const line = (label: string, value: string) => `- **${label}:** ${value}`;
  return [
    `# Post-mortem: #${i.id} ${i.service}: ${i.title}`,
    '',
    '_Blameless: this describes what happened and what the system allowed, not who is at fault._',
    '',
    '## Summary',
    '',
    line('Incident', `#${i.id}, ${i.severity} (${i.urgency} urgency), service ${i.service}`),
    line('State', i.state),
    line('Impact window', `${new Date(impactStart).toISOString()} → ${i.resolvedAt ?? 'not resolved yet'}`),
    line(
      'Time to acknowledge',
      firstAck ? humanLength(Date.parse(firstAck.at) - created) : 'not acknowledged',
    ),
    line('Time to resolve', resolved ? humanLength(resolved - created) : 'not resolved'),
    line('Commander', i.commander ?? '-'),
    line(
      'Other roles',
      Object.entries(i.roles)
        .filter(([r]) => r !== 'commander')
        .map(([r, p]) => `${r}: ${p}`)
        .join(', ') || '-',
    ),
    line('Responders', responders.join(', ') || '-'),
    line('Paged', paged.join(', ') || 'nobody'),
    line('Escalation policy', i.escalationPolicy),
    line('Runbook', runbookUrl ?? i.runbook ?? '-'),
    line(
      'Alerts',
      `${i.alerts.length} (${i.alerts
        .map((a) => `${a.summary} [${a.status}]`)
        .slice(0, 10)
        .join('; ')}${i.alerts.length > 10 ? '; …' : ''})`,
    ),
    '',
    '## Timeline',
    '',
    '| time (UTC) | event | by | details |',
    '|---|---|---|---|',
    ...timeline.map(
      (e) => `| ${e.at} | ${e.type} | ${who(e.actor)} | ${describe(e).replace(/\|/g, '\\|')} |`,
    ),
    '',
    '## Root cause',
    '',
    '_To be written._',
    '',
    '## What went well',
    '',
    '- ',
    '',
    "## What didn't go well",
    '',
    '- ',
    '',
    '## Action items',
    '',
    '| action | owner | due date |',
    '|---|---|---|',
    '|  |  |  |',
    '',
  ].join('\n');
}
