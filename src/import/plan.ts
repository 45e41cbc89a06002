/**
 * What an import produces before anything is written: the Hark objects (with the id of the vendor
 * object each came from), everything skipped or approximated and why, and the vendor's rendered
 * final schedules for `--verify`. Each vendor module builds one of these from its API responses.
 */
import type { LocalMs } from '../time/local.js';

export const VENDORS = ['opsgenie', 'pagerduty', 'grafana-oncall'] as const;
export type Vendor = (typeof VENDORS)[number];

export const VENDOR_TITLES: Record<Vendor, string> = {
  opsgenie: 'Opsgenie',
  pagerduty: 'PagerDuty',
  'grafana-oncall': 'Grafana OnCall',
};

/** Where a Hark object came from: written as `# source: <vendor> <id> (<what> <name>)`. */
export interface Source {
  readonly id: string;
  /** `user`, `schedule`, `layer`, ... */
  readonly what: string;
  /** The vendor's name for it, when it has one. */
  readonly name?: string;
}

export type Channel = 'sms' | 'voice' | 'email';

export interface PlannedNotifyRule {
  readonly channel: Channel;
  readonly afterMinutes: number;
}

export interface PlannedPerson {
  readonly name: string;
  readonly source: Source;
  readonly displayName?: string;
  readonly timezone?: string;
  /** A number, or `${NAME}` when the vendor's API does not give it. */
  readonly sms?: string;
  readonly voice?: string;
  readonly email?: string;
  readonly notify?: {
    readonly high?: readonly PlannedNotifyRule[];
    readonly low?: readonly PlannedNotifyRule[];
  };
}

export interface PlannedWindow {
  /** 0 = Sunday … 6 = Saturday; all seven: every day. */
  readonly days: readonly number[];
  /** Minutes after local midnight. */
  readonly from: number;
  /** Minutes after local midnight, 1440 for 24:00; `to` ≤ `from` ends the next day. */
  readonly to: number;
}

export interface PlannedRotation {
  readonly name: string;
  readonly source: Source;
  readonly role: string;
  readonly members: readonly string[];
  readonly start: LocalMs;
  /** An RRULE, or null for a single shift. */
  readonly handoff: string | null;
  readonly end: LocalMs | null;
  readonly coverage: readonly PlannedWindow[] | null;
  /** A line written above the rotation (how it was derived), when useful. */
  readonly note?: string;
}

export interface PlannedOverride {
  readonly role: string;
  readonly person: string;
  readonly from: LocalMs;
  readonly to: LocalMs;
  readonly source: Source;
}

export interface PlannedSchedule {
  readonly name: string;
  readonly source: Source;
  readonly timezone: string;
  readonly rotations: readonly PlannedRotation[];
  readonly overrides: readonly PlannedOverride[];
  /** The roles a "notify the on-call of this schedule" target pages, in order. */
  readonly roles: readonly string[];
}

export type PlannedTarget =
  { readonly schedule: string; readonly role: string } | { readonly person: string };

export interface PlannedStep {
  readonly source?: Source;
  readonly notify: readonly PlannedTarget[];
  /** Minutes; undefined on the last step when nothing repeats (Hark's default then applies). */
  readonly escalateAfterMinutes?: number;
}

export interface PlannedPolicy {
  readonly name: string;
  readonly source: Source;
  readonly repeat: number;
  readonly steps: readonly PlannedStep[];
}

export interface PlannedService {
  readonly name: string;
  readonly source: Source;
  readonly policy: string;
  /** Label matchers; undefined: matches every alert. */
  readonly match?: Readonly<Record<string, string>>;
}

export interface PlannedIntegration {
  readonly name: string;
  readonly source: Source;
  readonly type: 'alertmanager' | 'grafana' | 'datadog' | 'pagerduty' | 'generic';
  /** The environment variable the token is read from (never the token itself). */
  readonly tokenEnv: string;
}

/** An environment variable the written config uses, and where its value comes from. */
export interface EnvNeed {
  readonly name: string;
  readonly what: string;
}

/** One interval of a vendor's rendered final schedule. */
export interface RenderedEntry {
  readonly start: number;
  readonly end: number;
  /** The Hark person, or the vendor's label in quotes for someone not imported. */
  readonly who: string;
}

/** A vendor's final schedule over a range, for one role or for all roles of a schedule together. */
export interface RenderedSchedule {
  readonly schedule: string;
  /** null: compared with everyone Hark has on call in any role of the schedule. */
  readonly role: string | null;
  readonly from: number;
  readonly to: number;
  readonly entries: readonly RenderedEntry[];
  /** Where it was read from: `schedules/PI7DH85.json final_schedule`. */
  readonly origin: string;
}

export type ReportKind = 'skipped' | 'approximated';

export interface ReportEntry {
  readonly kind: ReportKind;
  /** The vendor object: `schedule "Ops" (PI7DH85)`. */
  readonly object: string;
  readonly why: string;
}

export interface ImportPlan {
  readonly vendor: Vendor;
  readonly people: readonly PlannedPerson[];
  readonly schedules: readonly PlannedSchedule[];
  readonly policies: readonly PlannedPolicy[];
  readonly services: readonly PlannedService[];
  readonly integrations: readonly PlannedIntegration[];
  readonly env: readonly EnvNeed[];
  readonly report: readonly ReportEntry[];
  readonly rendered: readonly RenderedSchedule[];
  /** Counts of what the input held, for the report: `users: 5`. */
  readonly read: readonly (readonly [string, number])[];
}

/** Collects report entries in the order they are found. */
export class Report {
  readonly entries: ReportEntry[] = [];

  skip(object: string, why: string): void {
    this.entries.push({ kind: 'skipped', object, why });
  }

  approx(object: string, why: string): void {
    this.entries.push({ kind: 'approximated', object, why });
  }
}

/** `schedule "Ops" (PI7DH85)` */
export function describe(what: string, name: string | undefined, id: string): string {
  return name === undefined || name === '' ? `${what} ${id}` : `${what} "${name}" (${id})`;
}
