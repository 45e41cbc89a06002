/**
 * Opsgenie REST API v2 export → Hark (docs/migrating.md lists the requests):
 *
 *   users.json                               GET /v2/users
 *   users/<id>.json                          GET /v2/users/<id>?expand=contact            (optional)
 *   users/<id>/notification-rules/<rid>.json GET /v2/users/<id>/notification-rules/<rid> (optional)
 *   schedules.json                           GET /v2/schedules?expand=rotation
 *   schedules/<id>/timeline.json             GET /v2/schedules/<id>/timeline?…            (optional)
 *   schedules/<id>/overrides.json            GET /v2/schedules/<id>/overrides             (optional)
 *   escalations.json                         GET /v2/escalations
 *   teams.json, teams/<id>.json              GET /v2/teams, GET /v2/teams/<id>            (optional)
 *   teams/<id>/routing-rules.json            GET /v2/teams/<id>/routing-rules             (optional)
 *   integrations.json                        GET /v2/integrations                         (optional)
 *
 * Opsgenie puts everyone on call in any rotation of a schedule on call at once, so each rotation
 * of a schedule with several is a role of its own (named after the rotation) and "notify the
 * schedule" pages every role. Time restrictions become coverage windows. Escalation rule delays
 * count from the alert; Hark's escalate_after counts from the step before.
 */
import { z } from 'zod';
import { TimeZone } from '../time/local.js';
import { finalize } from './finalize.js';
import type { Bundle } from './input.js';
import { id, InputError, instant } from './input.js';
import { envName, NameSpace } from './names.js';
import { e164, tidyRules, zoneOrNull } from './people.js';
import {
  describe,
  Report,
  type EnvNeed,
  type ImportPlan,
  type PlannedIntegration,
  type PlannedNotifyRule,
  type PlannedOverride,
  type PlannedPerson,
  type PlannedPolicy,
  type PlannedRotation,
  type PlannedSchedule,
  type PlannedService,
  type PlannedStep,
  type PlannedTarget,
  type RenderedSchedule,
} from './plan.js';
import { localOf, turnRule, WEEK, windowsFor, type WeekSpan } from './shape.js';
import { DAY, HOUR, MINUTE } from '../time/local.js';

// ------------------------------------------------------------------------------------ schemas

const recipient = z.object({
  type: z.string(),
  id: id.optional(),
  name: z.string().nullish(),
  username: z.string().nullish(),
});

const contact = z.object({
  id: id.optional(),
  to: z.string(),
  contactMethod: z.string(),
  enabled: z.boolean().optional(),
});

const user = z.object({
  id,
  username: z.string(),
  fullName: z.string().nullish(),
  timeZone: z.string().nullish(),
  blocked: z.boolean().optional(),
  userContacts: z.array(contact).optional(),
});
const usersPage = z.object({ data: z.array(user) });
const userResponse = z.object({ data: user });

const duration = z.object({ timeAmount: z.number().min(0), timeUnit: z.string().optional() });

const notificationRule = z.object({
  data: z.object({
    id,
    name: z.string().nullish(),
    actionType: z.string(),
    enabled: z.boolean().optional(),
    order: z.number().optional(),
    criteria: z.object({ type: z.string() }).nullish(),
    steps: z
      .array(
        z.object({
          contact: z.object({ method: z.string(), to: z.string() }),
          sendAfter: duration.nullish(),
          enabled: z.boolean().optional(),
        }),
      )
      .nullish(),
  }),
});

const weekday = z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);
const hourMin = { startHour: z.number().int().min(0).max(24), startMin: z.number().int().min(0).max(59) };
const endHourMin = { endHour: z.number().int().min(0).max(24), endMin: z.number().int().min(0).max(59) };
const timeRestriction = z.union([
  z.object({
    type: z.literal('time-of-day'),
    restriction: z.object({ ...hourMin, ...endHourMin }),
  }),
  z.object({
    type: z.literal('weekday-and-time-of-day'),
    restrictions: z.array(z.object({ startDay: weekday, ...hourMin, endDay: weekday, ...endHourMin })),
  }),
]);

const rotation = z.object({
  id,
  name: z.string().nullish(),
  startDate: instant,
  endDate: instant.nullish(),
  type: z.enum(['daily', 'weekly', 'hourly']),
  length: z.number().int().positive().nullish(),
  participants: z.array(recipient),
  timeRestriction: timeRestriction.nullish(),
});

const schedule = z.object({
  id,
  name: z.string(),
  timezone: z.string().nullish(),
  enabled: z.boolean().optional(),
  ownerTeam: z.object({ id: id.optional(), name: z.string().optional() }).nullish(),
  rotations: z.array(rotation).optional(),
});
const schedulesPage = z.object({ data: z.array(schedule) });

const timeline = z.object({
  data: z.object({
    startDate: instant,
    endDate: instant,
    finalTimeline: z.object({
      rotations: z
        .array(
          z.object({
            id: id.optional(),
            name: z.string().nullish(),
            periods: z
              .array(
                z.object({ startDate: instant, endDate: instant, type: z.string().optional(), recipient }),
              )
              .nullish(),
          }),
        )
        .nullish(),
    }),
  }),
});

const overrides = z.object({
  data: z.array(
    z.object({
      alias: z.string(),
      user: recipient,
      startDate: instant,
      endDate: instant,
      rotations: z.array(z.object({ id: id.optional(), name: z.string().nullish() })).nullish(),
    }),
  ),
});

const escalation = z.object({
  id,
  name: z.string(),
  ownerTeam: z.object({ id: id.optional(), name: z.string().optional() }).nullish(),
  rules: z.array(
    z.object({
      condition: z.string().optional(),
      notifyType: z.string().optional(),
      delay: duration,
      recipient,
    }),
  ),
  repeat: z
    .object({
      waitInterval: z.number().int().min(0).nullish(),
      count: z.number().int().min(0).nullish(),
      resetRecipientStates: z.boolean().nullish(),
      closeAlertAfterAll: z.boolean().nullish(),
    })
    .nullish(),
});
const escalationsPage = z.object({ data: z.array(escalation) });

const team = z.object({
  id,
  name: z.string(),
  members: z
    .array(
      z.object({
        user: z.object({ id: id.optional(), username: z.string().optional() }),
        role: z.string().optional(),
      }),
    )
    .nullish(),
});
const teamsPage = z.object({ data: z.array(team) });
const teamResponse = z.object({ data: team });
const routingRules = z.object({
  data: z.array(
    z.object({
      id,
      name: z.string().nullish(),
      isDefault: z.boolean().optional(),
      order: z.number().optional(),
      criteria: z.object({ type: z.string() }).nullish(),
      notify: z.object({ type: z.string(), id: id.optional(), name: z.string().nullish() }),
    }),
  ),
});
const integrationsPage = z.object({
  data: z.array(
    z.object({
      id,
      name: z.string(),
      enabled: z.boolean().optional(),
      type: z.string(),
      teamId: id.nullish(),
    }),
  ),
});

type User = z.output<typeof user>;
type Schedule = z.output<typeof schedule>;
type Rotation = z.output<typeof rotation>;

const API = 'https://api.opsgenie.com';

// ------------------------------------------------------------------------------------ import

export function planOpsgenie(bundle: Bundle): ImportPlan {
  const report = new Report();
  const need = <T>(v: T | undefined, key: string, how: string): T => {
    if (v === undefined)
      throw new InputError(`missing ${key}.json: save it with curl "${API}${how}" (see docs/migrating.md)`);
    return v;
  };
  const users = need(
    bundle.pages('users', usersPage, (p) => p.data),
    'users',
    '/v2/users?limit=500',
  );
  const schedules = need(
    bundle.pages('schedules', schedulesPage, (p) => p.data),
    'schedules',
    '/v2/schedules?expand=rotation',
  );
  const escalations = need(
    bundle.pages('escalations', escalationsPage, (p) => p.data),
    'escalations',
    '/v2/escalations',
  );
  const teams = (bundle.pages('teams', teamsPage, (p) => p.data) ?? []).map(
    (t) => bundle.parse(`teams/${t.id}`, teamResponse)?.data ?? t,
  );
  for (const key of bundle.keys('teams/*')) {
    const t = bundle.parse(key, teamResponse)!.data;
    if (!teams.some((x) => x.id === t.id)) teams.push(t);
  }

  // People
  const names = new NameSpace();
  const personOf = new Map<string, string>();
  const labelOf = new Map<string, string>();
  const people: PlannedPerson[] = [];
  for (const u0 of users) {
    if (personOf.has(u0.id)) continue;
    const u = bundle.parse(`users/${u0.id}`, userResponse)?.data ?? u0;
    const name = names.take(u.fullName ?? '', u.username.split('@')[0] ?? `user-${u.id}`);
    personOf.set(u.id, name);
    personOf.set(`username:${u.username.toLowerCase()}`, name);
    labelOf.set(u.id, u.username);
    const rules = bundle
      .keys(`users/${u.id}/notification-rules/*`)
      .map((k) => bundle.parse(k, notificationRule)!.data);
    people.push(planPerson(u, name, bundle.has(`users/${u.id}`), rules, report));
  }
  const personFor = (r: z.output<typeof recipient>) =>
    (r.id !== undefined ? personOf.get(r.id) : undefined) ??
    (r.username ? personOf.get(`username:${r.username.toLowerCase()}`) : undefined) ??
    (r.name ? personOf.get(`username:${r.name.toLowerCase()}`) : undefined);
  const labelFor = (r: z.output<typeof recipient>) =>
    `"${r.username ?? r.name ?? (r.id !== undefined ? labelOf.get(r.id) : undefined) ?? r.id ?? r.type}"`;

  // Schedules
  const scheduleNames = new NameSpace();
  const plannedSchedules: PlannedSchedule[] = [];
  const rendered: RenderedSchedule[] = [];
  const scheduleOf = new Map<string, PlannedSchedule>();
  const scheduleByName = new Map<string, string>();
  for (const s of schedules) {
    const name = scheduleNames.take(s.name, `schedule-${s.id}`);
    scheduleByName.set(s.name.toLowerCase(), s.id);
    const ov = bundle.parse(`schedules/${s.id}/overrides`, overrides)?.data ?? [];
    const planned = planSchedule(s, name, ov, personFor, labelFor, report);
    if (!planned) continue;
    plannedSchedules.push(planned.schedule);
    scheduleOf.set(s.id, planned.schedule);
    const tl = bundle.parse(`schedules/${s.id}/timeline`, timeline);
    if (tl) {
      rendered.push(
        ...renderedOf(
          tl.data,
          planned.schedule,
          planned.roleOf,
          bundle.origin(`schedules/${s.id}/timeline`),
          personFor,
          labelFor,
        ),
      );
    }
  }

  // Escalations
  const policyNames = new NameSpace();
  const policies: PlannedPolicy[] = [];
  const policyOf = new Map<string, string>();
  const teamById = new Map(teams.map((t) => [t.id, t]));
  for (const e of escalations) {
    const name = policyNames.take(e.name, `escalation-${e.id}`);
    policyOf.set(e.id, name);
    policies.push(
      planEscalation(
        e,
        name,
        personFor,
        (r) => {
          const sid = r.id ?? (r.name ? scheduleByName.get(r.name.toLowerCase()) : undefined);
          return sid === undefined ? undefined : scheduleOf.get(sid);
        },
        teamById,
        report,
      ),
    );
  }

  // Services from team routing
  const env: EnvNeed[] = [];
  const services = planServices(
    bundle,
    teams,
    escalations,
    policyOf,
    scheduleOf,
    policies,
    policyNames,
    report,
  );
  const integrations = planIntegrations(
    bundle.pages('integrations', integrationsPage, (p) => p.data) ?? [],
    env,
    report,
  );

  return {
    ...finalize(
      {
        vendor: 'opsgenie',
        people,
        schedules: plannedSchedules,
        policies,
        services,
        integrations,
        env,
        rendered,
        read: [
          ['users', users.length],
          ['schedules', schedules.length],
          ['escalations', escalations.length],
          ['teams', teams.length],
        ],
      },
      report,
    ),
    report: report.entries,
  };
}

// ------------------------------------------------------------------------------------ people

function minutesOfDuration(d: z.output<typeof duration> | null | undefined): number | null {
  if (!d) return 0;
  const unit = (d.timeUnit ?? 'minutes').toLowerCase();
  const ms =
    unit === 'days'
      ? d.timeAmount * DAY
      : unit === 'hours'
        ? d.timeAmount * HOUR
        : unit === 'minutes'
          ? d.timeAmount * MINUTE
          : unit === 'seconds'
            ? d.timeAmount * 1000
            : null;
  if (ms === null) return null;
  return ms / MINUTE;
}

function planPerson(
  u: User,
  name: string,
  detailed: boolean,
  rules: readonly z.output<typeof notificationRule>['data'][],
  report: Report,
): PlannedPerson {
  const what = describe('user', u.fullName ?? u.username, u.id);
  const channels: { sms?: string; voice?: string; email?: string } = {};
  if (!detailed && u.userContacts === undefined) {
    report.approx(
      what,
      `contacts not exported (save users/${u.id}.json with ?expand=contact): only the login email is used`,
    );
  }
  for (const c of u.userContacts ?? []) {
    const method = c.contactMethod.toLowerCase();
    if (c.enabled === false) {
      report.skip(what, `${method} contact ${c.to}: disabled in Opsgenie`);
      continue;
    }
    if (method === 'sms' || method === 'voice') {
      const number = e164(undefined, c.to);
      if (!number) report.skip(what, `${method} contact: "${c.to}" is not a phone number`);
      else if (channels[method] === undefined) channels[method] = number;
      else if (channels[method] !== number)
        report.approx(
          what,
          `${method} contact ${c.to}: Hark keeps one ${method} number per person (${channels[method]})`,
        );
    } else if (method === 'email') {
      if (channels.email === undefined) channels.email = c.to;
      else if (channels.email !== c.to)
        report.approx(
          what,
          `email contact ${c.to}: Hark keeps one email address per person (${channels.email})`,
        );
    } else {
      report.skip(what, `${method} contact: Hark pages by sms, voice and email only`);
    }
  }
  if (channels.email === undefined && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(u.username))
    channels.email = u.username;
  let high: PlannedNotifyRule[] | undefined;
  const active = [...rules]
    .filter((r) => r.actionType === 'create-alert' && r.enabled !== false)
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  for (const r of rules) {
    if (!active.includes(r))
      report.skip(
        what,
        `notification rule "${r.name ?? r.id}" (${r.actionType}${r.enabled === false ? ', disabled' : ''}): Hark notifies when an incident opens`,
      );
  }
  const rule = active[0];
  for (const r of active.slice(1)) {
    report.skip(
      what,
      `notification rule "${r.name ?? r.id}": Hark has one set of rules per urgency; "${rule!.name ?? rule!.id}" is used`,
    );
  }
  if (rule) {
    if (rule.criteria && rule.criteria.type !== 'match-all') {
      report.approx(
        what,
        `notification rule "${rule.name ?? rule.id}" has conditions (${rule.criteria.type}): Hark uses it for every high-urgency incident`,
      );
    }
    const mapped: PlannedNotifyRule[] = [];
    for (const step of rule.steps ?? []) {
      if (step.enabled === false) continue;
      const method = step.contact.method.toLowerCase();
      const after = minutesOfDuration(step.sendAfter);
      if (method !== 'sms' && method !== 'voice' && method !== 'email') {
        report.skip(
          what,
          `notification rule "${rule.name ?? rule.id}": ${method} step: Hark pages by sms, voice and email only`,
        );
        continue;
      }
      if (channels[method] === undefined) {
        report.skip(
          what,
          `notification rule "${rule.name ?? rule.id}": ${method} step, but no ${method} contact was exported`,
        );
        continue;
      }
      if (after === null || !Number.isInteger(after)) {
        report.approx(
          what,
          `notification rule "${rule.name ?? rule.id}": ${method} step delay rounded up to whole minutes`,
        );
      }
      mapped.push({ channel: method, afterMinutes: Math.ceil(after ?? 0) });
    }
    if (mapped.length > 0) high = tidyRules(mapped);
  }
  const timezone = zoneOrNull(u.timeZone);
  if (u.timeZone && !timezone) report.skip(what, `time zone "${u.timeZone}" is not an IANA zone name`);
  if (u.blocked) report.approx(what, 'blocked in Opsgenie: imported as an ordinary person');
  return {
    name,
    source: { id: u.id, what: 'user', name: u.fullName ?? u.username },
    ...(u.fullName ? { displayName: u.fullName } : {}),
    ...(timezone ? { timezone } : {}),
    ...channels,
    ...(high ? { notify: { high } } : {}),
  };
}

// ------------------------------------------------------------------------------------ schedules

const DAY_INDEX: Record<z.output<typeof weekday>, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

const UNIT: Record<Rotation['type'], number> = { hourly: HOUR, daily: DAY, weekly: WEEK };

function planSchedule(
  s: Schedule,
  name: string,
  ov: z.output<typeof overrides>['data'],
  personFor: (r: z.output<typeof recipient>) => string | undefined,
  labelFor: (r: z.output<typeof recipient>) => string,
  report: Report,
): { schedule: PlannedSchedule; roleOf: Map<string, string> } | null {
  const what = describe('schedule', s.name, s.id);
  if (s.enabled === false) {
    report.skip(what, 'it is disabled in Opsgenie');
    return null;
  }
  if (s.rotations === undefined) {
    report.skip(what, 'its rotations are not in schedules.json: save it with ?expand=rotation');
    return null;
  }
  const zoneName = zoneOrNull(s.timezone ?? 'UTC');
  if (!zoneName) {
    report.skip(what, `time zone "${s.timezone}" is not an IANA zone name`);
    return null;
  }
  const zone = new TimeZone(zoneName);
  const roleNames = new NameSpace();
  const rotationNames = new NameSpace();
  const roleOf = new Map<string, string>();
  const rotations: PlannedRotation[] = [];
  for (const r of s.rotations) {
    const label = r.name ?? r.id;
    const role = s.rotations.length === 1 ? 'primary' : roleNames.take(label, `rotation-${r.id}`);
    roleOf.set(r.id, role);
    if (r.name) roleOf.set(`name:${r.name}`, role);
    const planned = planRotation(
      r,
      role,
      rotationNames.take(label, `rotation-${r.id}`),
      s,
      zone,
      personFor,
      labelFor,
      report,
    );
    if (planned) rotations.push(planned);
  }
  const planned: PlannedOverride[] = [];
  for (const o of [...ov].sort((a, b) => a.startDate - b.startDate || a.alias.localeCompare(b.alias))) {
    const ow = `${describe('override', undefined, o.alias)} of schedule "${s.name}"`;
    const person = o.user.type === 'user' ? personFor(o.user) : undefined;
    if (!person) {
      report.skip(ow, `its ${o.user.type} ${labelFor(o.user)} is not a user in users.json`);
      continue;
    }
    const from = localOf(zone, o.startDate);
    const to = localOf(zone, o.endDate);
    if (!from.exact || !to.exact) {
      report.approx(
        ow,
        `it starts or ends in the repeated hour after clocks go back in ${zoneName}; Hark reads that local time as its first occurrence`,
      );
    }
    const roles =
      o.rotations && o.rotations.length > 0
        ? o.rotations.flatMap((x) => {
            const role =
              (x.id !== undefined ? roleOf.get(x.id) : undefined) ??
              (x.name ? roleOf.get(`name:${x.name}`) : undefined);
            if (role === undefined) report.skip(ow, `rotation ${x.name ?? x.id} is not in the schedule`);
            return role === undefined ? [] : [role];
          })
        : [...new Set(roleOf.values())];
    for (const role of roles) {
      planned.push({
        role,
        person,
        from: from.local,
        to: to.local,
        source: { id: o.alias, what: 'override' },
      });
    }
  }
  return {
    schedule: {
      name,
      source: { id: s.id, what: 'schedule', name: s.name },
      timezone: zoneName,
      rotations,
      overrides: planned,
      roles: [...new Set(s.rotations.map((r) => roleOf.get(r.id)!))],
    },
    roleOf,
  };
}

function planRotation(
  r: Rotation,
  role: string,
  name: string,
  s: Schedule,
  zone: TimeZone,
  personFor: (r: z.output<typeof recipient>) => string | undefined,
  labelFor: (r: z.output<typeof recipient>) => string,
  report: Report,
): PlannedRotation | null {
  const what = `${describe('rotation', r.name ?? undefined, r.id)} of schedule "${s.name}"`;
  const members: string[] = [];
  for (const p of r.participants) {
    if (p.type !== 'user') {
      report.skip(
        what,
        p.type === 'none'
          ? 'it has a "none" participant (a turn with nobody on call): Hark rotations hand off between people only'
          : `participant ${labelFor(p)} is a ${p.type}: Hark rotations are of people`,
      );
      return null;
    }
    const person = personFor(p);
    if (!person) {
      report.skip(what, `participant ${labelFor(p)} is not in users.json`);
      return null;
    }
    members.push(person);
  }
  if (members.length === 0) {
    report.skip(what, 'it has no participants');
    return null;
  }
  const turn = (r.length ?? 1) * UNIT[r.type];
  const rule = turnRule(turn)!;
  let coverage = null;
  const tr = r.timeRestriction;
  if (tr) {
    const spans: WeekSpan[] = [];
    if (tr.type === 'time-of-day') {
      const from = tr.restriction.startHour * 60 + tr.restriction.startMin;
      const to = tr.restriction.endHour * 60 + tr.restriction.endMin;
      const minutes = (((to - from) % 1440) + 1440) % 1440 || 1440;
      for (let d = 0; d < 7; d++) spans.push({ day: d, from, minutes });
    } else {
      for (const x of tr.restrictions) {
        const from = DAY_INDEX[x.startDay] * 1440 + x.startHour * 60 + x.startMin;
        const to = DAY_INDEX[x.endDay] * 1440 + x.endHour * 60 + x.endMin;
        const minutes = (((to - from) % 10080) + 10080) % 10080 || 10080;
        spans.push({ day: Math.floor(from / 1440) % 7, from: from % 1440, minutes });
      }
    }
    coverage = windowsFor(spans);
  }
  const start = localOf(zone, r.startDate);
  if (!start.exact || (r.endDate != null && !localOf(zone, r.endDate).exact)) {
    report.approx(
      what,
      `it starts or ends in the repeated hour after clocks go back in ${zone.name}; Hark reads that local time as its first occurrence`,
    );
  }
  const end = r.endDate == null ? null : localOf(zone, r.endDate).local;
  if (end !== null && end <= start.local) {
    report.skip(what, 'it ends before it starts');
    return null;
  }
  const dayNote =
    tr?.type === 'weekday-and-time-of-day'
      ? `time restrictions ${tr.restrictions.map((x) => `${x.startDay.slice(0, 3)} ${hm(x.startHour, x.startMin)}–${x.endDay.slice(0, 3)} ${hm(x.endHour, x.endMin)}`).join(', ')}`
      : undefined;
  return {
    name,
    source: { id: r.id, what: 'rotation', name: r.name ?? undefined },
    role,
    members,
    start: start.local,
    handoff: members.length > 1 ? rule : null,
    end,
    coverage,
    ...(dayNote ? { note: dayNote } : {}),
  };
}

function hm(h: number, m: number): string {
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

function renderedOf(
  tl: z.output<typeof timeline>['data'],
  s: PlannedSchedule,
  roleOf: ReadonlyMap<string, string>,
  origin: string,
  personFor: (r: z.output<typeof recipient>) => string | undefined,
  labelFor: (r: z.output<typeof recipient>) => string,
): RenderedSchedule[] {
  return (tl.finalTimeline.rotations ?? []).map((r) => ({
    schedule: s.name,
    role:
      (r.id !== undefined ? roleOf.get(r.id) : undefined) ??
      (r.name ? roleOf.get(`name:${r.name}`) : undefined) ??
      `rotation ${r.name ?? r.id}`,
    from: tl.startDate,
    to: tl.endDate,
    origin: `${origin} finalTimeline rotation "${r.name ?? r.id}"`,
    entries: (r.periods ?? []).flatMap((p) =>
      p.recipient.type === 'none'
        ? []
        : [{ start: p.startDate, end: p.endDate, who: personFor(p.recipient) ?? labelFor(p.recipient) }],
    ),
  }));
}

// ------------------------------------------------------------------------------------ escalations

function planEscalation(
  e: z.output<typeof escalation>,
  name: string,
  personFor: (r: z.output<typeof recipient>) => string | undefined,
  scheduleFor: (r: z.output<typeof recipient>) => PlannedSchedule | undefined,
  teams: ReadonlyMap<string, z.output<typeof team>>,
  report: Report,
): PlannedPolicy {
  const what = describe('escalation', e.name, e.id);
  const groups = new Map<number, PlannedTarget[]>();
  e.rules.forEach((rule, i) => {
    const at = `rule ${i + 1}`;
    let delay = minutesOfDuration(rule.delay);
    if (delay === null || !Number.isInteger(delay)) {
      report.approx(what, `${at}: its delay is rounded up to whole minutes`);
      delay = Math.ceil(delay ?? 0);
    }
    if (rule.condition === 'if-not-closed') {
      report.approx(
        what,
        `${at} notifies "if not closed": Hark stops escalating when the incident is acknowledged`,
      );
    }
    const targets = groups.get(delay) ?? [];
    groups.set(delay, targets);
    const type = rule.notifyType ?? 'default';
    const r = rule.recipient;
    if (r.type === 'user') {
      const person = personFor(r);
      if (person) targets.push({ person });
      else report.skip(what, `${at}: user ${r.username ?? r.id} is not in users.json`);
    } else if (r.type === 'schedule') {
      if (type !== 'default') {
        report.skip(
          what,
          `${at} notifies the ${type} on-call of schedule "${r.name ?? r.id}": Hark notifies who is on call now`,
        );
        return;
      }
      const s = scheduleFor(r);
      if (s) for (const role of s.roles) targets.push({ schedule: s.name, role });
      else report.skip(what, `${at}: schedule "${r.name ?? r.id}" was not imported`);
    } else if (r.type === 'team' && (type === 'all' || type === 'admins')) {
      const t = r.id !== undefined ? teams.get(r.id) : [...teams.values()].find((x) => x.name === r.name);
      if (!t?.members) {
        report.skip(
          what,
          `${at} notifies ${type === 'all' ? 'all members' : 'the admins'} of team "${r.name ?? r.id}": save teams/${r.id ?? 'ID'}.json (GET /v2/teams/ID) for its members`,
        );
        return;
      }
      for (const m of t.members) {
        if (type === 'admins' && m.role !== 'admin') continue;
        const person = personFor({ type: 'user', id: m.user.id, username: m.user.username });
        if (person) targets.push({ person });
        else report.skip(what, `${at}: team member ${m.user.username ?? m.user.id} is not in users.json`);
      }
    } else {
      report.skip(
        what,
        `${at} notifies ${r.type} "${r.name ?? r.id ?? ''}" (${type}): Hark notifies schedules and people`,
      );
    }
  });
  const delays = [...groups.keys()].sort((a, b) => a - b);
  if (delays.length > 0 && delays[0]! > 0) {
    report.approx(
      what,
      `its first rule waits ${delays[0]}m after the alert: Hark pages the first step at once`,
    );
  }
  const steps: PlannedStep[] = delays.map((d, i) => {
    const next = delays[i + 1];
    return { notify: groups.get(d)!, ...(next !== undefined ? { escalateAfterMinutes: next - d } : {}) };
  });
  let repeat = e.repeat?.count ?? 0;
  if (repeat > 20) {
    report.approx(what, `repeat count ${repeat}: Hark repeats at most 20 times`);
    repeat = 20;
  }
  if (repeat > 0 && steps.length > 0) {
    let wait = e.repeat?.waitInterval ?? 0;
    if (wait <= 0) {
      report.approx(what, 'it repeats at once after the last rule: Hark waits at least 1m');
      wait = 1;
    }
    steps[steps.length - 1] = { ...steps[steps.length - 1]!, escalateAfterMinutes: wait };
  }
  if (e.repeat?.resetRecipientStates)
    report.skip(what, 'repeat.resetRecipientStates: Hark pages everyone again on each repeat anyway');
  if (e.repeat?.closeAlertAfterAll)
    report.skip(
      what,
      'repeat.closeAlertAfterAll: Hark leaves the incident open when all repeats are used up',
    );
  return { name, source: { id: e.id, what: 'escalation', name: e.name }, repeat, steps };
}

// ------------------------------------------------------------------------------------ services

function planServices(
  bundle: Bundle,
  teams: readonly z.output<typeof team>[],
  escalations: readonly z.output<typeof escalation>[],
  policyOf: ReadonlyMap<string, string>,
  scheduleOf: ReadonlyMap<string, PlannedSchedule>,
  policies: PlannedPolicy[],
  policyNames: NameSpace,
  report: Report,
): PlannedService[] {
  const names = new NameSpace();
  const out: { team: z.output<typeof team>; service: Omit<PlannedService, 'match'> }[] = [];
  for (const t of teams) {
    const what = describe('team', t.name, t.id);
    const rules = bundle.parse(`teams/${t.id}/routing-rules`, routingRules)?.data;
    let policy: string | undefined;
    let source = { id: t.id, what: 'team', name: t.name };
    if (rules) {
      const sorted = [...rules].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
      const def = sorted.find((r) => r.isDefault) ?? sorted.find((r) => r.criteria?.type === 'match-all');
      for (const r of sorted) {
        if (r === def) continue;
        report.skip(
          `${describe('routing rule', r.name ?? undefined, r.id)} of team "${t.name}"`,
          `its conditions (${r.criteria?.type ?? 'none'}) are not translated: add a service with a match for them`,
        );
      }
      if (!def) {
        report.skip(what, 'no default routing rule');
        continue;
      }
      source = { id: def.id, what: 'routing rule', name: `${t.name}: ${def.name ?? 'default'}` };
      if (def.notify.type === 'escalation')
        policy = def.notify.id !== undefined ? policyOf.get(def.notify.id) : undefined;
      else if (def.notify.type === 'schedule') {
        const s = def.notify.id !== undefined ? scheduleOf.get(def.notify.id) : undefined;
        if (s) {
          policy = policyNames.take(`${s.name}-on-call`, `schedule-${def.notify.id}`);
          policies.push({
            name: policy,
            source,
            repeat: 0,
            steps: [{ notify: s.roles.map((role) => ({ schedule: s.name, role })) }],
          });
        }
      }
      if (!policy) {
        report.skip(
          what,
          `its default routing rule notifies ${def.notify.type} "${def.notify.name ?? def.notify.id ?? ''}", which was not imported`,
        );
        continue;
      }
    } else {
      const owned = escalations.filter(
        (e) => e.ownerTeam?.id === t.id || (e.ownerTeam?.name && e.ownerTeam.name === t.name),
      );
      if (owned.length !== 1) {
        if (owned.length > 1)
          report.skip(
            what,
            `it owns ${owned.length} escalations and its routing rules were not exported (teams/${t.id}/routing-rules.json), so which one it routes to is unknown`,
          );
        continue;
      }
      policy = policyOf.get(owned[0]!.id);
      report.approx(
        what,
        `routing rules not exported (teams/${t.id}/routing-rules.json): its alerts go to the one escalation it owns, "${owned[0]!.name}"`,
      );
      if (!policy) continue;
    }
    out.push({ team: t, service: { name: names.take(t.name, `team-${t.id}`), source, policy } });
  }
  return out.map(({ team: t, service }) => {
    if (out.length === 1) return service;
    report.approx(
      describe('team', t.name, t.id),
      `Opsgenie routes alerts to teams by integration, Hark by labels: its service matches alerts labelled team=${service.name}; change the match in hark.yaml to what your alerts carry`,
    );
    return { ...service, match: { team: service.name } };
  });
}

const INTEGRATION_TYPES: Record<string, PlannedIntegration['type']> = {
  prometheus: 'alertmanager',
  alertmanager: 'alertmanager',
  grafana: 'grafana',
  datadog: 'datadog',
};

function planIntegrations(
  list: readonly z.output<typeof integrationsPage>['data'][number][],
  env: EnvNeed[],
  report: Report,
): PlannedIntegration[] {
  const names = new NameSpace();
  const out: PlannedIntegration[] = [];
  for (const i of list) {
    const what = describe('integration', i.name, i.id);
    if (i.enabled === false) {
      report.skip(what, 'it is disabled in Opsgenie');
      continue;
    }
    const type = INTEGRATION_TYPES[i.type.toLowerCase()];
    if (!type) {
      report.skip(
        what,
        `type ${i.type}: Hark takes Alertmanager, Grafana, Datadog, PagerDuty Events and its generic JSON; point this sender at one of those`,
      );
      continue;
    }
    const name = names.take(i.name, `integration-${i.id}`);
    const tokenEnv = envName('HARK_TOKEN', name);
    out.push({ name, source: { id: i.id, what: 'integration', name: i.name }, type, tokenEnv });
    env.push({
      name: tokenEnv,
      what: `a new secret token for the ${i.type} sender of Opsgenie integration "${i.name}" (Opsgenie's API key is not reused)`,
    });
  }
  return out;
}
