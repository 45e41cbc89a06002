/**
 * Loads a config directory (SPEC section 1) into one typed, frozen `Config`, or throws a
 * `ConfigError` listing every problem in the tree with `file:line:col`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { HandoffRuleError, parseHandoffRule } from '../schedules/handoff-rule.js';
import type { LocalMs } from '../time/local.js';
import { ConfigError, sortIssues, type ConfigIssue } from './errors.js';
import * as schema from './schema.js';
import { SourceFile, type Path } from './source.js';
import { didYouMean } from './suggest.js';
import type {
  ApiToken,
  Config,
  CoverageWindow,
  EscalationPolicy,
  EscalationStep,
  EscalationTarget,
  GitOverride,
  Integration,
  Matcher,
  NotifyRule,
  Person,
  Rotation,
  Runbook,
  Schedule,
  Service,
  Settings,
  Severity,
  Urgency,
  ValueMatcher,
} from './types.js';

export interface LoadOptions {
  /** Environment for `${NAME}` interpolation; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface LoadResult {
  readonly config: Config;
  readonly warnings: readonly ConfigIssue[];
}

const DEFAULT_SEVERITIES: Severity[] = [
  { name: 'SEV-1', urgency: 'high', match: labelMatcher('severity', ['critical', 'page']) },
  { name: 'SEV-2', urgency: 'high', match: labelMatcher('severity', ['error']) },
  { name: 'SEV-3', urgency: 'low', match: labelMatcher('severity', ['warning', 'info']) },
];

function labelMatcher(label: string, values: string[]): Matcher {
  return {
    labels: new Map([[label, values.map((value): ValueMatcher => ({ kind: 'exact', value }))]]),
    annotations: new Map(),
  };
}

/** Loads and validates the config in `dir`. Throws ConfigError when anything is wrong. */
export function loadConfig(dir: string, options: LoadOptions = {}): LoadResult {
  return new Loader(resolve(dir), options.env ?? process.env).load();
}

interface Parsed<T> {
  readonly src: SourceFile;
  readonly name: string;
  readonly value: T;
}

class Loader {
  private readonly issues: ConfigIssue[] = [];
  /**
   * Names that exist even when their file or entry failed validation, so that one bad field
   * does not cascade into "unknown person/schedule/policy" errors everywhere else.
   */
  private readonly known = {
    people: new Set<string>(),
    schedules: new Set<string>(),
    policies: new Set<string>(),
    runbooks: new Set<string>(),
  };

  constructor(
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  load(): LoadResult {
    const hark = this.readYaml('hark.yaml', schema.harkFile);
    const settings = this.settings(hark);
    const scheduleFiles = this.readDir('schedules', '.yaml').map((f) =>
      this.readNamed(f, 'schedule', schema.scheduleFile, this.known.schedules),
    );
    const policyFiles = this.readDir('escalation-policies', '.yaml').map((f) =>
      this.readNamed(f, 'escalation policy', schema.policyFile, this.known.policies),
    );
    const runbooks = this.runbooks();

    const people = hark ? this.people(hark, settings) : new Map<string, Person>();
    const schedules = new Map<string, Schedule>();
    for (const p of scheduleFiles) {
      if (p) schedules.set(p.name, this.schedule(p, settings));
    }
    const policies = new Map<string, EscalationPolicy>();
    for (const p of policyFiles) {
      if (p) policies.set(p.name, this.policy(p, schedules));
    }
    const severities = hark ? this.severities(hark) : DEFAULT_SEVERITIES;
    const defaultSeverity = hark ? this.defaultSeverity(hark, severities) : severities[0]!.name;
    const services = hark ? this.services(hark) : [];
    const integrations = hark ? this.integrations(hark) : [];
    const apiTokens = hark ? this.apiTokens(hark) : [];

    const errors = sortIssues(this.issues.filter((i) => i.level === 'error'));
    const warnings = sortIssues(this.issues.filter((i) => i.level === 'warning'));
    if (errors.length > 0) throw new ConfigError(errors, warnings);
    const config: Config = {
      dir: this.dir,
      settings,
      people,
      severities,
      defaultSeverity,
      services,
      integrations,
      apiTokens,
      schedules,
      policies,
      runbooks,
    };
    return { config: deepFreeze(config), warnings };
  }

  // ---------------------------------------------------------------------------------- reading

  private fileIssue(file: string, message: string, level: ConfigIssue['level'] = 'error'): void {
    this.issues.push({ level, file, line: 1, col: 1, message });
  }

  private readText(rel: string): string | null {
    try {
      return readFileSync(join(this.dir, rel), 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.fileIssue(
        rel,
        code === 'ENOENT' ? `${rel} not found in ${this.dir}` : `cannot read ${rel}: ${code ?? String(e)}`,
      );
      return null;
    }
  }

  private readYaml<S extends z.ZodType>(rel: string, s: S): Parsed<z.output<S>> | null {
    const text = this.readText(rel);
    if (text === null) return null;
    const src = new SourceFile(rel, text, this.env, this.issues);
    const people = (src.value() as { people?: unknown } | null | undefined)?.people;
    if (people && typeof people === 'object' && !Array.isArray(people)) {
      for (const name of Object.keys(people)) this.known.people.add(name);
    }
    return this.validate(src, s, '');
  }

  private validate<S extends z.ZodType>(src: SourceFile, s: S, name: string): Parsed<z.output<S>> | null {
    const before = this.issues.length;
    const data = src.value();
    if (this.issues.length > before) return null;
    if (data === undefined || data === null) {
      src.report([], 'the file is empty');
      return null;
    }
    const result = s.safeParse(data);
    if (result.success) return { src, name, value: result.data };
    for (const issue of result.error.issues) reportZodIssue(src, s, data, issue);
    return null;
  }

  private readDir(sub: string, ext: string): string[] {
    const full = join(this.dir, sub);
    if (!existsSync(full) || !statSync(full).isDirectory()) return [];
    const out: string[] = [];
    for (const f of readdirSync(full).sort()) {
      if (f.startsWith('.')) continue;
      if (f.endsWith(ext)) out.push(`${sub}/${f}`);
      else if (ext === '.yaml' && f.endsWith('.yml')) {
        this.fileIssue(`${sub}/${f}`, `ignored: files in ${sub}/ must end in .yaml`, 'warning');
      }
    }
    return out;
  }

  private fileName(rel: string, ext: string, what: string): string | null {
    const name = rel.slice(rel.lastIndexOf('/') + 1, -ext.length);
    if (schema.NAME_RE.test(name)) return name;
    this.fileIssue(rel, `invalid ${what} name "${name}" (from the file name): ${schema.NAME_HELP}`);
    return null;
  }

  private readNamed<S extends z.ZodType>(
    rel: string,
    what: string,
    s: S,
    known: Set<string>,
  ): Parsed<z.output<S>> | null {
    const name = this.fileName(rel, '.yaml', what);
    if (name !== null) known.add(name);
    const text = this.readText(rel);
    if (text === null || name === null) return null;
    return this.validate(new SourceFile(rel, text, this.env, this.issues), s, name);
  }

  // ---------------------------------------------------------------------------------- hark.yaml

  private settings(hark: Parsed<schema.RawHark> | null): Settings {
    const s = hark?.value.settings ?? {};
    return {
      timezone: s.timezone ?? 'UTC',
      publicUrl: s.public_url ? s.public_url.replace(/\/+$/, '') : null,
      ackTimeoutMs: s.ack_timeout ?? 30 * 60_000,
      autoResolve: s.auto_resolve ?? true,
      retentionMs: s.retention ?? 90 * 86_400_000,
      maxBodyBytes: s.max_body ?? 1_048_576,
    };
  }

  private people(hark: Parsed<schema.RawHark>, settings: Settings): Map<string, Person> {
    const { src, value } = hark;
    const people = new Map<string, Person>();
    for (const [key, raw] of Object.entries(value.people)) {
      if (!schema.NAME_RE.test(key)) {
        src.report(['people', key], `invalid person name "${key}": ${schema.NAME_HELP}`, { key: true });
        continue;
      }
      const contacts = { sms: raw.sms ?? null, voice: raw.voice ?? null, email: raw.email ?? null };
      if (!contacts.sms && !contacts.voice && !contacts.email) {
        src.report(['people', key], `person "${key}" has no sms, voice or email: they could never be paged`, {
          key: true,
        });
      }
      const notify = {} as Record<Urgency, NotifyRule[]>;
      for (const urgency of ['high', 'low'] as const) {
        const rules = raw.notify?.[urgency];
        if (rules === undefined) {
          notify[urgency] = defaultNotify(urgency, contacts);
          continue;
        }
        notify[urgency] = rules.map((rule, i) => {
          const [channel, afterMs] = Object.entries(rule)[0] as [NotifyRule['channel'], number];
          if (contacts[channel] === null) {
            src.report(
              ['people', key, 'notify', urgency, i],
              `notify rule uses ${channel} but person "${key}" has no ${channel === 'email' ? 'email address' : `${channel} number`}`,
            );
          }
          return { channel, afterMs };
        });
      }
      people.set(key, {
        name: key,
        displayName: raw.name ?? key,
        timezone: raw.timezone ?? settings.timezone,
        ...contacts,
        notify,
        remindBeforeMs: raw.remind_before ?? null,
      });
    }
    return people;
  }

  private severities(hark: Parsed<schema.RawHark>): Severity[] {
    const raw = hark.value.severities;
    if (raw === undefined) return DEFAULT_SEVERITIES;
    this.unique(hark.src, raw, ['severities'], 'severity');
    return raw.map((s, i) => ({
      name: s.name,
      urgency: s.urgency,
      match: s.match ? this.matcher(hark.src, s.match, ['severities', i, 'match']) : null,
    }));
  }

  private defaultSeverity(hark: Parsed<schema.RawHark>, severities: readonly Severity[]): string {
    const wanted = hark.value.default_severity;
    if (wanted === undefined) return severities[0]!.name;
    const names = severities.map((s) => s.name);
    if (!names.includes(wanted)) {
      hark.src.report(
        ['default_severity'],
        `unknown severity "${wanted}" in default_severity${didYouMean(wanted, names)} (severities: ${names.join(', ')})`,
      );
    }
    return wanted;
  }

  private matcher(src: SourceFile, raw: z.output<typeof schema.matcher>, path: Path): Matcher {
    const build = (part: 'labels' | 'annotations'): Map<string, ValueMatcher[]> => {
      const out = new Map<string, ValueMatcher[]>();
      for (const [label, value] of Object.entries(raw[part] ?? {})) {
        const list = Array.isArray(value) ? value : [value];
        out.set(
          label,
          list.map((v, i): ValueMatcher => {
            if (v.length >= 2 && v.startsWith('/') && v.endsWith('/')) {
              const source = v.slice(1, -1);
              try {
                return { kind: 'regex', source, regex: new RegExp(`^(?:${source})$`) };
              } catch (e) {
                const at = Array.isArray(value) ? [...path, part, label, i] : [...path, part, label];
                src.report(
                  at,
                  `invalid regular expression ${v}: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
                );
              }
            }
            return { kind: 'exact', value: v };
          }),
        );
      }
      return out;
    };
    return { labels: build('labels'), annotations: build('annotations') };
  }

  private services(hark: Parsed<schema.RawHark>): Service[] {
    const { src } = hark;
    const raw = hark.value.services ?? [];
    this.unique(src, raw, ['services'], 'service');
    const knownPolicies = this.known.policies;
    let catchAll: string | null = null;
    return raw.map((s, i) => {
      if (!knownPolicies.has(s.escalation_policy)) {
        src.report(
          ['services', i, 'escalation_policy'],
          `unknown escalation policy "${s.escalation_policy}" for service "${s.name}"${didYouMean(s.escalation_policy, knownPolicies)} (policies are the files in escalation-policies/)`,
        );
      }
      if (s.runbook !== undefined && !this.known.runbooks.has(s.runbook)) {
        src.report(
          ['services', i, 'runbook'],
          `unknown runbook "${s.runbook}" for service "${s.name}"${didYouMean(s.runbook, this.known.runbooks)} (runbooks are the files in runbooks/)`,
        );
      }
      if (catchAll !== null) {
        src.report(
          ['services', i],
          `service "${s.name}" is never used: service "${catchAll}" above it has no match and takes every alert`,
          {
            level: 'warning',
          },
        );
      }
      if (s.match === undefined && catchAll === null) catchAll = s.name;
      return {
        name: s.name,
        match: s.match ? this.matcher(src, s.match, ['services', i, 'match']) : null,
        escalationPolicy: s.escalation_policy,
        groupBy: s.group_by ?? [],
        runbook: s.runbook ?? null,
      };
    });
  }

  private integrations(hark: Parsed<schema.RawHark>): Integration[] {
    const raw = hark.value.integrations ?? [];
    this.unique(hark.src, raw, ['integrations'], 'integration');
    return raw.map((r, i) => {
      if (r.token === undefined && r.type !== 'pagerduty') {
        hark.src.report(['integrations', i], `integration "${r.name}" (type ${r.type}) needs a token`);
      }
      return { name: r.name, type: r.type, token: r.token ?? null };
    });
  }

  private apiTokens(hark: Parsed<schema.RawHark>): ApiToken[] {
    const raw = hark.value.api_tokens ?? [];
    this.unique(hark.src, raw, ['api_tokens'], 'API token');
    return raw.map((t, i) => {
      if (t.person !== undefined)
        this.checkPerson(hark.src, ['api_tokens', i, 'person'], t.person, `API token "${t.name}"`);
      return { name: t.name, token: t.token, person: t.person ?? null };
    });
  }

  // ---------------------------------------------------------------------------------- schedules

  private schedule(p: Parsed<schema.RawSchedule>, settings: Settings): Schedule {
    const { src, value } = p;
    this.unique(src, value.rotations, ['rotations'], 'rotation');
    const byName = new Map(value.rotations.map((r) => [r.name, r]));
    const rotations: Rotation[] = [];
    value.rotations.forEach((r, i) => {
      const at = (...rest: (string | number)[]): Path => ['rotations', i, ...rest];
      const role = r.role ?? 'primary';
      if (r.follows !== undefined) {
        for (const key of ['members', 'start', 'handoff', 'end', 'coverage'] as const) {
          if (r[key] !== undefined) {
            src.report(
              at(key),
              `rotation "${r.name}" follows "${r.follows}" and takes its ${key} from it; remove ${key} (a following rotation has only name, role and follows)`,
              { key: true },
            );
          }
        }
        const target = byName.get(r.follows);
        if (!target) {
          src.report(
            at('follows'),
            `rotation "${r.name}" follows unknown rotation "${r.follows}"${didYouMean(r.follows, byName.keys())} (rotations in this schedule: ${[...byName.keys()].join(', ')})`,
          );
        } else {
          const seen = [r.name];
          let cur: typeof target | undefined = target;
          while (cur?.follows !== undefined && !seen.includes(cur.name)) {
            seen.push(cur.name);
            cur = byName.get(cur.follows);
          }
          if (cur && seen.includes(cur.name)) {
            src.report(
              at('follows'),
              `rotation "${r.name}" follows in a cycle: ${[...seen, cur.name].join(' → ')}`,
            );
          }
        }
        rotations.push({ kind: 'follows', name: r.name, role, follows: r.follows });
        return;
      }
      if (r.members === undefined)
        src.report(at(), `rotation "${r.name}" needs members (or follows: another rotation)`);
      if (r.start === undefined)
        src.report(at(), `rotation "${r.name}" needs start (YYYY-MM-DDTHH:MM, when shift 0 begins)`);
      r.members?.forEach((m, j) => this.checkPerson(src, at('members', j), m, `rotation "${r.name}"`));
      let handoff = null;
      if (r.handoff !== undefined) {
        try {
          handoff = parseHandoffRule(r.handoff);
        } catch (e) {
          if (!(e instanceof HandoffRuleError)) throw e;
          src.report(at('handoff'), `invalid handoff "${r.handoff}": ${e.message}`);
        }
      } else if ((r.members?.length ?? 0) > 1) {
        src.report(
          at('members'),
          `rotation "${r.name}" has ${r.members!.length} members but no handoff: only ${r.members![0]} would ever be on call (add handoff: FREQ=WEEKLY, for example)`,
        );
      }
      if (r.start !== undefined && r.end !== undefined && r.end <= r.start) {
        src.report(at('end'), `end must be after start in rotation "${r.name}"`);
      }
      const coverage: CoverageWindow[] | null =
        r.coverage?.map((w) => ({
          days: w.days
            ? [
                ...new Set(
                  w.days.map((d) =>
                    schema.DAY_NAMES.indexOf(d.toLowerCase() as (typeof schema.DAY_NAMES)[number]),
                  ),
                ),
              ]
            : [0, 1, 2, 3, 4, 5, 6],
          from: w.from,
          to: w.to,
        })) ?? null;
      rotations.push({
        kind: 'own',
        name: r.name,
        role,
        members: r.members ?? [],
        start: (r.start ?? 0) as LocalMs,
        handoff,
        end: (r.end ?? null) as LocalMs | null,
        coverage,
      });
    });
    const roles = [...new Set(rotations.map((r) => r.role))];
    const overrides: GitOverride[] = (value.overrides ?? []).map((o, i) => {
      const role = o.role ?? 'primary';
      if (!roles.includes(role)) {
        src.report(
          ['overrides', i, o.role === undefined ? 'person' : 'role'],
          `override for unknown role "${role}"${didYouMean(role, roles)} (roles in this schedule: ${roles.join(', ')})`,
        );
      }
      this.checkPerson(src, ['overrides', i, 'person'], o.person, `override ${i}`);
      if (o.to <= o.from) src.report(['overrides', i, 'to'], 'override to must be after from');
      return { role, person: o.person, from: o.from as LocalMs, to: o.to as LocalMs };
    });
    return {
      name: p.name,
      file: src.file,
      timezone: value.timezone ?? settings.timezone,
      rotations,
      overrides,
      roles,
    };
  }

  // ---------------------------------------------------------------------------------- policies

  private policy(p: Parsed<schema.RawPolicy>, schedules: ReadonlyMap<string, Schedule>): EscalationPolicy {
    const { src, value } = p;
    const knownSchedules = this.known.schedules;
    const steps: EscalationStep[] = value.steps.map((step, i) => ({
      escalateAfterMs: step.escalate_after ?? 10 * 60_000,
      notify: step.notify.map((t, j): EscalationTarget => {
        const at: Path = ['steps', i, 'notify', j];
        if (
          (t.schedule === undefined) === (t.person === undefined) ||
          (t.role !== undefined && t.schedule === undefined)
        ) {
          src.report(at, 'a target is {schedule: NAME} or {schedule: NAME, role: ROLE} or {person: NAME}');
          return { kind: 'person', person: t.person ?? '' };
        }
        if (t.person !== undefined) {
          this.checkPerson(src, [...at, 'person'], t.person, `step ${i + 1}`);
          return { kind: 'person', person: t.person };
        }
        const scheduleName = t.schedule!;
        const role = t.role ?? 'primary';
        const schedule = schedules.get(scheduleName);
        if (!knownSchedules.has(scheduleName)) {
          src.report(
            [...at, 'schedule'],
            `unknown schedule "${scheduleName}" in step ${i + 1}${didYouMean(scheduleName, knownSchedules)} (schedules are the files in schedules/)`,
          );
        } else if (schedule && !schedule.roles.includes(role)) {
          src.report(
            [...at, t.role === undefined ? 'schedule' : 'role'],
            `schedule "${scheduleName}" has no role "${role}"${didYouMean(role, schedule.roles)} (roles: ${schedule.roles.join(', ')})`,
          );
        }
        return { kind: 'schedule', schedule: scheduleName, role };
      }),
    }));
    return {
      name: p.name,
      file: src.file,
      repeat: value.repeat === undefined ? 0 : value.repeat === 'forever' ? Infinity : Number(value.repeat),
      steps,
    };
  }

  // ---------------------------------------------------------------------------------- runbooks

  private runbooks(): Map<string, Runbook> {
    const out = new Map<string, Runbook>();
    for (const rel of this.readDir('runbooks', '.md')) {
      const name = this.fileName(rel, '.md', 'runbook');
      if (name !== null) this.known.runbooks.add(name);
      const text = this.readText(rel);
      if (name === null || text === null) continue;
      let body = text;
      let front: z.output<typeof schema.runbookFrontMatter> = {};
      let src: SourceFile | null = null;
      const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
      if (m) {
        body = text.slice(m[0].length);
        src = new SourceFile(rel, m[1]!, this.env, this.issues, 1);
        const parsed = this.validate(src, schema.runbookFrontMatter, name);
        if (!parsed) continue;
        front = parsed.value;
      }
      const heading = /^#\s+(.+)$/m.exec(body);
      out.set(name, {
        name,
        file: rel,
        title: front.title ?? heading?.[1]?.trim() ?? name,
        match: front.match && src ? this.matcher(src, front.match, ['match']) : null,
        body,
      });
    }
    return out;
  }

  // ---------------------------------------------------------------------------------- helpers

  private checkPerson(src: SourceFile, path: Path, name: string, where: string): void {
    if (!this.known.people.has(name)) {
      src.report(path, `unknown person "${name}" in ${where}${didYouMean(name, this.known.people)}`);
    }
  }

  private unique(src: SourceFile, items: readonly { name: string }[], path: Path, what: string): void {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      const prev = first.get(item.name);
      if (prev === undefined) first.set(item.name, i);
      else {
        const pos = src.position([...path, prev, 'name']);
        src.report(
          [...path, i, 'name'],
          `duplicate ${what} "${item.name}" (first defined at ${src.file}:${pos.line}:${pos.col})`,
        );
      }
    });
  }
}

function defaultNotify(
  urgency: Urgency,
  c: { sms: string | null; voice: string | null; email: string | null },
): NotifyRule[] {
  if (urgency === 'low') {
    return c.email ? [{ channel: 'email', afterMs: 0 }] : c.sms ? [{ channel: 'sms', afterMs: 0 }] : [];
  }
  const rules: NotifyRule[] = [];
  if (c.sms) rules.push({ channel: 'sms', afterMs: 0 });
  if (c.email) rules.push({ channel: 'email', afterMs: 0 });
  if (c.voice) rules.push({ channel: 'voice', afterMs: c.sms ? 60_000 : 0 });
  return rules;
}

// ------------------------------------------------------------------------------ zod issue text

type ZodIssue = z.core.$ZodIssue;

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function kindOf(v: unknown): string {
  if (v === null) return 'nothing (null)';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v === 'number' ? 'the number' : typeof v === 'boolean' ? 'the boolean' : typeof v} ${String(v)}`;
}

const EXPECTED: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  record: 'a mapping (key: value)',
};

/** The keys a strict object schema allows at `path`, found by walking the schema. */
function allowedKeys(root: z.ZodType, path: readonly PropertyKey[]): string[] {
  type Def = {
    type: string;
    innerType?: unknown;
    in?: unknown;
    element?: unknown;
    valueType?: unknown;
    shape?: Record<string, unknown>;
    options?: unknown[];
  };
  const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;
  const unwrap = (s: unknown): unknown => {
    for (;;) {
      const d = defOf(s);
      if ((d.type === 'optional' || d.type === 'default' || d.type === 'nullable') && d.innerType)
        s = d.innerType;
      else if (d.type === 'pipe' && d.in) s = d.in;
      else return s;
    }
  };
  let s: unknown = unwrap(root);
  for (const p of path) {
    const d = defOf(s);
    if (d.type === 'object' && d.shape && typeof p === 'string' && p in d.shape) s = unwrap(d.shape[p]);
    else if (d.type === 'array' && d.element) s = unwrap(d.element);
    else if (d.type === 'record' && d.valueType) s = unwrap(d.valueType);
    else return [];
  }
  const d = defOf(s);
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
}

function reportZodIssue(src: SourceFile, root: z.ZodType, data: unknown, issue: ZodIssue): void {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const value = valueAt(data, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(root, issue.path);
      for (const key of issue.keys) {
        src.report(
          [...path, key],
          `unknown key "${key}"${didYouMean(key, allowed)} (allowed: ${allowed.join(', ')})`,
          { key: true },
        );
      }
      return;
    }
    case 'invalid_type': {
      if (value === undefined) {
        const key = path[path.length - 1];
        src.report(path.slice(0, -1), `missing required key "${String(key)}"`);
      } else {
        const expected = EXPECTED[issue.expected] ?? issue.expected;
        const what =
          issue.expected === 'number' && typeof value === 'string'
            ? ' (durations and times are strings)'
            : '';
        src.report(path, `expected ${expected}, got ${kindOf(value)}${what}`);
      }
      return;
    }
    case 'invalid_value': {
      const allowed = issue.values.map(String);
      src.report(
        path,
        `invalid value ${kindOf(value).replace(/^the (string|number|boolean) /, '')}: allowed values are ${allowed.join(', ')}`,
      );
      return;
    }
    case 'invalid_union': {
      const branches = issue.errors.flat();
      if (issue.message === 'Invalid input' && branches.every((b) => b.code === 'invalid_type')) {
        const expected = [
          ...new Set(
            branches.map((b) => (b.code === 'invalid_type' ? (EXPECTED[b.expected] ?? b.expected) : '')),
          ),
        ];
        src.report(path, `expected ${expected.join(' or ')}, got ${kindOf(value)}`);
      } else src.report(path, issue.message);
      return;
    }
    default:
      src.report(path, issue.message);
  }
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || value instanceof RegExp)
    return value;
  if (value instanceof Map) for (const v of value.values()) deepFreeze(v);
  else for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
