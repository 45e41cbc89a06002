/**
 * What people ask Hark in chat: the `/hark` slash command's text and the buttons of incident
 * messages (Slack's `block_actions`). Pure: text or a request body in, a command or a refusal out;
 * no I/O and no lookups (whether #42 exists, or who a Slack user is, is the caller's business).
 *
 *   /hark ack 42 · resolve 42 · esc 42     (and every SMS form: 42a, 42 r, #42e, acknowledge 42, ...)
 *   /hark oncall [schedule]
 *   /hark take <schedule> [2h]
 *   /hark handoff <schedule> @user [4h]
 *   /hark role 42 comms @user
 *   /hark note 42 <text>
 *   /hark declare ...                       refused for now: declaring is not in Hark yet
 *   /hark help
 *
 * Where the commands overlap with SMS replies (ack, resolve, escalate, take, handoff, oncall, help)
 * the SMS grammar (src/answers/sms-grammar.ts) parses them, so both accept the same forms and refuse
 * the same mistakes. What only SMS has (`a` alone for "the last incident paged to this number",
 * `aa`, `rr`) is refused here: in a channel, a command says which incident it is for.
 *
 * A person is a Slack mention (`<@U0123ABCD|bob>`, as Slack sends it with escaping on, see
 * docs/slack.md) or a Hark person name (`bob`, `@bob`).
 */
import { z } from 'zod';
import { MAX_INCIDENT_ID, parseSmsReply } from '../answers/sms-grammar.js';
import { NAME_RE } from '../config/schema.js';
import { INCIDENT_ROLES, type IncidentRole } from '../incidents/model.js';
import { SLACK_ACTION_IDS, type SlackAction } from './slack/blocks.js';

// ------------------------------------------------------------------------------------------------
// slash commands

/** Someone named in a command: a Slack user (resolved by the caller) or a Hark person name. */
export type PersonRef =
  { readonly kind: 'slack'; readonly user: string } | { readonly kind: 'person'; readonly name: string };

export type ChatCommand =
  | { readonly kind: 'ack'; readonly incident: number }
  | { readonly kind: 'resolve'; readonly incident: number }
  | { readonly kind: 'escalate'; readonly incident: number }
  /** Who is on call now: on `schedule`, or (null) on the sender's schedules. */
  | { readonly kind: 'oncall'; readonly schedule: string | null }
  /** The sender takes the primary role of `schedule` for `durationMs` (default 1h). */
  | { readonly kind: 'take'; readonly schedule: string; readonly durationMs: number }
  /** The sender hands their role on `schedule` to `to`; null: until the end of the sender's shift. */
  | {
      readonly kind: 'handoff';
      readonly schedule: string;
      readonly to: PersonRef;
      readonly durationMs: number | null;
    }
  | { readonly kind: 'role'; readonly incident: number; readonly role: IncidentRole; readonly to: PersonRef }
  | { readonly kind: 'note'; readonly incident: number; readonly text: string }
  | { readonly kind: 'help' };

export interface CommandRefusal {
  readonly kind: 'error';
  /** What to tell the sender (ephemeral): what was not understood and what would be. */
  readonly message: string;
}

/** A note longer than this is refused (the timeline is not a document store). */
export const MAX_NOTE = 2000;

export const SLASH_HELP_TEXT = [
  '*/hark* commands:',
  '• `/hark ack 42`, `/hark resolve 42`, `/hark esc 42`: acknowledge, resolve or escalate #42 (`42a`, `42r`, `42e` work too)',
  '• `/hark oncall [schedule]`: who is on call now',
  '• `/hark take <schedule> [2h]`: take the primary role (for 1h unless you say)',
  '• `/hark handoff <schedule> @someone [4h]`: hand your role over (until your shift ends unless you say)',
  `• \`/hark role 42 <${INCIDENT_ROLES.join('|')}> @someone\`: give someone a role on #42`,
  '• `/hark note 42 <text>`: add a note to the timeline of #42',
  '• `/hark help`: this list',
].join('\n');

export const DECLARE_REFUSAL =
  '`/hark declare` is not available yet: this version of Hark opens incidents from alerts only. Send an alert to one of its integrations (for example the generic one) to open an incident.';

const HELP_POINTER = 'Type `/hark help` for the commands.';

/** `<@U0123ABCD>` or `<@U0123ABCD|bob>`: a user mention as Slack sends it. */
const MENTION_RE = /<@([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>/g;

/** Slack's escaping of `&`, `<` and `>` in the text it sends, undone (after mentions are read). */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** One line, single spaces, NFKC (fullwidth digits and no-break spaces as plain ones). */
function tidy(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
}

function refuse(message: string): CommandRefusal {
  return { kind: 'error', message };
}

/** A quote of what was sent, at most 60 characters, for refusals. */
function quote(text: string): string {
  const chars = [...text];
  return chars.length <= 60 ? text : `${chars.slice(0, 57).join('')}...`;
}

/** `42` or `#42` as an incident number (1..2^31-1, as in SMS), else null. */
function incidentNumber(word: string | undefined): number | null {
  const m = word === undefined ? null : /^#?0*([1-9]\d{0,9})$/.exec(word);
  if (!m) return null;
  const n = Number(m[1]);
  return n <= MAX_INCIDENT_ID ? n : null;
}

/** A mention (replaced by its placeholder before), `@name` or `name`; else null. */
function personRef(word: string | undefined, mentions: ReadonlyMap<string, string>): PersonRef | null {
  if (word === undefined) return null;
  const user = mentions.get(word.toLowerCase());
  if (user) return { kind: 'slack', user };
  const name = word.replace(/^@/, '').toLowerCase();
  return NAME_RE.test(name) ? { kind: 'person', name } : null;
}

/**
 * The text with each mention replaced by a placeholder the SMS grammar takes as a person name
 * (and that appears nowhere else in the text), and the map back.
 */
function withPlaceholders(text: string): { text: string; mentions: Map<string, string> } {
  const mentions = new Map<string, string>();
  const lower = text.toLowerCase();
  let prefix = 'slack-user-';
  while (lower.includes(prefix)) prefix = `x${prefix}`;
  const replaced = text.replace(MENTION_RE, (_m, id: string) => {
    const key = `${prefix}${mentions.size}`;
    mentions.set(key, id);
    return ` ${key} `;
  });
  return { text: replaced, mentions };
}

/** The note's text as written: mentions as @name (or @ID), links as their URL, entities undone. */
function noteText(raw: string): string {
  return unescapeSlack(
    raw
      .replace(/<@([UW][A-Z0-9]+)\|([^>]+)>/g, '@$2')
      .replace(/<@([UW][A-Z0-9]+)>/g, '@$1')
      .replace(/<#([CG][A-Z0-9]+)\|([^>]*)>/g, (_m, id: string, name: string) => `#${name || id}`)
      .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
      .replace(/<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>/g, '$1'),
  ).trim();
}

/** The SMS grammar's refusal, pointed at `/hark help` instead of an SMS reply. */
function fromSms(message: string): CommandRefusal {
  return refuse(`${message.replace(/ ?Reply help for commands\.$/, '')} ${HELP_POINTER}`);
}

/** The command the text of `/hark <text>` asks for, or a refusal to show the sender. Never throws. */
export function parseSlashCommand(input: string): ChatCommand | CommandRefusal {
  if (input.length > MAX_NOTE + 100) return refuse(`That is too long for a command. ${HELP_POINTER}`);
  const { text: marked, mentions } = withPlaceholders(input);
  const text = tidy(marked);
  const words = text.split(' ');
  const verb = (words[0] ?? '').toLowerCase();

  if (text === '') return { kind: 'help' };
  if (verb === 'declare') return refuse(DECLARE_REFUSAL);

  if (verb === 'note') {
    const incident = incidentNumber(words[1]);
    if (incident === null) return refuse(`Say which incident: \`/hark note 42 <text>\`. ${HELP_POINTER}`);
    // The note is the original text after the number: case, punctuation and mentions as written.
    const rest = tidy(input).replace(/^\S+\s+\S+\s*/, '');
    const note = noteText(rest);
    if (note === '') return refuse(`Add the note's text: \`/hark note ${incident} rolled back the deploy\`.`);
    if ([...note].length > MAX_NOTE) return refuse(`A note is at most ${MAX_NOTE} characters.`);
    return { kind: 'note', incident, text: note };
  }

  if (verb === 'role') {
    const usage = `\`/hark role 42 <${INCIDENT_ROLES.join('|')}> @someone\``;
    const incident = incidentNumber(words[1]);
    if (incident === null) return refuse(`Say which incident: ${usage}. ${HELP_POINTER}`);
    const role = (words[2] ?? '').toLowerCase();
    if (!(INCIDENT_ROLES as readonly string[]).includes(role)) {
      return refuse(
        words[2] === undefined
          ? `Say which role: ${usage}.`
          : `There is no role "${quote(words[2])}": the roles are ${INCIDENT_ROLES.join(', ')}.`,
      );
    }
    const to = personRef(words[3], mentions);
    if (to === null || words.length > 4) return refuse(`Say who gets the role, one person: ${usage}.`);
    return { kind: 'role', incident, role: role as IncidentRole, to };
  }

  if (verb === 'oncall' || verb === 'who' || verb === 'on-call') {
    const arg = words.slice(1).join(' ').replace(/\?+$/, '').trim().toLowerCase();
    if (arg === '') return { kind: 'oncall', schedule: null };
    if (NAME_RE.test(arg)) return { kind: 'oncall', schedule: arg };
    return refuse(`Schedule names use a-z, 0-9, _ and -: \`/hark oncall platform\`.`);
  }

  // The rest is the SMS grammar: @name is a person name there.
  const sms = parseSmsReply(words.map((w) => (/^@[a-z0-9][a-z0-9_-]*$/i.test(w) ? w.slice(1) : w)).join(' '));
  switch (sms.kind) {
    case 'ack':
    case 'resolve':
    case 'escalate':
      return { kind: sms.kind, incident: sms.incident };
    case 'oncall':
      return { kind: 'oncall', schedule: null };
    case 'help':
      return { kind: 'help' };
    case 'take':
      if (mentions.has(sms.schedule)) return refuse(`Name the schedule: \`/hark take <schedule> [2h]\`.`);
      return { kind: 'take', schedule: sms.schedule, durationMs: sms.durationMs };
    case 'handoff': {
      if (mentions.has(sms.schedule)) {
        return refuse(`Name the schedule first: \`/hark handoff <schedule> @someone [4h]\`.`);
      }
      const to = personRef(sms.person, mentions)!;
      return { kind: 'handoff', schedule: sms.schedule, to, durationMs: sms.durationMs };
    }
    case 'ack-last':
    case 'ack-all':
    case 'resolve-all':
      return refuse(
        `Say which incident: \`/hark ${sms.kind === 'resolve-all' ? 'resolve' : 'ack'} 42\` (in chat, a command is for one incident). ${HELP_POINTER}`,
      );
    case 'carrier-keyword':
      return refuse(`Not understood: "${quote(tidy(input))}". ${HELP_POINTER}`);
    case 'error':
      return fromSms(sms.message);
  }
}

// ------------------------------------------------------------------------------------------------
// requests from Slack (after their signature is checked: src/chat/slack/verify.ts)

/** A problem with a request body, naming the field (`actions[0].value`). */
export interface BadPayload {
  readonly kind: 'bad';
  readonly field: string;
  readonly message: string;
}

const slackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,20}$/, { error: 'expected a Slack user ID such as U0123ABCD' });

/** A slash command request (form-encoded), with the fields Hark uses. */
const slashSchema = z.object({
  command: z.string().min(1, { error: 'expected the command, such as /hark' }),
  text: z.string({ error: 'expected the text after the command (may be empty)' }),
  user_id: slackUserId,
  channel_id: z.string().min(1, { error: 'expected the channel ID' }),
  team_id: z.string().min(1, { error: 'expected the team ID' }),
  response_url: z.url({ error: 'expected the response URL' }).optional(),
  trigger_id: z.string().optional(),
});

export interface SlashRequest {
  readonly command: string;
  readonly text: string;
  readonly user: string;
  readonly channel: string;
  readonly team: string;
  readonly responseUrl: string | null;
  /** What the text asks for. */
  readonly parsed: ChatCommand | CommandRefusal;
}

/** A slash command request's raw (form-encoded) body: who asked what, where; or what is wrong. */
export function parseSlashRequest(rawBody: string): SlashRequest | BadPayload {
  const form = Object.fromEntries(new URLSearchParams(rawBody));
  const r = slashSchema.safeParse(form);
  if (!r.success) return bad(r.error, form);
  const d = r.data;
  return {
    command: d.command,
    text: d.text,
    user: d.user_id,
    channel: d.channel_id,
    team: d.team_id,
    responseUrl: d.response_url ?? null,
    parsed: parseSlashCommand(d.text),
  };
}

/** Slack's `block_actions` payload, with the fields Hark uses (Slack sends many more). */
const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: slackUserId }),
  team: z
    .object({ id: z.string().min(1) })
    .nullable()
    .optional(),
  channel: z.object({ id: z.string().min(1) }).optional(),
  container: z
    .object({
      type: z.string(),
      message_ts: z.string().optional(),
      channel_id: z.string().optional(),
    })
    .optional(),
  response_url: z.url({ error: 'expected the response URL' }).optional(),
  actions: z
    .array(
      z.object({
        action_id: z.string().min(1),
        block_id: z.string().optional(),
        value: z.string().optional(),
        type: z.string(),
      }),
    )
    .min(1, { error: 'expected at least one action' }),
});

export interface ButtonPress {
  readonly kind: 'button';
  readonly action: SlackAction;
  readonly incident: number;
  /** Who pressed it (the caller finds their person). */
  readonly user: string;
  readonly team: string | null;
  /** Where the message is, to update it and answer ephemerally; null when Slack did not say. */
  readonly channel: string | null;
  readonly messageTs: string | null;
  readonly responseUrl: string | null;
}

/** An interaction Hark has nothing to do with (another kind, another app's button, a link button). */
export interface IgnoredInteraction {
  readonly kind: 'ignored';
  readonly reason: string;
}

const ACTIONS_BY_ID: ReadonlyMap<string, SlackAction> = new Map(
  (Object.entries(SLACK_ACTION_IDS) as [SlackAction, string][]).map(([action, id]) => [id, action]),
);

/**
 * An interactivity request's raw body (`payload=<JSON>`, form-encoded): the button Hark's message
 * asked for, an interaction to ignore, or what is wrong with it (naming the field).
 */
export function parseInteraction(rawBody: string): ButtonPress | IgnoredInteraction | BadPayload {
  const payload = new URLSearchParams(rawBody).get('payload');
  if (payload === null) return { kind: 'bad', field: 'payload', message: 'expected a payload field (JSON)' };
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    return { kind: 'bad', field: 'payload', message: 'payload is not JSON' };
  }
  const type = data && typeof data === 'object' ? (data as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && type !== 'block_actions') {
    return { kind: 'ignored', reason: `a ${type} interaction` };
  }
  const r = blockActionsSchema.safeParse(data);
  if (!r.success) return bad(r.error, data);
  const d = r.data;
  const [first] = d.actions;
  const action = ACTIONS_BY_ID.get(first!.action_id);
  if (action === undefined) return { kind: 'ignored', reason: `action ${first!.action_id} is not Hark's` };
  const incident = incidentNumber(first!.value);
  if (incident === null || first!.value !== String(incident)) {
    return { kind: 'bad', field: 'actions[0].value', message: 'expected the incident number, such as 42' };
  }
  return {
    kind: 'button',
    action,
    incident,
    user: d.user.id,
    team: d.team?.id ?? null,
    channel: d.container?.channel_id ?? d.channel?.id ?? null,
    messageTs: d.container?.message_ts ?? null,
    responseUrl: d.response_url ?? null,
  };
}

/** The first zod issue of validating `data` as `{field, message}`: `actions[0].value`, `user.id`. */
function bad(error: z.ZodError, data: unknown): BadPayload {
  const issue = error.issues[0]!;
  const field = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
  let value: unknown = data;
  for (const p of issue.path) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p] : undefined;
  }
  const message =
    issue.code === 'invalid_type'
      ? value === undefined
        ? 'missing'
        : `expected ${issue.expected === 'object' ? 'a JSON object' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}`
      : issue.code === 'invalid_value'
        ? `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`
        : issue.message;
  return { kind: 'bad', field: field || 'payload', message };
}
