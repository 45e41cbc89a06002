/**
 * An incident as a Slack message (Block Kit): a pure function of `IncidentMessage`, no I/O.
 *
 *   header    🚨 SEV-1 #42 checkout: Checkout p99 > 2s
 *   fields    Severity · Service · State (acknowledged by whom, resolved by whom) · Commander, roles
 *   section   Paged: @alice, Bob            (while the incident is open)
 *   section   Runbook · Open in Hark · incident channel · the alerts' own links (at most 5)
 *   context   3 alerts · opened <date in the reader's zone>
 *   actions   [Acknowledge] [Resolve] [Escalate now]   (triggered; acknowledged: Resolve, Escalate now)
 *
 * Buttons carry the incident id in `value` and one of `SLACK_ACTION_IDS` as `action_id`; the
 * interactivity handler (src/chat/commands.ts) reads them back. Everything from alerts (titles,
 * services, link texts and URLs) is escaped for mrkdwn (`&`, `<`, `>`), so an alert cannot mention
 * @channel or forge a link, and cut to Slack's limits so a long title never makes Slack refuse the
 * message (`invalid_blocks`).
 */
import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { actorName, INCIDENT_ROLES, runbookLink, type Incident } from '../../incidents/model.js';
import { safeHref } from '../../pages/format.js';
import type { ChatPerson, IncidentMessage } from '../provider.js';

/** The buttons' `action_id`s, by the incident operation each asks for. */
export const SLACK_ACTION_IDS = {
  ack: 'hark_ack',
  resolve: 'hark_resolve',
  escalate: 'hark_escalate',
} as const;
export type SlackAction = keyof typeof SLACK_ACTION_IDS;

/** The `block_id` of the buttons' block. */
export const ACTIONS_BLOCK_ID = 'hark_incident_actions';

/** Slack's limits (https://api.slack.com/reference/block-kit/blocks). */
export const LIMITS = {
  header: 150,
  sectionText: 3000,
  field: 2000,
  buttonText: 75,
  url: 3000,
  /** The notification text (`text`), kept short: it is what a phone's lock screen shows. */
  fallback: 300,
} as const;

/** At most this many of the alerts' own links are shown (the rest are in Hark). */
export const MAX_ALERT_LINKS = 5;
/** At most this many paged people are named (the rest are counted). */
export const MAX_PAGED_SHOWN = 20;
/** A longer URL is shown as its label alone (a section holds 3000 characters). */
export const MAX_URL = 2000;

const SEPARATOR = '  ·  ';
/** Room kept at the end of the alert links for `  ·  +NNNN more`. */
const MORE_RESERVE = 20;

export interface SlackMessage {
  /** The notification and accessibility text. */
  readonly text: string;
  readonly blocks: KnownBlock[];
}

/** A Slack user ID: only these are mentioned (`<@U…>`); anything else is shown as a name. */
const USER_RE = /^[UW][A-Z0-9]{2,20}$/;

const STATE_EMOJI: Readonly<Record<Incident['state'], string>> = {
  triggered: ':rotating_light:',
  acknowledged: ':eyes:',
  resolved: ':white_check_mark:',
};

/** Slack's mrkdwn escaping: `&`, `<` and `>` are its only control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * `text` escaped (with `escape`) in at most `max` characters: cut on a character boundary, never
 * inside an escape, with `…` when cut. Control characters (line breaks too) become spaces: every
 * value shown is one line.
 */
export function fit(text: string, max: number, escape: (s: string) => string = escapeMrkdwn): string {
  let out = '';
  // eslint-disable-next-line no-control-regex
  const chars = [...text.replace(/[\u0000-\u001f\u007f]/g, ' ')];
  for (const [i, ch] of chars.entries()) {
    const piece = escape(ch);
    const rest = i === chars.length - 1 ? 0 : 1; // room for the ellipsis unless this is the last
    if (out.length + piece.length + rest > max) return `${out.trimEnd()}…`;
    out += piece;
  }
  return out;
}

/** A plain_text value in at most `max` characters (Slack shows plain_text literally). */
const plain = (text: string, max: number) => fit(text, max, (s) => s);

/** A mrkdwn link, or the escaped label alone when the URL is not http(s) or too long. */
export function mrkdwnLink(url: string, label: string, maxLabel = 200): string {
  const href = safeHref(url);
  const shown = fit(label, maxLabel);
  if (href === null) return shown;
  const target = escapeMrkdwn(href.replace(/\|/g, '%7C'));
  return target.length > MAX_URL ? shown : `<${target}|${shown}>`;
}

/** A person: a mention when they have a chat user, else their display name. */
function who(message: IncidentMessage, name: string): string {
  const bare = actorName(name);
  const p: ChatPerson | undefined = message.people.get(bare);
  if (p?.chatUser && USER_RE.test(p.chatUser)) return `<@${p.chatUser}>`;
  return fit(p?.displayName ?? bare, 100);
}

function stateText(message: IncidentMessage): string {
  const i = message.incident;
  switch (i.state) {
    case 'triggered':
      return 'Triggered';
    case 'acknowledged':
      return i.acknowledgedBy ? `Acknowledged by ${who(message, i.acknowledgedBy)}` : 'Acknowledged';
    case 'resolved':
      return i.resolvedBy ? `Resolved by ${who(message, i.resolvedBy)}` : 'Resolved';
  }
}

const ROLE_TITLES: Readonly<Record<(typeof INCIDENT_ROLES)[number], string>> = {
  commander: 'Commander',
  'tech-lead': 'Tech lead',
  comms: 'Comms',
  scribe: 'Scribe',
};

function fields(message: IncidentMessage): { type: 'mrkdwn'; text: string }[] {
  const i = message.incident;
  const field = (title: string, value: string) => ({
    type: 'mrkdwn' as const,
    text: `*${title}*\n${value}`, // each value is cut to at most a few hundred characters
  });
  const out = [
    field('Severity', fit(i.severity, 100)),
    field('Service', fit(i.service, 200)),
    field('State', stateText(message)),
  ];
  const commander = i.commander ?? i.roles.commander ?? null;
  if (commander) out.push(field(ROLE_TITLES.commander, who(message, commander)));
  for (const role of INCIDENT_ROLES) {
    const holder = i.roles[role];
    if (role !== 'commander' && holder) out.push(field(ROLE_TITLES[role], who(message, holder)));
  }
  return out; // at most 7 of Slack's 10
}

/** Runbook, the incident in Hark, its channel: one line (each link at most MAX_URL long). */
function linksLine(message: IncidentMessage): string | null {
  const i = message.incident;
  const parts: string[] = [];
  const runbook = runbookLink(i.runbook, message.publicUrl ?? '');
  if (runbook && i.runbook) {
    parts.push(safeHref(runbook) ? mrkdwnLink(runbook, 'Runbook') : `Runbook: ${fit(i.runbook, 200)}`);
  }
  if (message.publicUrl) parts.push(mrkdwnLink(`${message.publicUrl}/i/${i.id}`, `Open #${i.id} in Hark`));
  if (message.incidentChannel && /^[CG][A-Z0-9]+$/.test(message.incidentChannel.id)) {
    parts.push(`Channel: <#${message.incidentChannel.id}>`);
  }
  return parts.length === 0 ? null : parts.join(SEPARATOR);
}

/**
 * The alerts' own links (dashboards, graphs), each once: at most MAX_ALERT_LINKS, as many as fit in
 * one section, then `+N more`.
 */
function alertLinksLine(incident: Incident): string | null {
  const seen = new Set<string>();
  const pieces: string[] = [];
  let length = 0;
  let more = 0;
  for (const alert of incident.alerts) {
    for (const link of alert.links) {
      const href = safeHref(link.href);
      if (href === null || seen.has(href)) continue;
      seen.add(href);
      const piece = mrkdwnLink(href, link.text || new URL(href).host, 80);
      const room = LIMITS.sectionText - MORE_RESERVE - length - (pieces.length > 0 ? SEPARATOR.length : 0);
      if (pieces.length < MAX_ALERT_LINKS && piece.length <= room) {
        length += (pieces.length > 0 ? SEPARATOR.length : 0) + piece.length;
        pieces.push(piece);
      } else more += 1;
    }
  }
  if (more > 0) pieces.push(`+${more} more`);
  return pieces.length === 0 ? null : pieces.join(SEPARATOR);
}

function button(action: SlackAction, text: string, incident: Incident, style?: 'primary' | 'danger'): Button {
  const b: Button = {
    type: 'button',
    action_id: SLACK_ACTION_IDS[action],
    text: { type: 'plain_text', text, emoji: false },
    value: String(incident.id),
  };
  if (style) b.style = style;
  if (action === 'escalate') {
    b.confirm = {
      title: { type: 'plain_text', text: `Escalate #${incident.id}?` },
      text: { type: 'plain_text', text: 'This pages the next step of the escalation policy now.' },
      confirm: { type: 'plain_text', text: 'Escalate now' },
      deny: { type: 'plain_text', text: 'Cancel' },
      style: 'danger',
    };
  }
  return b;
}

function actions(incident: Incident): ActionsBlock | null {
  const elements: Button[] = [];
  if (incident.state === 'triggered') elements.push(button('ack', 'Acknowledge', incident, 'primary'));
  if (incident.state !== 'resolved') {
    elements.push(button('resolve', 'Resolve', incident));
    elements.push(button('escalate', 'Escalate now', incident, 'danger'));
  }
  return elements.length === 0 ? null : { type: 'actions', block_id: ACTIONS_BLOCK_ID, elements };
}

/** The one-line summary: `SEV-1 #42 checkout: Checkout p99 > 2s`. */
function summary(incident: Incident): string {
  return `${incident.severity} #${incident.id} ${incident.service}: ${incident.title || '(no title)'}`;
}

/** The Slack message for an incident, as posted and as updated on every change. */
export function incidentBlocks(message: IncidentMessage): SlackMessage {
  const i = message.incident;
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: plain(`${STATE_EMOJI[i.state]} ${summary(i)}`, LIMITS.header),
        emoji: true,
      },
    },
    { type: 'section', fields: fields(message) },
  ];
  if (i.state !== 'resolved' && message.paged.length > 0) {
    const names = message.paged
      .slice(0, MAX_PAGED_SHOWN)
      .map((p) => (p.chatUser && USER_RE.test(p.chatUser) ? `<@${p.chatUser}>` : fit(p.displayName, 100)));
    const rest = message.paged.length - names.length;
    if (rest > 0) names.push(`+${rest} more`);
    const section: SectionBlock = {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Paged:* ${names.join(', ')}` },
    };
    blocks.push(section);
  }
  for (const line of [linksLine(message), alertLinksLine(i)]) {
    if (line) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: line } });
  }
  const firing = i.alerts.filter((a) => a.status === 'firing').length;
  const opened = Date.parse(i.createdAt);
  const when = Number.isNaN(opened)
    ? escapeMrkdwn(i.createdAt)
    : `<!date^${Math.floor(opened / 1000)}^{date_short_pretty} {time}|${new Date(opened).toISOString()}>`;
  const alertCount = `${i.alerts.length} alert${i.alerts.length === 1 ? '' : 's'}${i.alerts.length > 0 && firing !== i.alerts.length ? ` (${firing} firing)` : ''}`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${alertCount} · opened ${when}` }] });
  const buttons = actions(i);
  if (buttons) blocks.push(buttons);
  const state = i.state === 'triggered' ? '' : ` (${i.state})`;
  return { text: fit(`${summary(i)}${state}`, LIMITS.fallback), blocks };
}
