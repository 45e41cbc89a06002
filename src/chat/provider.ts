/**
 * The chat layer (issue 12): the one interface the incident and escalation code uses to talk to a
 * chat system without knowing which (Slack now; Mattermost later, behind the same interface).
 *
 * What a message shows is given as data (`IncidentMessage`): each provider renders it its own way
 * (Slack: Block Kit, src/chat/slack/blocks.ts) with the buttons Acknowledge / Resolve / Escalate now.
 * Plain texts (timeline events, shift notices, refusals) are plain: providers escape them, so an
 * alert's title can never mention @channel or forge a link.
 *
 * Every method either does what it says or throws a `ChatError` whose `kind` tells the caller what
 * to do next: wait and retry (`rate-limited`, `unavailable`), move a person on to their next rule
 * (`not-found`), or give up on this request (`auth`, `not-in-channel`, `refused`). Methods that
 * change state are idempotent where the chat system allows it (a retried invite, pin or archive
 * succeeds; a retried create finds the channel made the first time), so a job may be retried after
 * a crash (at-least-once) without a duplicate channel.
 */
import type { Incident } from '../incidents/model.js';

/** A message that was posted: its channel's ID and its ID in that channel (Slack: the `ts`). */
export interface MessageRef {
  readonly channel: string;
  readonly id: string;
}

/** A channel: its ID (for every later call) and its name (for people). */
export interface ChannelRef {
  readonly id: string;
  readonly name: string;
}

/** A person as a chat message shows them. */
export interface ChatPerson {
  /** The Hark person name (`alice`). */
  readonly name: string;
  readonly displayName: string;
  /** Their user ID in this chat system, to mention them; null: shown by display name only. */
  readonly chatUser: string | null;
}

/**
 * Everything an incident message shows, resolved by the caller from the incident, the config and
 * the escalation state, so that rendering is a pure function of it.
 */
export interface IncidentMessage {
  readonly incident: Incident;
  /** Base of links to Hark (`settings.public_url`, no trailing slash); null: no links to Hark. */
  readonly publicUrl: string | null;
  /** Who is being paged now (the current step's people), in order. */
  readonly paged: readonly ChatPerson[];
  /** The people the incident names (acknowledged by, resolved by, commander, roles), by person name. */
  readonly people: ReadonlyMap<string, ChatPerson>;
  /** The incident's own channel, when it has one (linked from the service channel's message). */
  readonly incidentChannel: ChannelRef | null;
}

export type ChatErrorKind =
  /** Over the chat system's rate limit: nothing was done; try again after `retryAfterMs`. */
  | 'rate-limited'
  /** The channel, user or message does not exist (or is not visible to the bot). Permanent. */
  | 'not-found'
  /** The bot is not a member of the channel. */
  | 'not-in-channel'
  /** The token is invalid, revoked or lacks a scope: nothing works until the config is fixed. */
  | 'auth'
  /** Unreachable, timed out or failing (5xx) after the provider's own bounded retries: try later. */
  | 'unavailable'
  /** Any other refusal of this request (a bad argument, an archived channel, a name taken). */
  | 'refused';

/** What a chat call failed with. Its message never holds a token. */
export class ChatError extends Error {
  override readonly name = 'ChatError';

  constructor(
    readonly kind: ChatErrorKind,
    /** The chat system's own code (`channel_not_found`, `ratelimited`, `http_503`, `request_failed`). */
    readonly code: string,
    message: string,
    /** For `rate-limited`: how long to wait before the next call, in milliseconds. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** Whether the same call may succeed later. */
  get retryable(): boolean {
    return this.kind === 'rate-limited' || this.kind === 'unavailable';
  }
}

export interface ChatProvider {
  readonly name: 'slack' | 'mattermost';
  /** Posts an incident's message (with its buttons) to a channel (an ID or `#name`). */
  postIncident(channel: string, message: IncidentMessage): Promise<MessageRef>;
  /** Replaces an incident message in place (on every state change). */
  updateIncident(ref: MessageRef, message: IncidentMessage): Promise<void>;
  /** A plain text in a message's thread (timeline events). */
  postInThread(parent: MessageRef, text: string): Promise<MessageRef>;
  /** A plain text in a channel (shift notices, an incident channel's summary). */
  postText(channel: string, text: string): Promise<MessageRef>;
  /**
   * Creates a public channel; when one of that name exists already and is not archived (a retry
   * after a crash), finds it instead: `created` says which.
   */
  createChannel(name: string): Promise<{ readonly channel: ChannelRef; readonly created: boolean }>;
  /** Invites users (chat user IDs) to a channel; those already in it are no error. */
  invite(channel: string, users: readonly string[]): Promise<void>;
  /** Pins a message in its channel; pinned already is no error. */
  pin(ref: MessageRef): Promise<void>;
  /** Archives a channel; archived already is no error. */
  archive(channel: string): Promise<void>;
  /** A plain text only `user` sees, in `channel` (a refusal of a button press or a command). */
  postEphemeral(channel: string, user: string, text: string): Promise<void>;
  /** A direct message to a user: an incident message with its buttons, or a plain text. */
  directMessage(user: string, content: IncidentMessage | string): Promise<MessageRef>;
}

/** The longest channel name Slack takes (Mattermost: 64). */
export const MAX_CHANNEL_NAME = 80;

/**
 * The name of an incident's own channel: `inc-<id>-<service>-<words of the title>`
 * (`inc-42-checkout-p99-2s` for "Checkout p99 > 2s"), lowercase ASCII letters, digits and `-`,
 * cut at a word boundary to `max` characters. Words at the start of the title that repeat the
 * service are left out.
 */
export function incidentChannelName(incident: Incident, max = MAX_CHANNEL_NAME): string {
  const words = (text: string) =>
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w !== '');
  const service = words(incident.service);
  const title = words(incident.title);
  while (title.length > 0 && service.includes(title[0]!)) title.shift(); // "Checkout p99" in checkout
  let name = ['inc', String(incident.id), ...service].join('-');
  if (name.length > max) return name.slice(0, max).replace(/-+$/, '');
  for (const w of title) {
    if (name.length + 1 + w.length > max) break;
    name += `-${w}`;
  }
  return name;
}
