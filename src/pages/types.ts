/**
 * Pages out (SPEC section 4): the transports behind one interface, so escalation never knows
 * which provider sends. Message texts are built by ./format.ts; transports only deliver.
 */
import type { IncidentMessage } from '../chat/provider.js';

/** A text message. `statusCallback`: where the provider reports delivery (Twilio). */
export interface SmsMessage {
  readonly to: string;
  readonly body: string;
  readonly statusCallback: string | null;
}

/**
 * A phone call that plays TwiML fetched from `twimlUrl` (Twilio calls it back with the keys
 * pressed), or the inline `twiml` when given (test pages).
 */
export interface VoiceCall {
  readonly to: string;
  readonly twimlUrl: string;
  readonly twiml?: string;
  readonly statusCallback: string | null;
}

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A Slack DM (docs/slack.md): an incident message with its buttons, or a plain text (a bundle, a notice). */
export interface SlackDm {
  /** The person's Slack user ID (`U0123ABCD`). */
  readonly to: string;
  readonly content: IncidentMessage | string;
}

/** An ntfy action button (docs/ntfy.md): `view` opens a URL, `http` sends a request from the phone. */
export type NtfyAction =
  | { readonly action: 'view'; readonly label: string; readonly url: string; readonly clear?: boolean }
  | {
      readonly action: 'http';
      readonly label: string;
      readonly url: string;
      readonly method: 'POST';
      readonly clear?: boolean;
    };

/** An ntfy notification, as ntfy's JSON publish API takes it (POST to the server's root). */
export interface NtfyMessage {
  readonly topic: string;
  readonly title: string;
  readonly message: string;
  /** 1 (min) to 5 (max): high urgency 5, low 3. */
  readonly priority: 1 | 2 | 3 | 4 | 5;
  readonly tags: readonly string[];
  /** Opened when the notification is tapped. */
  readonly click: string | null;
  /** At most 3 (ntfy's limit). */
  readonly actions: readonly NtfyAction[];
}

export interface SentReceipt {
  /** The provider's id (Twilio SID, SMTP message id, Slack DM `channel/ts`, ntfy message id), null for the console. */
  readonly providerId: string | null;
  /** `console` when printed instead of sent (no provider configured). */
  readonly via: 'twilio' | 'smtp' | 'console' | 'slack' | 'ntfy';
}

/**
 * A provider failure. `retryable`: try again later with backoff (5xx, timeouts, 429);
 * otherwise the page failed for good (bad number, 4xx) and the person moves to their next rule.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
    /**
     * The provider said when to try again (HTTP 429 with Retry-After, Slack's `ratelimited`): the
     * page is retried after that long, without counting as a failed attempt; null: backoff.
     */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface SmsTransport {
  sendSms(message: SmsMessage): Promise<SentReceipt>;
}

export interface VoiceTransport {
  call(call: VoiceCall): Promise<SentReceipt>;
}

export interface EmailTransport {
  sendEmail(message: EmailMessage): Promise<SentReceipt>;
}

export interface SlackDmTransport {
  sendSlackDm(dm: SlackDm): Promise<SentReceipt>;
}

export interface NtfyTransport {
  sendNtfy(message: NtfyMessage): Promise<SentReceipt>;
}

export interface Transports {
  readonly sms: SmsTransport;
  readonly voice: VoiceTransport;
  readonly email: EmailTransport;
  /**
   * Slack DMs and ntfy pushes: src/compose.ts adds them from the config (`slack:`, `ntfy:`) unless
   * given here (tests). Absent: a page on that channel fails for good and the person moves on.
   */
  readonly slack?: SlackDmTransport;
  readonly ntfy?: NtfyTransport;
}
