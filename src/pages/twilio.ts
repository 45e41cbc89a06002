/**
 * SMS and voice through Twilio (SPEC sections 4, 5 and 9), with the `twilio` package.
 *
 * twilio-node has no base-URL option: every request goes to `https://api.twilio.com` (or a regional
 * `api.<edge>.<region>.twilio.com` host when TWILIO_EDGE / TWILIO_REGION are set in the environment).
 * A custom `httpClient` (a RequestClient whose `request` rewrites the URI) sends each request to
 * TWILIO_API_URL instead, so gateways and the test fake see every call; a request for any other host
 * is refused rather than sent.
 *
 * Errors become `ProviderError`s built from scratch: the client's own errors carry the request
 * configuration (with the Authorization header), so they are never passed on as a cause.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import {
  ProviderError,
  type SentReceipt,
  type SmsMessage,
  type SmsTransport,
  type VoiceCall,
  type VoiceTransport,
} from './types.js';

export const DEFAULT_TWILIO_API_URL = 'https://api.twilio.com';

/** The call progress events Hark asks Twilio to report (every one it offers). */
export const CALL_STATUS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;

export interface TwilioOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** The sending number (TWILIO_FROM), E.164. */
  readonly from: string;
  /** TWILIO_API_URL; default https://api.twilio.com. May carry a path prefix (a gateway). */
  readonly apiUrl?: string;
  /** Per-request timeout; a timed-out request is a retryable failure. Default 10 s. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** The hosts twilio-node builds URIs for the REST API with: api.twilio.com and its edge/region forms. */
const TWILIO_API_HOST = /^api(\.[a-z0-9-]+)*\.twilio\.com$/i;

/** Parses and checks TWILIO_API_URL. The message names the problem, never the value (it may hold a user:password). */
function parseApiUrl(apiUrl: string): URL {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new Error('TWILIO_API_URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error('TWILIO_API_URL must be an http:// or https:// URL');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error('TWILIO_API_URL must not have a query or fragment');
  }
  return url;
}

/** A RequestClient that sends every Twilio REST request to `base` instead of api.twilio.com. */
class BaseUrlRequestClient extends twilio.RequestClient {
  readonly #base: URL;

  constructor(base: URL, opts: RequestClient.RequestClientOptions) {
    super(opts);
    this.#base = base;
  }

  /** `https://api.twilio.com/2010-04-01/...?q` → `<base>/2010-04-01/...?q`. */
  rebase(uri: string): string {
    const target = new URL(uri);
    if (!TWILIO_API_HOST.test(target.hostname)) {
      throw new Error(`refusing a request to ${target.hostname}: only the Twilio REST API is rebased`);
    }
    const out = new URL(this.#base.href);
    out.pathname = `${this.#base.pathname.replace(/\/+$/, '')}${target.pathname}`;
    out.search = target.search;
    return out.href;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    // logLevel: twilio-node's debug logging prints requests to stdout; Hark logs with pino.
    return super.request({ ...opts, uri: this.rebase(opts.uri), logLevel: undefined });
  }
}

/** The fields of twilio-node's RestException / TwilioServiceException that Hark reads. */
interface TwilioHttpError {
  readonly status: number;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly detail?: unknown;
  readonly title?: unknown;
  readonly moreInfo?: unknown;
}

function isTwilioHttpError(err: unknown): err is TwilioHttpError {
  return err instanceof Error && Number.isInteger((err as { status?: unknown }).status);
}

/** axios (under twilio-node) marks its errors: refused, reset, DNS, timeouts. No HTTP answer came. */
function isNetworkError(err: unknown): err is Error & { code?: unknown } {
  return err instanceof Error && (err as { isAxiosError?: unknown }).isAxiosError === true;
}

/** Retry later: the provider is down, overloaded or slow. Anything else 4xx is final. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

export function createTwilioTransports(options: TwilioOptions): SmsTransport & VoiceTransport {
  const { accountSid, authToken, from } = options;
  if (!/^AC[0-9a-zA-Z]+$/.test(accountSid)) throw new Error('TWILIO_ACCOUNT_SID must start with AC');
  if (authToken === '') throw new Error('TWILIO_AUTH_TOKEN is empty');
  if (from.trim() === '') throw new Error('TWILIO_FROM is empty');
  const base = parseApiUrl(options.apiUrl ?? DEFAULT_TWILIO_API_URL);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const httpClient = new BaseUrlRequestClient(base, { timeout });
  const client = twilio(accountSid, authToken, {
    httpClient,
    // Explicit, so TWILIO_LOG_LEVEL=debug in the environment cannot print requests to stdout.
    logLevel: 'info',
    autoRetry: false, // retries belong to the page queue, with its backoff
    userAgentExtensions: ['hark'],
  });

  const basicAuth = Buffer.from(`${accountSid}:${authToken}`).toString('base64');
  /** Belt and braces: no message leaves here with the token (or the basic-auth string) in it. */
  const redact = (message: string): string =>
    message.split(authToken).join('[redacted]').split(basicAuth).join('[redacted]');

  const fail = (what: string, err: unknown): ProviderError => {
    if (err instanceof ProviderError) return err;
    if (isTwilioHttpError(err)) {
      const code = typeof err.code === 'number' && err.code > 0 ? err.code : null;
      const detail = text(err.detail) ?? text(err.message) ?? text(err.title);
      const parts = [`HTTP ${err.status}`];
      if (code !== null) parts.push(`Twilio error ${code}`);
      const message = `Twilio ${what} failed: ${parts.join(', ')}${detail ? `: ${detail}` : ''}`;
      return new ProviderError(redact(message), retryableStatus(err.status), err.status);
    }
    if (isNetworkError(err)) {
      const code = typeof err.code === 'string' ? err.code : 'network error';
      const detail = text(err.message);
      const message = `Twilio ${what} failed: ${code}${detail && detail !== code ? ` (${detail})` : ''}`;
      return new ProviderError(redact(message), true, null);
    }
    if (err instanceof SyntaxError) {
      // A 2xx answer that is not JSON (a gateway's error page): the provider's fault, try again.
      return new ProviderError(`Twilio ${what} failed: the answer was not JSON`, true, null);
    }
    const detail = err instanceof Error ? err.message : String(err);
    return new ProviderError(redact(`Twilio ${what} failed: ${detail}`), false, null);
  };

  const receipt = (what: string, sid: unknown, prefix: string): SentReceipt => {
    if (typeof sid !== 'string' || !sid.startsWith(prefix)) {
      // Twilio accepted something but the answer has no SID: it may have been sent; retrying is at-least-once.
      throw new ProviderError(`Twilio ${what} failed: the answer has no ${prefix}… SID`, true, null);
    }
    return { providerId: sid, via: 'twilio' };
  };

  return {
    async sendSms(message: SmsMessage): Promise<SentReceipt> {
      let sid: unknown;
      try {
        const created = await client.messages.create({
          to: message.to,
          from,
          body: message.body,
          ...(message.statusCallback !== null ? { statusCallback: message.statusCallback } : {}),
        });
        sid = created.sid;
      } catch (err) {
        throw fail('SMS', err);
      }
      return receipt('SMS', sid, 'SM');
    },

    async call(call: VoiceCall): Promise<SentReceipt> {
      let sid: unknown;
      try {
        const created = await client.calls.create({
          to: call.to,
          from,
          ...(call.twiml !== undefined ? { twiml: call.twiml } : { url: call.twimlUrl }),
          // An answering machine is not an acknowledgement: Twilio reports AnsweredBy.
          machineDetection: 'Enable',
          ...(call.statusCallback !== null
            ? { statusCallback: call.statusCallback, statusCallbackEvent: [...CALL_STATUS_EVENTS] }
            : {}),
        });
        sid = created.sid;
      } catch (err) {
        throw fail('call', err);
      }
      return receipt('call', sid, 'CA');
    },
  };
}

/** The X-Twilio-Signature Twilio sends with a request to `url` (the full URL, query included) with these POST params. */
export function twilioSignature(
  authToken: string,
  url: string,
  params: Readonly<Record<string, string | readonly string[]>>,
): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/**
 * Whether `signatureHeader` is Twilio's signature of a request to `url` with `params` (form-encoded POST
 * parameters; `{}` for a GET). twilio-node's `validateRequest`: a constant-time comparison, accepting
 * the URL with or without its standard port as Twilio does. Never throws.
 */
export function validTwilioSignature(
  authToken: string,
  signatureHeader: string | null | undefined,
  url: string,
  params: Readonly<Record<string, string | readonly string[]>>,
): boolean {
  if (authToken === '' || typeof signatureHeader !== 'string' || signatureHeader === '') return false;
  try {
    return twilio.validateRequest(authToken, signatureHeader, url, params);
  } catch {
    return false; // e.g. a URL `new URL()` cannot parse
  }
}
