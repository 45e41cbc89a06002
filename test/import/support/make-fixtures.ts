/**
 * Writes the import fixtures: vendor API responses in their documented shapes (written from the
 * public API references), with the rendered final schedules made by support/reference.ts. The
 * output is committed; run again after changing it:
 *
 *   npx tsx test/import/support/make-fixtures.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  at,
  isoIn,
  oncallEvents,
  oncallFinal,
  opsgenieWho,
  pagerdutyWho,
  sample,
  type OcShift,
  type OgRotation,
  type PdLayer,
} from './reference.js';

const ROOT = resolve(import.meta.dirname, '../fixtures');

function write(dir: string, files: Record<string, unknown>): void {
  rmSync(join(ROOT, dir), { recursive: true, force: true });
  for (const [rel, value] of Object.entries(files)) {
    const full = join(ROOT, dir, `${rel}.json`);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, `${JSON.stringify(value, null, 2)}\n`);
  }
}

// ------------------------------------------------------------------------------ PagerDuty

const PD = 'https://api.pagerduty.com';
const pdRef = (type: string, id: string, summary: string, path: string) => ({
  id,
  type,
  summary,
  self: `${PD}/${path}/${id}`,
  html_url: `https://acme.pagerduty.com/${path}/${id}`,
});
const pdUsers: Record<string, string> = {
  PALICE1: 'Alice Example',
  PBOB002: 'Bob Builder',
  PCAROL3: 'Carol Danvers',
  PDAVE04: 'Dave Night',
  PERIN05: 'Erin Berlin',
  PFRANK6: 'Frank Köhler',
  PGINA07: 'Gina Weekend',
  PHANK08: 'Hank Weekend',
  PIVAN09: 'Ivan Cover',
};
const userRef = (id: string) => pdRef('user_reference', id, pdUsers[id]!, 'users');

function pdUser(
  id: string,
  opts: {
    email: string;
    zone: string;
    teams: [string, string][];
    methods: {
      id: string;
      type: string;
      label: string;
      address: string;
      country_code?: number;
      blacklisted?: boolean;
    }[];
    rules: { id: string; urgency: 'high' | 'low'; delay: number; method: string }[];
  },
) {
  const byId = new Map(opts.methods.map((m) => [m.id, m]));
  return {
    ...pdRef('user', id, pdUsers[id]!, 'users'),
    name: pdUsers[id],
    email: opts.email,
    time_zone: opts.zone,
    color: 'green',
    role: 'user',
    avatar_url: 'https://secure.gravatar.com/avatar/0.png',
    description: null,
    invitation_sent: false,
    job_title: 'Engineer',
    teams: opts.teams.map(([tid, name]) => pdRef('team_reference', tid, name, 'teams')),
    contact_methods: opts.methods.map((m) => ({
      id: m.id,
      type: m.type,
      summary: m.label,
      self: `${PD}/users/${id}/contact_methods/${m.id}`,
      html_url: null,
      label: m.label,
      address: m.address,
      ...(m.country_code !== undefined
        ? { country_code: m.country_code, enabled: true, blacklisted: m.blacklisted ?? false }
        : {}),
      ...(m.type === 'email_contact_method' ? { send_short_email: false } : {}),
    })),
    notification_rules: opts.rules.map((r) => ({
      id: r.id,
      type: 'assignment_notification_rule',
      summary: `${r.delay} minutes: channel ${r.method}`,
      self: `${PD}/users/${id}/notification_rules/${r.id}`,
      html_url: null,
      start_delay_in_minutes: r.delay,
      created_at: '2025-06-01T10:00:00-04:00',
      contact_method: {
        id: r.method,
        type: `${byId.get(r.method)!.type}_reference`,
        summary: byId.get(r.method)!.label,
        self: `${PD}/users/${id}/contact_methods/${r.method}`,
        html_url: null,
      },
      urgency: r.urgency,
    })),
  };
}

const TEAMS = { ops: ['PTEAM01', 'Operations'], db: ['PTEAM02', 'Databases'] } as const;
const T = (...names: (keyof typeof TEAMS)[]) => names.map((n) => [...TEAMS[n]] as [string, string]);

function pagerduty(): void {
  const email = (id: string, address: string) => ({
    id,
    type: 'email_contact_method',
    label: 'Default',
    address,
  });
  const sms = (id: string, national: string, label = 'Mobile') => ({
    id,
    type: 'sms_contact_method',
    label,
    address: national,
    country_code: 1,
  });
  const phone = (id: string, national: string) => ({
    id,
    type: 'phone_contact_method',
    label: 'Mobile',
    address: national,
    country_code: 1,
  });
  const users = [
    pdUser('PALICE1', {
      email: 'alice@example.com',
      zone: 'America/New_York',
      teams: T('ops', 'db'),
      methods: [
        email('PCM0A01', 'alice@example.com'),
        sms('PCM0A02', '5555550101'),
        phone('PCM0A03', '5555550101'),
      ],
      rules: [
        { id: 'PNR0A01', urgency: 'high', delay: 0, method: 'PCM0A02' },
        { id: 'PNR0A02', urgency: 'high', delay: 0, method: 'PCM0A01' },
        { id: 'PNR0A03', urgency: 'high', delay: 3, method: 'PCM0A03' },
        { id: 'PNR0A04', urgency: 'low', delay: 0, method: 'PCM0A01' },
      ],
    }),
    pdUser('PBOB002', {
      email: 'bob@example.com',
      zone: 'America/New_York',
      teams: T('ops'),
      methods: [
        email('PCM0B01', 'bob@example.com'),
        sms('PCM0B02', '5555550102'),
        sms('PCM0B03', '5555550199', 'Home'),
        {
          id: 'PCM0B04',
          type: 'push_notification_contact_method',
          label: 'iPhone',
          address: 'bob-iphone-token',
        },
      ],
      rules: [
        { id: 'PNR0B01', urgency: 'high', delay: 0, method: 'PCM0B04' },
        { id: 'PNR0B02', urgency: 'high', delay: 1, method: 'PCM0B02' },
        { id: 'PNR0B03', urgency: 'high', delay: 5, method: 'PCM0B03' },
        { id: 'PNR0B04', urgency: 'low', delay: 0, method: 'PCM0B01' },
      ],
    }),
    pdUser('PCAROL3', {
      email: 'carol@example.com',
      zone: 'America/Chicago',
      teams: T('ops', 'db'),
      methods: [email('PCM0C01', 'carol@example.com'), phone('PCM0C02', '5555550103')],
      rules: [
        { id: 'PNR0C01', urgency: 'high', delay: 0, method: 'PCM0C02' },
        { id: 'PNR0C02', urgency: 'low', delay: 0, method: 'PCM0C01' },
      ],
    }),
    ...(
      [
        ['PDAVE04', 'dave@example.com', 'America/New_York', '5555550104', T('ops')],
        ['PERIN05', 'erin@example.com', 'Europe/Berlin', '5555550105', T('db')],
        ['PFRANK6', 'frank@example.com', 'Europe/Berlin', '5555550106', T('db', 'ops')],
        ['PGINA07', 'gina@example.com', 'America/Los_Angeles', '5555550107', T('ops')],
        ['PHANK08', 'hank@example.com', 'America/Los_Angeles', '5555550108', T('ops')],
        ['PIVAN09', 'ivan@example.com', 'Asia/Tokyo', '5555550109', []],
      ] as const
    ).map(([id, mail, zone, number, teams], i) =>
      pdUser(id, {
        email: mail,
        zone,
        teams: [...teams],
        methods: [email(`PCM${i}E01`, mail), sms(`PCM${i}E02`, number)],
        rules: [
          { id: `PNR${i}E01`, urgency: 'high', delay: 0, method: `PCM${i}E02` },
          { id: `PNR${i}E02`, urgency: 'high', delay: 0, method: `PCM${i}E01` },
        ],
      }),
    ),
  ];

  // Platform: three layers over New York (DST starts 2026-03-08), overrides on top.
  const ny = 'America/New_York';
  const from = at('2026-03-01T00:00', ny);
  const to = at('2026-03-31T00:00', ny);
  const layer = (
    id: string,
    name: string,
    start: string,
    vs: string,
    turn: number,
    ids: string[],
    restrictions: PdLayer['restrictions'] = [],
    end: string | null = null,
  ) => ({
    name,
    rendered_schedule_entries: [] as unknown[],
    rendered_coverage_percentage: null,
    id,
    start: isoIn(at(start, ny), ny),
    end: end === null ? null : isoIn(at(end, ny), ny),
    rotation_virtual_start: isoIn(at(vs, ny), ny),
    rotation_turn_length_seconds: turn,
    users: ids.map((u) => ({ user: userRef(u) })),
    restrictions,
  });
  // The API lists the highest layer first.
  const platformLayers = [
    layer(
      'PLAYER3',
      'Weekend',
      '2026-01-03T10:00',
      '2026-01-03T10:00',
      86400,
      ['PGINA07', 'PHANK08'],
      [
        {
          type: 'weekly_restriction',
          start_time_of_day: '10:00:00',
          duration_seconds: 2 * 86400,
          start_day_of_week: 6,
        },
        {
          type: 'weekly_restriction',
          start_time_of_day: '12:00:00',
          duration_seconds: 3 * 3600,
          start_day_of_week: 3,
        },
      ],
    ),
    layer(
      'PLAYER2',
      'Nights',
      '2026-02-10T13:00',
      '2026-02-01T20:00',
      43200,
      ['PDAVE04', 'PERIN05', 'PFRANK6'],
      [{ type: 'daily_restriction', start_time_of_day: '20:00:00', duration_seconds: 12 * 3600 }],
    ),
    layer('PLAYER1', 'Weekly', '2026-01-05T09:00', '2026-01-05T09:00', 604800, [
      'PALICE1',
      'PBOB002',
      'PCAROL3',
    ]),
  ];
  const platformOverrides = [
    {
      id: 'POVR001',
      start: isoIn(at('2026-03-07T22:00', ny), ny),
      end: isoIn(at('2026-03-08T04:00', ny), ny),
      user: userRef('PIVAN09'),
    },
    {
      id: 'POVR002',
      start: isoIn(at('2026-03-10T09:00', ny), ny),
      end: isoIn(at('2026-03-11T09:00', ny), ny),
      user: userRef('PIVAN09'),
    },
  ];
  const render = (
    zone: string,
    layers: PdLayer[],
    overrides: typeof platformOverrides,
    a: number,
    b: number,
  ) =>
    sample(a, b, pagerdutyWho(zone, layers, overrides)).map((e) => ({
      start: isoIn(e.start, zone),
      end: isoIn(e.end, zone),
      user: userRef(e.who),
    }));
  const schedule = (
    id: string,
    name: string,
    zone: string,
    layers: ReturnType<typeof layer>[],
    overrides: typeof platformOverrides,
    a: number,
    b: number,
  ) => ({
    schedule: {
      ...pdRef('schedule', id, name, 'schedules'),
      name,
      time_zone: zone,
      description: `${name} on-call`,
      escalation_policies: [],
      users: [],
      teams: [pdRef('team_reference', TEAMS.ops[0], TEAMS.ops[1], 'teams')],
      schedule_layers: layers,
      overrides_subschedule: {
        name: 'Overrides',
        rendered_schedule_entries: overrides
          .filter((o) => Date.parse(o.end) > a && Date.parse(o.start) < b)
          .map((o) => ({ start: o.start, end: o.end, user: o.user })),
        rendered_coverage_percentage: null,
      },
      final_schedule: {
        name: 'Final Schedule',
        rendered_schedule_entries: render(zone, layers, overrides, a, b),
        rendered_coverage_percentage: null,
      },
    },
  });

  // Database: a custom two-day rotation in Berlin (DST starts 2026-03-29).
  const berlin = 'Europe/Berlin';
  const dbLayers = [
    {
      ...layer('PLAYER4', 'Two days', '2026-02-02T09:00', '2026-02-02T09:00', 2 * 86400, [
        'PERIN05',
        'PFRANK6',
        'PCAROL3',
      ]),
      start: isoIn(at('2026-02-02T09:00', berlin), berlin),
      rotation_virtual_start: isoIn(at('2026-02-02T09:00', berlin), berlin),
    },
  ];
  const dbFrom = at('2026-03-01T00:00', berlin);
  const dbTo = at('2026-03-31T00:00', berlin);

  const policyRef = (id: string, name: string) =>
    pdRef('escalation_policy_reference', id, name, 'escalation_policies');
  const scheduleRef = (id: string, name: string) => pdRef('schedule_reference', id, name, 'schedules');
  const target = (r: ReturnType<typeof pdRef>) => ({
    id: r.id,
    type: r.type,
    summary: r.summary,
    self: r.self,
    html_url: r.html_url,
  });
  write('pagerduty', {
    users: { users, limit: 100, offset: 0, more: false, total: null },
    schedules: {
      schedules: [
        {
          ...pdRef('schedule', 'PSCHED1', 'Platform Primary', 'schedules'),
          name: 'Platform Primary',
          time_zone: ny,
        },
        { ...pdRef('schedule', 'PSCHED2', 'Database', 'schedules'), name: 'Database', time_zone: berlin },
      ],
      limit: 25,
      offset: 0,
      more: false,
      total: null,
    },
    'schedules/PSCHED1': schedule(
      'PSCHED1',
      'Platform Primary',
      ny,
      platformLayers,
      platformOverrides,
      from,
      to,
    ),
    'schedules/PSCHED1/overrides': { overrides: platformOverrides },
    'schedules/PSCHED2': schedule('PSCHED2', 'Database', berlin, dbLayers, [], dbFrom, dbTo),
    escalation_policies: {
      escalation_policies: [
        {
          ...pdRef('escalation_policy', 'PPOLCY1', 'Platform Escalation', 'escalation_policies'),
          name: 'Platform Escalation',
          description: 'Primary, then nights and Dave, then Alice',
          on_call_handoff_notifications: 'if_has_services',
          num_loops: 2,
          escalation_rules: [
            {
              id: 'PRULE01',
              escalation_delay_in_minutes: 5,
              targets: [target(scheduleRef('PSCHED1', 'Platform Primary'))],
            },
            {
              id: 'PRULE02',
              escalation_delay_in_minutes: 10,
              targets: [target(scheduleRef('PSCHED2', 'Database')), target(userRef('PDAVE04'))],
              escalation_rule_assignment_strategy: 'round_robin',
            },
            { id: 'PRULE03', escalation_delay_in_minutes: 15, targets: [target(userRef('PALICE1'))] },
          ],
          services: [],
          teams: [pdRef('team_reference', TEAMS.ops[0], TEAMS.ops[1], 'teams')],
        },
        {
          ...pdRef('escalation_policy', 'PPOLCY2', 'Database', 'escalation_policies'),
          name: 'Database',
          num_loops: 0,
          escalation_rules: [
            {
              id: 'PRULE04',
              escalation_delay_in_minutes: 30,
              targets: [target(scheduleRef('PSCHED2', 'Database'))],
            },
            {
              id: 'PRULE05',
              escalation_delay_in_minutes: 30,
              targets: [
                {
                  id: 'PV3SCH1',
                  type: 'schedule_v3_reference',
                  summary: 'Flexible DB',
                  self: null,
                  html_url: null,
                },
              ],
            },
          ],
          services: [],
          teams: [],
        },
      ],
      limit: 25,
      offset: 0,
      more: false,
      total: null,
    },
    services: {
      services: [
        {
          ...pdRef('service', 'PSERV01', 'Checkout API', 'service-directory'),
          name: 'Checkout API',
          status: 'active',
          escalation_policy: policyRef('PPOLCY1', 'Platform Escalation'),
          integrations: [
            {
              id: 'PINTG01',
              type: 'events_api_v2_inbound_integration',
              summary: 'Prometheus',
              name: 'Prometheus',
              service: pdRef('service_reference', 'PSERV01', 'Checkout API', 'services'),
              integration_key: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
            },
            {
              id: 'PINTG02',
              type: 'generic_email_inbound_integration',
              summary: 'Email',
              name: 'Email',
              integration_email: 'checkout@acme.pagerduty.com',
            },
          ],
        },
        {
          ...pdRef('service', 'PSERV02', 'Postgres', 'service-directory'),
          name: 'Postgres',
          status: 'active',
          escalation_policy: policyRef('PPOLCY2', 'Database'),
          integrations: [
            {
              id: 'PINTG03',
              type: 'generic_events_api_inbound_integration',
              summary: 'Datadog',
              name: 'Datadog',
              integration_key: 'f0e9d8c7b6a5948372615049382716a5',
            },
          ],
        },
        {
          ...pdRef('service', 'PSERV03', 'Legacy Batch', 'service-directory'),
          name: 'Legacy Batch',
          status: 'disabled',
          escalation_policy: policyRef('PPOLCY2', 'Database'),
          integrations: [],
        },
      ],
      limit: 25,
      offset: 0,
      more: false,
      total: null,
    },
  });

  // A bundle file with one deliberate difference: PagerDuty's rendered schedule has bob for a
  // turn that the layer gives to alice.
  const small = [
    layer('PLAYERX', 'Daily', '2026-03-02T09:00', '2026-03-02T09:00', 86400, ['PALICE1', 'PBOB002']),
  ];
  const sFrom = at('2026-03-02T09:00', ny);
  const sTo = at('2026-03-09T09:00', ny);
  const rendered = schedule('PSCHEDX', 'Small', ny, small, [], sFrom, sTo);
  const entries = rendered.schedule.final_schedule.rendered_schedule_entries;
  entries[2] = { ...entries[2]!, user: userRef('PBOB002') };
  mkdirSync(ROOT, { recursive: true });
  writeFileSync(
    join(ROOT, 'pagerduty-difference.json'),
    `${JSON.stringify(
      {
        users: { users: users.slice(0, 2), limit: 100, offset: 0, more: false, total: null },
        'schedules/PSCHEDX': rendered,
        escalation_policies: { escalation_policies: [], limit: 25, offset: 0, more: false, total: null },
      },
      null,
      2,
    )}\n`,
  );
}

// ------------------------------------------------------------------------------ Opsgenie

function opsgenie(): void {
  const uid = (n: number) => `b3c1f0a2-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
  const people = [
    ['Alice Example', 'alice@example.com', 'Europe/London'],
    ['Bob Builder', 'bob@example.com', 'Europe/London'],
    ['Carol Danvers', 'carol@example.com', 'America/Chicago'],
    ['Dave Night', 'dave@example.com', 'Europe/London'],
    ['Erin Chicago', 'erin@example.com', 'America/Chicago'],
    ['Frank Köhler', 'frank@example.com', 'Europe/Berlin'],
    ['Gina Hours', 'gina@example.com', 'Europe/London'],
  ] as const;
  const ids = people.map((_, i) => uid(i + 1));
  const user = (i: number) => ({ type: 'user', id: ids[i]!, username: people[i]![1] });
  const base = (i: number) => ({
    blocked: false,
    verified: true,
    id: ids[i],
    username: people[i]![1],
    fullName: people[i]![0],
    role: { id: 'User', name: 'User' },
    timeZone: people[i]![2],
    locale: 'en_GB',
    userAddress: { country: '', state: '', city: '', line: '', zipCode: '' },
    createdAt: '2025-05-01T10:00:00.000Z',
  });
  const contacts = (i: number, phone: string) => [
    { id: `c-${i}-1`, contactMethod: 'email', to: people[i]![1], enabled: true },
    { id: `c-${i}-2`, contactMethod: 'sms', to: `44-${phone}`, enabled: true },
    { id: `c-${i}-3`, contactMethod: 'voice', to: `44-${phone}`, enabled: true },
  ];
  const detailed: Record<string, unknown> = {};
  people.forEach((_, i) => {
    const extra =
      i === 1
        ? [
            { id: 'c-1-4', contactMethod: 'mobile', to: 'Bob iPhone', enabled: true },
            { id: 'c-1-5', contactMethod: 'sms', to: '44-7700900999', enabled: false },
          ]
        : [];
    if (i !== 6)
      detailed[`users/${ids[i]}`] = {
        data: { ...base(i), userContacts: [...contacts(i, `77009001${i}0`), ...extra] },
        took: 0.01,
        requestId: `r-${i}`,
      };
  });

  const london = 'Europe/London';
  const chicago = 'America/Chicago';
  const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
  const rotation = (r: OgRotation & { name: string }) => ({
    ...r,
    participants: r.participants.map((p) => ({ ...p })),
  });
  const ops: (OgRotation & { name: string })[] = [
    {
      id: 'r-ops-business',
      name: 'Business hours',
      startDate: iso(at('2026-02-02T09:00', london)),
      type: 'weekly',
      length: 1,
      participants: [user(0), user(1), user(2)],
      timeRestriction: {
        type: 'weekday-and-time-of-day',
        restrictions: [
          { startDay: 'monday', startHour: 9, startMin: 0, endDay: 'friday', endHour: 17, endMin: 30 },
          { startDay: 'saturday', startHour: 10, startMin: 0, endDay: 'saturday', endHour: 14, endMin: 0 },
        ],
      },
    },
    {
      id: 'r-ops-nights',
      name: 'Nights',
      startDate: iso(at('2026-02-01T18:00', london)),
      type: 'daily',
      length: 1,
      participants: [user(3), user(1)],
      timeRestriction: {
        type: 'time-of-day',
        restriction: { startHour: 18, startMin: 0, endHour: 9, endMin: 0 },
      },
    },
    {
      id: 'r-ops-hours',
      name: 'Eight hours',
      startDate: iso(at('2026-03-02T06:00', london)),
      endDate: iso(at('2026-03-20T06:00', london)),
      type: 'hourly',
      length: 8,
      participants: [user(5), user(6), user(0)],
    },
  ];
  const opsOverrides = [
    {
      _parent: { id: 's-ops', name: 'Ops Team_schedule', enabled: true },
      alias: 'ov-nights-frank',
      user: user(5),
      startDate: iso(at('2026-03-03T20:00', london)),
      endDate: iso(at('2026-03-04T08:00', london)),
      rotations: [{ id: 'r-ops-nights', name: 'Nights' }],
    },
    {
      _parent: { id: 's-ops', name: 'Ops Team_schedule', enabled: true },
      alias: 'ov-all-dst',
      user: user(6),
      startDate: '2026-03-29T00:00:00Z',
      endDate: '2026-03-29T06:00:00Z',
      rotations: [],
    },
  ];
  const db: (OgRotation & { name: string })[] = [
    {
      id: 'r-db-two-days',
      name: 'Two days',
      startDate: iso(at('2026-02-01T08:00', chicago)),
      type: 'daily',
      length: 2,
      participants: [user(4), user(5)],
    },
  ];
  const from = Date.parse('2026-03-01T00:00:00Z');
  const to = Date.parse('2026-03-31T00:00:00Z');
  const timeline = (
    sid: string,
    name: string,
    zone: string,
    rotations: typeof ops,
    ov: typeof opsOverrides,
  ) => ({
    data: {
      _parent: { id: sid, name, enabled: true },
      startDate: iso(from),
      endDate: iso(to),
      finalTimeline: {
        rotations: rotations.map((r, i) => ({
          id: r.id,
          name: r.name,
          order: i + 1,
          periods: sample(from, to, opsgenieWho(zone, r, ov)).map((e) => ({
            startDate: iso(e.start),
            endDate: iso(e.end),
            type: e.start < Date.parse('2026-03-02T00:00:00Z') ? 'historical' : 'default',
            recipient: { id: e.who, type: 'user', name: people[ids.indexOf(e.who)]![1] },
          })),
        })),
      },
    },
    expandable: ['base', 'forwarding', 'override'],
    took: 0.05,
    requestId: `timeline-${sid}`,
  });
  const team = (tid: string, name: string, members: [number, string][]) => ({
    id: tid,
    name,
    description: `${name} on-call`,
    members: members.map(([i, role]) => ({ user: { id: ids[i], username: people[i]![1] }, role })),
  });
  const scheduleRecipient = (sid: string, name: string) => ({ type: 'schedule', id: sid, name });
  write('opsgenie', {
    users: {
      totalCount: people.length,
      data: people.map((_, i) => base(i)),
      paging: { first: '', last: '' },
      took: 0.1,
      requestId: 'users',
    },
    ...detailed,
    [`users/${ids[0]}/notification-rules/nr-alice-new`]: {
      data: {
        id: 'nr-alice-new',
        name: 'New Alert Rule',
        actionType: 'create-alert',
        notificationTime: [],
        order: 0,
        criteria: { type: 'match-all' },
        steps: [
          {
            id: 's1',
            sendAfter: { timeAmount: 0, timeUnit: 'minutes' },
            contact: { method: 'sms', to: `44-7700900100` },
            enabled: true,
          },
          {
            id: 's2',
            sendAfter: { timeAmount: 0, timeUnit: 'minutes' },
            contact: { method: 'email', to: 'alice@example.com' },
            enabled: true,
          },
          {
            id: 's3',
            sendAfter: { timeAmount: 2, timeUnit: 'minutes' },
            contact: { method: 'voice', to: `44-7700900100` },
            enabled: true,
          },
          {
            id: 's4',
            sendAfter: { timeAmount: 1, timeUnit: 'minutes' },
            contact: { method: 'mobile', to: 'Alice Android' },
            enabled: true,
          },
        ],
        enabled: true,
      },
      took: 0.01,
      requestId: 'nr',
    },
    [`users/${ids[0]}/notification-rules/nr-alice-ack`]: {
      data: {
        id: 'nr-alice-ack',
        name: 'Acknowledged Alert Rule',
        actionType: 'acknowledged-alert',
        order: 1,
        criteria: { type: 'match-all' },
        steps: [],
        enabled: true,
      },
      took: 0.01,
      requestId: 'nr2',
    },
    schedules: {
      data: [
        {
          id: 's-ops',
          name: 'Ops Team_schedule',
          description: '',
          timezone: london,
          enabled: true,
          ownerTeam: { id: 't-ops', name: 'Ops Team' },
          rotations: ops.map(rotation),
        },
        {
          id: 's-db',
          name: 'DB_schedule',
          description: '',
          timezone: chicago,
          enabled: true,
          ownerTeam: { id: 't-db', name: 'DB Team' },
          rotations: db.map(rotation),
        },
        {
          id: 's-backup',
          name: 'Backup_schedule',
          timezone: london,
          enabled: true,
          ownerTeam: { id: 't-ops', name: 'Ops Team' },
          rotations: [
            {
              id: 'r-backup',
              name: 'Backup',
              startDate: '2026-01-05T09:00:00Z',
              type: 'weekly',
              length: 1,
              participants: [user(0), { type: 'none' }],
            },
          ],
        },
        { id: 's-old', name: 'Old_schedule', timezone: london, enabled: false, rotations: [] },
      ],
      expandable: ['rotation'],
      took: 0.1,
      requestId: 'schedules',
    },
    'schedules/s-ops/timeline': timeline('s-ops', 'Ops Team_schedule', london, ops, opsOverrides),
    'schedules/s-ops/overrides': { data: opsOverrides, took: 0.01, requestId: 'ov' },
    'schedules/s-db/timeline': timeline('s-db', 'DB_schedule', chicago, db, []),
    escalations: {
      data: [
        {
          id: 'e-ops',
          name: 'Ops Team_escalation',
          description: '',
          ownerTeam: { id: 't-ops', name: 'Ops Team' },
          rules: [
            {
              condition: 'if-not-acked',
              notifyType: 'default',
              delay: { timeAmount: 0, timeUnit: 'minutes' },
              recipient: scheduleRecipient('s-ops', 'Ops Team_schedule'),
            },
            {
              condition: 'if-not-acked',
              notifyType: 'next',
              delay: { timeAmount: 5, timeUnit: 'minutes' },
              recipient: scheduleRecipient('s-ops', 'Ops Team_schedule'),
            },
            {
              condition: 'if-not-acked',
              notifyType: 'default',
              delay: { timeAmount: 10, timeUnit: 'minutes' },
              recipient: user(3),
            },
            {
              condition: 'if-not-closed',
              notifyType: 'admins',
              delay: { timeAmount: 1, timeUnit: 'hours' },
              recipient: { type: 'team', id: 't-ops', name: 'Ops Team' },
            },
          ],
          repeat: { waitInterval: 10, count: 2, resetRecipientStates: false, closeAlertAfterAll: false },
        },
        {
          id: 'e-db',
          name: 'DB_escalation',
          description: '',
          ownerTeam: { id: 't-db', name: 'DB Team' },
          rules: [
            {
              condition: 'if-not-acked',
              notifyType: 'default',
              delay: { timeAmount: 0 },
              recipient: scheduleRecipient('s-db', 'DB_schedule'),
            },
            {
              condition: 'if-not-acked',
              notifyType: 'default',
              delay: { timeAmount: 0 },
              recipient: user(4),
            },
            {
              condition: 'if-not-acked',
              notifyType: 'default',
              delay: { timeAmount: 30 },
              recipient: scheduleRecipient('s-backup', 'Backup_schedule'),
            },
            {
              condition: 'if-not-acked',
              notifyType: 'all',
              delay: { timeAmount: 45 },
              recipient: { type: 'team', id: 't-db', name: 'DB Team' },
            },
          ],
          repeat: { waitInterval: 0, count: 0, resetRecipientStates: false, closeAlertAfterAll: false },
        },
      ],
      took: 0.1,
      requestId: 'escalations',
    },
    teams: {
      data: [
        { id: 't-ops', name: 'Ops Team', description: '' },
        { id: 't-db', name: 'DB Team', description: '' },
      ],
      took: 0.1,
      requestId: 'teams',
    },
    'teams/t-ops': {
      data: team('t-ops', 'Ops Team', [
        [0, 'admin'],
        [1, 'user'],
        [2, 'user'],
        [3, 'admin'],
        [6, 'user'],
      ]),
      took: 0.1,
      requestId: 't1',
    },
    'teams/t-db': {
      data: team('t-db', 'DB Team', [
        [4, 'admin'],
        [5, 'user'],
        [0, 'user'],
      ]),
      took: 0.1,
      requestId: 't2',
    },
    'teams/t-ops/routing-rules': {
      data: [
        {
          id: 'rr-ops-sev1',
          name: 'Critical to DB',
          isDefault: false,
          order: 0,
          criteria: {
            type: 'match-any-condition',
            conditions: [{ field: 'priority', operation: 'equals', expectedValue: 'P1' }],
          },
          timezone: london,
          notify: { type: 'escalation', id: 'e-db', name: 'DB_escalation' },
        },
        {
          id: 'rr-ops-default',
          name: 'Default Routing Rule',
          isDefault: true,
          order: 1,
          criteria: { type: 'match-all' },
          timezone: london,
          notify: { type: 'escalation', id: 'e-ops', name: 'Ops Team_escalation' },
        },
      ],
      took: 0.01,
      requestId: 'rr',
    },
    integrations: {
      data: [
        {
          id: 'i-prom',
          name: 'Prometheus Ops',
          enabled: true,
          type: 'Prometheus',
          teamId: 't-ops',
          version: 'v2',
        },
        { id: 'i-api', name: 'Default API', enabled: true, type: 'API', teamId: 't-db', version: 'v1' },
        {
          id: 'i-graf',
          name: 'Grafana Old',
          enabled: false,
          type: 'Grafana',
          teamId: 't-ops',
          version: 'v2',
        },
      ],
      took: 0.1,
      requestId: 'integrations',
    },
  });
}

// ------------------------------------------------------------------------------ Grafana OnCall

function grafanaOncall(): void {
  const results = <T>(list: T[]) => ({
    count: list.length,
    next: null,
    previous: null,
    results: list,
    current_page_number: 1,
    page_size: 50,
    total_pages: 1,
  });
  const users = [
    ['UALICE0000001', 'alice', 'alice@example.com', 'America/New_York', ['TOPS00000001', 'TDBA00000002']],
    ['UBOB000000002', 'bob', 'bob@example.com', 'America/New_York', ['TOPS00000001']],
    ['UCAROL0000003', 'carol', 'carol@example.com', 'America/Chicago', ['TOPS00000001']],
    ['UDAVE00000004', 'dave', 'dave@example.com', 'America/New_York', ['TOPS00000001']],
    ['UERIN00000005', 'erin', 'erin@example.com', 'Europe/Berlin', ['TDBA00000002']],
    ['UFRANK0000006', 'frank', 'frank@example.com', 'Europe/Berlin', ['TDBA00000002', 'TOPS00000001']],
    ['UGINA00000007', 'gina', 'gina@example.com', 'America/Los_Angeles', []],
    ['UIVAN00000008', 'ivan', 'ivan@example.com', 'Asia/Tokyo', []],
  ] as const;
  const U = (name: string) => users.find((u) => u[1] === name)![0];
  const ny = 'America/New_York';
  const berlin = 'Europe/Berlin';
  const platformShifts: (OcShift & { id: string; name: string })[] = [
    {
      id: 'OWEEKLY000001',
      name: 'Weekly',
      type: 'rolling_users',
      start: '2026-02-02T09:00:00',
      rotation_start: '2026-02-02T09:00:00',
      duration: 7 * 86400,
      level: 0,
      frequency: 'weekly',
      interval: 1,
      week_start: 'MO',
      by_day: null,
      rolling_users: [[U('alice')], [U('bob')], [U('carol')]],
      start_rotation_from_user_index: 0,
    },
    {
      id: 'OEVENING00002',
      name: 'Evenings',
      type: 'rolling_users',
      start: '2026-02-02T18:00:00',
      rotation_start: '2026-02-02T18:00:00',
      duration: 4 * 3600,
      level: 1,
      frequency: 'daily',
      interval: 1,
      week_start: 'MO',
      by_day: ['MO', 'TU', 'WE', 'TH', 'FR'],
      rolling_users: [[U('dave')], [U('frank')]],
      start_rotation_from_user_index: 1,
    },
    {
      id: 'OWEEKEND00003',
      name: 'Weekend pair',
      type: 'rolling_users',
      start: '2026-02-07T10:00:00',
      rotation_start: '2026-02-07T10:00:00',
      duration: 8 * 3600,
      level: 2,
      frequency: 'weekly',
      interval: 1,
      week_start: 'MO',
      by_day: ['SA', 'SU'],
      rolling_users: [
        [U('gina'), U('ivan')],
        [U('erin'), U('alice')],
      ],
      start_rotation_from_user_index: 0,
    },
    {
      id: 'OOVERRIDE0004',
      name: 'Cover Tuesday',
      type: 'override',
      start: '2026-03-10T12:00:00',
      rotation_start: '2026-03-10T12:00:00',
      duration: 6 * 3600,
      rolling_users: [[U('ivan')]],
    },
  ];
  const dbShifts: (OcShift & { id: string; name: string })[] = [
    {
      id: 'OTWODAYS00005',
      name: 'Two days',
      type: 'rolling_users',
      start: '2026-02-01T00:00:00',
      rotation_start: '2026-02-10T00:00:00',
      duration: 2 * 86400,
      level: 0,
      frequency: 'daily',
      interval: 2,
      week_start: 'MO',
      rolling_users: [[U('bob')], [U('carol')]],
      start_rotation_from_user_index: 0,
    },
    {
      id: 'OOFFICE000006',
      name: 'Office hours',
      type: 'recurrent_event',
      start: '2026-02-02T08:00:00',
      duration: 9 * 3600,
      level: 1,
      frequency: 'weekly',
      interval: 1,
      week_start: 'SU',
      by_day: ['MO', 'WE', 'FR'],
      users: [U('erin')],
      until: '2026-03-25T08:00:00',
    },
    {
      id: 'OSINGLE000007',
      name: 'Migration day',
      type: 'single_event',
      start: '2026-03-15T10:00:00',
      duration: 4 * 3600,
      level: 2,
      users: [U('alice')],
    },
  ];
  const from = (zone: string) => at('2026-03-01T00:00', zone);
  const to = (zone: string) => at('2026-03-31T00:00', zone);
  const finals = (zone: string, shifts: OcShift[], web: boolean) => {
    const events = shifts.flatMap((x) => oncallEvents(x, zone, web, to(zone)));
    const who = oncallFinal(events);
    const rows = users.flatMap(([pk, username, email]) =>
      sample(from(zone), to(zone), (t) => (who(t).includes(pk) ? pk : null)).map((e) => ({
        user_pk: pk,
        user_email: email,
        user_username: username,
        shift_start: new Date(e.start).toISOString().replace('.000Z', 'Z'),
        shift_end: new Date(e.end).toISOString().replace('.000Z', 'Z'),
      })),
    );
    return results(
      rows.sort((a, b) => a.shift_start.localeCompare(b.shift_start) || a.user_pk.localeCompare(b.user_pk)),
    );
  };
  const shiftJson = (
    x: OcShift & { id: string; name: string },
    schedule: string | null,
    zone: string | null,
  ) => ({
    id: x.id,
    team_id: null,
    schedule,
    name: x.name,
    type: x.type,
    time_zone: zone,
    level: x.level ?? 0,
    start: x.start,
    rotation_start: x.rotation_start ?? x.start,
    duration: x.duration,
    frequency: x.frequency ?? null,
    interval: x.interval ?? null,
    until: x.until ?? null,
    week_start: x.week_start ?? 'SU',
    by_day: x.by_day ?? null,
    by_month: null,
    by_monthday: null,
    ...(x.type === 'rolling_users' || x.type === 'override'
      ? {
          rolling_users: x.rolling_users,
          start_rotation_from_user_index: x.start_rotation_from_user_index ?? null,
        }
      : { users: x.users }),
  });
  const step = (
    id: string,
    chain: string,
    position: number,
    type: string,
    extra: Record<string, unknown> = {},
  ) => ({ id, escalation_chain_id: chain, position, type, ...extra });
  write('grafana-oncall', {
    users: results(
      users.map(([id, username, email, timezone, teams]) => ({
        id,
        grafana_id: users.findIndex((u) => u[0] === id) + 10,
        email,
        slack: [],
        username,
        role: 'user',
        timezone,
        teams: [...teams],
      })),
    ),
    personal_notification_rules: results([
      { id: 'NALICE1', user_id: U('alice'), position: 0, important: false, type: 'notify_by_sms' },
      { id: 'NALICE2', user_id: U('alice'), position: 1, duration: 300, important: false, type: 'wait' },
      { id: 'NALICE3', user_id: U('alice'), position: 2, important: false, type: 'notify_by_phone_call' },
      { id: 'NALICE4', user_id: U('alice'), position: 0, important: true, type: 'notify_by_phone_call' },
      { id: 'NBOB001', user_id: U('bob'), position: 0, important: false, type: 'notify_by_mobile_app' },
      { id: 'NBOB002', user_id: U('bob'), position: 1, important: false, type: 'notify_by_email' },
      ...users.slice(2).map(([id], i) => ({
        id: `NOTHER${i}`,
        user_id: id,
        position: 0,
        important: false,
        type: 'notify_by_email',
      })),
    ]),
    schedules: results([
      {
        id: 'SPLATFORM0001',
        name: 'Platform',
        type: 'web',
        team_id: 'TOPS00000001',
        time_zone: ny,
        on_call_now: [],
        slack: { channel_id: null, user_group_id: null },
      },
      {
        id: 'SDATABASE0002',
        name: 'Database',
        type: 'calendar',
        team_id: 'TDBA00000002',
        time_zone: berlin,
        on_call_now: [],
        shifts: dbShifts.map((x) => x.id),
        ical_url_overrides: null,
        slack: { channel_id: null, user_group_id: null },
      },
      {
        id: 'SICAL00000003',
        name: 'Old iCal',
        type: 'ical',
        team_id: null,
        ical_url_primary: 'https://calendar.example.com/oncall.ics',
        ical_url_overrides: null,
        on_call_now: [],
        slack: { channel_id: null, user_group_id: null },
      },
    ]),
    on_call_shifts: results([
      ...platformShifts.map((x) => shiftJson(x, 'SPLATFORM0001', null)),
      ...dbShifts.map((x) => shiftJson(x, null, null)),
    ]),
    'schedules/SPLATFORM0001/final_shifts': finals(ny, platformShifts, true),
    'schedules/SDATABASE0002/final_shifts': finals(berlin, dbShifts, false),
    escalation_chains: results([
      { id: 'FPLATFORM0001', name: 'Platform chain', team_id: 'TOPS00000001' },
      { id: 'FDATABASE0002', name: 'DB chain', team_id: 'TDBA00000002' },
    ]),
    escalation_policies: results([
      step('EP1', 'FPLATFORM0001', 0, 'notify_on_call_from_schedule', {
        important: false,
        notify_on_call_from_schedule: 'SPLATFORM0001',
      }),
      step('EP2', 'FPLATFORM0001', 1, 'wait', { duration: 300 }),
      step('EP3', 'FPLATFORM0001', 2, 'notify_persons', {
        important: false,
        persons_to_notify: [U('alice'), U('bob')],
      }),
      step('EP4', 'FPLATFORM0001', 3, 'wait', { duration: 600 }),
      step('EP5', 'FPLATFORM0001', 4, 'notify_person_next_each_time', {
        important: false,
        persons_to_notify_next_each_time: [U('carol'), U('dave')],
      }),
      step('EP6', 'FPLATFORM0001', 5, 'notify_user_group', { important: false, group_to_notify: 'GSLACK01' }),
      step('EP7', 'FPLATFORM0001', 6, 'wait', { duration: 900 }),
      step('EP8', 'FPLATFORM0001', 7, 'notify_team_members', {
        important: false,
        team_to_notify: 'TDBA00000002',
      }),
      step('EP9', 'FPLATFORM0001', 8, 'repeat_escalation'),
      step('EQ1', 'FDATABASE0002', 0, 'wait', { duration: 60 }),
      step('EQ2', 'FDATABASE0002', 1, 'notify_on_call_from_schedule', {
        important: false,
        notify_on_call_from_schedule: 'SDATABASE0002',
      }),
      step('EQ3', 'FDATABASE0002', 2, 'wait', { duration: 1800 }),
      step('EQ4', 'FDATABASE0002', 3, 'trigger_webhook', { action_to_trigger: 'KWEBHOOK1' }),
      step('EQ5', 'FDATABASE0002', 4, 'notify_if_time_from_to', {
        notify_if_time_from: '09:00:00Z',
        notify_if_time_to: '18:00:00Z',
      }),
      step('EQ6', 'FDATABASE0002', 5, 'notify_persons', { important: true, persons_to_notify: [U('erin')] }),
    ]),
    integrations: results([
      {
        id: 'CALERTMGR0001',
        name: 'Alertmanager prod',
        team_id: 'TOPS00000001',
        link: 'https://oncall.example.com/integrations/v1/alertmanager/mReAoNwDm0eMwKo1mTeTwYo/',
        inbound_email: null,
        type: 'alertmanager',
        default_route: {
          id: 'RDEFAULT0001',
          escalation_chain_id: 'FPLATFORM0001',
          slack: { channel_id: null },
        },
        templates: {},
      },
      {
        id: 'CGRAFANA00002',
        name: 'Grafana Alerting',
        team_id: 'TDBA00000002',
        link: 'https://oncall.example.com/integrations/v1/grafana_alerting/qWeRtYuIoP1234567890aBc/',
        inbound_email: null,
        type: 'grafana_alerting',
        default_route: {
          id: 'RDEFAULT0002',
          escalation_chain_id: 'FDATABASE0002',
          slack: { channel_id: null },
        },
        templates: {},
      },
      {
        id: 'CEMAIL0000003',
        name: 'Inbound email',
        team_id: null,
        link: null,
        inbound_email: 'abc@inbound.example.com',
        type: 'inbound_email',
        default_route: { id: 'RDEFAULT0003', escalation_chain_id: null },
        templates: {},
      },
    ]),
    routes: results([
      {
        id: 'RDEFAULT0001',
        integration_id: 'CALERTMGR0001',
        escalation_chain_id: 'FPLATFORM0001',
        routing_type: 'jinja2',
        routing_regex: 'True',
        position: 1,
        is_the_last_route: true,
        slack: { channel_id: null },
      },
      {
        id: 'RCRITICAL003',
        integration_id: 'CALERTMGR0001',
        escalation_chain_id: 'FDATABASE0002',
        routing_type: 'jinja2',
        routing_regex: "{{ payload.labels.team == 'db' }}",
        position: 0,
        is_the_last_route: false,
        slack: { channel_id: null },
      },
    ]),
  });
}

const which = process.argv[2];
if (!which || which === 'pagerduty') pagerduty();
if (!which || which === 'opsgenie') opsgenie();
if (!which || which === 'grafana-oncall') grafanaOncall();
