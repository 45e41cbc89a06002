/** SMS `take`, `handoff` and `oncall` (SPEC section 5), on the runtime override store. */
import type { Config } from '../config/types.js';
import { OverrideError, type OverrideStore } from '../schedules/override-store.js';
import type { ScheduleRegistry } from '../schedules/registry.js';
import { humanTime } from '../time/format.js';
import type { SmsHandoffs } from './replies.js';

export function smsHandoffs(
  store: OverrideStore,
  registry: () => ScheduleRegistry,
  config: () => Config,
): SmsHandoffs {
  const zoneOf = (schedule: string) => config().schedules.get(schedule)?.timezone ?? 'UTC';
  const until = (schedule: string, t: number) => humanTime(t, zoneOf(schedule)).slice(4);
  const refuse = (e: unknown): string => {
    if (e instanceof OverrideError) return `Not done: ${e.message}`.slice(0, 155);
    throw e;
  };

  return {
    async take(schedule, person, durationMs, now, via = 'SMS') {
      try {
        const o = await store.create({
          schedule,
          person,
          from: now.getTime(),
          to: now.getTime() + durationMs,
          createdBy: `person:${person}`,
          reason: `taken by ${via}`,
        });
        return `You are ${o.role} on call for ${schedule} until ${until(schedule, o.to)} (${o.id}).`;
      } catch (e) {
        return refuse(e);
      }
    },

    async handoff(schedule, from, to, durationMs, now, via = 'SMS') {
      const reg = registry();
      await reg.refresh();
      const view = reg.view(schedule);
      if (!view) return `Not done: unknown schedule "${schedule}".`;
      const role = view.roles.find((r) => view.holderAt(r, now.getTime()) === from);
      if (!role) return `Not done: you are not on call on ${schedule} now.`;
      try {
        const o = await store.create({
          schedule,
          role,
          person: to,
          from: now.getTime(),
          ...(durationMs === null ? {} : { to: now.getTime() + durationMs }),
          createdBy: `person:${from}`,
          reason: `handed off by ${via}`,
        });
        return `${to} is now ${role} on call for ${schedule} until ${until(schedule, o.to)} (${o.id}).`;
      } catch (e) {
        return refuse(e);
      }
    },

    async oncall(person, now) {
      const reg = registry();
      await reg.refresh();
      const t = now.getTime();
      const lines: string[] = [];
      for (const [name, schedule] of config().schedules) {
        const mine =
          schedule.rotations.some((r) => r.kind === 'own' && r.members.includes(person)) ||
          schedule.overrides.some((o) => o.person === person);
        const view = reg.view(name);
        if (!view || (!mine && !view.roles.some((r) => view.holderAt(r, t) === person))) continue;
        lines.push(`${name}: ${view.roles.map((r) => `${r} ${view.holderAt(r, t) ?? 'nobody'}`).join(', ')}`);
      }
      return lines.length === 0 ? 'You are on none of the schedules.' : lines.join('; ').slice(0, 300);
    },
  };
}
