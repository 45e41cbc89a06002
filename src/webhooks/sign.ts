/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), with the `standardwebhooks`
 * package: `webhook-signature` is `v1,` and the base64 HMAC-SHA256, keyed with the secret's
 * base64-decoded bytes, of `<webhook-id>.<webhook-timestamp>.<body>`.
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';

export interface SignedHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** The three headers for one attempt; the timestamp is the attempt's, so each attempt is signed anew. */
export function signedHeaders(secret: string, id: string, at: Date, body: string): SignedHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new StandardWebhook(secret).sign(id, at, body),
  };
}
