/**
 * The console channel: prints each page as it would be sent. Used for sms/voice when Twilio is
 * not configured and for email when SMTP is not, so `npm start` shows what would go out. It prints
 * to stderr: stdout carries only the JSON log lines (where each page is also logged, `page sent`).
 */
import type { EmailMessage, SentReceipt, SmsMessage, Transports, VoiceCall } from './types.js';

export function consoleTransports(
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Transports {
  const receipt: SentReceipt = { providerId: null, via: 'console' };
  return {
    sms: {
      sendSms: async (m: SmsMessage) => {
        write(`[page] SMS to ${m.to}: ${m.body}`);
        return receipt;
      },
    },
    voice: {
      call: async (c: VoiceCall) => {
        write(`[page] CALL to ${c.to}: would play ${c.twimlUrl}`);
        return receipt;
      },
    },
    email: {
      sendEmail: async (m: EmailMessage) => {
        write(`[page] EMAIL to ${m.to}: ${m.subject}\n${m.text.replace(/^/gm, '        ')}`);
        return receipt;
      },
    },
  };
}
