/**
 * An incident as a Slack message (src/chat/slack/blocks.ts): explicit assertions on the blocks a
 * responder sees, on the buttons the interactivity handler reads back, on escaping of what alerts
 * send, and on Slack's size limits.
 */
import type { ActionsBlock, Button, KnownBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS_BLOCK_ID,
  escapeMrkdwn,
  fit,
  incidentBlocks,
  LIMITS,
  MAX_ALERT_LINKS,
  mrkdwnLink,
  SLACK_ACTION_IDS,
} from '../../src/chat/slack/blocks.js';
import { alert, alice, bob, carol, incident, message } from './fixtures.js';

const of = <T extends KnownBlock['type']>(blocks: KnownBlock[], type: T) =>
  blocks.filter((b): b is Extract<KnownBlock, { type: T }> => b.type === type);

function buttons(blocks: KnownBlock[]): Button[] {
  return of(blocks, 'actions').flatMap((b: ActionsBlock) => b.elements as Button[]);
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return of(blocks, 'section').flatMap((b: SectionBlock) => (b.text ? [b.text.text] : []));
}

function fieldTexts(blocks: KnownBlock[]): string[] {
  return of(blocks, 'section').flatMap((b: SectionBlock) => (b.fields ?? []).map((f) => f.text));
}

/** Every mrkdwn text of the message, where Slack parses mentions and links. */
function mrkdwn(blocks: KnownBlock[]): string[] {
  const context = of(blocks, 'context').flatMap((b) =>
    b.elements.flatMap((e) => ('type' in e && e.type === 'mrkdwn' ? [e.text] : [])),
  );
  return [...sectionTexts(blocks), ...fieldTexts(blocks), ...context];
}

/** Slack's limits on what we send: a message it would refuse (invalid_blocks) fails here. */
function expectWithinLimits(blocks: KnownBlock[], text: string): void {
  expect(blocks.length).toBeLessThanOrEqual(50);
  expect(text.length).toBeLessThanOrEqual(LIMITS.fallback);
  for (const h of of(blocks, 'header')) expect([...h.text.text].length).toBeLessThanOrEqual(LIMITS.header);
  for (const s of of(blocks, 'section')) {
    if (s.text) expect(s.text.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect((s.fields ?? []).length).toBeLessThanOrEqual(10);
    for (const f of s.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.field);
  }
  for (const b of buttons(blocks)) {
    expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
    expect((b.value ?? '').length).toBeLessThanOrEqual(2000);
  }
}

describe('a triggered incident', () => {
  const { text, blocks } = incidentBlocks(message());

  it('has a header with severity, number, service and title, and a short notification text', () => {
    expect(of(blocks, 'header').map((h) => h.text.text)).toEqual([
      ':rotating_light: SEV-1 #42 checkout: Checkout p99 > 2s',
    ]);
    expect(text).toBe('SEV-1 #42 checkout: Checkout p99 &gt; 2s');
  });

  it('shows severity, service and state as fields', () => {
    expect(fieldTexts(blocks)).toEqual(['*Severity*\nSEV-1', '*Service*\ncheckout', '*State*\nTriggered']);
  });

  it('names who is paged: a mention when the person has a Slack user, else their name (escaped)', () => {
    expect(sectionTexts(blocks)).toContain('*Paged:* <@U0ALICE01>, Bob &lt;Ops&gt;');
  });

  it("links the runbook, the incident in Hark and the alert's own links", () => {
    expect(sectionTexts(blocks)).toContain(
      '<https://hark.example.com/runbooks/checkout-latency|Runbook>  ·  <https://hark.example.com/i/42|Open #42 in Hark>',
    );
    expect(sectionTexts(blocks)).toContain('<https://grafana.example.com/d/checkout|Dashboard>');
  });

  it('says how many alerts and when it opened, in the reader’s own time zone', () => {
    expect(of(blocks, 'context').map((c) => c.elements)).toEqual([
      [
        {
          type: 'mrkdwn',
          text: '1 alert · opened <!date^1768222980^{date_short_pretty} {time}|2026-01-12T13:03:00.000Z>',
        },
      ],
    ]);
  });

  it('ends with Acknowledge, Resolve and Escalate now, each carrying the incident id', () => {
    const actions = of(blocks, 'actions');
    expect(actions).toHaveLength(1);
    expect(actions[0]!.block_id).toBe(ACTIONS_BLOCK_ID);
    expect(blocks[blocks.length - 1]).toBe(actions[0]);
    expect(buttons(blocks).map((b) => [b.action_id, b.text.text, b.value, b.style])).toEqual([
      ['hark_ack', 'Acknowledge', '42', 'primary'],
      ['hark_resolve', 'Resolve', '42', undefined],
      ['hark_escalate', 'Escalate now', '42', 'danger'],
    ]);
    expect(SLACK_ACTION_IDS).toEqual({ ack: 'hark_ack', resolve: 'hark_resolve', escalate: 'hark_escalate' });
    // Escalating pages more people: Slack asks first.
    const escalate = buttons(blocks)[2]!;
    expect(escalate.confirm?.title?.text).toBe('Escalate #42?');
    expect(escalate.confirm?.confirm?.text).toBe('Escalate now');
    expect(buttons(blocks)[0]!.confirm).toBeUndefined();
  });

  it('stays within Slack’s limits', () => expectWithinLimits(blocks, text));
});

describe('as the incident changes (the message is updated in place)', () => {
  it('acknowledged: by whom, the commander and roles; Resolve and Escalate now remain', () => {
    const { text, blocks } = incidentBlocks(
      message({
        incident: incident({
          state: 'acknowledged',
          acknowledgedBy: 'alice',
          acknowledgedAt: '2026-01-12T13:05:00Z',
          commander: 'bob',
          roles: { commander: 'bob', comms: 'carol', scribe: 'dave' },
        }),
      }),
    );
    expect(of(blocks, 'header')[0]!.text.text).toBe(':eyes: SEV-1 #42 checkout: Checkout p99 > 2s');
    expect(text).toBe('SEV-1 #42 checkout: Checkout p99 &gt; 2s (acknowledged)');
    expect(fieldTexts(blocks)).toEqual([
      '*Severity*\nSEV-1',
      '*Service*\ncheckout',
      '*State*\nAcknowledged by <@U0ALICE01>',
      '*Commander*\nBob &lt;Ops&gt;',
      '*Comms*\n<@W0CAROL03>',
      // Not among the message's people: the Hark name.
      '*Scribe*\ndave',
    ]);
    expect(buttons(blocks).map((b) => b.action_id)).toEqual(['hark_resolve', 'hark_escalate']);
  });

  it('acknowledged through the API by a token: the token name, without its prefix', () => {
    const { blocks } = incidentBlocks(
      message({ incident: incident({ state: 'acknowledged', acknowledgedBy: 'token:ops-cli' }) }),
    );
    expect(fieldTexts(blocks)).toContain('*State*\nAcknowledged by ops-cli');
  });

  it('resolved: by whom, no buttons and no one paged', () => {
    const { text, blocks } = incidentBlocks(
      message({
        incident: incident({ state: 'resolved', resolvedBy: 'carol', resolvedAt: '2026-01-12T14:00:00Z' }),
      }),
    );
    expect(of(blocks, 'header')[0]!.text.text).toMatch(/^:white_check_mark: SEV-1 #42/);
    expect(text).toMatch(/\(resolved\)$/);
    expect(fieldTexts(blocks)).toContain('*State*\nResolved by <@W0CAROL03>');
    expect(of(blocks, 'actions')).toEqual([]);
    expect(sectionTexts(blocks).some((t) => t.startsWith('*Paged:*'))).toBe(false);
  });

  it('links the incident channel when it has one', () => {
    const { blocks } = incidentBlocks(
      message({ incidentChannel: { id: 'C0INC0042', name: 'inc-42-checkout-p99-2s' } }),
    );
    expect(sectionTexts(blocks)[1]).toBe(
      '<https://hark.example.com/runbooks/checkout-latency|Runbook>  ·  <https://hark.example.com/i/42|Open #42 in Hark>  ·  Channel: <#C0INC0042>',
    );
  });

  it('counts firing alerts among several', () => {
    const { blocks } = incidentBlocks(
      message({
        incident: incident({
          alerts: [alert(), alert({ id: 'a2', status: 'resolved' }), alert({ id: 'a3' })],
        }),
      }),
    );
    expect(of(blocks, 'context')[0]!.elements[0]).toMatchObject({
      text: expect.stringMatching(/^3 alerts \(2 firing\) · opened /),
    });
  });

  it('is a pure function of its input', () => {
    const m = message();
    const before = JSON.stringify(m.incident);
    expect(incidentBlocks(m)).toEqual(incidentBlocks(m));
    expect(JSON.stringify(m.incident)).toBe(before);
  });
});

describe('without a public URL or with an external runbook', () => {
  it('names a local runbook without a link, and leaves out the link to Hark', () => {
    const { blocks } = incidentBlocks(message({ publicUrl: null }));
    expect(sectionTexts(blocks)).toContain('Runbook: checkout-latency');
    expect(mrkdwn(blocks).join('\n')).not.toContain('/i/42');
  });

  it('links an external runbook as it is', () => {
    const { blocks } = incidentBlocks(
      message({ incident: incident({ runbook: 'https://wiki.example.com/Checkout?a=1&b=2' }) }),
    );
    expect(sectionTexts(blocks)[1]).toMatch(
      /^<https:\/\/wiki\.example\.com\/Checkout\?a=1&amp;b=2\|Runbook>/,
    );
  });

  it('has no paged line when nobody is paged', () => {
    const { blocks } = incidentBlocks(message({ paged: [] }));
    expect(sectionTexts(blocks).some((t) => t.startsWith('*Paged:*'))).toBe(false);
  });
});

describe('what alerts send is untrusted', () => {
  const hostile = '<!channel> & <https://evil.example.com|Click to ack> *now*';

  it('cannot mention @channel or forge a link, in any mrkdwn text', () => {
    const { text, blocks } = incidentBlocks(
      message({
        incident: incident({
          title: hostile,
          alerts: [
            alert({
              links: [
                { href: 'https://grafana.example.com/d/x?from=now-1h&to=now', text: '<!here> graph' },
                { href: 'javascript:alert(1)', text: 'js' },
                { href: 'https://a.example.com/x|y>z', text: 'pipe' },
              ],
            }),
          ],
        }),
      }),
    );
    expect(text).toBe(
      'SEV-1 #42 checkout: &lt;!channel&gt; &amp; &lt;https://evil.example.com|Click to ack&gt; *now*',
    );
    const all = [text, ...mrkdwn(blocks)].join('\n');
    expect(all).not.toMatch(/<!(channel|here|everyone)/);
    expect(all).not.toContain('<https://evil');
    expect(sectionTexts(blocks)).toContain(
      '<https://grafana.example.com/d/x?from=now-1h&amp;to=now|&lt;!here&gt; graph>  ·  <https://a.example.com/x%7Cy%3Ez|pipe>',
    );
    expect(all).not.toContain('javascript:');
    // The header is plain_text: shown as written, never parsed.
    expect(of(blocks, 'header')[0]!.text).toEqual({
      type: 'plain_text',
      text: `:rotating_light: SEV-1 #42 checkout: ${hostile}`,
      emoji: true,
    });
  });

  it('cuts a long title to the header limit and the notification text to 300 characters', () => {
    const title = `${'x'.repeat(140)}&&&&${'y'.repeat(2000)}`;
    const { text, blocks } = incidentBlocks(message({ incident: incident({ title }) }));
    const header = of(blocks, 'header')[0]!.text.text;
    expect(header.length).toBe(LIMITS.header);
    expect(header.endsWith('…')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(LIMITS.fallback);
    expect(text).toMatch(/&amp;&amp;&amp;&amp;y+…$/);
    expectWithinLimits(blocks, text);
  });

  it('makes a title of several lines one line', () => {
    const { text } = incidentBlocks(message({ incident: incident({ title: 'a\nb\r\nc\td' }) }));
    expect(text).toBe('SEV-1 #42 checkout: a b  c d');
  });

  it(`shows each alert link once, at most ${MAX_ALERT_LINKS}, and counts the rest`, () => {
    const links = Array.from({ length: 8 }, (_, n) => ({
      href: `https://g.example.com/d/${n}`,
      text: `Graph ${n}`,
    }));
    const { blocks } = incidentBlocks(
      message({
        incident: incident({ alerts: [alert({ links }), alert({ id: 'a2', links: links.slice(0, 2) })] }),
      }),
    );
    const line = sectionTexts(blocks).find((t) => t.includes('g.example.com'))!;
    expect(line.match(/<https:\/\/g\.example\.com/g)).toHaveLength(MAX_ALERT_LINKS);
    expect(line.endsWith('  ·  +3 more')).toBe(true);
  });

  it('keeps within a section when alert links are huge, and shows an over-long URL as its label', () => {
    const huge = `https://g.example.com/?q=${'a'.repeat(1900)}`;
    const links = Array.from({ length: 5 }, (_, n) => ({ href: `${huge}${n}`, text: `Graph ${n}` }));
    const { text, blocks } = incidentBlocks(message({ incident: incident({ alerts: [alert({ links })] }) }));
    const line = sectionTexts(blocks).find((t) => t.includes('Graph'))!;
    expect(line).toMatch(/^<https:\/\/g\.example\.com\/\?q=a+0\|Graph 0> {2}· {2}\+4 more$/);
    expectWithinLimits(blocks, text);
    expect(mrkdwnLink(`https://x.example.com/${'b'.repeat(2100)}`, 'Too long')).toBe('Too long');
  });

  it('names at most 20 paged people and counts the rest', () => {
    const paged = Array.from({ length: 25 }, (_, n) => ({
      name: `p${n}`,
      displayName: `Person ${n}`,
      chatUser: null,
    }));
    const { blocks } = incidentBlocks(message({ paged }));
    const line = sectionTexts(blocks).find((t) => t.startsWith('*Paged:*'))!;
    expect(line).toMatch(/Person 19, \+5 more$/);
    expect(line).not.toContain('Person 20');
  });

  it('mentions only real Slack user IDs', () => {
    const fake = { name: 'eve', displayName: 'Eve', chatUser: '!channel' };
    const { blocks } = incidentBlocks(message({ paged: [fake, carol, alice, bob] }));
    expect(sectionTexts(blocks)).toContain('*Paged:* Eve, <@W0CAROL03>, <@U0ALICE01>, Bob &lt;Ops&gt;');
  });
});

describe('escapeMrkdwn and fit', () => {
  it('escape &, < and > only', () => {
    expect(escapeMrkdwn('a & b < c > d * _ ~ `')).toBe('a &amp; b &lt; c &gt; d * _ ~ `');
  });

  it('cut on a character boundary, never inside an escape or a surrogate pair', () => {
    expect(fit('abcdef', 6)).toBe('abcdef');
    expect(fit('abcdefg', 6)).toBe('abcde…');
    expect(fit('ab&cdef', 6)).toBe('ab…');
    expect(fit('ab&cdef', 8)).toBe('ab&amp;…');
    expect(fit('😀😀😀😀', 5)).toBe('😀😀…');
  });
});
