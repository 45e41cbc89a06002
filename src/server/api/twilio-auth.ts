/**
 * The `Auth` of Twilio's webhooks: a valid `X-Twilio-Signature` for the public URL of the request
 * and every posted form parameter (src/answers/twilio-webhooks.ts `twilioVerifier`). A missing or
 * wrong signature, or Twilio not being configured at all, answers 403 and changes nothing; the
 * handlers get the verified form parameters.
 */
import { refuseUnsigned, twilioVerifier, type Params } from '../../answers/twilio-webhooks.js';
import type { Auth, RouteInfo } from './route.js';

export interface TwilioAuthDeps {
  /** TWILIO_AUTH_TOKEN; null or empty: Twilio is not configured and every webhook answers 403. */
  readonly twilioAuthToken: string | null;
  /** The external base URL Twilio was given (HARK_PUBLIC_URL / settings.public_url). */
  readonly publicUrl: () => string;
}

/** The webhook a route is, as the log line names it: `sms`, `status`, `voice`, `gather`. */
function webhookOf(route: RouteInfo): string {
  if (route.path.endsWith('/gather')) return 'gather';
  if (route.path.includes('/voice/')) return 'voice';
  return route.path.split('/').pop() ?? route.path;
}

export function twilioAuth(deps: TwilioAuthDeps): Auth<Params> {
  const verified = twilioVerifier(deps);
  return {
    kind: 'twilioSignature',
    security: [{ twilioSignature: [] }],
    responses: { 403: 'TwilioForbidden' },
    check: async (c, route) => (await verified(c)) ?? refuseUnsigned(c, deps, webhookOf(route)),
  };
}
