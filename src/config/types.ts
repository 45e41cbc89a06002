/**
 * The loaded, validated, immutable configuration that the rest of Hark uses (SPEC section 1).
 * Produced only by `loadConfig`; every object in it is frozen.
 */
import type { HandoffRule } from '../schedules/handoff-rule.js';
import type { LocalMs } from '../time/local.js';

export type Urgency = 'high' | 'low';
export type Channel = 'sms' | 'voice' | 'email' | 'slack' | 'ntfy';
export const CHANNELS: readonly Channel[] = ['sms', 'voice', 'email', 'slack', 'ntfy'];

/** A label/annotation value test: exact string, any of a list, or a regular expression. */
export type ValueMatcher =
  | { readonly kind: 'exact'; readonly value: string }
  | { readonly kind: 'regex'; readonly source: string; readonly regex: RegExp };

export interface Matcher {
  /** Every listed label must match one of its alternatives. */
  readonly labels: ReadonlyMap<string, readonly ValueMatcher[]>;
  readonly annotations: ReadonlyMap<string, readonly ValueMatcher[]>;
}

export interface NotifyRule {
  readonly channel: Channel;
  /** Delay after the person is paged, in milliseconds. */
  readonly afterMs: number;
}

export interface Person {
  readonly name: string;
  readonly displayName: string;
  readonly timezone: string;
  readonly sms: string | null;
  readonly voice: string | null;
  readonly email: string | null;
  readonly notify: Readonly<Record<Urgency, readonly NotifyRule[]>>;
  readonly remindBeforeMs: number | null;
}

export interface Severity {
  readonly name: string;
  readonly urgency: Urgency;
  readonly match: Matcher | null;
}

export interface Service {
  readonly name: string;
  readonly match: Matcher | null;
  readonly escalationPolicy: string;
  readonly groupBy: readonly string[];
  readonly runbook: string | null;
}

export type IntegrationType = 'alertmanager' | 'grafana' | 'datadog' | 'pagerduty' | 'generic' | 'opsgenie';
export const INTEGRATION_TYPES: readonly IntegrationType[] = [
  'alertmanager',
  'grafana',
  'datadog',
  'pagerduty',
  'generic',
  'opsgenie',
];

/** Opsgenie's alert priorities, highest first. */
export type OpsgeniePriority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

export interface Integration {
  readonly name: string;
  readonly type: IntegrationType;
  /** Secret: never log it. */
  readonly token: string | null;
  /** At most `requests` requests per `perMs` window (429 with Retry-After beyond). */
  readonly rateLimit: { readonly requests: number; readonly perMs: number };
  /**
   * `opsgenie` only: priority → a severity name of hark.yaml (`priorities:`); a priority not
   * listed sets the `severity` label instead (docs/senders.md). Absent: none listed.
   */
  readonly priorities?: Readonly<Partial<Record<OpsgeniePriority, string>>>;
}

/**
 * A heartbeat (docs/senders.md): pinged over HTTP (`heartbeats:`), or by an integration's
 * always-firing alert (Watchdog mode, an integration's `heartbeat:`). When no ping came within
 * `intervalMs + graceMs`, an incident opens on its service; the next ping resolves it.
 */
export interface Heartbeat {
  readonly name: string;
  readonly intervalMs: number;
  readonly graceMs: number;
  /** null: routed like any alert (a Watchdog heartbeat without `service`). */
  readonly service: string | null;
  /** null: from the severity rules (its labels), else default_severity. */
  readonly severity: string | null;
  /** Secret: never log it. null for a Watchdog heartbeat (its integration's alerts ping it). */
  readonly token: string | null;
  /** The environment variable the token came from (`${NAME}`), for messages; '' when none. */
  readonly tokenEnv: string;
  /** Watchdog mode: alerts named `alertname` on `integration` ping it; null: pinged over HTTP. */
  readonly watchdog: { readonly integration: string; readonly alertname: string } | null;
}

export interface ApiToken {
  readonly name: string;
  /** Secret: never log it. */
  readonly token: string;
  readonly person: string | null;
}

/** An outgoing webhook (docs/webhooks.md): which incident events go where, signed with `secret`. */
export interface Webhook {
  readonly name: string;
  /** http(s); not a secret (receivers authenticate Hark by the signature). */
  readonly url: string;
  /** Event types, `*` (every event), or `<group>.*` (`incident.*`, `page.*`). */
  readonly events: readonly string[];
  /** Only incidents of these services / severities; null: any. */
  readonly services: readonly string[] | null;
  readonly severities: readonly string[] | null;
  /** Secret: never log it. A Standard Webhooks secret, `whsec_` + base64 of 24 to 64 bytes. */
  readonly secret: string;
  /** The environment variable it came from (`${NAME}`), for messages. */
  readonly secretEnv: string;
  /** How long one delivery attempt may take. */
  readonly timeoutMs: number;
}

/** Which incidents get a chat channel of their own (docs/slack.md), and when it is archived. */
export interface IncidentChannelPolicy {
  /** Severities whose incidents get a dedicated channel, highest first; empty: none do. */
  readonly severities: readonly string[];
  /** How long after an incident resolves its channel is archived; null: never. */
  readonly archiveAfterMs: number | null;
}

/** A service's part of the Slack config. */
export interface SlackService {
  /** Where its incidents are posted: a channel ID (`C0123ABCD`) or `#name`; null: not posted. */
  readonly channel: string | null;
  /** The service's own policy if it has one (`slack_incident_channels`), else the section's. */
  readonly incidentChannels: IncidentChannelPolicy;
}

/** `slack:` in hark.yaml (docs/slack.md). */
export interface SlackConfig {
  /** Secret: never log it. The bot token (`xoxb-...`). */
  readonly botToken: string;
  /** The environment variable it came from (`${NAME}`), for messages. */
  readonly botTokenEnv: string;
  /** Secret: never log it. The app's signing secret, for Slack's v0 request signatures. */
  readonly signingSecret: string;
  readonly signingSecretEnv: string;
  /** The section's policy (`incident_channels`; default: the high-urgency severities, archived 24h after resolve). */
  readonly incidentChannels: IncidentChannelPolicy;
  /** Every service of the config, by name. */
  readonly services: ReadonlyMap<string, SlackService>;
  /** Person name → Slack user ID, for the people who have `slack:`. */
  readonly userIds: ReadonlyMap<string, string>;
  /** Slack user ID → person name: who a button press or a slash command acts as. */
  readonly people: ReadonlyMap<string, string>;
  /** Schedule name → the channel its shift-change notices go to (`shift_notices`). */
  readonly shiftNotices: ReadonlyMap<string, string>;
}

/** `ntfy:` in hark.yaml (docs/ntfy.md): the push server notifications are published to. */
export interface NtfyConfig {
  /** The server's base URL (`https://ntfy.example.com`), no trailing slash; JSON is POSTed to its root. */
  readonly url: string;
  /** Secret: never log it. An access token (`tk_...`), sent as `Authorization: Bearer`; null: none. */
  readonly token: string | null;
  /** The environment variable the token came from (`${NAME}`), for messages; null without a token. */
  readonly tokenEnv: string | null;
  /** Person name → their ntfy topic, for the people who have `ntfy:`. */
  readonly topics: ReadonlyMap<string, string>;
}

export interface PageLimit {
  readonly count: number;
  readonly perMs: number;
}

export interface Settings {
  readonly timezone: string;
  readonly publicUrl: string | null;
  readonly ackTimeoutMs: number;
  readonly autoResolve: boolean;
  readonly retentionMs: number;
  /** How long the incident event stream keeps an event (settings.event_retention, default 7d). */
  readonly eventRetentionMs: number;
  readonly maxBodyBytes: number;
  /** Per person and channel: at most `count` pages per `perMs` (SPEC section 4); more are bundled. */
  readonly pageLimits: Readonly<Record<Channel, readonly PageLimit[]>>;
}

export interface CoverageWindow {
  /** Local weekdays on which a window starts: 0 = Sunday … 6 = Saturday. */
  readonly days: readonly number[];
  /** Minutes after local midnight. */
  readonly from: number;
  /** Minutes after local midnight (1440 for 24:00); `to` ≤ `from` ends the next day. */
  readonly to: number;
}

export interface OwnRotation {
  readonly kind: 'own';
  readonly name: string;
  readonly role: string;
  readonly members: readonly string[];
  readonly start: LocalMs;
  readonly handoff: HandoffRule | null;
  readonly end: LocalMs | null;
  readonly coverage: readonly CoverageWindow[] | null;
}

export interface FollowingRotation {
  readonly kind: 'follows';
  readonly name: string;
  readonly role: string;
  readonly follows: string;
}

export type Rotation = OwnRotation | FollowingRotation;

export interface GitOverride {
  readonly role: string;
  readonly person: string;
  readonly from: LocalMs;
  readonly to: LocalMs;
}

export interface Schedule {
  readonly name: string;
  /** Path relative to the config directory, for messages. */
  readonly file: string;
  readonly timezone: string;
  readonly rotations: readonly Rotation[];
  readonly overrides: readonly GitOverride[];
  /** Roles in order of first appearance among the rotations. */
  readonly roles: readonly string[];
}

export type EscalationTarget =
  | { readonly kind: 'schedule'; readonly schedule: string; readonly role: string }
  | { readonly kind: 'person'; readonly person: string };

export interface EscalationStep {
  readonly notify: readonly EscalationTarget[];
  readonly escalateAfterMs: number;
}

export interface EscalationPolicy {
  readonly name: string;
  readonly file: string;
  /** How many times the steps run again after the last one; `Infinity` for `forever`. */
  readonly repeat: number;
  readonly steps: readonly EscalationStep[];
}

export interface Runbook {
  readonly name: string;
  readonly file: string;
  readonly title: string;
  readonly match: Matcher | null;
  readonly body: string;
}

export interface Config {
  readonly dir: string;
  readonly settings: Settings;
  readonly people: ReadonlyMap<string, Person>;
  readonly severities: readonly Severity[];
  readonly defaultSeverity: string;
  readonly services: readonly Service[];
  readonly integrations: readonly Integration[];
  readonly apiTokens: readonly ApiToken[];
  readonly webhooks: readonly Webhook[];
  /** null: no `slack:` section (Slack is off). */
  readonly slack: SlackConfig | null;
  /** null: no `ntfy:` section (no push notifications). */
  readonly ntfy: NtfyConfig | null;
  /** `heartbeats:` and the integrations' Watchdog heartbeats, by name unique across both. */
  readonly heartbeats: readonly Heartbeat[];
  readonly schedules: ReadonlyMap<string, Schedule>;
  readonly policies: ReadonlyMap<string, EscalationPolicy>;
  readonly runbooks: ReadonlyMap<string, Runbook>;
}
