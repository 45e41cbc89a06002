/**
 * The ntfy channel (docs/ntfy.md): push notifications through an ntfy server, self-hosted or
 * ntfy.sh, with its JSON publish API — one POST of the whole message to the server's root URL —
 * and the access token, when there is one, as `Authorization: Bearer`.
 *
 * Failures become a ProviderError, as SMS and email ones do: a 5xx, a timeout or a refused
 * connection may work later (retried with the page queue's backoff); a 429 is retried after its
 * Retry-After (ntfy sends none: then after DEFAULT_NTFY_RETRY_AFTER_MS) without counting as a
 * failed attempt; any other 4xx (403 forbidden topic, 401 bad token, 400 a refused message) fails
 * the page for good and the person moves on to their next rule. A 2xx that is not ntfy's answer
 * (no message id: a web page at the configured URL) fails for good too, rather than report a page
 * sent that no phone got. No message carries the token.
 */
import { ProviderError, type NtfyMessage, type NtfyTransport, type SentReceipt } from './types.js';

/** Where notifications go: `ntfy:` of the running config (src/config/types.ts NtfyConfig). */
export interface NtfyServer {
  readonly url: string;
  /** Secret. */
  readonly token: string | null;
}

export interface NtfyTransportOptions {
  /** How long one publish may take (connection and answer). Default 10 s. */
  readonly timeoutMs?: number;
}

/** When ntfy says 429 without a Retry-After: its request limit refills one request per 5 s. */
export const DEFAULT_NTFY_RETRY_AFTER_MS = 10_000;
/** The longest Retry-After honoured (a longer one is cut to this): a page must not wait for hours. */
export const MAX_NTFY_RETRY_AFTER_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_ERROR_TEXT = 300;

/** Retry-After as seconds or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_NTFY_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), MAX_NTFY_RETRY_AFTER_MS);
}

/** ntfy's error answer: `{"code":40301,"http":403,"error":"forbidden","link":"..."}`. */
function ntfyError(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') {
      const { code, error } = parsed as { code?: unknown; error?: unknown };
      const text = typeof error === 'string' && error.trim() !== '' ? error.trim() : null;
      if (typeof code === 'number' && text) return `ntfy error ${code}: ${text}`;
      if (text) return text;
    }
  } catch {
    // not JSON: a proxy's page
  }
  return null;
}

/** The JSON ntfy's publish API takes (only the fields that are set). */
export function ntfyBody(message: NtfyMessage): Record<string, unknown> {
  return {
    topic: message.topic,
    title: message.title,
    message: message.message,
    priority: message.priority,
    tags: [...message.tags],
    ...(message.click !== null ? { click: message.click } : {}),
    actions: message.actions.map((a) => ({ ...a })),
  };
}

export function createNtfyTransport(
  server: () => NtfyServer | null,
  options: NtfyTransportOptions = {},
): NtfyTransport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async sendNtfy(message: NtfyMessage): Promise<SentReceipt> {
      const s = server();
      if (!s) throw new ProviderError('ntfy is not configured (hark.yaml has no ntfy: section)', false);
      const redact = (text: string): string => (s.token ? text.split(s.token).join('[redacted]') : text);
      const clean = (text: string): string =>
        redact(text).replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_TEXT);
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': 'hark',
      };
      if (s.token) headers.Authorization = `Bearer ${s.token}`;
      let res: Response;
      let body: string;
      try {
        res = await fetch(`${s.url}/`, {
          method: 'POST',
          headers,
          body: JSON.stringify(ntfyBody(message)),
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = await res.text();
      } catch (e) {
        const err = e as { name?: unknown; message?: unknown; cause?: { code?: unknown } };
        const what =
          err.name === 'TimeoutError' || err.name === 'AbortError'
            ? `timed out after ${timeoutMs} ms`
            : typeof err.cause?.code === 'string'
              ? err.cause.code
              : typeof err.message === 'string'
                ? err.message
                : 'network error';
        throw new ProviderError(clean(`ntfy publish failed: ${what}`), true);
      }
      if (res.ok) {
        let id: unknown;
        try {
          id = (JSON.parse(body) as { id?: unknown }).id;
        } catch {
          id = undefined;
        }
        if (typeof id !== 'string' || id === '') {
          throw new ProviderError(
            `ntfy publish failed: HTTP ${res.status} but the answer is not ntfy's (no message id): is ntfy.url the ntfy server?`,
            false,
            res.status,
          );
        }
        return { providerId: id, via: 'ntfy' };
      }
      const detail = ntfyError(body);
      const text = clean(`ntfy publish failed: HTTP ${res.status}${detail ? `, ${detail}` : ''}`);
      if (res.status === 429) {
        const after = retryAfterMs(res.headers.get('retry-after')) ?? DEFAULT_NTFY_RETRY_AFTER_MS;
        throw new ProviderError(text, true, 429, after);
      }
      throw new ProviderError(text, res.status >= 500 || res.status === 408, res.status);
    },
  };
}
