/**
 * Grafana OnCall public API (v1) export → Hark (docs/migrating.md lists the requests):
 *
 *   users.json                         GET /api/v1/users/
 *   personal_notification_rules.json   GET /api/v1/personal_notification_rules/   (optional)
 *   schedules.json                     GET /api/v1/schedules/
 *   on_call_shifts.json                GET /api/v1/on_call_shifts/
 *   schedules/<id>/final_shifts.json   GET /api/v1/schedules/<id>/final_shifts?start_date=…&end_date=… (optional)
 *   escalation_chains.json             GET /api/v1/escalation_chains/
 *   escalation_policies.json           GET /api/v1/escalation_policies/
 *   integrations.json                  GET /api/v1/integrations/                  (optional)
 *   routes.json                        GET /api/v1/routes/                        (optional)
 *
 * An OnCall shift is a recurring event of `duration` (wall-clock time: a 7-day event ends at the
 * same local time a week later, across DST changes) with a list of users (recurrent_event) or a
 * list of user groups taking turns (rolling_users): a Hark rotation whose handoffs are the turns
 * and whose coverage windows are the events. Shifts of a higher level are listed later (Hark lets
 * the last listed win); shifts of type override become git overrides. A group of several users on
 * call together becomes one role per member (primary, primary-2, …), all paged by a schedule target.
 */
import { z } from 'zod';
import { expandLocal, parseHandoffRule } from '../schedules/handoff-rule.js';
import { DAY, HOUR, MINUTE, parseLocal, TimeZone, type LocalMs } from '../time/local.js';
import { finalize } from './finalize.js';
import { id, InputError, instant, type Bundle } from './input.js';
import { envName, NameSpace } from './names.js';
import { tidyRules, zoneOrNull } from './people.js';
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
import { rotate, WEEK, windowsFor, type WeekSpan } from './shape.js';

// ------------------------------------------------------------------------------------ schemas

const page = <T extends z.ZodType>(item: T) => z.object({ results: z.array(item) });

const user = z.object({
  id,
  email: z.string().nullish(),
  username: z.string(),
  timezone: z.string().nullish(),
  teams: z.array(id).nullish(),
});

const notificationRule = z.object({
  id,
  user_id: id,
  position: z.number().int().optional(),
  important: z.boolean().optional(),
  type: z.string(),
  duration: z.number().int().min(0).nullish(),
});

const schedule = z.object({
  id,
  name: z.string(),
  type: z.string(),
  time_zone: z.string().nullish(),
  shifts: z.array(id).nullish(),
  ical_url_primary: z.string().nullish(),
  ical_url_overrides: z.string().nullish(),
});

/** `2026-03-01T09:00:00` (wall clock), also accepted with an offset or Z. */
const dateTime = z
  .string()
  .refine((s) => parseLocal(s.replace(/(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i, '')) !== null, {
    error: (i) => `expected a date-time such as 2026-03-01T09:00:00, got ${JSON.stringify(i.input)}`,
  });

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const shift = z.object({
  id,
  name: z.string().nullish(),
  type: z.enum(['single_event', 'recurrent_event', 'rolling_users', 'override']),
  schedule: id.nullish(),
  time_zone: z.string().nullish(),
  level: z.number().int().nullish(),
  start: dateTime,
  rotation_start: dateTime.nullish(),
  duration: z.number().int().positive(),
  frequency: z.enum(['hourly', 'daily', 'weekly', 'monthly']).nullish(),
  interval: z.number().int().positive().nullish(),
  until: dateTime.nullish(),
  week_start: z.enum(DAYS).nullish(),
  by_day: z.array(z.enum(DAYS)).nullish(),
  by_month: z.array(z.number().int()).nullish(),
  by_monthday: z.array(z.number().int()).nullish(),
  users: z.array(id).nullish(),
  rolling_users: z.array(z.array(id)).nullish(),
  start_rotation_from_user_index: z.number().int().min(0).nullish(),
});

const finalShift = z.object({
  user_pk: id,
  user_email: z.string().nullish(),
  user_username: z.string().nullish(),
  shift_start: instant,
  shift_end: instant,
});

const chain = z.object({ id, name: z.string(), team_id: id.nullish() });
const escalationPolicy = z.object({
  id,
  escalation_chain_id: id,
  position: z.number().int(),
  type: z.string(),
  duration: z.number().nullish(),
  important: z.boolean().nullish(),
  persons_to_notify: z.array(id).nullish(),
  persons_to_notify_next_each_time: z.array(id).nullish(),
  notify_on_call_from_schedule: id.nullish(),
  team_to_notify: id.nullish(),
});
const integration = z.object({
  id,
  name: z.string(),
  type: z.string(),
  default_route: z.object({ id: id.optional(), escalation_chain_id: id.nullish() }).nullish(),
});
const route = z.object({
  id,
  integration_id: id,
  escalation_chain_id: id.nullish(),
  routing_regex: z.string().nullish(),
  is_the_last_route: z.boolean().nullish(),
});

type User = z.output<typeof user>;
type Shift = z.output<typeof shift>;
type Schedule = z.output<typeof schedule>;

const API = '$ONCALL_API_URL/api/v1';

// ------------------------------------------------------------------------------------ import

export function planGrafanaOncall(bundle: Bundle): ImportPlan {
  const report = new Report();
  const need = <T>(v: T | undefined, key: string, how: string): T => {
    if (v === undefined)
      throw new InputError(`missing ${key}.json: save it with curl "${API}${how}" (see docs/migrating.md)`);
    return v;
  };
  const users = need(
    bundle.pages('users', page(user), (p) => p.results),
    'users',
    '/users/',
  );
  const schedules = need(
    bundle.pages('schedules', page(schedule), (p) => p.results),
    'schedules',
    '/schedules/',
  );
  const shifts = bundle.pages('on_call_shifts', page(shift), (p) => p.results) ?? [];
  if (shifts.length === 0 && schedules.some((s) => s.type !== 'ical') && !bundle.has('on_call_shifts')) {
    throw new InputError(
      `missing on_call_shifts.json: save it with curl "${API}/on_call_shifts/" (see docs/migrating.md)`,
    );
  }
  const chains = need(
    bundle.pages('escalation_chains', page(chain), (p) => p.results),
    'escalation_chains',
    '/escalation_chains/',
  );
  const steps = need(
    bundle.pages('escalation_policies', page(escalationPolicy), (p) => p.results),
    'escalation_policies',
    '/escalation_policies/',
  );
  const rules = bundle.pages('personal_notification_rules', page(notificationRule), (p) => p.results);

  // People
  const env: EnvNeed[] = [];
  const names = new NameSpace();
  const personOf = new Map<string, string>();
  const people: PlannedPerson[] = [];
  for (const u of users) {
    if (personOf.has(u.id)) continue;
    const name = names.take(u.username, u.email?.split('@')[0] ?? `user-${u.id}`);
    personOf.set(u.id, name);
    people.push(
      planPerson(
        u,
        name,
        rules?.filter((r) => r.user_id === u.id),
        env,
        report,
      ),
    );
  }
  const labelOf = new Map(users.map((u) => [u.id, u.username]));

  // Schedules
  const scheduleNames = new NameSpace();
  const planned: PlannedSchedule[] = [];
  const scheduleOf = new Map<string, PlannedSchedule>();
  const rendered: RenderedSchedule[] = [];
  for (const s of schedules) {
    const name = scheduleNames.take(s.name, `schedule-${s.id}`);
    const mine = shifts.filter((x) => x.schedule === s.id || (s.shifts ?? []).includes(x.id));
    const p = planSchedule(s, name, mine, personOf, report);
    if (p) {
      planned.push(p);
      scheduleOf.set(s.id, p);
    }
    const key = `schedules/${s.id}/final_shifts`;
    const finals = bundle.pages(key, page(finalShift), (x) => x.results);
    if (finals && finals.length > 0) {
      rendered.push({
        schedule: name,
        role: null,
        from: Math.min(...finals.map((f) => f.shift_start)),
        to: Math.max(...finals.map((f) => f.shift_end)),
        origin: bundle.origin(key),
        entries: finals.map((f) => ({
          start: f.shift_start,
          end: f.shift_end,
          who: personOf.get(f.user_pk) ?? `"${f.user_username ?? f.user_email ?? f.user_pk}"`,
        })),
      });
    }
  }

  // Escalation chains
  const teamMembers = new Map<string, string[]>();
  for (const u of users) {
    for (const t of u.teams ?? []) teamMembers.set(t, [...(teamMembers.get(t) ?? []), personOf.get(u.id)!]);
  }
  const policyNames = new NameSpace();
  const policyOf = new Map<string, string>();
  const policies: PlannedPolicy[] = [];
  for (const c of chains) {
    const name = policyNames.take(c.name, `chain-${c.id}`);
    policyOf.set(c.id, name);
    const mine = steps.filter((x) => x.escalation_chain_id === c.id).sort((a, b) => a.position - b.position);
    policies.push(
      planChain(c, name, mine, personOf, scheduleOf, teamMembers, (uid) => labelOf.get(uid) ?? uid, report),
    );
  }

  // Integrations and their default routes
  const integrations = bundle.pages('integrations', page(integration), (p) => p.results) ?? [];
  const routes = bundle.pages('routes', page(route), (p) => p.results) ?? [];
  const { services, integrations: plannedIntegrations } = planIntegrations(
    integrations,
    routes,
    policyOf,
    env,
    report,
  );

  return {
    ...finalize(
      {
        vendor: 'grafana-oncall',
        people,
        schedules: planned,
        policies,
        services,
        integrations: plannedIntegrations,
        env,
        rendered,
        read: [
          ['users', users.length],
          ['schedules', schedules.length],
          ['on-call shifts', shifts.length],
          ['escalation chains', chains.length],
          ['integrations', integrations.length],
        ],
      },
      report,
    ),
    report: report.entries,
  };
}

// ------------------------------------------------------------------------------------ people

const RULE_CHANNEL: Record<string, 'sms' | 'voice' | 'email'> = {
  notify_by_sms: 'sms',
  notify_by_phone_call: 'voice',
  notify_by_email: 'email',
};

function planPerson(
  u: User,
  name: string,
  rules: z.output<typeof notificationRule>[] | undefined,
  env: EnvNeed[],
  report: Report,
): PlannedPerson {
  const what = describe('user', u.username, u.id);
  let high: PlannedNotifyRule[] | undefined;
  const used = new Set<'sms' | 'voice' | 'email'>();
  if (rules === undefined) {
    report.approx(
      what,
      "personal notification rules not exported (personal_notification_rules.json): Hark's default rules apply",
    );
  } else {
    const ordered = [...rules].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
    const important = ordered.filter((r) => r.important);
    if (important.length > 0) {
      report.skip(
        what,
        `${important.length} "important" notification rules: Hark has one set of rules per urgency; the default rules are used for high urgency`,
      );
    }
    let delay = 0;
    const mapped: PlannedNotifyRule[] = [];
    for (const r of ordered.filter((x) => !x.important)) {
      if (r.type === 'wait') {
        delay += (r.duration ?? 0) / 60;
        continue;
      }
      const channel = RULE_CHANNEL[r.type];
      if (!channel) {
        report.skip(what, `notification rule ${r.id} (${r.type}): Hark pages by sms, voice and email only`);
        continue;
      }
      used.add(channel);
      mapped.push({ channel, afterMinutes: Math.ceil(delay) });
    }
    if (mapped.length > 0) high = tidyRules(mapped);
    else if (ordered.length > 0)
      report.approx(what, "no notification rule Hark can use: Hark's default rules apply");
    else report.approx(what, "no personal notification rules in the export: Hark's default rules apply");
  }
  const email = u.email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(u.email) ? u.email : undefined;
  let phone: string | undefined;
  if (used.has('sms') || used.has('voice')) {
    const v = envName('HARK_PHONE', name);
    phone = `\${${v}}`;
    env.push({
      name: v,
      what: `the phone number (E.164) of OnCall user ${u.username}: the OnCall API does not export phone numbers`,
    });
  }
  if (!email && !phone) {
    report.skip(
      what,
      'no email address and no sms or phone rule: Hark could never page them (add a channel in hark.yaml)',
    );
  }
  const timezone = zoneOrNull(u.timezone);
  if (u.timezone && !timezone) report.skip(what, `time zone "${u.timezone}" is not an IANA zone name`);
  return {
    name,
    source: { id: u.id, what: 'user', name: u.username },
    ...(timezone ? { timezone } : {}),
    ...(phone && used.has('sms') ? { sms: phone } : {}),
    ...(phone && used.has('voice') ? { voice: phone } : {}),
    ...(email ? { email } : {}),
    ...(high ? { notify: { high } } : {}),
  };
}

// ------------------------------------------------------------------------------------ schedules

function localIn(text: string, zone: TimeZone, target: TimeZone): LocalMs {
  const m = /(Z|[+-]\d{2}:?\d{2})$/i.exec(text);
  if (m) return target.toLocal(Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')));
  const local = parseLocal(text.replace(/\.\d+$/, ''))!;
  return zone.name === target.name ? local : target.toLocal(zone.toInstant(local));
}

function sameRules(a: TimeZone, b: TimeZone, around: number): boolean {
  for (let i = -24; i <= 48; i++) {
    const t = around + i * 15 * DAY;
    if (a.offsetAt(t) !== b.offsetAt(t)) return false;
  }
  return true;
}

function planSchedule(
  s: Schedule,
  name: string,
  shifts: readonly Shift[],
  personOf: ReadonlyMap<string, string>,
  report: Report,
): PlannedSchedule | null {
  const what = describe('schedule', s.name, s.id);
  if (s.type === 'ical') {
    report.skip(
      what,
      'an iCal schedule: its events live in an external calendar (ical_url_primary); import that calendar by hand',
    );
    return null;
  }
  if (s.ical_url_overrides)
    report.skip(what, 'ical_url_overrides: overrides from an external calendar are not imported');
  const zoneName = zoneOrNull(s.time_zone ?? 'UTC');
  if (!zoneName) {
    report.skip(what, `time zone "${s.time_zone}" is not an IANA zone name`);
    return null;
  }
  const zone = new TimeZone(zoneName);
  const rotationNames = new NameSpace();
  const layered: { level: number; order: number; rotations: PlannedRotation[] }[] = [];
  const overrides: PlannedOverride[] = [];
  let slots = 1;
  shifts.forEach((x, order) => {
    const sw = `${describe('shift', x.name ?? undefined, x.id)} of schedule "${s.name}"`;
    const shiftZone = zoneOrNull(x.time_zone ?? zoneName);
    if (!shiftZone) {
      report.skip(sw, `time zone "${x.time_zone}" is not an IANA zone name`);
      return;
    }
    const own = new TimeZone(shiftZone);
    if (shiftZone !== zoneName && !sameRules(own, zone, zone.toInstant(localIn(x.start, own, zone)))) {
      report.approx(
        sw,
        `its time zone ${shiftZone} is not the schedule's (${zoneName}): its times are written in ${zoneName}, so they move by an hour where the two zones change clocks on different days`,
      );
    }
    const groups = groupsOf(x);
    if (groups.some((g) => g.length === 0) || groups.length === 0) {
      report.skip(sw, 'it has no users');
      return;
    }
    const missing = groups.flat().filter((u) => !personOf.has(u));
    if (missing.length > 0) {
      report.skip(sw, `user ${missing[0]} is not in users.json`);
      return;
    }
    const size = groups[0]!.length;
    if (groups.some((g) => g.length !== size)) {
      report.skip(
        sw,
        'its user groups are of different sizes: Hark has one person per role at a time, so each group member is a role of its own, which needs groups of one size',
      );
      return;
    }
    const people = groups.map((g) => g.map((u) => personOf.get(u)!));
    const start = localIn(x.start, own, zone);
    const durationMs = x.duration * 1000;
    if (x.type === 'override') {
      const end = (start + durationMs) as LocalMs;
      if (size > 1)
        report.approx(
          sw,
          'an override of several users: Hark overrides the primary role with the first of them',
        );
      if (slots > 1 || shifts.some((o) => groupsOf(o)[0]?.length !== 1)) {
        report.approx(
          sw,
          'the schedule has several people on call at once (roles primary, primary-2, …): the override replaces only primary',
        );
      }
      overrides.push({
        role: 'primary',
        person: people[0]![0]!,
        from: start,
        to: end,
        source: { id: x.id, what: 'override shift', name: x.name ?? undefined },
      });
      return;
    }
    const rotations = planShift(
      x,
      sw,
      people,
      start,
      durationMs,
      zone,
      own,
      s.type === 'web',
      rotationNames,
      report,
    );
    if (rotations.length > 0) {
      slots = Math.max(slots, size);
      layered.push({ level: x.level ?? 0, order, rotations });
    }
  });
  layered.sort((a, b) => a.level - b.level || a.order - b.order);
  const rotations = layered.flatMap((l) => l.rotations);
  return {
    name,
    source: { id: s.id, what: `${s.type} schedule`, name: s.name },
    timezone: zoneName,
    rotations,
    overrides: overrides.sort((a, b) => a.from - b.from),
    roles: [...new Set(rotations.map((r) => r.role))],
  };
}

function groupsOf(x: Shift): string[][] {
  if (x.type === 'rolling_users' || (x.type === 'override' && x.rolling_users)) {
    const g = (x.rolling_users ?? []).map((list) => [...list]);
    return x.type === 'rolling_users' ? rotate(g, x.start_rotation_from_user_index ?? 0) : g.slice(0, 1);
  }
  return [[...(x.users ?? [])]];
}

const DAY_INDEX: Record<(typeof DAYS)[number], number> = { SU: 0, MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6 };
const RRULE_DAY = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

function weekdayOf(local: LocalMs): number {
  return new Date(local).getUTCDay();
}

/**
 * One OnCall shift as rotations (one per member of its user groups): handoffs at each turn's
 * first event, coverage the events' windows when they repeat every week.
 */
function planShift(
  x: Shift,
  sw: string,
  groups: readonly (readonly string[])[],
  start0: LocalMs,
  durationMs: number,
  zone: TimeZone,
  own: TimeZone,
  web: boolean,
  rotationNames: NameSpace,
  report: Report,
): PlannedRotation[] {
  const interval = x.interval ?? 1;
  const freq = x.frequency ?? null;
  const rolling = x.type === 'rolling_users';
  const source = { id: x.id, what: `${x.type} shift`, name: x.name ?? undefined };
  const base = rotationNames.take(x.name ?? '', `shift-${x.id}`);
  const names = groups[0]!.map((_, j) =>
    j === 0 ? base : rotationNames.take(`${base}-${j + 1}`, `shift-${x.id}-${j + 1}`),
  );
  const role = (j: number) => (j === 0 ? 'primary' : `primary-${j + 1}`);
  if ((x.by_month && x.by_month.length > 0) || (x.by_monthday && x.by_monthday.length > 0)) {
    report.skip(sw, 'by_month / by_monthday: Hark coverage windows repeat weekly');
    return [];
  }
  if (durationMs % MINUTE !== 0) {
    report.skip(sw, `duration ${x.duration}s is not a whole number of minutes`);
    return [];
  }
  const until = x.until ? localIn(x.until, own, zone) : null;
  if (x.type === 'single_event' || freq === null) {
    const end = (start0 + durationMs) as LocalMs;
    return groups[0]!.map((_, j) => ({
      name: names[j]!,
      source,
      role: role(j),
      members: [groups[0]![j]!],
      start: start0,
      handoff: null,
      end,
      coverage: null,
    }));
  }
  if (freq === 'monthly') {
    report.skip(
      sw,
      'a monthly shift: months differ in length, so its events do not repeat weekly as Hark coverage does',
    );
    return [];
  }
  const days = x.by_day && x.by_day.length > 0 ? [...new Set(x.by_day.map((d) => DAY_INDEX[d]))] : null;
  const weekStart = DAY_INDEX[x.week_start ?? 'SU'];
  const t0 = Math.round((start0 % DAY) / MINUTE);
  const hour = Math.floor(t0 / 60);
  const minute = t0 % 60;
  const byTime = `BYHOUR=${hour};BYMINUTE=${minute}`;
  // OnCall moves the start to the first selected day (in week order from week_start) when the
  // start's own day is not selected.
  let start = start0;
  if (days && !days.includes(weekdayOf(start0))) {
    const order = [0, 1, 2, 3, 4, 5, 6].map((i) => (weekStart + i) % 7);
    const first = order.find((d) => days.includes(d))!;
    start = (start0 + ((((first - weekdayOf(start0)) % 7) + 7) % 7) * DAY) as LocalMs;
  }
  const minutes = durationMs / MINUTE;
  const unit = freq === 'hourly' ? HOUR : freq === 'daily' ? DAY : WEEK;
  const continuous = !days && durationMs >= interval * unit;
  let spans: WeekSpan[] | null = null;
  let handoff: string;
  const dayOrder = [0, 1, 2, 3, 4, 5, 6].map((i) => (weekStart + i) % 7);
  if (freq === 'hourly') {
    handoff = interval === 1 ? 'FREQ=HOURLY' : `FREQ=HOURLY;INTERVAL=${interval}`;
    if (!continuous) {
      if (days || 24 % interval !== 0) {
        report.skip(
          sw,
          `hourly events every ${interval}h${days ? ' on some days' : ''} for ${x.duration}s: they do not repeat the same way every day`,
        );
        return [];
      }
      spans = [];
      for (let d = 0; d < 7; d++) {
        for (let h = 0; h < 24; h += interval) {
          const mw = d * 1440 + t0 + h * 60;
          spans.push({ day: Math.floor(mw / 1440) % 7, from: mw % 1440, minutes });
        }
      }
    }
  } else if (freq === 'daily' && !days) {
    handoff = interval === 1 ? 'FREQ=DAILY' : `FREQ=DAILY;INTERVAL=${interval}`;
    if (!continuous) {
      if (interval === 1) spans = [0, 1, 2, 3, 4, 5, 6].map((d) => ({ day: d, from: t0, minutes }));
      else if (interval === 7) spans = [{ day: weekdayOf(start), from: t0, minutes }];
      else {
        report.skip(
          sw,
          `events every ${interval} days for less than ${interval} days: they do not repeat weekly as Hark coverage does`,
        );
        return [];
      }
    }
  } else if (freq === 'daily') {
    if (interval !== 1) {
      report.skip(
        sw,
        `daily turns every ${interval} selected days: Hark handoffs cannot count selected days`,
      );
      return [];
    }
    if (durationMs > DAY) {
      report.skip(sw, 'events longer than a day on selected days: they overlap the next turn');
      return [];
    }
    handoff = `FREQ=WEEKLY;BYDAY=${days!.map((d) => RRULE_DAY[d]).join(',')};${byTime}`;
    spans = days!.map((d) => ({ day: d, from: t0, minutes }));
  } else {
    // weekly: a turn is `interval` weeks (weeks begin on week_start); its events are on the
    // selected days of its first week.
    const first = days ? dayOrder.find((d) => days.includes(d))! : weekdayOf(start);
    if (interval > 1 && !continuous) {
      report.skip(
        sw,
        `events in one week of every ${interval}: they do not repeat weekly as Hark coverage does`,
      );
      return [];
    }
    const every = interval > 1 ? `;INTERVAL=${interval}` : '';
    handoff = days
      ? `FREQ=WEEKLY${every};WKST=${RRULE_DAY[weekStart]};BYDAY=${RRULE_DAY[first]};${byTime}`
      : `FREQ=WEEKLY${every}`;
    if (days) spans = days.map((d) => ({ day: d, from: t0, minutes }));
    else if (!continuous) spans = [{ day: first, from: t0, minutes }];
  }
  const coverage = spans === null ? null : windowsFor(spans);
  // Which turn is the first: turns before rotation_start are not on call.
  const rule = parseHandoffRule(handoff);
  let first = start;
  let k = 0;
  if (rolling && x.rotation_start) {
    const rs = localIn(x.rotation_start, own, zone);
    const active = (p: LocalMs) => (web ? p + durationMs > rs : p >= rs);
    if (!active(start)) {
      const { occurrences } = expandLocal(rule, start, (rs + 2 * interval * unit + WEEK) as LocalMs);
      const i = occurrences.findIndex(active);
      if (i < 0) {
        report.skip(sw, 'its rotation_start is past every turn that could be found');
        return [];
      }
      first = occurrences[i]!;
      k = i + 1;
    }
  }
  // Events start at most at `until`; the last one runs its full duration.
  let end: LocalMs | null = null;
  if (until !== null) {
    const events = parseHandoffRule(
      days ? `FREQ=WEEKLY;BYDAY=${days.map((d) => RRULE_DAY[d]).join(',')};${byTime}` : handoff,
    );
    const last = [first, ...expandLocal(events, first, until).occurrences].filter((o) => o <= until).pop();
    if (last === undefined) {
      report.skip(sw, 'its until is before its first turn');
      return [];
    }
    end = (last + durationMs) as LocalMs;
  }
  const turns = rolling ? groups : [groups[0]!];
  return groups[0]!.map((_, j) => ({
    name: names[j]!,
    source,
    role: role(j),
    members: rotate(
      turns.map((g) => g[j]!),
      k,
    ),
    start: first,
    handoff: rolling && turns.length > 1 ? handoff : null,
    end,
    coverage,
    note: `${x.type} ${freq}${interval > 1 ? ` every ${interval}` : ''}${x.by_day?.length ? ` on ${x.by_day.join(',')}` : ''} from ${x.start} for ${x.duration}s`,
  }));
}

// ------------------------------------------------------------------------------------ chains

function planChain(
  c: z.output<typeof chain>,
  name: string,
  steps: readonly z.output<typeof escalationPolicy>[],
  personOf: ReadonlyMap<string, string>,
  scheduleOf: ReadonlyMap<string, PlannedSchedule>,
  teamMembers: ReadonlyMap<string, readonly string[]>,
  label: (uid: string) => string,
  report: Report,
): PlannedPolicy {
  const what = describe('escalation chain', c.name, c.id);
  const out: PlannedStep[] = [];
  let current: PlannedTarget[] = [];
  let currentSource: { id: string; what: string } | undefined;
  let initialWait = 0;
  let repeat = 0;
  const persons = (ids: readonly string[], at: string) =>
    ids.flatMap((uid) => {
      const p = personOf.get(uid);
      if (!p) report.skip(what, `${at}: user ${label(uid)} is not in users.json`);
      return p ? [{ person: p }] : [];
    });
  for (const [i, st] of steps.entries()) {
    const at = `step ${i + 1} (${st.type})`;
    if (repeat > 0) {
      report.skip(
        what,
        `${at} comes after "repeat escalation": OnCall runs it once the repeats are used up; Hark stops there`,
      );
      continue;
    }
    if (st.important)
      report.approx(
        what,
        `${at} is "important": Hark pages with each person's rules for the incident's urgency`,
      );
    switch (st.type) {
      case 'wait': {
        const m = (st.duration ?? 0) / 60;
        if (!Number.isInteger(m)) report.approx(what, `${at}: ${st.duration}s rounded up to whole minutes`);
        const minutes = Math.ceil(m);
        if (current.length > 0) {
          out.push({
            notify: current,
            escalateAfterMinutes: minutes,
            ...(currentSource ? { source: currentSource } : {}),
          });
          current = [];
          currentSource = undefined;
        } else if (out.length > 0) {
          const last = out[out.length - 1]!;
          out[out.length - 1] = { ...last, escalateAfterMinutes: (last.escalateAfterMinutes ?? 0) + minutes };
        } else initialWait += minutes;
        continue;
      }
      case 'notify_persons':
        current.push(...persons(st.persons_to_notify ?? [], at));
        break;
      case 'notify_person_next_each_time': {
        const list = persons(st.persons_to_notify_next_each_time ?? [], at);
        if (list.length > 1)
          report.approx(
            what,
            `${at} pages the next of ${list.length} people each time: Hark has no round robin, so it pages all of them`,
          );
        current.push(...list);
        break;
      }
      case 'notify_on_call_from_schedule': {
        const s = st.notify_on_call_from_schedule
          ? scheduleOf.get(st.notify_on_call_from_schedule)
          : undefined;
        if (s) current.push(...s.roles.map((role) => ({ schedule: s.name, role })));
        else
          report.skip(
            what,
            `${at}: schedule ${st.notify_on_call_from_schedule ?? '(none)'} was not imported`,
          );
        break;
      }
      case 'notify_team_members': {
        const members = st.team_to_notify ? teamMembers.get(st.team_to_notify) : undefined;
        if (members && members.length > 0) current.push(...members.map((p) => ({ person: p })));
        else report.skip(what, `${at}: team ${st.team_to_notify ?? '(none)'} has no members in users.json`);
        break;
      }
      case 'repeat_escalation':
        repeat = 5;
        continue;
      default:
        report.skip(what, `${at}: Hark has no ${st.type.replace(/_/g, ' ')} step`);
        continue;
    }
    currentSource ??= { id: st.id, what: 'escalation policy step' };
  }
  if (current.length > 0) out.push({ notify: current, ...(currentSource ? { source: currentSource } : {}) });
  if (initialWait > 0)
    report.approx(
      what,
      `it waits ${initialWait}m before its first notification: Hark pages the first step at once`,
    );
  if (repeat > 0 && out.length > 0) {
    const last = out[out.length - 1]!;
    if (last.escalateAfterMinutes === undefined) {
      report.approx(what, 'it repeats at once after the last notification: Hark waits 1m before a repeat');
      out[out.length - 1] = { ...last, escalateAfterMinutes: 1 };
    }
  }
  return { name, source: { id: c.id, what: 'escalation chain', name: c.name }, repeat, steps: out };
}

// ------------------------------------------------------------------------------------ integrations

const INTEGRATION_TYPES: Record<string, PlannedIntegration['type']> = {
  alertmanager: 'alertmanager',
  legacy_alertmanager: 'alertmanager',
  grafana: 'grafana',
  grafana_alerting: 'grafana',
  legacy_grafana_alerting: 'grafana',
  webhook: 'generic',
  formatted_webhook: 'generic',
};

function planIntegrations(
  list: readonly z.output<typeof integration>[],
  routes: readonly z.output<typeof route>[],
  policyOf: ReadonlyMap<string, string>,
  env: EnvNeed[],
  report: Report,
): { services: PlannedService[]; integrations: PlannedIntegration[] } {
  const names = new NameSpace();
  const serviceNames = new NameSpace();
  const integrations: PlannedIntegration[] = [];
  const services: PlannedService[] = [];
  for (const i of list) {
    const what = describe('integration', i.name, i.id);
    for (const r of routes.filter((x) => x.integration_id === i.id && !x.is_the_last_route)) {
      report.skip(
        `${describe('route', undefined, r.id)} of integration "${i.name}"`,
        `its routing_regex ${JSON.stringify(r.routing_regex ?? '')} is a Jinja template: add a service with a label match for it`,
      );
    }
    const policy = i.default_route?.escalation_chain_id
      ? policyOf.get(i.default_route.escalation_chain_id)
      : undefined;
    if (policy)
      services.push({
        name: serviceNames.take(i.name, `integration-${i.id}`),
        source: { id: i.id, what: 'integration', name: i.name },
        policy,
      });
    else
      report.skip(
        what,
        'its default route has no escalation chain that was imported, so no service is written for it',
      );
    const type = INTEGRATION_TYPES[i.type];
    if (!type) {
      report.skip(
        what,
        `type ${i.type}: Hark takes Alertmanager, Grafana, Datadog, PagerDuty Events and its generic JSON`,
      );
      continue;
    }
    const name = names.take(i.name, `integration-${i.id}`);
    const tokenEnv = envName('HARK_TOKEN', name);
    integrations.push({ name, source: { id: i.id, what: 'integration', name: i.name }, type, tokenEnv });
    env.push({
      name: tokenEnv,
      what: `a new secret token for the sender of OnCall integration "${i.name}" (its OnCall URL is not reused)`,
    });
  }
  if (services.length > 1) {
    return {
      integrations,
      services: services.map((s) => {
        report.approx(
          describe('integration', s.source.name, s.source.id),
          `OnCall routes by integration, Hark by labels: its service matches alerts labelled service=${s.name}; change the match in hark.yaml to what your alerts carry`,
        );
        return { ...s, match: { service: s.name } };
      }),
    };
  }
  return { services, integrations };
}
