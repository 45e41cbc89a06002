/**
 * PagerDuty REST API v2 export → Hark (docs/migrating.md lists the requests):
 *
 *   users.json                     GET /users?include[]=contact_methods&include[]=notification_rules
 *   schedules/<ID>.json            GET /schedules/<ID>?since=…&until=…   (layers and final_schedule)
 *   schedules/<ID>/overrides.json  GET /schedules/<ID>/overrides?since=…&until=…   (optional)
 *   escalation_policies.json       GET /escalation_policies
 *   services.json                  GET /services?include[]=integrations   (optional)
 *
 * Layers become rotations of the role primary (PagerDuty lists the highest layer first; Hark lets
 * the last listed win, so they are written in reverse), restrictions become coverage windows, a
 * layer's rotation_virtual_start sets who holds its first turn, overrides become git overrides.
 */
import { z } from 'zod';
import { formatLocal, TimeZone, type LocalMs } from '../time/local.js';
import { finalize } from './finalize.js';
import type { Bundle } from './input.js';
import { id, InputError, instant } from './input.js';
import { envName, NameSpace } from './names.js';
import { e164, tidyRules, zoneOrNull } from './people.js';
import {
  describe,
  Report,
  type Channel,
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
import {
  coversAny,
  floorDiv,
  localOf,
  minutesOf,
  rotate,
  turnRule,
  windowsFor,
  type WeekSpan,
} from './shape.js';
import { toConfigSchedule, verifyAll } from './verify.js';

// ------------------------------------------------------------------------------------ schemas

const ref = z.object({ id, type: z.string().optional(), summary: z.string().nullish() });

const contactMethod = z.object({
  id,
  type: z.string(),
  address: z.string().optional(),
  country_code: z.number().int().optional(),
  label: z.string().nullish(),
  summary: z.string().nullish(),
  blacklisted: z.boolean().optional(),
});

const notificationRule = z.object({
  id,
  type: z.string().optional(),
  start_delay_in_minutes: z.number().int().min(0).optional(),
  urgency: z.enum(['high', 'low']).optional(),
  contact_method: ref.optional(),
});

const user = z.object({
  id,
  name: z.string(),
  email: z.string().optional(),
  time_zone: z.string().nullish(),
  contact_methods: z.array(contactMethod).optional(),
  notification_rules: z.array(notificationRule).optional(),
  teams: z.array(ref).optional(),
});
const usersPage = z.object({ users: z.array(user) });

const restriction = z.object({
  type: z.enum(['daily_restriction', 'weekly_restriction']),
  start_time_of_day: z.string(),
  duration_seconds: z.number().int().positive(),
  start_day_of_week: z.number().int().min(1).max(7).nullish(),
});

const entry = z.object({ start: instant, end: instant.nullable(), user: ref.nullish() });

const layer = z.object({
  id,
  name: z.string().nullish(),
  start: instant,
  end: instant.nullish(),
  rotation_virtual_start: instant,
  rotation_turn_length_seconds: z.number().int().positive(),
  users: z.array(z.object({ user: ref })),
  restrictions: z.array(restriction).nullish(),
});

const scheduleResponse = z.object({
  schedule: z.object({
    id,
    name: z.string(),
    time_zone: z.string(),
    schedule_layers: z.array(layer),
    final_schedule: z.object({ rendered_schedule_entries: z.array(entry).nullish() }).nullish(),
    overrides_subschedule: z.object({ rendered_schedule_entries: z.array(entry).nullish() }).nullish(),
  }),
});

const overridesResponse = z.object({
  overrides: z.array(z.object({ id, start: instant, end: instant, user: ref })),
});

const strategy = z
  .union([z.string(), z.object({ type: z.string() }), z.array(z.object({ type: z.string() }))])
  .nullish();

const policy = z.object({
  id,
  name: z.string(),
  num_loops: z.number().int().min(0).nullish(),
  escalation_rules: z.array(
    z.object({
      id: id.optional(),
      escalation_delay_in_minutes: z.number().int().min(0),
      targets: z.array(z.object({ id, type: z.string(), summary: z.string().nullish() })),
      escalation_rule_assignment_strategy: strategy,
    }),
  ),
});
const policiesPage = z.object({ escalation_policies: z.array(policy) });

const integration = z.object({
  id,
  type: z.string(),
  name: z.string().nullish(),
  summary: z.string().nullish(),
  integration_key: z.string().nullish(),
});
const service = z.object({
  id,
  name: z.string(),
  status: z.string().nullish(),
  escalation_policy: ref.nullish(),
  integrations: z.array(integration).optional(),
});
const servicesPage = z.object({ services: z.array(service) });
const schedulesPage = z.object({ schedules: z.array(z.object({ id, name: z.string().optional() })) });

type User = z.output<typeof user>;
type Layer = z.output<typeof layer>;
type ScheduleResponse = z.output<typeof scheduleResponse>['schedule'];

const HOW = {
  users:
    'curl "https://api.pagerduty.com/users?include[]=contact_methods&include[]=notification_rules&limit=100"',
  policies: 'curl "https://api.pagerduty.com/escalation_policies?limit=100"',
};

// ------------------------------------------------------------------------------------ import

export function planPagerduty(bundle: Bundle): ImportPlan {
  const report = new Report();
  const users = bundle.pages('users', usersPage, (p) => p.users);
  if (users === undefined)
    throw new InputError(`missing users.json: save it with ${HOW.users} (see docs/migrating.md)`);
  const scheduleKeys = bundle.keys('schedules/*');
  const scheduleList = bundle.pages('schedules', schedulesPage, (p) => p.schedules) ?? [];
  const policies = bundle.pages('escalation_policies', policiesPage, (p) => p.escalation_policies);
  if (policies === undefined) {
    throw new InputError(
      `missing escalation_policies.json: save it with ${HOW.policies} (see docs/migrating.md)`,
    );
  }
  const services = bundle.pages('services', servicesPage, (p) => p.services) ?? [];

  const { people, personOf, userLabel } = planPeople(users, report);
  const scheduleNames = new NameSpace();
  const schedules: PlannedSchedule[] = [];
  const rendered: RenderedSchedule[] = [];
  const scheduleOf = new Map<string, string>();
  const responses = scheduleKeys.map((key) => ({ key, s: bundle.parse(key, scheduleResponse)!.schedule }));
  for (const { s } of responses) scheduleOf.set(s.id, scheduleNames.take(s.name, `schedule-${s.id}`));
  for (const listed of scheduleList) {
    if (!scheduleOf.has(listed.id)) {
      report.skip(
        describe('schedule', listed.name, listed.id),
        `schedules/${listed.id}.json is missing (GET /schedules/${listed.id}?since=…&until=…), so its layers are unknown`,
      );
    }
  }
  for (const { key, s } of responses) {
    const name = scheduleOf.get(s.id)!;
    const overrides = bundle.parse(`${key}/overrides`, overridesResponse)?.overrides;
    const planned = planSchedule(s, name, overrides, personOf, report);
    if (planned) {
      const r = renderedOf(s, name, bundle.origin(key), personOf, userLabel);
      schedules.push(r ? orderLayers(planned, r, report) : planned.schedule);
      if (r) rendered.push(r);
    }
  }

  const policyNames = new NameSpace();
  const policyOf = new Map<string, string>();
  for (const p of policies) policyOf.set(p.id, policyNames.take(p.name, `policy-${p.id}`));
  const planned: PlannedPolicy[] = policies.map((p) =>
    planPolicy(p, policyOf.get(p.id)!, personOf, scheduleOf, report),
  );

  const env: EnvNeed[] = [];
  const { services: plannedServices, integrations } = planServices(services, policyOf, env, report);

  return {
    ...finalize(
      {
        vendor: 'pagerduty',
        people,
        schedules,
        policies: planned,
        services: plannedServices,
        integrations,
        env,
        rendered,
        read: [
          ['users', users.length],
          ['schedules', responses.length],
          ['escalation policies', policies.length],
          ['services', services.length],
        ],
      },
      report,
    ),
    report: report.entries,
  };
}

// ------------------------------------------------------------------------------------ people

const CHANNEL_OF: Record<string, Channel> = {
  sms_contact_method: 'sms',
  phone_contact_method: 'voice',
  email_contact_method: 'email',
};

function planPeople(users: readonly User[], report: Report) {
  const names = new NameSpace();
  const personOf = new Map<string, string>();
  const labels = new Map<string, string>();
  const people: PlannedPerson[] = [];
  for (const u of users) {
    if (personOf.has(u.id)) continue;
    const name = names.take(u.name, u.email?.split('@')[0] ?? `user-${u.id}`);
    personOf.set(u.id, name);
    labels.set(u.id, u.name);
    people.push(planPerson(u, name, report));
  }
  const userLabel = (r: { id: string; summary?: string | null }) =>
    `"${labels.get(r.id) ?? r.summary ?? r.id}"`;
  return { people, personOf, userLabel };
}

function planPerson(u: User, name: string, report: Report): PlannedPerson {
  const what = describe('user', u.name, u.id);
  const methods = u.contact_methods ?? [];
  const rules = [...(u.notification_rules ?? [])].sort((a, b) =>
    a.urgency === b.urgency ? 0 : a.urgency === 'high' ? -1 : 1,
  );
  if (methods.some((m) => m.address === undefined && m.type.endsWith('_reference'))) {
    report.skip(
      what,
      'its contact methods are references without addresses: save users.json with include[]=contact_methods',
    );
  }
  // Per channel, the address of the method the first rule uses (else the first listed).
  const chosen = new Map<Channel, { id: string; address: string }>();
  const addressOf = (m: z.output<typeof contactMethod>): string | null => {
    if (m.address === undefined) return null;
    const channel = CHANNEL_OF[m.type];
    if (channel === 'email') return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(m.address) ? m.address : null;
    return e164(m.country_code, m.address);
  };
  const byId = new Map(methods.map((m) => [m.id, m]));
  const order = [
    ...rules.flatMap((r) => (r.contact_method ? [byId.get(r.contact_method.id)] : [])),
    ...methods,
  ].filter((m): m is z.output<typeof contactMethod> => m !== undefined);
  for (const m of order) {
    const channel = CHANNEL_OF[m.type];
    if (!channel || chosen.has(channel)) continue;
    if (m.blacklisted) continue;
    const address = addressOf(m);
    if (address !== null) chosen.set(channel, { id: m.id, address });
  }
  for (const m of methods) {
    const label = m.label ?? m.summary ?? m.id;
    const channel = CHANNEL_OF[m.type];
    if (!channel) {
      if (!m.type.endsWith('_reference'))
        report.skip(what, `contact method "${label}" (${m.type}): Hark pages by sms, voice and email only`);
      continue;
    }
    if (m.blacklisted) {
      report.skip(what, `contact method "${label}": PagerDuty has it blacklisted`);
    } else if (m.address !== undefined && addressOf(m) === null) {
      report.skip(
        what,
        `contact method "${label}": not a valid ${channel === 'email' ? 'email address' : 'phone number'}`,
      );
    } else if (chosen.has(channel) && chosen.get(channel)!.id !== m.id && m.address !== undefined) {
      report.approx(
        what,
        `contact method "${label}": Hark keeps one ${channel === 'email' ? 'email address' : `${channel} number`} per person; rules using it page ${chosen.get(channel)!.address} instead`,
      );
    }
  }
  let email = chosen.get('email')?.address;
  if (!chosen.has('sms') && !chosen.has('voice') && email === undefined && u.email) {
    email = u.email;
    report.approx(
      what,
      'no contact method Hark can use: their login email is used so that they can be paged',
    );
  }
  const notify: { high?: PlannedNotifyRule[]; low?: PlannedNotifyRule[] } = {};
  for (const urgency of ['high', 'low'] as const) {
    const mine = rules.filter((r) => (r.urgency ?? 'high') === urgency);
    if (mine.length === 0) continue;
    const mapped: PlannedNotifyRule[] = [];
    for (const r of mine) {
      const m = r.contact_method ? byId.get(r.contact_method.id) : undefined;
      const channel = m
        ? CHANNEL_OF[m.type]
        : r.contact_method
          ? CHANNEL_OF[r.contact_method.type?.replace(/_reference$/, '') ?? '']
          : undefined;
      if (!channel || !chosen.has(channel)) {
        report.skip(
          what,
          `${urgency}-urgency notification rule ${r.id} (after ${r.start_delay_in_minutes ?? 0}m): its contact method is not one Hark can use`,
        );
        continue;
      }
      mapped.push({ channel, afterMinutes: r.start_delay_in_minutes ?? 0 });
    }
    if (mapped.length > 0) notify[urgency] = tidyRules(mapped);
    else report.approx(what, `no ${urgency}-urgency rule could be imported: Hark's default rules apply`);
  }
  const timezone = zoneOrNull(u.time_zone);
  if (u.time_zone && !timezone) report.skip(what, `time zone "${u.time_zone}" is not an IANA zone name`);
  return {
    name,
    source: { id: u.id, what: 'user', name: u.name },
    displayName: u.name,
    ...(timezone ? { timezone } : {}),
    ...(chosen.has('sms') ? { sms: chosen.get('sms')!.address } : {}),
    ...(chosen.has('voice') ? { voice: chosen.get('voice')!.address } : {}),
    ...(email !== undefined ? { email } : {}),
    ...(notify.high || notify.low ? { notify } : {}),
  };
}

// ------------------------------------------------------------------------------------ schedules

interface PlannedLayers {
  readonly schedule: PlannedSchedule;
  /** Rotations per layer, in the API's order. */
  readonly layers: readonly (readonly PlannedRotation[])[];
}

function planSchedule(
  s: ScheduleResponse,
  name: string,
  overrides: z.output<typeof overridesResponse>['overrides'] | undefined,
  personOf: ReadonlyMap<string, string>,
  report: Report,
): PlannedLayers | null {
  const what = describe('schedule', s.name, s.id);
  const zoneName = zoneOrNull(s.time_zone);
  if (!zoneName) {
    report.skip(what, `time zone "${s.time_zone}" is not an IANA zone name such as America/New_York`);
    return null;
  }
  const zone = new TimeZone(zoneName);
  const rotationNames = new NameSpace();
  const layers = s.schedule_layers.map((l, i) => planLayer(l, i, s, zone, rotationNames, personOf, report));
  const source = { id: s.id, what: 'schedule', name: s.name };
  const plannedOverrides: PlannedOverride[] = [];
  const list =
    overrides ??
    (s.overrides_subschedule?.rendered_schedule_entries ?? []).flatMap((e, i) =>
      e.user && e.end !== null
        ? [{ id: `overrides_subschedule entry ${i + 1}`, start: e.start, end: e.end, user: e.user }]
        : [],
    );
  if (overrides === undefined && list.length > 0) {
    report.approx(
      what,
      `overrides taken from overrides_subschedule (only those in the rendered range): save schedules/${s.id}/overrides.json for all of them`,
    );
  }
  for (const o of [...list].sort((a, b) => a.start - b.start || a.end - b.end)) {
    const ow = describe('override', undefined, o.id);
    const person = personOf.get(o.user.id);
    if (!person) {
      report.skip(ow, `of schedule "${s.name}": user ${o.user.summary ?? o.user.id} is not in users.json`);
      continue;
    }
    const from = localOf(zone, o.start);
    const to = localOf(zone, o.end);
    if (!from.exact || !to.exact) {
      report.approx(
        ow,
        `of schedule "${s.name}": it starts or ends in the repeated hour after clocks go back in ${zoneName}; Hark reads that local time as its first occurrence`,
      );
    }
    if (to.local <= from.local) {
      report.skip(ow, `of schedule "${s.name}": it ends before it starts`);
      continue;
    }
    plannedOverrides.push({
      role: 'primary',
      person,
      from: from.local,
      to: to.local,
      source: { id: o.id, what: 'override' },
    });
  }
  // Hark lets the last listed rotation win: the highest layer (first in the API) goes last.
  const rotations = [...layers].reverse().flat();
  return {
    schedule: {
      name,
      source,
      timezone: zoneName,
      rotations,
      overrides: plannedOverrides,
      roles: ['primary'],
    },
    layers,
  };
}

function planLayer(
  l: Layer,
  index: number,
  s: ScheduleResponse,
  zone: TimeZone,
  rotationNames: NameSpace,
  personOf: ReadonlyMap<string, string>,
  report: Report,
): PlannedRotation[] {
  const layerName = l.name ?? `Layer ${s.schedule_layers.length - index}`;
  const what = `${describe('layer', layerName, l.id)} of schedule "${s.name}"`;
  const members: string[] = [];
  for (const { user: u } of l.users) {
    const person = personOf.get(u.id);
    if (!person) {
      report.skip(
        what,
        `user ${u.summary ?? u.id} is not in users.json, so the layer's order cannot be kept`,
      );
      return [];
    }
    members.push(person);
  }
  if (members.length === 0) {
    report.skip(what, 'it has no users');
    return [];
  }
  if (l.end != null && l.end <= l.start) {
    report.skip(what, 'it ended before it started');
    return [];
  }
  const turn = l.rotation_turn_length_seconds * 1000;
  const rule = turnRule(turn);
  if (!rule) {
    report.skip(
      what,
      `rotation_turn_length_seconds ${l.rotation_turn_length_seconds} is not a whole number of hours: Hark's handoffs are hourly, daily or weekly`,
    );
    return [];
  }
  let coverage = null;
  if (l.restrictions && l.restrictions.length > 0) {
    const spans: WeekSpan[] = [];
    for (const r of l.restrictions) {
      const from = minutesOf(r.start_time_of_day.replace(/Z$/, ''));
      if (from === null || r.duration_seconds % 60 !== 0) {
        report.skip(
          what,
          `restriction at ${r.start_time_of_day} for ${r.duration_seconds}s: Hark's coverage windows are in whole minutes`,
        );
        return [];
      }
      const minutes = r.duration_seconds / 60;
      if (r.type === 'daily_restriction') for (let d = 0; d < 7; d++) spans.push({ day: d, from, minutes });
      else if (r.start_day_of_week == null) {
        report.skip(what, 'a weekly_restriction without start_day_of_week');
        return [];
      } else spans.push({ day: r.start_day_of_week % 7, from, minutes });
    }
    coverage = windowsFor(spans);
  }
  const base = rotationNames.take(layerName, `layer-${l.id}`);
  const source = { id: l.id, what: 'layer', name: layerName };
  const vs = zone.toLocal(l.rotation_virtual_start);
  const start = zone.toLocal(l.start);
  const end = l.end == null ? null : zone.toLocal(l.end);
  if ([l.start, l.end].some((t) => t != null && !localOf(zone, t).exact)) {
    report.approx(
      what,
      `it starts or ends in the repeated hour after clocks go back in ${zone.name}; Hark reads that local time as its first occurrence`,
    );
  }
  const k0 = floorDiv(start - vs, turn);
  const h0 = vs + k0 * turn;
  const handoff = members.length > 1 ? rule : null;
  const note =
    members.length > 1 && vs !== start
      ? `turns of ${l.rotation_turn_length_seconds}s counted from rotation_virtual_start ${formatLocal(vs)}`
      : undefined;
  const whole = (from: LocalMs, k: number): PlannedRotation => ({
    name: base,
    source,
    role: 'primary',
    members: rotate(members, k),
    start: from,
    handoff,
    end,
    coverage,
    ...(note ? { note } : {}),
  });
  if (h0 === start) return [whole(start, k0)];
  // The layer starts inside a turn: the rest of that turn is a rotation of its own (unless its
  // restrictions leave nothing of it), then whole turns follow.
  const h1 = (h0 + turn) as LocalMs;
  const firstEnd = end !== null && end <= h1 ? end : h1;
  const out: PlannedRotation[] = [];
  if (coversAny(coverage, zone, start, firstEnd)) {
    out.push({
      name: rotationNames.take(`${base}-first-turn`, `${base}-first`),
      source,
      role: 'primary',
      members: [rotate(members, k0)[0]!],
      start,
      handoff: null,
      end: firstEnd,
      coverage,
      note: `the layer starts at ${formatLocal(start)}, inside a turn: the rest of that turn`,
    });
  }
  if (end === null || end > h1) out.push(whole(h1, k0 + 1));
  return out;
}

function renderedOf(
  s: ScheduleResponse,
  name: string,
  origin: string,
  personOf: ReadonlyMap<string, string>,
  userLabel: (r: { id: string; summary?: string | null }) => string,
): RenderedSchedule | null {
  const entries = s.final_schedule?.rendered_schedule_entries ?? [];
  if (entries.length === 0) return null;
  const from = Math.min(...entries.map((e) => e.start));
  const ends = entries.flatMap((e) => (e.end === null ? [] : [e.end]));
  const to = Math.max(from, ...ends);
  return {
    schedule: name,
    role: null,
    from,
    to,
    origin: `${origin} final_schedule`,
    entries: entries.flatMap((e) =>
      e.user ? [{ start: e.start, end: e.end ?? to, who: personOf.get(e.user.id) ?? userLabel(e.user) }] : [],
    ),
  };
}

/**
 * PagerDuty's API has listed layers highest first; if the rendered final schedule agrees only
 * with the other order, that order is used (and reported): the rendered schedule is who PagerDuty
 * pages.
 */
function orderLayers(p: PlannedLayers, rendered: RenderedSchedule, report: Report): PlannedSchedule {
  if (p.layers.filter((l) => l.length > 0).length < 2) return p.schedule;
  const other: PlannedSchedule = { ...p.schedule, rotations: [...p.layers].flat() };
  const missed = (s: PlannedSchedule) =>
    verifyAll(new Map([[s.name, toConfigSchedule(s)]]), [rendered])[0]!.differences.reduce(
      (sum, d) => sum + (d.end - d.start),
      0,
    );
  const usual = missed(p.schedule);
  if (usual === 0 || missed(other) >= usual) return p.schedule;
  report.approx(
    describe('schedule', p.schedule.source.name, p.schedule.source.id),
    'its final_schedule matches the layers only with the first listed layer on top, so that layer order is used',
  );
  return other;
}

// ------------------------------------------------------------------------------------ policies

function planPolicy(
  p: z.output<typeof policy>,
  name: string,
  personOf: ReadonlyMap<string, string>,
  scheduleOf: ReadonlyMap<string, string>,
  report: Report,
): PlannedPolicy {
  const what = describe('escalation policy', p.name, p.id);
  const steps: PlannedStep[] = p.escalation_rules.map((rule, i) => {
    const notify: PlannedTarget[] = [];
    for (const t of rule.targets) {
      const type = t.type.replace(/_reference$/, '');
      if (type === 'user') {
        const person = personOf.get(t.id);
        if (person) notify.push({ person });
        else report.skip(what, `rule ${i + 1}: user ${t.summary ?? t.id} is not in users.json`);
      } else if (type === 'schedule') {
        const schedule = scheduleOf.get(t.id);
        if (schedule) notify.push({ schedule, role: 'primary' });
        else
          report.skip(
            what,
            `rule ${i + 1}: schedule ${t.summary ?? t.id} is not in the export (schedules/${t.id}.json)`,
          );
      } else {
        report.skip(
          what,
          `rule ${i + 1}: target ${t.summary ?? t.id} of type ${t.type}: Hark notifies schedules and people`,
        );
      }
    }
    const s = rule.escalation_rule_assignment_strategy;
    const strategyType = typeof s === 'string' ? s : Array.isArray(s) ? s[0]?.type : s?.type;
    if (strategyType === 'round_robin' && notify.length > 1) {
      report.approx(
        what,
        `rule ${i + 1} assigns round robin: Hark has no round robin, so it pages all ${notify.length} targets at once`,
      );
    }
    let after = rule.escalation_delay_in_minutes;
    if (after === 0) {
      report.approx(what, `rule ${i + 1} escalates after 0 minutes: Hark waits at least 1m`);
      after = 1;
    }
    return {
      notify,
      escalateAfterMinutes: after,
      ...(rule.id ? { source: { id: rule.id, what: 'escalation rule' } } : {}),
    };
  });
  let repeat = p.num_loops ?? 0;
  if (repeat > 20) {
    report.approx(what, `num_loops ${repeat}: Hark repeats at most 20 times`);
    repeat = 20;
  }
  return { name, source: { id: p.id, what: 'escalation policy', name: p.name }, repeat, steps };
}

// ------------------------------------------------------------------------------------ services

function planServices(
  services: readonly z.output<typeof service>[],
  policyOf: ReadonlyMap<string, string>,
  env: EnvNeed[],
  report: Report,
): { services: PlannedService[]; integrations: PlannedIntegration[] } {
  const names = new NameSpace();
  const integrationNames = new NameSpace();
  const out: PlannedService[] = [];
  const integrations: PlannedIntegration[] = [];
  const active = services.filter((s) => {
    if (s.status !== 'disabled') return true;
    report.skip(describe('service', s.name, s.id), 'it is disabled in PagerDuty');
    return false;
  });
  for (const s of active) {
    const what = describe('service', s.name, s.id);
    const policy = s.escalation_policy ? policyOf.get(s.escalation_policy.id) : undefined;
    if (!policy) {
      report.skip(
        what,
        `its escalation policy ${s.escalation_policy?.summary ?? s.escalation_policy?.id ?? '(none)'} is not in escalation_policies.json`,
      );
      continue;
    }
    const name = names.take(s.name, `service-${s.id}`);
    const match = active.length > 1 ? { service: name } : undefined;
    if (match) {
      report.approx(
        what,
        `PagerDuty routes by integration key, Hark by labels: this service matches alerts labelled service=${name}; change its match in hark.yaml to what your alerts carry`,
      );
    }
    out.push({
      name,
      source: { id: s.id, what: 'service', name: s.name },
      policy,
      ...(match ? { match } : {}),
    });
    for (const i of s.integrations ?? []) {
      const label = i.name ?? i.summary ?? i.id;
      const iw = `${describe('integration', label, i.id)} of service "${s.name}"`;
      if (i.type.endsWith('_reference')) {
        report.skip(iw, 'only a reference was exported: save services.json with include[]=integrations');
        continue;
      }
      if (/email/.test(i.type)) {
        report.skip(iw, `type ${i.type}: Hark takes alerts over HTTP, not email`);
        continue;
      }
      const iname = integrationNames.take(`${name}-${label}`, `${name}-${i.id}`);
      const tokenEnv = envName('PD_ROUTING_KEY', iname);
      integrations.push({
        name: iname,
        source: { id: i.id, what: 'integration', name: label },
        type: 'pagerduty',
        tokenEnv,
      });
      env.push({
        name: tokenEnv,
        what: `the integration key of PagerDuty integration "${label}" (${i.id}) on service "${s.name}"${i.integration_key ? '' : ' (not in the export: copy it from PagerDuty)'}`,
      });
      if (!/events_api/.test(i.type)) {
        report.approx(
          iw,
          `type ${i.type}: imported as a PagerDuty Events API integration; its senders must use the Events API v2`,
        );
      }
    }
  }
  return { services: out, integrations };
}
