/**
 * The email channel over SMTP (SPEC section 4), with nodemailer. `SMTP_URL` is
 * `smtp://user:pass@host:port` (STARTTLS when the server offers it) or `smtps://...` (TLS from
 * the start); nodemailer's query options such as `?tls.rejectUnauthorized=false` pass through.
 *
 * Failures become a ProviderError: anything that may work later (connection refused or dropped,
 * timeouts, DNS, TLS, 4xx replies) is retryable; a permanent 5xx rejection (550 unknown recipient,
 * 554 message refused, 535 bad credentials) or a configuration problem is not. No message carries
 * the SMTP URL or password.
 */
import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer';
import { ProviderError, type EmailMessage, type EmailTransport, type SentReceipt } from './types.js';

export interface SmtpTransportOptions {
  /** Waiting for the TCP (and TLS) connection. Default 10 s. */
  readonly connectionTimeoutMs?: number;
  /** Waiting for the server's greeting once connected. Default 10 s. */
  readonly greetingTimeoutMs?: number;
  /** Inactivity on an open connection. Default 30 s. */
  readonly socketTimeoutMs?: number;
}

export type SmtpEmailTransport = EmailTransport & {
  /** Refuses new sends, waits for those in flight, then releases the transport. */
  close(): Promise<void>;
};

/** Error codes nodemailer sets for failures that may go away on a later attempt. */
const RETRYABLE_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EPROXY',
  'EABORT',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** Error codes that the same message and configuration would get again. */
const PERMANENT_CODES = new Set([
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  'ECONFIG',
  'EENVELOPE',
  'EMESSAGE',
  'EMAXRECIPIENTS',
  'EREQUIRETLS',
  'EFILEACCESS',
  'EURLACCESS',
]);

const MAX_ERROR_TEXT = 500;

function isNodemailerError(err: unknown): err is NodemailerError {
  return err instanceof Error;
}

/** `smtp:` or `smtps:` with a host, or a plain Error that does not repeat the URL. */
function checkUrl(smtpUrl: string): URL {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('SMTP_URL is not a valid URL (expected smtp://user:pass@host:port or smtps://...)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`SMTP_URL must use smtp:// or smtps://, not ${url.protocol}//`);
  }
  if (!url.hostname) throw new Error('SMTP_URL has no host');
  return url;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every form in which the password could show up in a server reply or an error text. */
function secretForms(url: URL, smtpUrl: string): string[] {
  if (!url.password) return [];
  const user = safeDecode(url.username);
  const pass = safeDecode(url.password);
  const forms = [
    smtpUrl,
    url.href,
    url.password,
    pass,
    encodeURIComponent(pass),
    Buffer.from(pass).toString('base64'),
    Buffer.from(`\u0000${user}\u0000${pass}`).toString('base64'),
    Buffer.from(`${user}\u0000${user}\u0000${pass}`).toString('base64'),
    Buffer.from(`${user}:${pass}`).toString('base64'),
  ];
  // longest first, so a form that contains another is replaced whole
  return [...new Set(forms.filter((f) => f.length > 0))].sort((a, b) => b.length - a.length);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('[redacted]');
  return out;
}

/** Retryable or not, from the SMTP reply code when there is one, else from the error code. */
function classify(err: NodemailerError): { retryable: boolean; status: number | null } {
  const status = typeof err.responseCode === 'number' && err.responseCode > 0 ? err.responseCode : null;
  if (status !== null) {
    // nodemailer's `permanent`: 5xx except 503 (bad sequence: fine on a new connection)
    const permanent = typeof err.permanent === 'boolean' ? err.permanent : status >= 500 && status !== 503;
    return { retryable: !permanent, status };
  }
  const code = err.code ?? '';
  if (PERMANENT_CODES.has(code)) return { retryable: false, status };
  if (RETRYABLE_CODES.has(code)) return { retryable: true, status };
  if (err.originalCode && RETRYABLE_CODES.has(err.originalCode)) return { retryable: true, status };
  // Unknown: try again with backoff rather than give up on a page.
  return { retryable: true, status };
}

function toProviderError(err: unknown, secrets: readonly string[]): ProviderError {
  if (!isNodemailerError(err)) {
    return new ProviderError(
      redact(`SMTP send failed: ${String(err)}`, secrets).slice(0, MAX_ERROR_TEXT),
      true,
    );
  }
  const { retryable, status } = classify(err);
  const code = err.code ? `${err.code}${err.originalCode ? `/${err.originalCode}` : ''}` : 'error';
  const text = `SMTP send failed (${code}${err.command ? ` at ${err.command}` : ''}): ${err.message}`;
  return new ProviderError(
    redact(text, secrets).replace(/\s+/g, ' ').slice(0, MAX_ERROR_TEXT),
    retryable,
    status,
  );
}

/**
 * An EmailTransport that sends through the SMTP server of `smtpUrl`, from `from`
 * (`Hark <hark@example.com>`). One connection per message, so one slow send never holds up
 * another. Throws at once (without the URL in the message) when `smtpUrl` is not an SMTP URL.
 */
export function createSmtpTransport(
  smtpUrl: string,
  from: string,
  options: SmtpTransportOptions = {},
): SmtpEmailTransport {
  const url = checkUrl(smtpUrl);
  if (!from.trim()) throw new Error('SMTP_FROM is empty');
  const secrets = secretForms(url, smtpUrl);
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    greetingTimeout: options.greetingTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
    dnsTimeout: options.connectionTimeoutMs ?? 10_000,
    // nothing in a page is fetched from disk or the network
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  });

  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  async function send(message: EmailMessage): Promise<SentReceipt> {
    try {
      const info = await transporter.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: {
          // RFC 3834: tell auto-responders (out of office) not to answer a page
          'Auto-Submitted': 'auto-generated',
          'X-Auto-Response-Suppress': 'All',
        },
      });
      return { providerId: info.messageId ?? null, via: 'smtp' };
    } catch (err) {
      throw toProviderError(err, secrets);
    }
  }

  return {
    sendEmail(message: EmailMessage): Promise<SentReceipt> {
      if (closed) return Promise.reject(new ProviderError('SMTP transport is closed', true));
      const p = send(message);
      const tracked = p.catch(() => undefined).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      return p;
    },
    async close(): Promise<void> {
      closed = true;
      await Promise.all([...inFlight]);
      transporter.close();
    },
  };
}
