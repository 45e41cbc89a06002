/** Role notices: a person told they now hold an incident role (commander, comms, ...). */
import type { Job } from 'bullmq';
import type { JobContext } from './context.js';
import type { RoleNoticeJob } from './kinds.js';

export function roleNoticeJobId(j: Omit<RoleNoticeJob, 'kind'>): string {
  return `role-${j.incident}-${j.role}-${j.person}-${Date.parse(j.at)}`;
}

export async function handleRoleNotice(job: Job<RoleNoticeJob>, ctx: JobContext): Promise<void> {
  const data = job.data;
  const incident = await ctx.deps.store.get(data.incident, false);
  // Handed on again meanwhile: the new holder has a notice of their own.
  if (!incident || incident.roles[data.role as keyof typeof incident.roles] !== data.person) return;
  await ctx.sender.sendNotice(
    data.person,
    `You are now ${data.role} of #${incident.id} ${incident.service}: ${incident.title}`.slice(0, 160),
    `role:${data.incident}:${data.role}:${data.person}:${data.at}`,
  );
}
