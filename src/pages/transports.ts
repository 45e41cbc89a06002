/**
 * Which transport each channel uses (SPEC section 9): Twilio for sms and voice when
 * TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are set, SMTP for email when SMTP_URL is
 * set; the console otherwise, so that a new user sees the pages that would go out.
 */
import type { Logger } from '../log.js';
import { consoleTransports } from './console.js';
import { createSmtpTransport } from './email.js';
import { createTwilioTransports } from './twilio.js';
import type { Transports } from './types.js';

export function transportsFromEnv(
  env: NodeJS.ProcessEnv,
  log: Logger,
): Transports & { close(): Promise<void> } {
  const fallback = consoleTransports();
  const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, TWILIO_FROM: from } = env;
  let twilio = null;
  if (sid && token && from) {
    twilio = createTwilioTransports({
      accountSid: sid,
      authToken: token,
      from,
      apiUrl: env.TWILIO_API_URL || undefined,
    });
  } else {
    log.warn(
      'Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM): sms and voice pages print to the console',
    );
  }
  const smtp = env.SMTP_URL
    ? createSmtpTransport(env.SMTP_URL, env.SMTP_FROM || 'Hark <hark@localhost>')
    : null;
  if (!smtp) log.warn('SMTP is not configured (SMTP_URL): email pages print to the console');
  return {
    sms: twilio ?? fallback.sms,
    voice: twilio ?? fallback.voice,
    email: smtp ?? fallback.email,
    close: async () => {
      await smtp?.close();
    },
  };
}
