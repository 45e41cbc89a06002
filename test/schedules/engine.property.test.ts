/**
 * Property tests: the schedule engine against the independent reference implementation of
 * SPEC 1.2 in test/oracle/reference.ts, over generated schedules in zones with odd DST rules,
 * with handoffs, coverage windows and overrides placed in DST gaps and overlaps, and query ranges
 * straddling the 2026–2027 transitions.
 *
 * On failure the message shows the (shrunk) schedule, the range and the first difference; set
 * HARK_PROP_SEED=<seed> to replay a run, HARK_PROP_RUNS=<factor> to multiply the number of runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CoverageWindow, GitOverride, Rotation, Schedule } from '../../src/config/types.js';
import { CompiledSchedule } from '../../src/schedules/engine.js';
import { parseHandoffRule } from '../../src/schedules/handoff-rule.js';
import type { RuntimeOverride } from '../../src/schedules/overrides.js';
import type { LocalMs } from '../../src/time/local.js';
import {
  DAY,
  HOUR,
  MIN,
  Reference,
  formatLocalText,
  local,
  referenceShifts,
  toInstant,
  toLocal,
  transitions,
  type RefShift,
} from '../oracle/reference.js';

const SEED = process.env.HARK_PROP_SEED ? Number(process.env.HARK_PROP_SEED) : undefined;
const RUNS_SCALE = process.env.HARK_PROP_RUNS ? Number(process.env.HARK_PROP_RUNS) : 1;
const runs = (n: number) => Math.max(1, Math.round(n * RUNS_SCALE));
/** Per-test timeout: generous, and scaled with HARK_PROP_RUNS. */
const TIMEOUT = 120_000 * Math.max(1, RUNS_SCALE);
const params = (n: number): fc.Parameters<unknown> => ({
  numRuns: runs(n),
  ...(SEED === undefined ? {} : { seed: SEED }),
});

const ZONES = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Australia/Sydney',
  'America/St_Johns',
  'Asia/Kolkata',
] as const;
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'erin'];
const ROLES = ['primary', 'secondary'];
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

// ---------------------------------------------------------------------------------------------
// Anchors: the DST transitions of 2026–2027 (for zones without DST, a few ordinary dates).

interface Anchor {
  zone: string;
  /** The instant of the transition. */
  at: number;
  /** Local midnight of the transition's local date. */
  date: number;
  /** Interesting minutes after midnight: inside, at the edges of and just before the gap/overlap. */
  minutes: number[];
  label: string;
}

function anchorsOf(zone: string): Anchor[] {
  const ts = transitions(zone, Date.UTC(2026, 0, 1), Date.UTC(2028, 0, 1));
  if (ts.length === 0) {
    return [Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6), Date.UTC(2027, 2, 14, 7)].map((at) => {
      const l = toLocal(zone, at);
      const date = Math.floor(l / DAY) * DAY;
      return {
        zone,
        at,
        date,
        minutes: [(l - date) / MIN],
        label: `${zone} ${new Date(at).toISOString()} (no DST)`,
      };
    });
  }
  return ts.map(({ at, before, after }) => {
    const wallBefore = at + before; // the local time at which clocks change
    const date = Math.floor(wallBefore / DAY) * DAY;
    const lo = Math.min(before, after);
    const hi = Math.max(before, after);
    // gap: [at+before, at+after) does not exist; overlap: [at+after, at+before) happens twice
    const a = (at + lo - date) / MIN;
    const b = (at + hi - date) / MIN;
    const mid = (a + b) / 2;
    return {
      zone,
      at,
      date,
      minutes: [...new Set([a - 15, a, a + 15, mid, b - 15, b, b + 15].filter((m) => m >= 0 && m < 1440))],
      label: `${zone} ${after > before ? 'gap' : 'overlap'} ${formatLocalText(date + a * MIN)}–${formatLocalText(date + b * MIN)}`,
    };
  });
}

const ANCHORS = ZONES.flatMap(anchorsOf);

// ---------------------------------------------------------------------------------------------
// Generated cases, as plain data (local times as text) so counterexamples are readable.

interface OwnSpec {
  kind: 'own';
  name: string;
  role: string;
  members: string[];
  start: string;
  handoff: string | null;
  end: string | null;
  coverage: CoverageWindow[] | null;
}
interface FollowsSpec {
  kind: 'follows';
  name: string;
  role: string;
  follows: string;
}
interface GitSpec {
  role: string;
  person: string;
  from: string;
  to: string;
}
interface Case {
  anchor: string;
  zone: string;
  rotations: (OwnSpec | FollowsSpec)[];
  overrides: GitSpec[];
  runtime: RuntimeOverride[];
  from: string;
  to: string;
}

function toSchedule(c: Case): Schedule {
  const rotations: Rotation[] = c.rotations.map((r) =>
    r.kind === 'follows'
      ? r
      : {
          kind: 'own',
          name: r.name,
          role: r.role,
          members: r.members,
          start: local(r.start) as LocalMs,
          handoff: r.handoff === null ? null : parseHandoffRule(r.handoff),
          end: r.end === null ? null : (local(r.end) as LocalMs),
          coverage: r.coverage,
        },
  );
  const overrides: GitOverride[] = c.overrides.map((o) => ({
    role: o.role,
    person: o.person,
    from: local(o.from) as LocalMs,
    to: local(o.to) as LocalMs,
  }));
  const roles: string[] = [];
  for (const r of rotations) if (!roles.includes(r.role)) roles.push(r.role);
  return { name: 'sched', file: 'schedules/sched.yaml', timezone: c.zone, rotations, overrides, roles };
}

const text = (ms: number) => new Date(ms).toISOString().slice(0, 19);
const untilLocal = (ms: number) => text(ms).replace(/[-:]/g, '');

interface Shape {
  hourly: boolean;
  longRange: boolean;
}

function minuteArb(anchor: Anchor): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(...anchor.minutes),
    fc.constantFrom(0, 9 * 60, 17 * 60, 22 * 60),
    fc.integer({ min: 0, max: 95 }).map((q) => q * 15),
  );
}

/** A local time near the anchor: `days` before/after its date, at an interesting minute. */
function localNear(anchor: Anchor, minDays: number, maxDays: number): fc.Arbitrary<number> {
  return fc
    .tuple(fc.oneof(fc.integer({ min: minDays, max: maxDays }), fc.constant(0)), minuteArb(anchor))
    .map(([d, m]) => anchor.date + d * DAY + m * MIN);
}

function ruleArb(anchor: Anchor, shape: Shape): fc.Arbitrary<string> {
  const base = fc.oneof(
    ...(shape.hourly
      ? [
          fc.constantFrom(1, 1, 2, 3, 5, 12).map((i) => `FREQ=HOURLY${i > 1 ? `;INTERVAL=${i}` : ''}`),
          // several handoffs an hour: around a gap, later local times can map to earlier instants
          fc.constantFrom('0,30', '15,45', '0,20,40', '45').map((m) => `FREQ=HOURLY;BYMINUTE=${m}`),
        ]
      : []),
    fc
      .tuple(
        fc.constantFrom(1, 1, 1, 2, 3),
        fc.option(fc.subarray([0, 1, 2, 3, 9, 21], { minLength: 1 }), { nil: null }),
        fc.option(fc.constantFrom('0', '30', '15,45', '0,30'), { nil: null, freq: 4 }),
      )
      .map(
        ([i, hours, minutes]) =>
          `FREQ=DAILY${i > 1 ? `;INTERVAL=${i}` : ''}${hours ? `;BYHOUR=${hours.join(',')}` : ''}${hours && minutes ? `;BYMINUTE=${minutes}` : ''}`,
      ),
    fc
      .tuple(
        fc.constantFrom(1, 1, 2),
        fc.option(fc.subarray(DAYS, { minLength: 1 }), { nil: null }),
        fc.option(fc.constantFrom(...DAYS), { nil: null }),
      )
      .map(
        ([i, days, wkst]) =>
          `FREQ=WEEKLY${i > 1 ? `;INTERVAL=${i}` : ''}${days ? `;BYDAY=${days.join(',')}` : ''}${wkst ? `;WKST=${wkst}` : ''}`,
      ),
    fc
      .constantFrom(
        '',
        ';BYMONTHDAY=1',
        ';BYMONTHDAY=-1',
        ';BYMONTHDAY=31',
        ';BYDAY=1SU',
        ';BYDAY=-1SU',
        ';BYDAY=2SA,1SU',
        ';BYMONTHDAY=1,15',
      )
      .map((p) => `FREQ=MONTHLY${p}`),
    ...(shape.longRange
      ? [
          fc.constantFrom(
            'FREQ=YEARLY',
            'FREQ=MONTHLY;BYMONTH=3,4,9,10,11;BYDAY=1SU,-1SU',
            'FREQ=YEARLY;BYMONTH=3,10;BYMONTHDAY=1,15',
          ),
        ]
      : []),
  );
  const ending = fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }).map((n) => `;COUNT=${n}`) },
    { weight: 1, arbitrary: localNear(anchor, -5, 10).map((l) => `;UNTIL=${untilLocal(l)}`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(localNear(anchor, -5, 10), fc.constantFrom(0, 0, -1000, 1000, 30 * MIN, -HOUR))
        .map(([l, delta]) => `;UNTIL=${untilLocal(toInstant(anchor.zone, l) + delta)}Z`),
    },
  );
  return fc.tuple(base, ending).map(([b, e]) => b + e);
}

function coverageArb(anchor: Anchor): fc.Arbitrary<CoverageWindow[] | null> {
  const window = fc
    .record({
      days: fc.subarray([0, 1, 2, 3, 4, 5, 6], { minLength: 1 }),
      from: minuteArb(anchor),
      to: fc.oneof(minuteArb(anchor), fc.constant(1440)),
      allDay: fc.boolean(),
    })
    // allDay: `to` = `from`, a 24-hour window
    .map((w) => ({ days: [...w.days], from: w.from, to: w.allDay && w.from > 0 ? w.from : w.to }));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.array(window, { minLength: 1, maxLength: 3 }) },
  );
}

interface RotationDraft {
  role: string;
  follows: number | null;
  members: string[];
  start: number;
  handoff: string | null;
  /** An UNTIL on a handoff's own local time (so it can equal a handoff exactly). */
  untilAlign: { days: number; z: boolean; delta: number } | null;
  endDays: number | null;
  endMinute: number;
  coverage: CoverageWindow[] | null;
}

function rotationDraftArb(anchor: Anchor, shape: Shape): fc.Arbitrary<RotationDraft> {
  const startDays = shape.hourly
    ? fc.integer({ min: -12, max: 0 })
    : fc.oneof(
        fc.integer({ min: -60, max: 0 }),
        fc.integer({ min: -9, max: 0 }).map((w) => w * 7),
        fc.integer({ min: shape.longRange ? -400 : -120, max: 0 }),
      );
  return fc.record({
    role: fc.constantFrom(...ROLES),
    follows: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat(10) }),
    members: fc.array(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 4 }),
    start: fc.tuple(startDays, minuteArb(anchor)).map(([d, m]) => anchor.date + d * DAY + m * MIN),
    handoff: fc.option(ruleArb(anchor, shape), { nil: null, freq: 8 }),
    untilAlign: fc.oneof(
      { weight: 2, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc.record({
          days: fc.integer({ min: 0, max: 70 }),
          z: fc.boolean(),
          delta: fc.constantFrom(0, 0, 0, 1000, -1000),
        }),
      },
    ),
    endDays: fc.option(fc.integer({ min: -3, max: shape.longRange ? 200 : 10 }), { nil: null, freq: 2 }),
    endMinute: minuteArb(anchor),
    coverage: coverageArb(anchor),
  });
}

function caseArb(shape: Shape): fc.Arbitrary<Case> {
  return fc.constantFrom(...ANCHORS).chain((anchor) => {
    const quarter = 15 * MIN;
    const span = shape.longRange ? 200 * DAY : 8 * DAY;
    return fc
      .record({
        drafts: fc.array(rotationDraftArb(anchor, shape), { minLength: 1, maxLength: 4 }),
        git: fc.array(
          fc.record({
            roleIx: fc.nat(3),
            person: fc.constantFrom(...PEOPLE),
            from: localNear(anchor, -4, 4),
            len: fc.oneof(
              fc.integer({ min: 1, max: 96 }).map((q) => q * quarter),
              fc.constantFrom(HOUR, DAY),
            ),
          }),
          { maxLength: 3 },
        ),
        runtime: fc.array(
          fc.record({
            roleIx: fc.nat(3),
            person: fc.constantFrom(...PEOPLE),
            from: fc.integer({ min: -4 * 96, max: 4 * 96 }).map((q) => anchor.at + q * quarter),
            len: fc.oneof(
              fc.integer({ min: 1, max: 4 * 96 }).map((q) => q * quarter),
              fc.constant(0),
            ),
            createdAt: fc.integer({ min: 0, max: 5 }),
          }),
          { maxLength: 3 },
        ),
        before: fc.oneof(
          fc.integer({ min: 0, max: span / quarter }).map((q) => q * quarter),
          fc.constant(0),
        ),
        after: fc.oneof(
          fc.integer({ min: 1, max: span / quarter }).map((q) => q * quarter),
          fc.integer({ min: 1, max: 1000 }),
        ),
      })
      .map(({ drafts, git, runtime, before, after }): Case => {
        const ownOf = (i: number): OwnSpec => {
          const d = drafts[i]!;
          const end = d.endDays === null ? null : anchor.date + d.endDays * DAY + d.endMinute * MIN;
          return {
            kind: 'own',
            name: `r${i}`,
            role: d.role,
            members: d.members,
            start: text(d.start),
            handoff:
              d.handoff !== null && d.untilAlign !== null && !/COUNT|UNTIL/.test(d.handoff)
                ? `${d.handoff};UNTIL=${
                    d.untilAlign.z
                      ? `${untilLocal(toInstant(anchor.zone, d.start + d.untilAlign.days * DAY) + d.untilAlign.delta)}Z`
                      : untilLocal(d.start + d.untilAlign.days * DAY + d.untilAlign.delta)
                  }`
                : d.handoff,
            end: end !== null && end > d.start ? text(end) : null,
            coverage: d.coverage,
          };
        };
        const rotations: (OwnSpec | FollowsSpec)[] = drafts.map((d, i) => {
          const name = `r${i}`;
          // follows may point at any other rotation, listed before or after it (cycles are undone below)
          if (drafts.length > 1 && d.follows !== null) {
            const target = (i + 1 + (d.follows % (drafts.length - 1))) % drafts.length;
            return { kind: 'follows', name, role: d.role, follows: `r${target}` };
          }
          return ownOf(i);
        });
        // Undo `follows` cycles: a rotation on a cycle becomes its own rotation again.
        for (let i = 0; i < rotations.length; i++) {
          const seen = new Set<number>();
          let j = i;
          while (rotations[j]!.kind === 'follows' && !seen.has(j)) {
            seen.add(j);
            j = Number((rotations[j] as FollowsSpec).follows.slice(1));
          }
          if (rotations[j]!.kind === 'follows') rotations[j] = ownOf(j);
        }
        const roles = [...new Set(rotations.map((r) => r.role))];
        const created = new Set<number>();
        return {
          anchor: anchor.label,
          zone: anchor.zone,
          rotations,
          overrides: git.map((g) => ({
            role: roles[g.roleIx % roles.length]!,
            person: g.person,
            from: text(g.from),
            to: text(g.from + g.len),
          })),
          runtime: runtime.map((r, i) => {
            // distinct creation times: ties are not specified
            let createdAt = 1_000 + r.createdAt * 10 + i;
            while (created.has(createdAt)) createdAt++;
            created.add(createdAt);
            return {
              id: `rt${i}`,
              schedule: 'sched',
              role: roles[r.roleIx % roles.length]!,
              person: r.person,
              from: r.from,
              to: r.from + r.len,
              createdAt,
              createdBy: null,
              reason: null,
            };
          }),
          from: new Date(anchor.at - before).toISOString(),
          to: new Date(anchor.at + after).toISOString(),
        };
      });
  });
}

// ---------------------------------------------------------------------------------------------
// Comparison helpers

function engineShifts(s: Schedule, runtime: RuntimeOverride[], from: number, to: number): RefShift[] {
  return new CompiledSchedule(s)
    .withOverrides(runtime)
    .shifts(from, to)
    .map(({ role, person, start, end, source }) => ({ role, person, start, end, source }));
}

function describeShift(zone: string, s: RefShift | undefined): string {
  if (!s) return '(none)';
  const fmt = (t: number) =>
    `${new Date(t).toISOString().slice(0, 16)}Z (${formatLocalText(toLocal(zone, t))} local)`;
  return `${s.role} ${s.person} ${fmt(s.start)} .. ${fmt(s.end)} ${s.source}`;
}

function diffMessage(c: Case, engine: RefShift[], reference: RefShift[]): string | null {
  const n = Math.max(engine.length, reference.length);
  for (let i = 0; i < n; i++) {
    if (JSON.stringify(engine[i]) !== JSON.stringify(reference[i])) {
      return [
        `engine and reference disagree for ${c.anchor}, range ${c.from} .. ${c.to}`,
        `first difference at shift #${i}:`,
        `  engine:    ${describeShift(c.zone, engine[i])}`,
        `  reference: ${describeShift(c.zone, reference[i])}`,
        `case: ${JSON.stringify(c)}`,
      ].join('\n');
    }
  }
  return null;
}

function checkAgainstReference(c: Case): void {
  const schedule = toSchedule(c);
  const from = Date.parse(c.from);
  const to = Date.parse(c.to);
  const engine = engineShifts(schedule, c.runtime, from, to);
  const reference = referenceShifts(schedule, c.runtime, from, to);
  const msg = diffMessage(c, engine, reference);
  if (msg) throw new Error(msg);
}

/** Shifts of one role are sorted, non-overlapping, non-empty, inside [from, to) and maximal. */
function checkInvariants(c: Case): void {
  const schedule = toSchedule(c);
  const from = Date.parse(c.from);
  const to = Date.parse(c.to);
  const view = new CompiledSchedule(schedule).withOverrides(c.runtime);
  const shifts = view.shifts(from, to);
  const ref = new Reference(schedule, c.runtime);
  const fail = (what: string) => {
    throw new Error(`${what}\ncase: ${JSON.stringify(c)}`);
  };
  let roleIx = 0;
  for (let i = 0; i < shifts.length; i++) {
    const s = shifts[i]!;
    const prev = shifts[i - 1];
    const ix = schedule.roles.indexOf(s.role);
    if (ix < roleIx) fail(`roles out of order at ${describeShift(c.zone, s)}`);
    roleIx = ix;
    if (!(from <= s.start && s.start < s.end && s.end <= to))
      fail(`empty or out-of-range shift ${describeShift(c.zone, s)}`);
    if (prev && prev.role === s.role) {
      if (s.start < prev.end)
        fail(`overlapping/unsorted shifts ${describeShift(c.zone, prev)} / ${describeShift(c.zone, s)}`);
      if (s.start === prev.end && s.person === prev.person && s.source === prev.source)
        fail(`not maximal: ${describeShift(c.zone, prev)} / ${describeShift(c.zone, s)}`);
    }
  }
  // holderAt / holding agree with the shifts and with the reference at and around every boundary.
  const probes = new Set<number>([from, to - 1]);
  for (const s of shifts)
    for (const t of [s.start - 1, s.start, s.end - 1, s.end]) if (t >= from && t < to) probes.add(t);
  const roleSegments = new Map(schedule.roles.map((role) => [role, ref.segments(role, from, to)]));
  for (const role of schedule.roles) {
    const mine = shifts.filter((s) => s.role === role);
    const segs = roleSegments.get(role)!;
    for (const t of probes) {
      const inShift = mine.find((s) => s.start <= t && t < s.end) ?? null;
      const seg = segs.find((g) => g.start <= t && t < g.end)!;
      const where = `${role} at ${new Date(t).toISOString()} (${formatLocalText(toLocal(c.zone, t))} local)`;
      const holder = view.holderAt(role, t);
      if (holder !== (inShift?.person ?? null))
        fail(`holderAt ${where} = ${holder}, shift says ${inShift?.person ?? null}`);
      if (holder !== (seg.holder?.person ?? null))
        fail(`holderAt ${where} = ${holder}, reference says ${seg.holder?.person ?? null}`);
      const h = view.holding(role, t);
      if (h.person !== holder || h.source !== (seg.holder?.source ?? null))
        fail(
          `holding ${where} = ${h.person}/${h.source}, reference says ${seg.holder?.person ?? null}/${seg.holder?.source ?? null}`,
        );
      // since/until bound the maximal interval; inside the range they must match the reference.
      const since = h.since ?? -Infinity;
      const until = h.until ?? Infinity;
      const okSince = seg.start > from ? since === seg.start : since <= seg.start;
      const okUntil = seg.end < to ? until === seg.end : until >= seg.end;
      if (!okSince || !okUntil)
        fail(
          `holding ${where}: since ${h.since && new Date(h.since).toISOString()}, until ${h.until && new Date(h.until).toISOString()}; reference interval ${new Date(seg.start).toISOString()} .. ${new Date(seg.end).toISOString()}`,
        );
    }
  }
}

// ---------------------------------------------------------------------------------------------

describe('schedule engine vs reference (SPEC 1.2)', () => {
  it('anchors cover a gap and an overlap in every DST zone', () => {
    expect(ANCHORS.filter((a) => a.label.includes('gap')).length).toBe(12);
    expect(ANCHORS.filter((a) => a.label.includes('overlap')).length).toBe(12);
  });

  it(
    'shifts equal the reference: daily/weekly/monthly rules, ranges around one transition',
    () => {
      fc.assert(
        fc.property(caseArb({ hourly: false, longRange: false }), checkAgainstReference),
        params(600),
      );
    },
    TIMEOUT,
  );

  it(
    'shifts equal the reference: hourly rules',
    () => {
      fc.assert(fc.property(caseArb({ hourly: true, longRange: false }), checkAgainstReference), params(250));
    },
    TIMEOUT,
  );

  it(
    'shifts equal the reference: ranges over several months',
    () => {
      fc.assert(fc.property(caseArb({ hourly: false, longRange: true }), checkAgainstReference), params(100));
    },
    TIMEOUT,
  );

  it(
    'shifts are sorted, disjoint and maximal; holderAt and holding agree with them',
    () => {
      fc.assert(fc.property(caseArb({ hourly: false, longRange: false }), checkInvariants), params(150));
    },
    TIMEOUT,
  );

  it(
    'holderAt and holding agree with the reference years after start',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...ZONES),
          fc.integer({ min: 0, max: 6 * 365 }).map((d) => Date.UTC(2020, 0, 1) + d * DAY),
          fc.constantFrom(0, 90, 150, 165, 540, 1380),
          fc.constantFrom(
            'FREQ=WEEKLY',
            'FREQ=DAILY;INTERVAL=3',
            'FREQ=DAILY;BYHOUR=1,2,3',
            'FREQ=MONTHLY;BYDAY=1SU',
            'FREQ=WEEKLY;BYDAY=SU;INTERVAL=2',
          ),
          fc.array(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 5 }),
          fc.array(
            fc.integer({ min: 0, max: 12 * 365 * 24 * 4 }).map((q) => Date.UTC(2026, 0, 1) + q * 15 * MIN),
            { minLength: 1, maxLength: 5 },
          ),
          (zone, startDate, minute, rule, members, instants) => {
            const c: Case = {
              anchor: `${zone} far future`,
              zone,
              rotations: [
                {
                  kind: 'own',
                  name: 'r',
                  role: 'primary',
                  members,
                  start: text(startDate + minute * MIN),
                  handoff: rule,
                  end: null,
                  coverage: null,
                },
                { kind: 'follows', name: 'f', role: 'secondary', follows: 'r' },
              ],
              overrides: [],
              runtime: [],
              from: '',
              to: '',
            };
            const schedule = toSchedule(c);
            const view = new CompiledSchedule(schedule).withOverrides([]);
            const ref = new Reference(schedule, []);
            for (const t of instants) {
              for (const role of schedule.roles) {
                const expected = ref.holderAt(role, t);
                const h = view.holding(role, t);
                const where = `${role} at ${new Date(t).toISOString()} (${formatLocalText(toLocal(zone, t))} local)`;
                expect({ person: h.person, source: h.source }, `${where}, case ${JSON.stringify(c)}`).toEqual(
                  {
                    person: expected?.person ?? null,
                    source: expected?.source ?? null,
                  },
                );
                expect(view.holderAt(role, t), where).toBe(expected?.person ?? null);
              }
            }
          },
        ),
        params(40),
      );
    },
    TIMEOUT,
  );

  it(
    'a daily 09:00 handoff is at 09:00 local on both sides of every DST change',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...ANCHORS),
          fc.integer({ min: -30, max: 0 }),
          fc.constantFrom('FREQ=DAILY', 'FREQ=WEEKLY', 'FREQ=DAILY;INTERVAL=2', 'FREQ=WEEKLY;BYDAY=MO,TH'),
          (anchor, startDays, rule) => {
            const c: Case = {
              anchor: anchor.label,
              zone: anchor.zone,
              rotations: [
                {
                  kind: 'own',
                  name: 'r',
                  role: 'primary',
                  members: ['alice', 'bob', 'carol'],
                  start: text(anchor.date + startDays * DAY + 9 * HOUR),
                  handoff: rule,
                  end: null,
                  coverage: null,
                },
              ],
              overrides: [],
              runtime: [],
              from: new Date(anchor.at - 20 * DAY).toISOString(),
              to: new Date(anchor.at + 20 * DAY).toISOString(),
            };
            const from = Date.parse(c.from);
            const to = Date.parse(c.to);
            const shifts = engineShifts(toSchedule(c), [], from, to);
            expect(shifts.length).toBeGreaterThanOrEqual(3);
            for (const s of shifts) {
              for (const t of [s.start, s.end]) {
                if (t === from || t === to) continue;
                expect(
                  formatLocalText(toLocal(anchor.zone, t)).slice(11),
                  `${describeShift(anchor.zone, s)} in ${anchor.label}`,
                ).toBe('09:00');
              }
            }
            const msg = diffMessage(c, shifts, referenceShifts(toSchedule(c), [], from, to));
            if (msg) throw new Error(msg);
          },
        ),
        params(60),
      );
    },
    TIMEOUT,
  );
});
