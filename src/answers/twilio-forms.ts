/**
 * What Twilio's webhooks post (form parameters) and what they are answered (TwiML), as the OpenAPI
 * document shows them. Twilio sends many more parameters than these; only these are read.
 */
import { z } from 'zod';

export const twilioSmsForm = z
  .looseObject({ From: z.string(), Body: z.string() })
  .partial()
  .meta({ id: 'TwilioSmsForm', description: 'Twilio’s incoming-message webhook parameters.' });

export const twilioStatusForm = z
  .looseObject({
    MessageSid: z.string(),
    SmsSid: z.string(),
    CallSid: z.string(),
    MessageStatus: z.string(),
    SmsStatus: z.string(),
    CallStatus: z.string(),
    AnsweredBy: z.string(),
    ErrorCode: z.string(),
  })
  .partial()
  .meta({
    id: 'TwilioStatusForm',
    description: 'Twilio’s status callback parameters for a message or a call.',
  });

export const twilioVoiceForm = z
  .looseObject({
    CallSid: z.string(),
    CallStatus: z.string(),
    AnsweredBy: z.string().describe('A machine or fax answering hangs up.'),
  })
  .partial()
  .meta({ id: 'TwilioVoiceForm' });

export const twilioGatherForm = z
  .looseObject({ Digits: z.string().describe('4 acknowledge, 6 resolve, 5 escalate, `*` repeat.') })
  .partial()
  .meta({ id: 'TwilioGatherForm' });

/** The URL of a page call: the incident, and whom it is for. */
export const voiceParams = z.object({
  incident: z.string().meta({ description: 'The incident number.', examples: ['42'] }),
});
export const voiceQuery = z.looseObject({
  person: z.string().optional().describe('The person the call is for.'),
  bundle: z
    .string()
    .optional()
    .describe(
      'A bundled call (pages a call limit held): the call names every incident of the bundle and ' +
        'its key acts on each of them that was paged to the person and is still open.',
    ),
});

export const twiml = (description: string) => ({
  description,
  content: { 'text/xml': z.string().describe('TwiML (`<Response>…</Response>`).') },
});

/** A form post documented (Twilio's content type). */
export const form = (schema: z.ZodType) => ({
  required: false,
  content: { 'application/x-www-form-urlencoded': schema },
});
