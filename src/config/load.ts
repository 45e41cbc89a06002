/**
 * Loads a config directory (SPEC section 1) into one typed, frozen `Config`, or throws a
 * `ConfigError` listing every problem in the tree with `file:line:col`.
 *
 * Each file is validated section by section and entry by entry, so one bad entry does not hide the
 * errors of the others, and names are collected from the raw files, so one bad entry does not
 * cascade into "unknown person" errors everywhere else.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { EVENT_TYPES } from '../events/schema.js';
import { HandoffRuleError, parseHandoffRule } from '../schedules/handoff-rule.js';
import type { LocalMs } from '../time/local.js';
import { ConfigError, sortIssues, type ConfigIssue } from './errors.js';
import { FrozenMap } from './frozen-map.js';
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
  Heartbeat,
  IncidentChannelPolicy,
  Integration,
  NtfyConfig,
  Matcher,
  NotifyRule,
  Person,
  Rotation,
  Runbook,
  Schedule,
  Service,
  Settings,
  Severity,
  SlackConfig,
  SlackService,
  Urgency,
  ValueMatcher,
  Webhook,
} from './types.js';
import { reportZodIssue } from './zod-issues.js';

export interface LoadOptions {
  /** Environment for `${NAME}` interpolation; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * What an unset or empty `${NAME}` is: an `error` (default), or a `warning` whose value is not
   * checked (`hark validate --no-env`: a config repository checked without its secrets). Either
   * way every other problem is reported with it.
   */
  readonly unsetEnv?: ConfigIssue['level'];
}

export interface LoadResult {
  readonly config: Config;
  readonly warnings: readonly ConfigIssue[];
}

/**
 * SPEC section 4: at most 1 SMS a minute and 5 per 15 minutes; 1 call per 2 minutes and 3 per 15.
 * Email (the SPEC names no default): 1 a minute, like GoAlert, and 10 per 15 minutes, so a storm
 * sends one email and then bundles, not one email per incident.
 */
const DEFAULT_PAGE_LIMITS = {
  sms: [
    { count: 1, perMs: 60_000 },
    { count: 5, perMs: 15 * 60_000 },
  ],
  voice: [
    { count: 1, perMs: 2 * 60_000 },
    { count: 3, perMs: 15 * 60_000 },
  ],
  email: [
    { count: 1, perMs: 60_000 },
    { count: 10, perMs: 15 * 60_000 },
  ],
  // Slack DMs and ntfy pushes (docs/ntfy.md): as email, one a minute and then bundles.
  slack: [
    { count: 1, perMs: 60_000 },
    { count: 10, perMs: 15 * 60_000 },
  ],
  ntfy: [
    { count: 1, perMs: 60_000 },
    { count: 10, perMs: 15 * 60_000 },
  ],
};
const limit = (l: { count: number; per: number }) => ({ count: l.count, perMs: l.per });

/** Per integration: 3000 requests a minute (alerts in one request count once). */
const DEFAULT_RATE_LIMIT = { requests: 3000, perMs: 60_000 };

const DEFAULT_SEVERITIES: Severity[] = [
  { name: 'SEV-1', urgency: 'high', match: labelMatcher('severity', ['critical', 'page']) },
  { name: 'SEV-2', urgency: 'high', match: labelMatcher('severity', ['error']) },
  { name: 'SEV-3', urgency: 'low', match: labelMatcher('severity', ['warning', 'info']) },
];

function labelMatcher(label: string, values: string[]): Matcher {
  return {
    labels: new FrozenMap([[label, values.map((value): ValueMatcher => ({ kind: 'exact', value }))]]),
    annotations: new FrozenMap([]),
  };
}

/**
 * A valid value for a hark.yaml field whose `${NAME}` is unset, for the fields secrets live in, so
 * that the rest of the entry is still checked (the value itself is reported, not checked).
 */
function harkStandIn(path: Path): string | undefined {
  const [section, , field] = path;
  if (path.length === 3 && section === 'people') {
    if (field === 'sms' || field === 'voice') return '+15555550100';
    if (field === 'email') return 'unset@example.invalid';
    if (field === 'timezone') return 'UTC';
    if (field === 'slack') return 'U0UNSET0';
    if (field === 'ntfy') return 'unset-topic';
  }
  if (path.length === 2 && section === 'ntfy') {
    if (path[1] === 'url') return 'https://unset.invalid';
    if (path[1] === 'token') return 'tk_unsetnotchecked';
  }
  if (path.length === 3 && section === 'services' && field === 'slack_channel') return '#unset';
  if (path.length === 3 && section === 'slack' && path[1] === 'shift_notices') return '#unset';
  if (path.length === 2 && section === 'slack') {
    if (path[1] === 'bot_token') return 'xoxb-unset-not-checked';
    if (path[1] === 'signing_secret') return 'unset-signing-secret-not-checked';
  }
  if (path.length === 3 && (section === 'integrations' || section === 'api_tokens') && field === 'token')
    return 'unset-token-not-checked';
  if (path.length === 3 && section === 'webhooks' && field === 'secret') return UNSET_WEBHOOK_SECRET;
  if (path.length === 3 && section === 'heartbeats' && field === 'token')
    return 'unset-heartbeat-token-not-checked';
  if (path.length === 2 && section === 'settings') {
    if (path[1] === 'public_url') return 'https://unset.invalid';
    if (path[1] === 'timezone') return 'UTC';
  }
  return undefined;
}

/** What an unset webhook secret stands in as (valid, so the rest of its webhook is checked). */
const UNSET_WEBHOOK_SECRET = `whsec_${Buffer.from('unset webhook secret, not checked').toString('base64')}`;

/** How long after resolve an incident's Slack channel is archived, unless `archive_after` says. */
export const DEFAULT_ARCHIVE_AFTER_MS = 24 * 3_600_000;

/** How long one webhook delivery attempt may take, unless the webhook says. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** `settings.max_body` when unset: alert bodies up to 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/**
 * Environment variables Hark itself reads secrets from: a webhook secret may not be one of them
 * (its receiver must know it to check signatures).
 */
const HARK_SECRET_ENV = [
  'TWILIO_ACCOUNT_SID',
  'TWILIO_AUTH_TOKEN',
  'SMTP_URL',
  'REDIS_URL',
  'HARK_REDIS_OPTIONS',
  'HARK_API_TOKEN',
];

/** Loads and validates the config in `dir`. Throws ConfigError when anything is wrong. */
export function loadConfig(dir: string, options: LoadOptions = {}): LoadResult {
  return new Loader(resolve(dir), options.env ?? process.env, options.unsetEnv ?? 'error').load();
}

/** A list section after validation: invalid entries are undefined, so indexes still match the file. */
type Entries<T> = readonly (T | undefined)[];

interface HarkFile {
  readonly src: SourceFile;
  readonly people: Readonly<Record<string, schema.RawPerson | undefined>>;
  readonly severities: Entries<schema.RawSeverity> | undefined;
  readonly defaultSeverity: string | undefined;
  readonly services: Entries<schema.RawService>;
  readonly integrations: Entries<schema.RawIntegration>;
  readonly apiTokens: Entries<schema.RawApiToken>;
  readonly settings: schema.RawSettings | undefined;
  readonly webhooks: Entries<schema.RawWebhook>;
  readonly slack: schema.RawSlack | undefined;
  readonly ntfy: schema.RawNtfy | undefined;
  readonly heartbeats: Entries<schema.RawHeartbeat>;
}

interface ScheduleFile {
  readonly src: SourceFile;
  readonly name: string;
  readonly timezone: string | undefined;
  readonly rotations: Entries<schema.RawRotation>;
  /** Rotation names as written, including entries that failed validation. */
  readonly rotationNames: readonly string[];
  readonly overrides: Entries<schema.RawGitOverride>;
}

interface PolicyFile {
  readonly src: SourceFile;
  readonly name: string;
  readonly repeat: number | 'forever' | undefined;
  readonly steps: Entries<schema.RawStep>;
}

/** Removes null values from mappings: `settings:` with nothing under it means no settings. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, dropNulls(v)]),
  );
}

function namesIn(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((e) => (e && typeof e === 'object' ? (e as { name?: unknown }).name : undefined))
    .filter((n): n is string => typeof n === 'string');
}

class Loader {
  private readonly issues: ConfigIssue[] = [];
  /** Names as written, even in entries or files that failed validation. */
  private readonly known = {
    people: new Set<string>(),
    schedules: new Set<string>(),
    policies: new Set<string>(),
    runbooks: new Set<string>(),
    scheduleRoles: new Map<string, Set<string>>(),
  };
  /** False when hark.yaml could not be read: person references are then not checked at all. */
  private peopleKnown = false;

  constructor(
    private readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly unsetEnv: ConfigIssue['level'],
  ) {}

  load(): LoadResult {
    const hark = this.readHark();
    const settings = this.settings(hark);
    const scheduleFiles = this.readDir('schedules', '.yaml').map((f) => this.readSchedule(f));
    const policyFiles = this.readDir('escalation-policies', '.yaml').map((f) => this.readPolicy(f));
    const runbooks = this.runbooks();

    const people = hark ? this.people(hark, settings) : new Map<string, Person>();
    const schedules = new Map<string, Schedule>();
    for (const f of scheduleFiles) if (f) schedules.set(f.name, this.schedule(f, settings));
    const policies = new Map<string, EscalationPolicy>();
    for (const f of policyFiles) if (f) policies.set(f.name, this.policy(f));
    const severities = hark ? this.severities(hark) : DEFAULT_SEVERITIES;
    const defaultSeverity = hark ? this.defaultSeverity(hark, severities) : severities[0]!.name;
    const services = hark ? this.services(hark) : [];
    const integrations = hark ? this.integrations(hark) : [];
    const apiTokens = hark ? this.apiTokens(hark) : [];
    const webhooks = hark ? this.webhooks(hark, severities, integrations, apiTokens) : [];
    const slack = hark ? this.slack(hark, severities) : null;
    const ntfy = hark ? this.ntfy(hark) : null;
    const heartbeats = hark ? this.heartbeats(hark, severities, integrations, apiTokens) : [];
    if (hark) this.priorities(hark, severities);

    const errors = sortIssues(this.issues.filter((i) => i.level === 'error'));
    const warnings = sortIssues(this.issues.filter((i) => i.level === 'warning'));
    if (errors.length > 0) throw new ConfigError(errors, warnings);
    const config: Config = {
      dir: this.dir,
      settings,
      people: new FrozenMap(people),
      severities,
      defaultSeverity,
      services,
      integrations,
      apiTokens,
      webhooks,
      slack,
      ntfy,
      heartbeats,
      schedules: new FrozenMap(schedules),
      policies: new FrozenMap(policies),
      runbooks: new FrozenMap(runbooks),
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

  /** Parses a YAML file; its value with null mappings dropped, or undefined (errors reported). */
  private parseFile(rel: string, text: string, lineOffset = 0): { src: SourceFile; data: unknown } | null {
    const src = new SourceFile(rel, text, this.env, this.issues, {
      lineOffset,
      unsetEnv: this.unsetEnv,
      standIn: (path) => (rel === 'hark.yaml' ? harkStandIn(path) : undefined),
    });
    if (!src.ok) return null;
    const data = dropNulls(src.value());
    if (data === undefined || data === null) {
      if (lineOffset > 0) return { src, data: {} }; // empty front matter
      src.report([], 'the file is empty');
      return null;
    }
    return { src, data };
  }

  /** Validates `data` (found at `path` in the file) with `s`; undefined when invalid (errors reported). */
  private part<S extends z.ZodType>(
    src: SourceFile,
    s: S,
    data: unknown,
    path: Path,
  ): z.output<S> | undefined {
    const result = s.safeParse(data);
    if (result.success) return result.data;
    for (const issue of result.error.issues) reportZodIssue(src, s, data, issue, path);
    return undefined;
  }

  /**
   * Validates a list section (`list` is checked with `listSchema`) and then each entry on its own.
   * An absent section is an empty list.
   */
  private entries<S extends z.ZodType>(
    src: SourceFile,
    s: S,
    list: unknown,
    path: Path,
    listSchema: z.ZodType = schema.listSection,
  ): Entries<z.output<S>> {
    if (list === undefined || this.part(src, listSchema, list, path) === undefined) return [];
    return (list as unknown[]).map((item, i) => this.part(src, s, item, [...path, i]));
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

  /** The name a file gives its schedule/policy/runbook; reported when invalid. */
  private fileName(rel: string, ext: string, what: string): string {
    const name = rel.slice(rel.lastIndexOf('/') + 1, -ext.length);
    if (!schema.NAME_RE.test(name)) {
      this.fileIssue(rel, `invalid ${what} name "${name}" (from the file name): ${schema.NAME_HELP}`);
    }
    return name;
  }

  private readHark(): HarkFile | null {
    const text = this.readText('hark.yaml');
    if (text === null) return null;
    const parsed = this.parseFile('hark.yaml', text);
    if (!parsed) return null;
    const { src, data } = parsed;
    const raw = data as Record<string, unknown>;
    if (raw.people && typeof raw.people === 'object' && !Array.isArray(raw.people)) {
      for (const name of Object.keys(raw.people)) this.known.people.add(name);
    }
    this.peopleKnown = true;
    if (
      this.part(src, schema.harkTop, data, []) === undefined &&
      (typeof data !== 'object' || Array.isArray(data))
    ) {
      return null;
    }
    const people: Record<string, schema.RawPerson | undefined> = {};
    if (raw.people && typeof raw.people === 'object' && !Array.isArray(raw.people)) {
      for (const [key, value] of Object.entries(raw.people as object)) {
        people[key] = this.part(src, schema.person, value, ['people', key]);
      }
    }
    const optional = <S extends z.ZodType>(s: S, key: string): z.output<S> | undefined =>
      raw[key] === undefined ? undefined : this.part(src, s, raw[key], [key]);
    return {
      src,
      people,
      severities:
        raw.severities === undefined
          ? undefined
          : this.entries(src, schema.severity, raw.severities, ['severities'], schema.severitiesSection),
      defaultSeverity: optional(z.string(), 'default_severity'),
      services: this.entries(src, schema.service, raw.services, ['services']),
      integrations: this.entries(src, schema.integration, raw.integrations, ['integrations']),
      apiTokens: this.entries(src, schema.apiToken, raw.api_tokens, ['api_tokens']),
      settings: optional(schema.settings, 'settings'),
      webhooks: this.entries(src, schema.webhook, raw.webhooks, ['webhooks']),
      slack: optional(schema.slack, 'slack'),
      ntfy: optional(schema.ntfy, 'ntfy'),
      heartbeats: this.entries(src, schema.heartbeat, raw.heartbeats, ['heartbeats']),
    };
  }

  private readSchedule(rel: string): ScheduleFile | null {
    const name = this.fileName(rel, '.yaml', 'schedule');
    this.known.schedules.add(name);
    const text = this.readText(rel);
    const parsed = text === null ? null : this.parseFile(rel, text);
    if (!parsed) return null;
    const { src, data } = parsed;
    if (
      this.part(src, schema.scheduleTop, data, []) === undefined &&
      (typeof data !== 'object' || Array.isArray(data))
    ) {
      return null;
    }
    const raw = data as { timezone?: unknown; rotations?: unknown; overrides?: unknown };
    const rawRotations = raw.rotations;
    const rotations =
      rawRotations === undefined
        ? []
        : this.entries(src, schema.rotation, rawRotations, ['rotations'], schema.rotationsSection);
    const roles = new Set<string>();
    if (Array.isArray(rawRotations)) {
      for (const r of rawRotations) {
        const role = r && typeof r === 'object' ? (r as { role?: unknown }).role : undefined;
        roles.add(typeof role === 'string' ? role : 'primary');
      }
    }
    this.known.scheduleRoles.set(name, roles);
    return {
      src,
      name,
      timezone:
        raw.timezone === undefined ? undefined : this.part(src, schema.timezone, raw.timezone, ['timezone']),
      rotations,
      rotationNames: namesIn(rawRotations),
      overrides: this.entries(src, schema.gitOverride, raw.overrides, ['overrides']),
    };
  }

  private readPolicy(rel: string): PolicyFile | null {
    const name = this.fileName(rel, '.yaml', 'escalation policy');
    this.known.policies.add(name);
    const text = this.readText(rel);
    const parsed = text === null ? null : this.parseFile(rel, text);
    if (!parsed) return null;
    const { src, data } = parsed;
    if (
      this.part(src, schema.policyTop, data, []) === undefined &&
      (typeof data !== 'object' || Array.isArray(data))
    ) {
      return null;
    }
    const raw = data as { repeat?: unknown; steps?: unknown };
    return {
      src,
      name,
      repeat:
        raw.repeat === undefined
          ? undefined
          : (this.part(src, schema.repeat, raw.repeat, ['repeat']) as number | 'forever'),
      steps:
        raw.steps === undefined
          ? []
          : this.entries(src, schema.step, raw.steps, ['steps'], schema.stepsSection),
    };
  }

  // ---------------------------------------------------------------------------------- hark.yaml

  private settings(hark: HarkFile | null): Settings {
    const s = hark?.settings ?? {};
    return {
      timezone: s.timezone ?? 'UTC',
      publicUrl: s.public_url ? s.public_url.replace(/\/+$/, '') : null,
      ackTimeoutMs: s.ack_timeout ?? 30 * 60_000,
      autoResolve: s.auto_resolve ?? true,
      retentionMs: s.retention ?? 90 * 86_400_000,
      eventRetentionMs: s.event_retention ?? 7 * 86_400_000,
      maxBodyBytes: s.max_body ?? DEFAULT_MAX_BODY_BYTES,
      pageLimits: {
        sms: s.page_limits?.sms?.map(limit) ?? DEFAULT_PAGE_LIMITS.sms,
        voice: s.page_limits?.voice?.map(limit) ?? DEFAULT_PAGE_LIMITS.voice,
        email: s.page_limits?.email?.map(limit) ?? DEFAULT_PAGE_LIMITS.email,
        slack: s.page_limits?.slack?.map(limit) ?? DEFAULT_PAGE_LIMITS.slack,
        ntfy: s.page_limits?.ntfy?.map(limit) ?? DEFAULT_PAGE_LIMITS.ntfy,
      },
    };
  }

  private people(hark: HarkFile, settings: Settings): Map<string, Person> {
    const { src } = hark;
    const people = new Map<string, Person>();
    for (const [key, raw] of Object.entries(hark.people)) {
      if (!schema.NAME_RE.test(key)) {
        src.report(['people', key], `invalid person name "${key}": ${schema.NAME_HELP}`, { key: true });
      }
      if (raw === undefined) continue;
      const contacts = { sms: raw.sms ?? null, voice: raw.voice ?? null, email: raw.email ?? null };
      // Slack DMs and ntfy pushes (docs/ntfy.md): the person's Slack user ID and ntfy topic.
      const chat = { slack: raw.slack ?? null, ntfy: raw.ntfy ?? null };
      if (!contacts.sms && !contacts.voice && !contacts.email && !chat.slack && !chat.ntfy) {
        src.report(
          ['people', key],
          `person "${key}" has no sms, voice, email, slack or ntfy: they could never be paged`,
          {
            key: true,
          },
        );
      }
      const notify = {} as Record<Urgency, NotifyRule[]>;
      for (const urgency of ['high', 'low'] as const) {
        const rules = raw.notify?.[urgency];
        if (rules === undefined) {
          notify[urgency] = defaultNotify(urgency, contacts, chat);
          continue;
        }
        notify[urgency] = rules.map((rule, i) => {
          const [channel, afterMs] = Object.entries(rule)[0] as [NotifyRule['channel'], number];
          if (channel === 'slack' || channel === 'ntfy') {
            this.chatRule(hark, ['people', key, 'notify', urgency, i], key, channel, chat[channel]);
          } else if (contacts[channel] === null) {
            src.report(
              ['people', key, 'notify', urgency, i],
              `notify rule uses ${channel} but person "${key}" has no ${channel === 'email' ? 'email address' : `${channel} number`}`,
            );
          }
          if (urgency === 'low' && channel === 'voice') {
            src.report(
              ['people', key, 'notify', urgency, i],
              'low-urgency incidents never call: use sms or email here',
              {
                level: 'warning',
              },
            );
          }
          return { channel, afterMs };
        });
      }
      if (raw.notify?.low === undefined && notify.low.length === 0 && contacts.voice) {
        src.report(
          ['people', key],
          `person "${key}" has only a voice number, and low-urgency incidents never call: they will not hear of those`,
          { key: true, level: 'warning' },
        );
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

  private severities(hark: HarkFile): Severity[] {
    if (hark.severities === undefined) return DEFAULT_SEVERITIES;
    this.unique(hark.src, hark.severities, ['severities'], 'severity');
    const out: Severity[] = [];
    hark.severities.forEach((s, i) => {
      if (s) {
        out.push({
          name: s.name,
          urgency: s.urgency,
          match: s.match ? this.matcher(hark.src, s.match, ['severities', i, 'match']) : null,
        });
      }
    });
    return out.length > 0 ? out : DEFAULT_SEVERITIES;
  }

  private defaultSeverity(hark: HarkFile, severities: readonly Severity[]): string {
    const wanted = hark.defaultSeverity;
    if (wanted === undefined) return severities[0]!.name;
    const names = severities.map((s) => s.name);
    const written = namesIn((hark.src.value() as { severities?: unknown } | undefined)?.severities);
    if (!names.includes(wanted) && !written.includes(wanted)) {
      hark.src.report(
        ['default_severity'],
        `unknown severity "${wanted}" in default_severity${didYouMean(wanted, names)} (severities: ${names.join(', ')})`,
      );
    }
    return wanted;
  }

  private matcher(src: SourceFile, raw: z.output<typeof schema.matcher>, path: Path): Matcher {
    const build = (part: 'labels' | 'annotations'): FrozenMap<string, ValueMatcher[]> => {
      const out: [string, ValueMatcher[]][] = [];
      for (const [label, value] of Object.entries(raw[part] ?? {})) {
        const list = Array.isArray(value) ? value : [value];
        out.push([
          label,
          list.map((v, i): ValueMatcher => {
            if (v.length >= 2 && v.startsWith('/') && v.endsWith('/')) {
              const source = v.slice(1, -1);
              try {
                new RegExp(source);
                return { kind: 'regex', source, regex: new RegExp(`^(?:${source})$`) };
              } catch (e) {
                const at = Array.isArray(value) ? [...path, part, label, i] : [...path, part, label];
                const reason = (e as Error).message.replace(
                  /^Invalid regular expression: \/.*\/[a-z]*: /,
                  '',
                );
                src.report(at, `invalid regular expression ${v}: ${reason}`);
              }
            }
            return { kind: 'exact', value: v };
          }),
        ]);
      }
      return new FrozenMap(out);
    };
    return { labels: build('labels'), annotations: build('annotations') };
  }

  private services(hark: HarkFile): Service[] {
    const { src } = hark;
    this.unique(src, hark.services, ['services'], 'service');
    let catchAll: string | null = null;
    const out: Service[] = [];
    hark.services.forEach((s, i) => {
      if (!s) return;
      if (!this.known.policies.has(s.escalation_policy)) {
        src.report(
          ['services', i, 'escalation_policy'],
          `unknown escalation policy "${s.escalation_policy}" for service "${s.name}"${didYouMean(s.escalation_policy, this.known.policies)} (policies are the files in escalation-policies/)`,
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
          `service "${s.name}" is never used: service "${catchAll}" above it matches every alert`,
          { level: 'warning' },
        );
      }
      const emptyMatch =
        !s.match ||
        (Object.keys(s.match.labels ?? {}).length === 0 &&
          Object.keys(s.match.annotations ?? {}).length === 0);
      if (emptyMatch && catchAll === null) catchAll = s.name;
      out.push({
        name: s.name,
        match: s.match && !emptyMatch ? this.matcher(src, s.match, ['services', i, 'match']) : null,
        escalationPolicy: s.escalation_policy,
        groupBy: s.group_by ?? [],
        runbook: s.runbook ?? null,
      });
    });
    if (catchAll === null && hark.integrations.length > 0) {
      src.report(
        hark.services.length > 0 ? ['services'] : [],
        'no service matches every alert: alerts that match none are refused with 422; add a last service without match',
        { level: 'warning', key: true },
      );
    }
    return out;
  }

  private integrations(hark: HarkFile): Integration[] {
    this.unique(hark.src, hark.integrations, ['integrations'], 'integration');
    const out: Integration[] = [];
    hark.integrations.forEach((r, i) => {
      if (!r) return;
      if (r.token === undefined && r.type !== 'pagerduty') {
        hark.src.report(['integrations', i], `integration "${r.name}" (type ${r.type}) needs a token`);
      }
      if (r.token === undefined && r.type === 'pagerduty') {
        hark.src.report(
          ['integrations', i],
          `integration "${r.name}" has no token, so it accepts events with any routing_key: set token (the routing_key its senders use)`,
          { level: 'warning' },
        );
      }
      if (r.priorities !== undefined && r.type !== 'opsgenie') {
        hark.src.report(
          ['integrations', i, 'priorities'],
          `integration "${r.name}" (type ${r.type}) has priorities, which only an opsgenie integration reads`,
          { key: true },
        );
      }
      out.push({
        name: r.name,
        type: r.type,
        token: r.token ?? null,
        rateLimit: r.rate_limit
          ? { requests: r.rate_limit.requests, perMs: r.rate_limit.per }
          : DEFAULT_RATE_LIMIT,
        ...(r.priorities ? { priorities: r.priorities } : {}),
      });
    });
    return out;
  }

  private apiTokens(hark: HarkFile): ApiToken[] {
    this.unique(hark.src, hark.apiTokens, ['api_tokens'], 'API token');
    const out: ApiToken[] = [];
    hark.apiTokens.forEach((t, i) => {
      if (!t) return;
      if (t.person !== undefined)
        this.checkPerson(hark.src, ['api_tokens', i, 'person'], t.person, `API token "${t.name}"`);
      out.push({ name: t.name, token: t.token, person: t.person ?? null });
    });
    return out;
  }

  /**
   * Webhooks: their event types, services and severities must exist, and their secret must come
   * from an environment variable of its own. Nothing else of a webhook may use `${...}`: what a
   * receiver gets or is sent to is written in the file, so no other part's secret can reach it.
   */
  private webhooks(
    hark: HarkFile,
    severities: readonly Severity[],
    integrations: readonly Integration[],
    apiTokens: readonly ApiToken[],
  ): Webhook[] {
    const { src } = hark;
    this.unique(src, hark.webhooks, ['webhooks'], 'webhook');
    const refs = src.envReferences;
    for (const ref of refs) {
      if (ref.path[0] !== 'webhooks' || (ref.path.length === 3 && ref.path[2] === 'secret')) continue;
      const field = ref.path.slice(2).join('.') || 'entry';
      src.report(
        ref.path,
        `\${...} is not allowed in a webhook's ${field}: only its secret comes from the environment (so no other part's secret can reach a receiver); write the value itself${ref.text.includes('$$') ? ' (a literal $ needs no $$ here)' : ''}`,
        { evenIfUnset: true },
      );
    }
    const services = new Set(hark.services.flatMap((s) => (s ? [s.name] : [])));
    for (const n of namesIn((src.value() as { services?: unknown } | undefined)?.services)) services.add(n);
    const severityNames = severities.map((s) => s.name);
    const groups = new Set(EVENT_TYPES.map((t) => t.slice(0, t.indexOf('.'))));
    const patterns = [...EVENT_TYPES, '*', ...[...groups].map((g) => `${g}.*`)];
    // Other secrets of the config: a webhook secret must be none of them.
    const others: { value: string; what: string }[] = [
      ...integrations.flatMap((i) =>
        i.token ? [{ value: i.token, what: `the token of integration "${i.name}"` }] : [],
      ),
      ...apiTokens.map((t) => ({ value: t.token, what: `API token "${t.name}"` })),
      ...HARK_SECRET_ENV.flatMap((n) => (this.env[n] ? [{ value: this.env[n], what: n }] : [])),
    ];
    const out: Webhook[] = [];
    hark.webhooks.forEach((w, i) => {
      if (!w) return;
      const at = (...rest: (string | number)[]): Path => ['webhooks', i, ...rest];
      const where = `webhook "${w.name}"`;
      w.events.forEach((e, j) => {
        if (!patterns.includes(e)) {
          src.report(
            at('events', j),
            `unknown event type "${e}" in ${where}${didYouMean(e, patterns)} (event types: ${EVENT_TYPES.join(', ')}; or "*", or a group such as incident.*)`,
          );
        }
      });
      w.services?.forEach((name, j) => {
        if (!services.has(name)) {
          src.report(
            at('services', j),
            `unknown service "${name}" in ${where}${didYouMean(name, services)} (services: ${[...services].join(', ') || 'none'})`,
          );
        }
      });
      w.severities?.forEach((name, j) => {
        if (!severityNames.includes(name)) {
          src.report(
            at('severities', j),
            `unknown severity "${name}" in ${where}${didYouMean(name, severityNames)} (severities: ${severityNames.join(', ')})`,
          );
        }
      });
      const secretEnv = this.webhookSecret(src, w, i, refs, others);
      others.push({ value: w.secret, what: `the secret of webhook "${w.name}"` });
      out.push({
        name: w.name,
        url: w.url,
        events: w.events,
        services: w.services ?? null,
        severities: w.severities ?? null,
        secret: w.secret,
        secretEnv: secretEnv ?? '',
        timeoutMs: w.timeout ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
      });
    });
    return out;
  }

  /**
   * A secret must be a whole `${VAR}` of its own: not written in the file, not one of Hark's own
   * variables (TWILIO_AUTH_TOKEN...), not shared with another field. Reports what is wrong at
   * `path` (messages never show the value). `ok`: the value may be checked further; `env`: the
   * variable it came from (null: none).
   */
  private envSecret(
    src: SourceFile,
    path: Path,
    refs: readonly { path: Path; text: string; names: readonly string[] }[],
    says: {
      readonly what: string;
      readonly field: string;
      readonly suggestion: string;
      readonly refused: (env: string, why: string) => string;
    },
  ): { ok: true; env: string } | { ok: false; env: string | null } {
    const same = (p: Path) => p.length === path.length && p.every((x, i) => x === path[i]);
    const ref = refs.find((r) => same(r.path));
    const m = ref ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(ref.text) : null;
    if (!m) {
      src.report(
        path,
        `${says.what} must come from the environment alone: write ${says.field}: "\${${says.suggestion}}" (no default, nothing around it) and set ${says.suggestion}`,
      );
      return { ok: false, env: null };
    }
    const env = m[1]!;
    if (src.isPoisoned(path)) return { ok: false, env }; // unset: reported already, the value is not checked
    if (HARK_SECRET_ENV.includes(env)) {
      src.report(path, says.refused(env, 'Hark uses it for something else'));
      return { ok: false, env };
    }
    const elsewhere = refs.find((r) => r.names.includes(env) && r !== ref);
    if (elsewhere) {
      const pos = src.position(elsewhere.path);
      src.report(path, says.refused(env, `it is also used at ${src.file}:${pos.line}:${pos.col}`));
      return { ok: false, env };
    }
    return { ok: true, env };
  }

  /** Checks a webhook's secret (messages never show it); the variable it came from. */
  private webhookSecret(
    src: SourceFile,
    w: schema.RawWebhook,
    i: number,
    refs: readonly { path: Path; text: string; names: readonly string[] }[],
    others: readonly { value: string; what: string }[],
  ): string | null {
    const path: Path = ['webhooks', i, 'secret'];
    const where = `webhook "${w.name}"`;
    const suggestion = `HARK_WEBHOOK_${w.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_SECRET`;
    const checked = this.envSecret(src, path, refs, {
      what: `the secret of ${where}`,
      field: 'secret',
      suggestion,
      refused: (env, why) =>
        `${where} cannot use ${env} as its secret: ${why}; give the webhook a variable of its own`,
    });
    if (!checked.ok) return checked.env;
    const env = checked.env;
    const same = others.find((o) => o.value === w.secret);
    if (same) {
      src.report(
        path,
        `the secret of ${where} (${env}) is the same as ${same.what}: give each webhook a secret of its own`,
      );
      return env;
    }
    const body = w.secret.startsWith('whsec_') ? w.secret.slice('whsec_'.length) : null;
    const bytes =
      body !== null && /^[A-Za-z0-9+/]+={0,2}$/.test(body) && body.length % 4 === 0
        ? Buffer.from(body, 'base64').length
        : 0;
    if (bytes < 24 || bytes > 64) {
      src.report(
        path,
        `${env} is not a Standard Webhooks secret: it must be whsec_ followed by the base64 of 24 to 64 random bytes (make one with: hark webhooks secret)`,
      );
    }
    return env;
  }

  /** An opsgenie integration's `priorities`: each names a severity of hark.yaml. */
  private priorities(hark: HarkFile, severities: readonly Severity[]): void {
    const { src } = hark;
    const names = severities.map((s) => s.name);
    const written = namesIn((src.value() as { severities?: unknown } | undefined)?.severities);
    hark.integrations.forEach((r, i) => {
      for (const [priority, severity] of Object.entries(r?.priorities ?? {})) {
        if (severity !== undefined && !names.includes(severity) && !written.includes(severity)) {
          src.report(
            ['integrations', i, 'priorities', priority],
            `unknown severity "${severity}" for priority ${priority} of integration "${r!.name}"${didYouMean(severity, names)} (severities: ${names.join(', ')})`,
          );
        }
      }
    });
  }

  // ---------------------------------------------------------------------------------- heartbeats

  /**
   * `heartbeats:` and the integrations' Watchdog heartbeats (`heartbeat:`, docs/senders.md): names
   * unique across both, services and severities that exist, and a token per `heartbeats:` entry
   * that comes from an environment variable of its own, like a webhook secret.
   */
  private heartbeats(
    hark: HarkFile,
    severities: readonly Severity[],
    integrations: readonly Integration[],
    apiTokens: readonly ApiToken[],
  ): Heartbeat[] {
    const { src } = hark;
    const services = new Set(hark.services.flatMap((s) => (s ? [s.name] : [])));
    for (const n of namesIn((src.value() as { services?: unknown } | undefined)?.services)) services.add(n);
    const severityNames = severities.map((s) => s.name);
    const writtenSeverities = namesIn((src.value() as { severities?: unknown } | undefined)?.severities);
    const checkRefs = (
      path: Path,
      where: string,
      service: string | undefined,
      severity: string | undefined,
    ) => {
      if (service !== undefined && !services.has(service)) {
        src.report(
          [...path, 'service'],
          `unknown service "${service}" in ${where}${didYouMean(service, services)} (services: ${[...services].join(', ') || 'none'})`,
        );
      }
      if (
        severity !== undefined &&
        !severityNames.includes(severity) &&
        !writtenSeverities.includes(severity)
      ) {
        src.report(
          [...path, 'severity'],
          `unknown severity "${severity}" in ${where}${didYouMean(severity, severityNames)} (severities: ${severityNames.join(', ')})`,
        );
      }
    };
    const taken = new Map<string, Path>();
    const claim = (name: string, path: Path, where: string) => {
      const first = taken.get(name);
      if (first) {
        const pos = src.position(first);
        src.report(
          path,
          `duplicate heartbeat "${name}" in ${where} (first defined at ${src.file}:${pos.line}:${pos.col})`,
        );
        return false;
      }
      taken.set(name, path);
      return true;
    };
    const out: Heartbeat[] = [];
    const others: { value: string; what: string }[] = [
      ...integrations.flatMap((i) =>
        i.token ? [{ value: i.token, what: `the token of integration "${i.name}"` }] : [],
      ),
      ...apiTokens.map((t) => ({ value: t.token, what: `API token "${t.name}"` })),
    ];
    hark.heartbeats.forEach((h, i) => {
      if (!h) return;
      const path: Path = ['heartbeats', i];
      const where = `heartbeat "${h.name}"`;
      claim(h.name, [...path, 'name'], 'heartbeats');
      checkRefs(path, where, h.service, h.severity);
      const suggestion = `HARK_HEARTBEAT_${h.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TOKEN`;
      const tokenPath: Path = [...path, 'token'];
      const checked = this.envSecret(src, tokenPath, src.envReferences, {
        what: `the token of ${where}`,
        field: 'token',
        suggestion,
        refused: (env, why) =>
          `${where} cannot use ${env} as its token: ${why}; give the heartbeat a variable of its own`,
      });
      if (checked.ok) {
        const same = others.find((o) => o.value === h.token);
        if (h.token.length < 16) {
          src.report(
            tokenPath,
            `${checked.env} is too short for the token of ${where}: use at least 16 characters (openssl rand -hex 16)`,
          );
        } else if (same) {
          src.report(
            tokenPath,
            `the token of ${where} (${checked.env}) is the same as ${same.what}: give each heartbeat a token of its own`,
          );
        }
        others.push({ value: h.token, what: `the token of ${where}` });
      }
      out.push({
        name: h.name,
        intervalMs: h.interval,
        graceMs: h.grace ?? 0,
        service: h.service,
        severity: h.severity ?? null,
        token: h.token,
        tokenEnv: checked.env ?? '',
        watchdog: null,
      });
    });
    const catchAll = hark.services.some(
      (s) =>
        s !== undefined &&
        (!s.match ||
          (Object.keys(s.match.labels ?? {}).length === 0 &&
            Object.keys(s.match.annotations ?? {}).length === 0)),
    );
    hark.integrations.forEach((r, i) => {
      const w = r?.heartbeat;
      if (!r || !w) return;
      const path: Path = ['integrations', i, 'heartbeat'];
      const where = `the heartbeat of integration "${r.name}"`;
      if (r.type === 'datadog' || r.type === 'pagerduty') {
        src.report(
          path,
          `integration "${r.name}" (type ${r.type}) cannot have a heartbeat: its alerts carry no alertname label (Watchdog mode reads alertmanager, grafana, opsgenie and generic alerts)`,
          { key: true },
        );
        return;
      }
      const name = w.name ?? `${r.name}-watchdog`;
      if (w.name === undefined && !schema.NAME_RE.test(name)) {
        src.report(path, `${where} would be named "${name}", which is too long: give it a name`, {
          key: true,
        });
        return;
      }
      if (!claim(name, w.name === undefined ? path : [...path, 'name'], where)) return;
      checkRefs(path, where, w.service, w.severity);
      if (w.service === undefined && !catchAll) {
        src.report(
          path,
          `${where} has no service, and no service matches every alert: a missed ${w.alertname} could match none; set service`,
          { key: true, level: 'warning' },
        );
      }
      out.push({
        name,
        intervalMs: w.within,
        graceMs: 0,
        service: w.service ?? null,
        severity: w.severity ?? null,
        token: null,
        tokenEnv: '',
        watchdog: { integration: r.name, alertname: w.alertname },
      });
    });
    return out;
  }

  // ---------------------------------------------------------------------------------- slack

  /**
   * `slack:` (docs/slack.md) and the Slack fields of people and services. People's Slack user IDs
   * are checked with or without the section (each belongs to one person: a button press acts as
   * that person); services' Slack fields without it are reported as unused.
   */
  private slack(hark: HarkFile, severities: readonly Severity[]): SlackConfig | null {
    const { src } = hark;
    const userIds = this.slackUsers(hark);
    const written = (src.value() ?? {}) as { slack?: unknown };
    const raw = hark.slack;
    if (raw === undefined) {
      if (written.slack === undefined || written.slack === null) {
        hark.services.forEach((s, i) => {
          for (const key of ['slack_channel', 'slack_incident_channels'] as const) {
            if (s?.[key] !== undefined) {
              src.report(
                ['services', i, key],
                `service "${s.name}" has ${key}, but hark.yaml has no slack: section, so it is not used (see docs/slack.md)`,
                { key: true, level: 'warning' },
              );
            }
          }
        });
      }
      return null;
    }
    const botTokenEnv = this.slackSecret(src, 'bot_token', raw.bot_token);
    const signingSecretEnv = this.slackSecret(src, 'signing_secret', raw.signing_secret);
    const defaults: IncidentChannelPolicy = {
      severities: severities.filter((s) => s.urgency === 'high').map((s) => s.name),
      archiveAfterMs: DEFAULT_ARCHIVE_AFTER_MS,
    };
    const incidentChannels = this.incidentChannels(
      src,
      raw.incident_channels,
      ['slack', 'incident_channels'],
      severities,
      defaults,
    );
    const services = new Map<string, SlackService>();
    hark.services.forEach((s, i) => {
      if (!s || services.has(s.name)) return;
      if (s.slack_channel === undefined) this.emptyChannel(src, ['services', i, 'slack_channel']);
      services.set(s.name, {
        channel: s.slack_channel ?? null,
        incidentChannels: this.incidentChannels(
          src,
          s.slack_incident_channels,
          ['services', i, 'slack_incident_channels'],
          severities,
          incidentChannels,
        ),
      });
    });
    const shiftNotices = new Map<string, string>();
    const writtenNotices = (written.slack as { shift_notices?: unknown } | undefined)?.shift_notices;
    if (writtenNotices && typeof writtenNotices === 'object' && !Array.isArray(writtenNotices)) {
      for (const schedule of Object.keys(writtenNotices)) {
        const path: Path = ['slack', 'shift_notices', schedule];
        if (!this.known.schedules.has(schedule)) {
          src.report(
            path,
            `unknown schedule "${schedule}" in shift_notices${didYouMean(schedule, this.known.schedules)} (schedules are the files in schedules/)`,
            { key: true },
          );
        }
        const channel = raw.shift_notices?.[schedule];
        if (channel === undefined) this.emptyChannel(src, path);
        else shiftNotices.set(schedule, channel);
      }
    }
    const people = new Map([...userIds].map(([person, id]) => [id, person] as const));
    return {
      botToken: raw.bot_token,
      botTokenEnv: botTokenEnv ?? '',
      signingSecret: raw.signing_secret,
      signingSecretEnv: signingSecretEnv ?? '',
      incidentChannels,
      services: new FrozenMap(services),
      userIds: new FrozenMap(userIds),
      people: new FrozenMap(people),
      shiftNotices: new FrozenMap(shiftNotices),
    };
  }

  /** A channel key written with no value: most often `#name` unquoted, which YAML reads as a comment. */
  private emptyChannel(src: SourceFile, path: Path): void {
    if (!src.hasKey(path)) return;
    const key = String(path[path.length - 1]);
    src.report(
      path,
      `${key} is empty: a "#" starts a YAML comment, so write the channel without it (checkout-alerts) or in quotes ("#checkout-alerts")`,
      { key: true },
    );
  }

  /** People's Slack user IDs (person → ID), each used by one person only; unset ones left out. */
  private slackUsers(hark: HarkFile): Map<string, string> {
    return this.personAddresses(
      hark,
      'slack',
      (id, first, at) =>
        `Slack user ${id} is also person "${first}" (at ${at}): what a Slack user does in Slack is done as one person, so give each person their own Slack user`,
    );
  }

  /**
   * People's addresses in one chat or push system (person → address), each address used by one
   * person only: what is done from it is done as that person. Unset and already-refused ones are
   * left out; a second person with the same address is reported with where the first is.
   */
  private personAddresses(
    hark: HarkFile,
    field: 'slack' | 'ntfy',
    taken: (address: string, first: string, at: string) => string,
  ): Map<string, string> {
    const { src } = hark;
    const owner = new Map<string, string>();
    const out = new Map<string, string>();
    for (const [person, raw] of Object.entries(hark.people)) {
      const address = raw?.[field];
      const path: Path = ['people', person, field];
      if (address === undefined || src.isPoisoned(path)) continue;
      const first = owner.get(address);
      if (first !== undefined) {
        const pos = src.position(['people', first, field]);
        src.report(path, taken(address, first, `${src.file}:${pos.line}:${pos.col}`));
        continue;
      }
      owner.set(address, person);
      out.set(person, address);
    }
    return out;
  }

  /**
   * An `incident_channels` value: false (none), or {from, archive_after} where `from` is a severity
   * (it and every severity listed above it get a channel); what is left out comes from `fallback`.
   */
  private incidentChannels(
    src: SourceFile,
    value: unknown,
    path: Path,
    severities: readonly Severity[],
    fallback: IncidentChannelPolicy,
  ): IncidentChannelPolicy {
    if (value === undefined) return fallback;
    if (value === false) return { severities: [], archiveAfterMs: fallback.archiveAfterMs };
    const field = String(path[path.length - 1]);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      src.report(
        path,
        `${field} must be a mapping such as {from: SEV-2, archive_after: 24h}, or false for no incident channels`,
      );
      return fallback;
    }
    const raw = this.part(src, schema.incidentChannels, value, path);
    if (raw === undefined) return fallback;
    let list = fallback.severities;
    if (raw.from !== undefined) {
      const names = severities.map((s) => s.name);
      const at = names.indexOf(raw.from);
      const written = namesIn((src.value() as { severities?: unknown } | undefined)?.severities);
      if (at >= 0) list = names.slice(0, at + 1);
      else if (!written.includes(raw.from)) {
        src.report(
          [...path, 'from'],
          `unknown severity "${raw.from}" in ${field}.from${didYouMean(raw.from, names)} (severities, highest first: ${names.join(', ')}; from names the lowest that gets a channel)`,
        );
      }
    }
    const archiveAfterMs =
      raw.archive_after === undefined
        ? fallback.archiveAfterMs
        : raw.archive_after === 0
          ? null
          : raw.archive_after;
    return { severities: list, archiveAfterMs };
  }

  /** Checks a Slack secret (messages never show it); the variable it came from. */
  private slackSecret(src: SourceFile, field: 'bot_token' | 'signing_secret', value: string): string | null {
    const path: Path = ['slack', field];
    const [what, suggestion] =
      field === 'bot_token'
        ? ["Slack's bot token", 'SLACK_BOT_TOKEN']
        : ["Slack's signing secret", 'SLACK_SIGNING_SECRET'];
    const checked = this.envSecret(src, path, src.envReferences, {
      what,
      field,
      suggestion,
      refused: (env, why) =>
        `${what} cannot come from ${env}: ${why}; give it a variable of its own (${suggestion})`,
    });
    if (!checked.ok) return checked.env;
    const env = checked.env;
    if (field === 'bot_token' && !/^xoxb-[A-Za-z0-9-]+$/.test(value)) {
      src.report(
        path,
        `${env} is not a Slack bot token: a bot token starts with xoxb- (the app's Bot User OAuth Token, on its OAuth & Permissions page)`,
      );
    }
    if (field === 'signing_secret' && !/^\S{16,}$/.test(value)) {
      src.report(
        path,
        `${env} is not a Slack signing secret: copy the app's Signing Secret from its Basic Information page (App Credentials)`,
      );
    }
    return env;
  }

  // ---------------------------------------------------------------------------------- ntfy

  /**
   * A `{slack: ...}` or `{ntfy: ...}` notify rule of `person` (docs/ntfy.md, docs/slack.md): the
   * person needs their Slack user ID or ntfy topic, and hark.yaml the section that sends it.
   */
  private chatRule(
    hark: HarkFile,
    path: Path,
    person: string,
    channel: 'slack' | 'ntfy',
    address: string | null,
  ): void {
    const { src } = hark;
    if (address === null) {
      src.report(
        path,
        channel === 'slack'
          ? `notify rule uses slack but person "${person}" has no Slack user ID: add slack: U0123ABCD (their member ID, from their Slack profile)`
          : `notify rule uses ntfy but person "${person}" has no ntfy topic: add ntfy: <the topic they subscribed to in the ntfy app>`,
      );
    }
    const written = (src.value() ?? {}) as Record<string, unknown>;
    if (written[channel] === undefined || written[channel] === null) {
      src.report(
        path,
        channel === 'slack'
          ? 'notify rule uses slack but hark.yaml has no slack: section, so no DM could be sent (see docs/slack.md)'
          : 'notify rule uses ntfy but hark.yaml has no ntfy: section, so no notification could be sent (see docs/ntfy.md)',
      );
    }
  }

  /**
   * `ntfy:` (docs/ntfy.md) and people's `ntfy:` topics. Each topic belongs to one person (the
   * notification's buttons act as the person it was sent to); topics without the section are
   * reported as unused.
   */
  private ntfy(hark: HarkFile): NtfyConfig | null {
    const { src } = hark;
    const topics = this.personAddresses(
      hark,
      'ntfy',
      (_topic, first, at) =>
        `this ntfy topic is also person "${first}"'s (at ${at}): whoever subscribes to a topic gets its pages and acts as its person, so give each person a topic of their own`,
    );
    const written = (src.value() ?? {}) as { ntfy?: unknown };
    const raw = hark.ntfy;
    if (raw === undefined) {
      if (written.ntfy === undefined || written.ntfy === null) {
        for (const person of topics.keys()) {
          src.report(
            ['people', person, 'ntfy'],
            `person "${person}" has an ntfy topic, but hark.yaml has no ntfy: section, so it is not used (see docs/ntfy.md)`,
            { key: true, level: 'warning' },
          );
        }
      }
      return null;
    }
    const tokenEnv = raw.token === undefined ? null : this.ntfyToken(src, raw.token);
    return {
      url: raw.url.replace(/\/+$/, ''),
      token: raw.token ?? null,
      tokenEnv,
      topics: new FrozenMap(topics),
    };
  }

  /** Checks the ntfy access token (messages never show it); the variable it came from. */
  private ntfyToken(src: SourceFile, value: string): string | null {
    const path: Path = ['ntfy', 'token'];
    const what = 'the ntfy access token';
    const suggestion = 'NTFY_TOKEN';
    const refs = src.envReferences;
    const ref = refs.find((r) => r.path.length === 2 && r.path[0] === 'ntfy' && r.path[1] === 'token');
    const m = ref ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(ref.text) : null;
    if (!m) {
      src.report(
        path,
        `${what} must come from the environment alone: write token: "\${${suggestion}}" (no default, nothing around it) and set ${suggestion}`,
      );
      return null;
    }
    const env = m[1]!;
    if (src.isPoisoned(path)) return env; // unset: reported already, the value is not checked
    if (HARK_SECRET_ENV.includes(env)) {
      src.report(
        path,
        `${what} cannot come from ${env}: Hark uses it for something else; give it a variable of its own (${suggestion})`,
      );
      return env;
    }
    const elsewhere = refs.find((r) => r.names.includes(env) && r !== ref);
    if (elsewhere) {
      const pos = src.position(elsewhere.path);
      src.report(
        path,
        `${what} cannot come from ${env}: it is also used at ${src.file}:${pos.line}:${pos.col}; give it a variable of its own (${suggestion})`,
      );
      return env;
    }
    if (!/^tk_[A-Za-z0-9]+$/.test(value)) {
      src.report(
        path,
        `${env} is not an ntfy access token: a token starts with tk_ (make one with: ntfy token add <user>, or in the web app's account page)`,
      );
    }
    return env;
  }

  // ---------------------------------------------------------------------------------- schedules

  private schedule(f: ScheduleFile, settings: Settings): Schedule {
    const { src } = f;
    this.unique(src, f.rotations, ['rotations'], 'rotation');
    const byName = new Map<string, schema.RawRotation>();
    for (const r of f.rotations) if (r && !byName.has(r.name)) byName.set(r.name, r);
    const rotations: Rotation[] = [];
    f.rotations.forEach((r, i) => {
      if (!r) return;
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
        if (!f.rotationNames.includes(r.follows)) {
          src.report(
            at('follows'),
            `rotation "${r.name}" follows unknown rotation "${r.follows}"${didYouMean(r.follows, f.rotationNames)} (rotations in this schedule: ${f.rotationNames.join(', ')})`,
          );
        } else {
          const chain = [r.name];
          let cur = byName.get(r.follows);
          while (cur?.follows !== undefined && !chain.includes(cur.name)) {
            chain.push(cur.name);
            cur = byName.get(cur.follows);
          }
          if (cur && chain.includes(cur.name)) {
            src.report(
              at('follows'),
              `rotation "${r.name}" follows in a cycle: ${[...chain, cur.name].join(' → ')}`,
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
    const knownRoles = [...(this.known.scheduleRoles.get(f.name) ?? new Set(roles))];
    const overrides: GitOverride[] = [];
    f.overrides.forEach((o, i) => {
      if (!o) return;
      const role = o.role ?? 'primary';
      if (!knownRoles.includes(role)) {
        src.report(
          o.role === undefined ? ['overrides', i] : ['overrides', i, 'role'],
          o.role === undefined
            ? `override ${i + 1} has no role, so it is for "primary", which no rotation of this schedule has: add role (roles: ${knownRoles.join(', ')})`
            : `override ${i + 1} is for unknown role "${role}"${didYouMean(role, knownRoles)} (roles in this schedule: ${knownRoles.join(', ')})`,
        );
      }
      this.checkPerson(src, ['overrides', i, 'person'], o.person, `override ${i + 1}`);
      if (o.to <= o.from) src.report(['overrides', i, 'to'], `override ${i + 1}: to must be after from`);
      overrides.push({ role, person: o.person, from: o.from as LocalMs, to: o.to as LocalMs });
    });
    return {
      name: f.name,
      file: src.file,
      timezone: f.timezone ?? settings.timezone,
      rotations,
      overrides,
      roles,
    };
  }

  // ---------------------------------------------------------------------------------- policies

  private policy(f: PolicyFile): EscalationPolicy {
    const { src } = f;
    const steps: EscalationStep[] = [];
    f.steps.forEach((step, i) => {
      if (!step) return;
      const notify: EscalationTarget[] = [];
      step.notify.forEach((t, j) => {
        const at: Path = ['steps', i, 'notify', j];
        const problem =
          t.schedule !== undefined && t.person !== undefined
            ? 'names both a schedule and a person; use one target for each'
            : t.role !== undefined && t.schedule === undefined
              ? 'has a role but no schedule; role picks a role of a schedule'
              : t.schedule === undefined && t.person === undefined
                ? 'names nothing'
                : null;
        if (problem) {
          src.report(
            at,
            `target ${problem} (a target is {schedule: NAME}, {schedule: NAME, role: ROLE} or {person: NAME})`,
          );
          return;
        }
        if (t.person !== undefined) {
          this.checkPerson(src, [...at, 'person'], t.person, `step ${i + 1}`);
          notify.push({ kind: 'person', person: t.person });
          return;
        }
        const scheduleName = t.schedule!;
        const role = t.role ?? 'primary';
        const roles = this.known.scheduleRoles.get(scheduleName);
        if (!this.known.schedules.has(scheduleName)) {
          src.report(
            [...at, 'schedule'],
            `unknown schedule "${scheduleName}" in step ${i + 1}${didYouMean(scheduleName, this.known.schedules)} (schedules are the files in schedules/)`,
          );
        } else if (roles && !roles.has(role)) {
          const list = [...roles];
          src.report(
            [...at, t.role === undefined ? 'schedule' : 'role'],
            `schedule "${scheduleName}" has no role "${role}"${didYouMean(role, list)} (roles: ${list.join(', ')})`,
          );
        }
        notify.push({ kind: 'schedule', schedule: scheduleName, role });
      });
      steps.push({ escalateAfterMs: step.escalate_after ?? 10 * 60_000, notify });
    });
    return {
      name: f.name,
      file: src.file,
      repeat: f.repeat === undefined ? 0 : f.repeat === 'forever' ? Infinity : f.repeat,
      steps,
    };
  }

  // ---------------------------------------------------------------------------------- runbooks

  private runbooks(): Map<string, Runbook> {
    const out = new Map<string, Runbook>();
    for (const rel of this.readDir('runbooks', '.md')) {
      const name = this.fileName(rel, '.md', 'runbook');
      this.known.runbooks.add(name);
      const text = this.readText(rel);
      if (text === null) continue;
      let body = text;
      let front: z.output<typeof schema.runbookFrontMatter> | undefined = {};
      let src: SourceFile | null = null;
      if (/^---\r?\n/.test(text)) {
        const m = /^---\r?\n([\s\S]*?)\r?\n?^---[ \t]*(?:\r?\n|$)/m.exec(text);
        if (!m) {
          this.fileIssue(
            rel,
            'front matter starts with --- on line 1 but is never closed: end it with a line of ---',
          );
          continue;
        }
        body = text.slice(m[0].length);
        const parsed = this.parseFile(rel, m[1]!, 1);
        if (!parsed) continue;
        src = parsed.src;
        front = this.part(src, schema.runbookFrontMatter, parsed.data, []);
        if (!front) continue;
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
    if (this.peopleKnown && !this.known.people.has(name)) {
      src.report(path, `unknown person "${name}" in ${where}${didYouMean(name, this.known.people)}`);
    }
  }

  private unique(src: SourceFile, items: Entries<{ name: string }>, path: Path, what: string): void {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      if (!item) return;
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
  chat: { slack: string | null; ntfy: string | null } = { slack: null, ntfy: null },
): NotifyRule[] {
  // Someone reachable only by Slack or ntfy is paged there; anyone else by sms, email and voice as
  // before (a Slack user ID alone is also who a button press acts as: it adds no pages).
  const onlyChat: NotifyRule[] = [];
  if (!c.sms && !c.email && !c.voice) {
    if (chat.ntfy) onlyChat.push({ channel: 'ntfy', afterMs: 0 });
    if (chat.slack) onlyChat.push({ channel: 'slack', afterMs: 0 });
  }
  if (urgency === 'low') {
    return c.email ? [{ channel: 'email', afterMs: 0 }] : c.sms ? [{ channel: 'sms', afterMs: 0 }] : onlyChat;
  }
  const rules: NotifyRule[] = [...onlyChat];
  if (c.sms) rules.push({ channel: 'sms', afterMs: 0 });
  if (c.email) rules.push({ channel: 'email', afterMs: 0 });
  if (c.voice) rules.push({ channel: 'voice', afterMs: c.sms ? 60_000 : 0 });
  return rules;
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || value instanceof RegExp) return value;
  if (Object.isFrozen(value)) return value;
  if (value instanceof Map) {
    for (const v of value.values()) deepFreeze(v);
    return Object.freeze(value);
  }
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
