/**
 * Every TwiML document Hark answers Twilio with, built with the `twilio` package's TwiML builders
 * (which escape text and attributes): page calls, the answers to SMS replies and pressed keys.
 */
import MessagingResponse from 'twilio/lib/twiml/MessagingResponse.js';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';

/**
 * Text as XML 1.0 allows it: control characters become spaces and lone surrogates `?` (an
 * alert's title may carry them; the builders throw on them, and Twilio refuses such TwiML).
 */
export function xmlText(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ' ')
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?')
  );
}

/** `<Response/>`: nothing to say (an SMS that needs no reply, a callback Hark only records). */
export function emptyTwiml(): string {
  return new MessagingResponse().toString();
}

/** An SMS reply, or none when `text` is null. */
export function messageTwiml(text: string | null): string {
  const r = new MessagingResponse();
  if (text !== null) r.message(xmlText(text));
  return r.toString();
}

/** Says `text` on the call, then hangs up (or, `hangUp: false`, lets the call end by itself). */
export function sayTwiml(text: string, hangUp = true): string {
  const r = new VoiceResponse();
  r.say(xmlText(text));
  if (hangUp) r.hangup();
  return r.toString();
}

/** Hangs up at once (a machine answered). */
export function hangUpTwiml(): string {
  const r = new VoiceResponse();
  r.hangup();
  return r.toString();
}

/** Sends the call to another TwiML URL (`*` repeats; a bundled call moves on). */
export function redirectTwiml(url: string): string {
  const r = new VoiceResponse();
  r.redirect({ method: 'POST' }, xmlText(url));
  return r.toString();
}

/**
 * Says each of `says` and gathers one key, posted to `action`; with no key, says goodbye. One
 * `<Say>` per item keeps each well under Twilio's length limit.
 */
export function gatherTwiml(says: readonly string[], action: string): string {
  const r = new VoiceResponse();
  const gather = r.gather({ numDigits: 1, action: xmlText(action), method: 'POST', timeout: 10 });
  for (const s of says) gather.say(xmlText(s));
  r.say('No key pressed. Goodbye.');
  return r.toString();
}
