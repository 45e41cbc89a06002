import { describe, expect, it } from 'vitest';
import {
  emptyTwiml,
  gatherTwiml,
  messageTwiml,
  redirectTwiml,
  sayTwiml,
  xmlText,
} from '../../src/pages/twiml.js';

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>';

describe('TwiML', () => {
  it('builds each answer with the twilio builders, text and attributes escaped', () => {
    expect(emptyTwiml()).toBe(`${HEAD}<Response/>`);
    expect(messageTwiml(null)).toBe(`${HEAD}<Response/>`);
    expect(messageTwiml('a < b & c')).toBe(`${HEAD}<Response><Message>a &lt; b &amp; c</Message></Response>`);
    expect(sayTwiml('Bye.')).toBe(`${HEAD}<Response><Say>Bye.</Say><Hangup/></Response>`);
    expect(sayTwiml('Bye.', false)).toBe(`${HEAD}<Response><Say>Bye.</Say></Response>`);
    expect(redirectTwiml('https://h/v?a=1&b="2"')).toBe(
      `${HEAD}<Response><Redirect method="POST">https://h/v?a=1&amp;b="2"</Redirect></Response>`,
    );
    expect(gatherTwiml(['One.', 'Two.'], 'https://h/g?p=a&b=1')).toBe(
      `${HEAD}<Response><Gather numDigits="1" action="https://h/g?p=a&amp;b=1" method="POST" timeout="10">` +
        '<Say>One.</Say><Say>Two.</Say></Gather><Say>No key pressed. Goodbye.</Say></Response>',
    );
  });

  it('makes text that XML cannot carry legal instead of throwing', () => {
    expect(xmlText('bell \u0007 lone \uD800 ok \uD83D\uDE00')).toBe('bell   lone ? ok \uD83D\uDE00');
    expect(sayTwiml('a \u0000 b')).toContain('<Say>a   b</Say>');
  });
});
