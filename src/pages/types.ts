/**
 * Pages out (SPEC section 4): the transports behind one interface, so escalation never knows
 * which provider sends. Message texts are built by ./format.ts; transports only deliver.
 */

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

export interface SentReceipt {
  /** The provider's id (Twilio SID, SMTP message id), null for the console. */
  readonly providerId: string | null;
  /** `console` when printed instead of sent (no provider configured). */
  readonly via: 'twilio' | 'smtp' | 'console';
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

export interface Transports {
  readonly sms: SmsTransport;
  readonly voice: VoiceTransport;
  readonly email: EmailTransport;
}
