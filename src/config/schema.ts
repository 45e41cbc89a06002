/**
 * The shapes of the config files (SPEC section 1) as zod schemas. They check types and formats;
 * `load.ts` then checks cross references and builds the typed config. Every message says what is
 * wrong and what is allowed; messages never echo values that may be secrets (tokens, phone numbers).
 */
import { z } from 'zod';
import { isValidZone, parseLocal } from '../time/local.js';
import { DURATION_HELP, parseDuration } from './duration.js';

export const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const NAME_HELP =
  'use lowercase letters, digits, "_" and "-", starting with a letter or digit (at most 63 characters)';
export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export const name = (what = 'name') =>
  z
    .string()
    .refine((v) => NAME_RE.test(v), { error: (i) => `invalid ${what} "${String(i.input)}": ${NAME_HELP}` });

export const duration = z
  .union([z.string(), z.number()])
  .refine((v) => parseDuration(v) !== null, {
    error: (i) => `invalid duration "${String(i.input)}": ${DURATION_HELP}`,
  })
  .transform((v) => parseDuration(v)!);

export const timezone = z.string().refine(isValidZone, {
  error: (i) =>
    `unknown time zone "${String(i.input)}": use an IANA name such as Europe/Berlin or America/New_York`,
});

export const localTime = z
  .string()
  .refine((v) => parseLocal(v) !== null, {
    error: (i) =>
      `invalid local time "${String(i.input)}": use YYYY-MM-DDTHH:MM (wall-clock time in the schedule's timezone, no offset)`,
  })
  .transform((v) => parseLocal(v)!);

const CLOCK_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
export const clockTime = (allow24: boolean) =>
  z
    .string()
    .refine((v) => CLOCK_RE.test(v) || (allow24 && v === '24:00'), {
      error: (i) =>
        `invalid time of day "${String(i.input)}": use HH:MM from 00:00 to 23:59${allow24 ? ' (or 24:00)' : ''}`,
    })
    .transform((v) => (v === '24:00' ? 1440 : Number(v.slice(0, 2)) * 60 + Number(v.slice(3))));

const E164_RE = /^\+[1-9]\d{6,14}$/;
export const phone = z.string().refine((v) => E164_RE.test(v), {
  error: 'invalid phone number: use E.164, a "+" and the country code and number, such as +15551234567',
});
export const email = z.string().refine((v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), {
  error: 'invalid email address: expected name@example.com',
});

const valueMatcher = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const matcherValues = z.union(
  [valueMatcher, z.array(valueMatcher).min(1, { error: 'list at least one value: a string or a /regex/' })],
  {
    error: 'expected a string, a /regex/ or a list of them',
  },
);
export const matcher = z.strictObject({
  labels: z.record(z.string(), matcherValues).optional(),
  annotations: z.record(z.string(), matcherValues).optional(),
});

// Slack identities (docs/slack.md); the `slack:` section itself is further down.
const SLACK_USER_RE = /^[UW][A-Z0-9]{2,20}$/;
/** A person's Slack member ID (not a secret: it is shown in every Slack profile). */
export const slackUser = z.string().refine((v) => SLACK_USER_RE.test(v), {
  error: (i) =>
    `invalid Slack user ID "${String(i.input)}": use the member ID from the person's Slack profile (⋮ → Copy member ID), such as U0123ABCD`,
});

const SLACK_CHANNEL_ID_RE = /^[CG][A-Z0-9]{2,20}$/;
const SLACK_CHANNEL_NAME_RE = /^#?[a-z0-9_-]{1,80}$/;
/**
 * A Slack channel: a channel ID (`C0123ABCD`) as it is, or a name, kept as `#name`. A name may be
 * written without its `#`, since an unquoted `#` starts a YAML comment.
 */
export const slackChannel = z
  .string()
  .refine((v) => SLACK_CHANNEL_ID_RE.test(v) || SLACK_CHANNEL_NAME_RE.test(v), {
    error: (i) =>
      `invalid Slack channel "${String(i.input)}": write a channel name (lowercase letters, digits, "-" and "_", at most 80) such as checkout-alerts or "#checkout-alerts", or a channel ID such as C0123ABCD`,
  })
  .transform((v) => (SLACK_CHANNEL_ID_RE.test(v) || v.startsWith('#') ? v : `#${v}`));

const NOTIFY_CHANNELS = ['sms', 'voice', 'email', 'slack', 'ntfy'];
const notifyRule = z
  .record(z.string(), duration)
  .refine((r) => Object.keys(r).length === 1 && NOTIFY_CHANNELS.includes(Object.keys(r)[0]!), {
    error:
      'a notify rule is one channel with a delay: {sms: 0m}, {voice: 2m}, {email: 0m}, {slack: 0m} or {ntfy: 0m}',
  });

// ntfy (docs/ntfy.md): a person's topic; the `ntfy:` section itself is further down.
const NTFY_TOPIC_RE = /^[-_A-Za-z0-9]{1,64}$/;
/** A person's ntfy topic. On a public server the topic is its only password: it is never echoed. */
export const ntfyTopic = z.string().refine((v) => NTFY_TOPIC_RE.test(v), {
  error:
    'invalid ntfy topic: use 1 to 64 letters, digits, "-" and "_" (the topic the person subscribed to in the ntfy app)',
});

export const person = z.strictObject({
  name: z.string().optional(),
  timezone: timezone.optional(),
  sms: phone.optional(),
  voice: phone.optional(),
  email: email.optional(),
  slack: slackUser.optional(),
  ntfy: ntfyTopic.optional(),
  notify: z
    .strictObject({
      high: z
        .array(notifyRule)
        .min(1, {
          error: 'high must list at least one rule, or high-urgency incidents would never reach this person',
        })
        .optional(),
      low: z.array(notifyRule).optional(),
    })
    .optional(),
  remind_before: duration.optional(),
});

export const severity = z.strictObject({
  name: z.string().refine((v) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/.test(v), {
    error: (i) =>
      `invalid severity name "${String(i.input)}": use letters, digits, ".", "_" and "-" (at most 32 characters)`,
  }),
  urgency: z.enum(['high', 'low']),
  match: matcher.optional(),
});

export const service = z.strictObject({
  name: name('service name'),
  match: matcher.optional(),
  escalation_policy: name('escalation policy name'),
  group_by: z.array(z.string().min(1, { error: 'label names cannot be empty' })).optional(),
  runbook: name('runbook name').optional(),
  slack_channel: slackChannel.optional(),
  // `false` or {from, archive_after}: checked in load.ts (a union would blur its messages).
  slack_incident_channels: z.unknown().optional(),
});

/** Opsgenie's alert priorities (`type: opsgenie`, docs/senders.md). */
export const OPSGENIE_PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;

/**
 * Watchdog mode (docs/senders.md): the integration's alerts named `alertname` ping a heartbeat
 * instead of opening incidents. Its service and severity are checked in load.ts.
 */
export const watchdog = z.strictObject({
  alertname: z
    .string()
    .min(1, { error: 'alertname cannot be empty: the alert that is always firing, such as Watchdog' }),
  within: duration.refine((ms) => ms >= 1000, { error: 'within must be at least 1s' }),
  name: name('heartbeat name').optional(),
  service: name('service name').optional(),
  severity: z.string().optional(),
});

export const integration = z.strictObject({
  name: name('integration name'),
  type: z.enum(['alertmanager', 'grafana', 'datadog', 'pagerduty', 'generic', 'opsgenie']),
  token: z.string().min(1, { error: 'token cannot be empty' }).optional(),
  rate_limit: z
    .strictObject({
      requests: z.number().int().min(1, { error: 'requests must be at least 1' }),
      per: duration.refine((ms) => ms >= 1000, { error: 'per must be at least 1s' }),
    })
    .optional(),
  heartbeat: watchdog.optional(),
  // opsgenie only (checked in load.ts): priority → a severity of hark.yaml.
  priorities: z
    .strictObject({
      P1: z.string().optional(),
      P2: z.string().optional(),
      P3: z.string().optional(),
      P4: z.string().optional(),
      P5: z.string().optional(),
    })
    .optional(),
});

export const apiToken = z.strictObject({
  name: name('token name'),
  token: z.string().min(16, { error: 'API tokens must be at least 16 characters long' }),
  person: name('person name').optional(),
});

const SIZE_RE = /^(\d+)\s*(B|KB|KiB|MB|MiB)?$/;
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1000, KiB: 1024, MB: 1_000_000, MiB: 1_048_576 };
export const size = z
  .union([z.number().int().positive(), z.string()])
  .refine((v) => typeof v === 'number' || SIZE_RE.test(v), {
    error: (i) => `invalid size "${String(i.input)}": use a number of bytes or a size such as 512KiB or 1MiB`,
  })
  .transform((v) => {
    if (typeof v === 'number') return v;
    const m = SIZE_RE.exec(v)!;
    return Number(m[1]) * SIZE_UNITS[m[2] ?? 'B']!;
  });

/** At most `count` pages per `per` to one person on one channel. */
const pageLimit = z.strictObject({
  count: z.number().int().min(1, { error: 'count must be at least 1' }),
  per: duration.refine((ms) => ms >= 1000, { error: 'per must be at least 1s' }),
});

export const settings = z.strictObject({
  timezone: timezone.optional(),
  public_url: z
    .string()
    .refine((v) => v === '' || /^https?:\/\/[^\s/]+/.test(v), {
      error: 'invalid public_url: expected an http:// or https:// URL',
    })
    .optional(),
  ack_timeout: duration.optional(),
  auto_resolve: z.boolean().optional(),
  retention: duration.optional(),
  // Subscribers down for longer than this miss events: at least an hour.
  event_retention: duration
    .refine((ms) => ms >= 3_600_000, { error: 'event_retention must be at least 1h' })
    .optional(),
  max_body: size.optional(),
  page_limits: z
    .strictObject({
      sms: z.array(pageLimit).optional(),
      voice: z.array(pageLimit).optional(),
      email: z.array(pageLimit).optional(),
      slack: z.array(pageLimit).optional(),
      ntfy: z.array(pageLimit).optional(),
    })
    .optional(),
});

/**
 * An outgoing webhook (docs/webhooks.md). The event names, services and severities it lists and
 * its secret (a `${NAME}` only, never a value in the file) are checked in load.ts.
 */
export const webhook = z.strictObject({
  name: name('webhook name'),
  url: z.string().refine(isWebhookUrl, {
    error: 'invalid url: expected an http:// or https:// URL with a host and no user or password',
  }),
  events: z
    .array(z.string())
    .min(1, { error: 'list at least one event type, such as incident.opened, or "*" for every event' }),
  services: z
    .array(z.string())
    .min(1, { error: 'list at least one service, or leave services out' })
    .optional(),
  severities: z
    .array(z.string())
    .min(1, { error: 'list at least one severity, or leave severities out' })
    .optional(),
  secret: z.string({
    error: 'secret must be a ${NAME} naming an environment variable that holds the secret',
  }),
  timeout: duration
    .refine((ms) => ms >= 1000 && ms <= 60_000, { error: 'timeout must be from 1s to 60s' })
    .optional(),
});

function isWebhookUrl(v: string): boolean {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === ''
  );
}

// ------------------------------------------------------------------------------- Slack (docs/slack.md)

/** Which incidents get a channel of their own (`from` and every severity listed above it). */
export const incidentChannels = z.strictObject({
  from: z.string().optional(),
  archive_after: duration.optional(),
});

/**
 * `slack:` in hark.yaml. Its bot token and signing secret come from `${NAME}`s of their own (checked
 * in load.ts, like webhook secrets); `incident_channels` is `false` or {from, archive_after}.
 */
export const slack = z.strictObject({
  bot_token: z.string({
    error: 'bot_token must be a ${NAME} naming an environment variable that holds the bot token (xoxb-...)',
  }),
  signing_secret: z.string({
    error:
      "signing_secret must be a ${NAME} naming an environment variable that holds the app's signing secret",
  }),
  incident_channels: z.unknown().optional(),
  shift_notices: z.record(z.string(), slackChannel).optional(),
});

// -------------------------------------------------------------------------------- ntfy (docs/ntfy.md)

/**
 * `ntfy:` in hark.yaml: the server (an http(s) URL; notifications are POSTed to its root as JSON)
 * and an optional access token, from a `${NAME}` of its own (checked in load.ts).
 */
export const ntfy = z.strictObject({
  url: z
    .string({ error: "url must be the ntfy server's URL, such as https://ntfy.example.com" })
    .refine(isNtfyUrl, {
      error:
        "invalid url: expected the ntfy server's http:// or https:// URL, such as https://ntfy.example.com, with no user, password, query or fragment",
    }),
  token: z
    .string({
      error:
        'token must be a ${NAME} naming an environment variable that holds an ntfy access token (tk_...)',
    })
    .optional(),
});

function isNtfyUrl(v: string): boolean {
  // A server root: a webhook-style URL with no query or fragment.
  if (!isWebhookUrl(v)) return false;
  const url = new URL(v);
  return url.search === '' && url.hash === '';
}

/**
 * A heartbeat (docs/senders.md): a sender pings it at least every `interval` (+ `grace`), or Hark
 * opens an incident on `service`. Its token (a `${NAME}` only) and severity are checked in load.ts.
 */
export const heartbeat = z.strictObject({
  name: name('heartbeat name'),
  interval: duration.refine((ms) => ms >= 1000, { error: 'interval must be at least 1s' }),
  grace: duration.optional(),
  service: name('service name'),
  severity: z.string().optional(),
  token: z.string({
    error: 'token must be a ${NAME} naming an environment variable that holds the heartbeat token',
  }),
});

/** hark.yaml: each section is validated on its own (load.ts), so one bad entry hides nothing else. */
export const harkTop = z.strictObject({
  people: z.record(z.string(), z.unknown()),
  severities: z.unknown().optional(),
  default_severity: z.unknown().optional(),
  services: z.unknown().optional(),
  integrations: z.unknown().optional(),
  api_tokens: z.unknown().optional(),
  settings: z.unknown().optional(),
  webhooks: z.unknown().optional(),
  slack: z.unknown().optional(),
  ntfy: z.unknown().optional(),
  heartbeats: z.unknown().optional(),
});
export const severitiesSection = z
  .array(z.unknown())
  .min(1, { error: 'list at least one severity, or leave severities out for the defaults' });
export const listSection = z.array(z.unknown());
export type RawPerson = z.output<typeof person>;
export type RawSeverity = z.output<typeof severity>;
export type RawService = z.output<typeof service>;
export type RawIntegration = z.output<typeof integration>;
export type RawApiToken = z.output<typeof apiToken>;
export type RawSettings = z.output<typeof settings>;
export type RawWebhook = z.output<typeof webhook>;
export type RawSlack = z.output<typeof slack>;
export type RawHeartbeat = z.output<typeof heartbeat>;
export type RawWatchdog = z.output<typeof watchdog>;
export type RawIncidentChannels = z.output<typeof incidentChannels>;
export type RawNtfy = z.output<typeof ntfy>;

const coverageWindow = z.strictObject({
  days: z
    .array(
      z.string().refine((d) => (DAY_NAMES as readonly string[]).includes(d.toLowerCase()), {
        error: (i) => `invalid day "${String(i.input)}": use mon, tue, wed, thu, fri, sat or sun`,
      }),
    )
    .min(1, { error: 'list at least one day, or leave days out for every day' })
    .optional(),
  from: clockTime(false),
  to: clockTime(true),
});

export const rotation = z.strictObject({
  name: name('rotation name'),
  role: name('role name').optional(),
  members: z.array(name('person name')).min(1, { error: 'list at least one member' }).optional(),
  start: localTime.optional(),
  handoff: z.string().optional(),
  end: localTime.optional(),
  coverage: z
    .array(coverageWindow)
    .min(1, { error: 'list at least one window, or leave coverage out' })
    .optional(),
  follows: name('rotation name').optional(),
});

export const gitOverride = z.strictObject({
  role: name('role name').optional(),
  person: name('person name'),
  from: localTime,
  to: localTime,
});

export const scheduleTop = z.strictObject({
  timezone: z.unknown().optional(),
  rotations: z.unknown(),
  overrides: z.unknown().optional(),
});
export const rotationsSection = z
  .array(z.unknown())
  .min(1, { error: 'a schedule needs at least one rotation' });
export type RawRotation = z.output<typeof rotation>;
export type RawGitOverride = z.output<typeof gitOverride>;

const target = z.strictObject({
  schedule: name('schedule name').optional(),
  role: name('role name').optional(),
  person: name('person name').optional(),
});

export const step = z.strictObject({
  notify: z.array(target).min(1, { error: 'a step must notify at least one schedule or person' }),
  escalate_after: duration
    .refine((ms) => ms > 0, { error: 'escalate_after must be longer than 0s' })
    .optional(),
});
export type RawStep = z.output<typeof step>;

export const policyTop = z.strictObject({
  repeat: z.unknown().optional(),
  steps: z.unknown(),
});
export const repeat = z
  .union([z.number(), z.string()])
  .refine((v) => v === 'forever' || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 20), {
    error: 'repeat must be a whole number from 0 to 20, or forever',
  });
export const stepsSection = z.array(z.unknown()).min(1, { error: 'a policy needs at least one step' });

export const runbookFrontMatter = z.strictObject({
  title: z.string().optional(),
  match: matcher.optional(),
});
