import { describe, expect, it } from 'vitest';
import type { Person } from '../../src/config/types.js';
import type { Incident, IncidentAlert } from '../../src/incidents/model.js';
import {
  bundleEmailFor,
  bundleSmsText,
  emailFor,
  escapeHtml,
  gsm7Length,
  isGsm7,
  smsSegments,
  smsText,
  testPageText,
  toGsm7,
  voiceBundleTwiml,
  voiceTwiml,
  type EmailLinks,
} from '../../src/pages/format.js';

// ------------------------------------------------------------------------------------------------
// fixtures

function alert(over: Partial<IncidentAlert> = {}): IncidentAlert {
  return {
    id: 'a1',
    source: 'alertmanager',
    integration: 'prometheus',
    key: 'fp-1',
    status: 'firing',
    summary: 'Checkout p99 > 2s',
    details: 'p99 is 2.4s\nsince the 13:00 deploy',
    labels: { alertname: 'CheckoutLatencyHigh', cluster: 'eu-1', pod: 'checkout-1' },
    annotations: {},
    links: [{ href: 'https://grafana.example.com/d/checkout', text: 'Dashboard' }],
    runbookUrl: null,
    startsAt: '2026-01-12T13:02:00Z',
    endsAt: null,
    receivedAt: '2026-01-12T13:03:00Z',
    ...over,
  };
}

function podAlert(n: number, over: Partial<IncidentAlert> = {}): IncidentAlert {
  return alert({
    id: `a${n}`,
    key: `fp-${n}`,
    labels: { alertname: 'CheckoutLatencyHigh', cluster: 'eu-1', pod: `checkout-${n}` },
    ...over,
  });
}

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 42,
    key: 'checkout|CheckoutLatencyHigh|eu-1',
    state: 'triggered',
    service: 'checkout',
    severity: 'SEV-1',
    urgency: 'high',
    title: 'Checkout p99 > 2s',
    runbook: 'checkout-latency',
    escalationPolicy: 'payments',
    alerts: [podAlert(1), podAlert(2), podAlert(3)],
    createdAt: '2026-01-12T13:03:00Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    commander: null,
    roles: {},
    ...over,
  };
}

const alice: Person = {
  name: 'alice',
  displayName: 'Alice Example',
  timezone: 'Europe/Berlin',
  sms: '+4915100000001',
  voice: '+4915100000001',
  email: 'alice@example.com',
  notify: { high: [{ channel: 'sms', afterMs: 0 }], low: [{ channel: 'email', afterMs: 0 }] },
  remindBeforeMs: null,
};

const URL_BASE = 'https://hark.example.com';

// ------------------------------------------------------------------------------------------------
// GSM-7 and segments

describe('isGsm7 / smsSegments', () => {
  it('recognises the GSM-7 alphabet, including the extension table', () => {
    expect(isGsm7('Hello @ £$¥ èéùìò ÄÖÑÜ äöñüà ΔΦΓΛΩΠΨΣΘΞ ¡¿ §')).toBe(true);
    expect(isGsm7('€ [ ] { } ^ ~ | \\')).toBe(true);
    expect(isGsm7('curly “quotes”')).toBe(false);
    expect(isGsm7('ellipsis …')).toBe(false);
    expect(isGsm7('backtick `')).toBe(false);
    expect(isGsm7('ç')).toBe(false);
    expect(isGsm7('emoji 🔥')).toBe(false);
  });

  it('counts 160 septets as one segment and 161 as two (153 per part)', () => {
    expect(smsSegments('')).toBe(1);
    expect(smsSegments('a'.repeat(160))).toBe(1);
    expect(smsSegments('a'.repeat(161))).toBe(2);
    expect(smsSegments('a'.repeat(306))).toBe(2);
    expect(smsSegments('a'.repeat(307))).toBe(3);
    expect(smsSegments('a'.repeat(459))).toBe(3);
  });

  it('counts extension characters (€, [, ]) as two septets', () => {
    expect(gsm7Length('€[]')).toBe(6);
    expect(smsSegments('€'.repeat(80))).toBe(1);
    expect(smsSegments(`${'€'.repeat(80)}a`)).toBe(2);
    expect(smsSegments(`${'a'.repeat(158)}[`)).toBe(1);
    expect(smsSegments(`${'a'.repeat(159)}]`)).toBe(2);
  });

  it('never splits an escape pair across parts', () => {
    // 152 + '€' does not fit a 153-septet part: the € moves to part 2; 152+2+152 = 306 septets,
    // which would be two parts if they could be split, but is three.
    const text = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    expect(gsm7Length(text)).toBe(306);
    expect(smsSegments(text)).toBe(3);
  });

  it('falls back to UCS-2 (70 / 67) for any character outside GSM-7', () => {
    expect(smsSegments(`${'a'.repeat(69)}ç`)).toBe(1);
    expect(smsSegments(`${'a'.repeat(70)}ç`)).toBe(2);
    expect(smsSegments('ç'.repeat(134))).toBe(2);
    expect(smsSegments('ç'.repeat(135))).toBe(3);
    // a surrogate pair takes two UTF-16 units
    expect(smsSegments('🔥'.repeat(35))).toBe(1);
    expect(smsSegments(`${'🔥'.repeat(35)}a`)).toBe(2);
  });

  it('maps text into GSM-7 on one line', () => {
    expect(toGsm7('“Quoted” – ‘x’ … done')).toBe('"Quoted" - \'x\' ... done');
    expect(toGsm7('café naïve Łódź garçon Ça')).toBe('café naive Lodz garcon Ça');
    expect(toGsm7('Ｆｕｌｌ ﬁle x²')).toBe('Full file x2');
    expect(toGsm7('CPU ≥ 90% → page')).toBe('CPU >= 90% -> page');
    expect(toGsm7('line1\nline2\r\n\tend  ')).toBe('line1 line2 end');
    expect(toGsm7('fire 🔥 here')).toBe('fire ? here');
    expect(toGsm7('zero\u200Bwidth')).toBe('zerowidth');
    expect(toGsm7('日本')).toBe('??');
    expect(toGsm7('€ [x] {y}')).toBe('€ [x] {y}');
  });
});

// ------------------------------------------------------------------------------------------------
// SMS

describe('smsText', () => {
  it('is the SPEC example, in one GSM-7 segment', () => {
    const text = smsText(incident(), URL_BASE);
    expect(text).toBe(
      'SEV-1 #42 checkout: Checkout p99 > 2s (3 alerts) https://hark.example.com/i/42 Reply 42a ack, 42r resolve',
    );
    expect(isGsm7(text)).toBe(true);
    expect(smsSegments(text)).toBe(1);
  });

  it('says "(N alerts)" only for more than one firing alert', () => {
    expect(smsText(incident({ alerts: [alert()] }), URL_BASE)).toBe(
      'SEV-1 #42 checkout: Checkout p99 > 2s https://hark.example.com/i/42 Reply 42a ack, 42r resolve',
    );
    expect(smsText(incident({ alerts: [] }), URL_BASE)).not.toContain('alerts)');
    const oneFiring = [podAlert(1), podAlert(2, { status: 'resolved' })];
    expect(smsText(incident({ alerts: oneFiring }), URL_BASE)).not.toContain('alerts)');
    const twoFiring = [podAlert(1), podAlert(2), podAlert(3, { status: 'resolved' })];
    expect(smsText(incident({ alerts: twoFiring }), URL_BASE)).toContain(' (2 alerts) ');
  });

  it('drops a trailing slash of the public URL', () => {
    expect(smsText(incident({ id: 7, alerts: [alert()] }), 'https://hark.example.com/')).toBe(
      'SEV-1 #7 checkout: Checkout p99 > 2s https://hark.example.com/i/7 Reply 7a ack, 7r resolve',
    );
  });

  it('shortens a long title with "..." to stay in one segment', () => {
    const title =
      'Checkout latency p99 above 2 seconds for the EU cluster since the last deploy, please check the dashboards now';
    const text = smsText(incident({ title }), URL_BASE);
    expect(text).toBe(
      'SEV-1 #42 checkout: Checkout latency p99 above 2 seconds for the EU cluster since the... (3 alerts) ' +
        'https://hark.example.com/i/42 Reply 42a ack, 42r resolve',
    );
    expect(text.length).toBe(156); // cut at a word: 'since the las...' would be 160
    expect(smsSegments(text)).toBe(1);
    // a title without spaces is cut at the character
    const word = smsText(incident({ title: 'x'.repeat(200) }), URL_BASE);
    expect(word).toBe(
      `SEV-1 #42 checkout: ${'x'.repeat(69)}... (3 alerts) https://hark.example.com/i/42 Reply 42a ack, 42r resolve`,
    );
    expect(word.length).toBe(160);
    // a cut that falls right after a word keeps that word
    const exact = smsText(incident({ title: `${'a'.repeat(60)} ${'b'.repeat(8)} and more words` }), URL_BASE);
    expect(exact).toContain(`: ${'a'.repeat(60)} ${'b'.repeat(8)}... (3 alerts)`);
  });

  it('counts extension characters when it shortens', () => {
    const title = `Queue [orders] {eu} ${'€'.repeat(60)} backlog`;
    const text = smsText(incident({ title, alerts: [alert()] }), URL_BASE);
    expect(text).toMatch(
      /^SEV-1 #42 checkout: Queue \[orders\] \{eu\} €+\.\.\. https:\/\/hark\.example\.com\/i\/42 /,
    );
    expect(gsm7Length(text)).toBeLessThanOrEqual(160);
    expect(gsm7Length(text)).toBeGreaterThanOrEqual(159);
    expect(smsSegments(text)).toBe(1);
  });

  it('replaces characters outside GSM-7 so the SMS stays GSM-7', () => {
    const text = smsText(
      incident({ title: 'Checkout “p99” – 2s… ☕ on naïve-node', alerts: [alert()] }),
      URL_BASE,
    );
    expect(text).toBe(
      'SEV-1 #42 checkout: Checkout "p99" - 2s... ? on naive-node https://hark.example.com/i/42 Reply 42a ack, 42r resolve',
    );
    expect(isGsm7(text)).toBe(true);
  });

  it('puts a multi-line title on one line', () => {
    const text = smsText(incident({ title: 'Disk full\n\non db-1', alerts: [alert()] }), URL_BASE);
    expect(text).toBe(
      'SEV-1 #42 checkout: Disk full on db-1 https://hark.example.com/i/42 Reply 42a ack, 42r resolve',
    );
  });

  it('uses a second segment rather than a stub title, and never more than two', () => {
    const longUrl = `https://hark.example.com/${'very-long-path-segment/'.repeat(3)}pager`;
    const title = 'Replication lag on the primary database cluster exceeds five minutes '.repeat(5);
    const text = smsText(incident({ title }), longUrl);
    expect(text.startsWith('SEV-1 #42 checkout: Replication lag on the primary database cluster')).toBe(true);
    expect(text).toContain(`... (3 alerts) ${longUrl}/i/42 Reply 42a ack, 42r resolve`);
    expect(smsSegments(text)).toBe(2);

    const absurdUrl = `https://hark.example.com/${'x'.repeat(400)}`;
    expect(smsSegments(smsText(incident({ title }), absurdUrl))).toBeLessThanOrEqual(2);
  });

  it('stays within two segments for any title', () => {
    for (const title of ['', 'x'.repeat(5000), '🔥'.repeat(500), '€'.repeat(500), '\n'.repeat(50)]) {
      const text = smsText(incident({ title }), URL_BASE);
      expect(smsSegments(text)).toBeLessThanOrEqual(2);
      expect(isGsm7(text)).toBe(true);
      expect(text).toContain('https://hark.example.com/i/42 Reply 42a ack, 42r resolve');
    }
  });
});

describe('bundleSmsText', () => {
  it('lists the incidents in one segment', () => {
    const text = bundleSmsText(
      [incident({ id: 45 }), incident({ id: 43 }), incident({ id: 44, service: 'db' })],
      URL_BASE,
    );
    expect(text).toBe(
      '3 new incidents: #43 #44 #45 (checkout, db) https://hark.example.com Reply aa to ack all',
    );
    expect(smsSegments(text)).toBe(1);
  });

  it('leaves out the services when they do not fit, then incident numbers', () => {
    const services = Array.from({ length: 12 }, (_, i) =>
      incident({ id: 100 + i, service: `service-number-${i}` }),
    );
    expect(bundleSmsText(services, URL_BASE)).toBe(
      '12 new incidents: #100 #101 #102 #103 #104 #105 #106 #107 #108 #109 #110 #111 https://hark.example.com ' +
        'Reply aa to ack all',
    );
    const many = Array.from({ length: 40 }, (_, i) => incident({ id: 100 + i }));
    const text = bundleSmsText(many, URL_BASE);
    expect(text).toMatch(
      /^40 new incidents: #100 #101 .* \+\d+ more https:\/\/hark\.example\.com Reply aa to ack all$/,
    );
    expect(smsSegments(text)).toBe(1);
    const listed = text.match(/#\d+/g) ?? [];
    const more = Number(/\+(\d+) more/.exec(text)?.[1]);
    expect(listed.length + more).toBe(40);
  });

  it('speaks of one incident in the singular', () => {
    expect(bundleSmsText([incident({ id: 43 })], URL_BASE)).toBe(
      '1 new incident: #43 (checkout) https://hark.example.com Reply 43a to ack',
    );
  });

  it('refuses an empty bundle', () => {
    expect(() => bundleSmsText([], URL_BASE)).toThrow(RangeError);
  });
});

describe('testPageText', () => {
  it('names the person and needs no action', () => {
    const text = testPageText(alice);
    expect(text).toBe('Hark test page for Alice Example: paging works. No action needed.');
    expect(isGsm7(text)).toBe(true);
    expect(smsSegments(text)).toBe(1);
    expect(testPageText({ ...alice, displayName: 'Zoë “Z”' })).toContain('Zoe "Z"');
  });
});

// ------------------------------------------------------------------------------------------------
// Email

const links: EmailLinks = {
  incident: 'https://hark.example.com/i/42',
  runbook: 'https://hark.example.com/runbooks/checkout-latency',
  acknowledge: 'https://hark.example.com/a/acknowledge?token=abc.def&x=1',
  resolve: 'https://hark.example.com/a/resolve?token=ghi.jkl',
};

describe('emailFor', () => {
  it('has the SPEC subject', () => {
    expect(emailFor(incident(), alice, links).subject).toBe('[SEV-1] #42 checkout: Checkout p99 > 2s');
  });

  it('keeps the subject on one line and of bounded length', () => {
    const { subject } = emailFor(
      incident({ title: `Disk full\r\nBcc: evil@example.com\n${'x'.repeat(500)}` }),
      alice,
      links,
    );
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.startsWith('[SEV-1] #42 checkout: Disk full Bcc: evil@example.com x')).toBe(true);
    expect(subject.endsWith('…')).toBe(true);
    expect(subject.length).toBeLessThan(200);
  });

  it('has the details, labels, alerts, links, runbook and both actions in the text part', () => {
    const { text } = emailFor(incident(), alice, links);
    expect(text).toContain('[SEV-1] #42 checkout: Checkout p99 > 2s');
    expect(text).toContain('Alice Example, you are being paged for incident #42.');
    expect(text).toMatch(/Severity: +SEV-1 \(high urgency\)/);
    expect(text).toMatch(/Service: +checkout/);
    expect(text).toMatch(/State: +triggered/);
    expect(text).toMatch(/Opened: +Mon 12 Jan 2026 14:03 GMT\+1/); // Alice's zone
    expect(text).toMatch(/Alerts: +3 \(3 firing\)/);
    expect(text).toContain(`Acknowledge: ${links.acknowledge}`);
    expect(text).toContain(`Resolve:     ${links.resolve}`);
    expect(text).toContain(`Incident: ${links.incident}`);
    expect(text).toContain(`Runbook:  ${links.runbook}`);
    // labels common to all alerts, then each alert with its own
    expect(text).toContain('Labels:\n  alertname=CheckoutLatencyHigh\n  cluster=eu-1\n');
    expect(text).toContain(
      '- [firing] Checkout p99 > 2s\n  labels: pod=checkout-1\n  p99 is 2.4s\n  since the 13:00 deploy\n',
    );
    expect(text).toContain('  Dashboard: https://grafana.example.com/d/checkout');
    expect(text).toContain('labels: pod=checkout-3');
  });

  it('has the same content in the HTML part, with Acknowledge / Resolve buttons', () => {
    const { html } = emailFor(incident(), alice, links);
    expect(html).toContain('<h2 style="margin:0 0 12px 0;">[SEV-1] #42 checkout: Checkout p99 &gt; 2s</h2>');
    expect(html).toMatch(
      /<a href="https:\/\/hark\.example\.com\/a\/acknowledge\?token=abc\.def&amp;x=1" style="[^"]*">Acknowledge<\/a>/,
    );
    expect(html).toMatch(
      /<a href="https:\/\/hark\.example\.com\/a\/resolve\?token=ghi\.jkl" style="[^"]*">Resolve<\/a>/,
    );
    expect(html).toContain(`<a href="${links.incident}">${links.incident}</a>`);
    expect(html).toContain(`<a href="${links.runbook}">${links.runbook}</a>`);
    expect(html).toContain('<li><code>alertname=CheckoutLatencyHigh</code></li>');
    expect(html).toContain('<code>pod=checkout-2</code>');
    expect(html).toContain('p99 is 2.4s\nsince the 13:00 deploy</pre>');
    expect(html).toContain('<a href="https://grafana.example.com/d/checkout">Dashboard</a>');
    expect(html).toContain('<tr><th align="left">Opened</th><td>Mon 12 Jan 2026 14:03 GMT+1</td></tr>');
  });

  it('escapes everything that comes from alerts', () => {
    const evil = incident({
      title: '<script>alert("x")</script> & co',
      alerts: [
        alert({
          summary: '<img src=x onerror=alert(1)>',
          details: '</pre><script>steal()</script>',
          labels: { 'a"b': '<b>bold</b>', alertname: "it's" },
          links: [
            { href: 'javascript:alert(1)', text: 'click <me>' },
            { href: 'https://ok.example.com/?a=1&b="2"', text: null },
          ],
          runbookUrl: 'data:text/html,<script>x</script>',
        }),
      ],
    });
    const { subject, text, html } = emailFor(evil, alice, { ...links, runbook: 'javascript:void(0)' });
    expect(subject).toBe('[SEV-1] #42 checkout: <script>alert("x")</script> & co');
    expect(text).toContain('<script>alert("x")</script> & co'); // plain text is not HTML
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b>/);
    expect(html).not.toMatch(/href="(javascript|data):/i);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;steal()&lt;/script&gt;');
    expect(html).toContain('a&quot;b=&lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('alertname=it&#39;s');
    expect(html).toContain('click &lt;me&gt;'); // an unsafe link is shown as text
    expect(html).toContain('<a href="https://ok.example.com/?a=1&amp;b=%222%22">');
    expect(html).toContain('Runbook: javascript:void(0)</p>');
  });

  it('lists at most 20 alerts and counts the rest', () => {
    const alerts = Array.from({ length: 25 }, (_, i) => podAlert(i + 1));
    const { text, html } = emailFor(incident({ alerts }), alice, links);
    expect(text.match(/^- \[firing\]/gm)).toHaveLength(20);
    expect(text).toContain('... and 5 more (see the incident page)');
    expect(html).toContain('... and 5 more (see the incident page)');
  });

  it('shows acknowledgement, commander and no runbook', () => {
    const acked = incident({
      state: 'acknowledged',
      acknowledgedAt: '2026-01-12T13:05:00Z',
      acknowledgedBy: 'bob',
      commander: 'bob',
    });
    const { text } = emailFor(acked, alice, { ...links, runbook: null });
    expect(text).toMatch(/State: +acknowledged/);
    expect(text).toMatch(/Acknowledged: +by bob, Mon 12 Jan 2026 14:05 GMT\+1/);
    expect(text).toMatch(/Commander: +bob/);
    expect(text).toContain('Runbook:  none');
  });

  it('escapes HTML text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

// ------------------------------------------------------------------------------------------------
// Voice

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: (XmlNode | string)[];
}

/** A strict little XML reader: throws on anything not well-formed (enough for TwiML). */
function parseXml(xml: string): XmlNode {
  const decode = (s: string): string => {
    if (/[<]/.test(s) || /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(s)) {
      throw new Error(`unescaped markup in ${JSON.stringify(s)}`);
    }
    return s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
      .replace(/&amp;/g, '&');
  };
  let rest = xml.replace(/^<\?xml version="1\.0" encoding="UTF-8"\?>/, '');
  const root: XmlNode = { name: '#root', attrs: {}, children: [] };
  const stack: XmlNode[] = [root];
  while (rest.length) {
    const top = stack[stack.length - 1]!;
    const text = /^[^<]+/.exec(rest);
    if (text) {
      top.children.push(decode(text[0]));
      rest = rest.slice(text[0].length);
      continue;
    }
    const close = /^<\/([A-Za-z]+)>/.exec(rest);
    if (close) {
      if (top.name !== close[1]) throw new Error(`</${close[1]}> closes <${top.name}>`);
      stack.pop();
      rest = rest.slice(close[0].length);
      continue;
    }
    const open = /^<([A-Za-z]+)((?:\s+[A-Za-z]+="[^"]*")*)\s*(\/?)>/.exec(rest);
    if (!open) throw new Error(`not well-formed at ${JSON.stringify(rest.slice(0, 40))}`);
    const node: XmlNode = { name: open[1]!, attrs: {}, children: [] };
    for (const [, k, v] of open[2]!.matchAll(/([A-Za-z]+)="([^"]*)"/g)) {
      if (k! in node.attrs) throw new Error(`duplicate attribute ${k}`);
      node.attrs[k!] = decode(v!);
    }
    top.children.push(node);
    if (!open[3]) stack.push(node);
    rest = rest.slice(open[0].length);
  }
  if (stack.length !== 1 || root.children.length !== 1) throw new Error('unbalanced document');
  return root.children[0] as XmlNode;
}

describe('voiceTwiml', () => {
  const action = 'https://hark.example.com/v1/twilio/voice/42/gather?person=alice&page=k1';

  it('says severity, number, service and title, and gathers one key', () => {
    const xml = voiceTwiml(incident(), action);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        '<Gather numDigits="1" action="https://hark.example.com/v1/twilio/voice/42/gather?person=alice&amp;page=k1" method="POST" timeout="10">' +
        '<Say>This is Hark. SEV 1 incident 4 2, service checkout: Checkout p99 &gt; 2s. 3 alerts firing. ' +
        'Press 4 to acknowledge, 6 to resolve, 5 to escalate now, star to repeat.</Say>' +
        '</Gather><Say>No key pressed. Goodbye.</Say></Response>',
    );
    const doc = parseXml(xml);
    expect(doc.name).toBe('Response');
    const [gather, bye] = doc.children as XmlNode[];
    expect(gather!.name).toBe('Gather');
    expect(gather!.attrs).toEqual({ numDigits: '1', action, method: 'POST', timeout: '10' });
    expect(bye).toEqual({ name: 'Say', attrs: {}, children: ['No key pressed. Goodbye.'] });
  });

  it('escapes the title and stays well-formed for hostile input', () => {
    const title = `</Say><Hangup/><Say>&amp; "q" 'a' \u0007 bell \uD800 lone`;
    const xml = voiceTwiml(incident({ id: 1234, title, service: 'pay_ments-api' }), `${action}&"<>`);
    const doc = parseXml(xml);
    const gather = doc.children[0] as XmlNode;
    expect(gather.attrs.action).toBe(`${action}&"<>`);
    const say = gather.children[0] as XmlNode;
    expect(say.name).toBe('Say');
    expect(say.children).toHaveLength(1);
    const spoken = say.children[0] as string;
    expect(spoken).toContain(`incident 1 2 3 4, service pay ments api: </Say><Hangup/><Say>&amp; "q" 'a'`);
    expect(spoken).not.toContain('\u0007');
    expect(xml).not.toContain('<Hangup');
  });
});

describe('voiceBundleTwiml', () => {
  const action = 'https://hark.example.com/v1/twilio/voice/43/gather?person=alice&bundle=AAAAAAAAAAAAAAAA';
  const says = (xml: string) => {
    const gather = parseXml(xml).children[0] as XmlNode;
    expect(gather.name).toBe('Gather');
    expect(gather.attrs).toEqual({ numDigits: '1', action, method: 'POST', timeout: '10' });
    return gather.children.map((c) => {
      expect((c as XmlNode).name).toBe('Say');
      return (c as XmlNode).children.join('');
    });
  };

  it('says how many incidents it carries, names each, and offers the keys for all of them', () => {
    const xml = voiceBundleTwiml(
      [
        incident({ id: 43 }),
        incident({ id: 44, service: 'db', title: 'Replica lag', severity: 'SEV-2' }),
        incident({ id: 45, state: 'acknowledged', acknowledgedBy: 'person:bob', title: 'Disk <full>' }),
      ],
      action,
    );
    expect(says(xml)).toEqual([
      'This is Hark. You have 3 new incidents.',
      'Number 4 3, SEV 1, service checkout: Checkout p99 > 2s.',
      'Number 4 4, SEV 2, service db: Replica lag.',
      'Number 4 5, SEV 1, service checkout: Disk <full>. Now acknowledged by bob.',
      'Press 4 to acknowledge all 3, 6 to resolve all 3, 5 to escalate all 3 now, star to repeat.',
    ]);
    expect(xml).toContain('Disk &lt;full&gt;');
    expect(xml.endsWith('</Gather><Say>No key pressed. Goodbye.</Say></Response>')).toBe(true);
  });

  it('names the first 10 and counts the rest; every <Say> stays short', () => {
    const many = Array.from({ length: 25 }, (_, i) =>
      incident({ id: 100 + i, title: 'x'.repeat(5000), service: 's'.repeat(500) }),
    );
    const lines = says(voiceBundleTwiml(many, action));
    expect(lines[0]).toBe('This is Hark. You have 25 new incidents.');
    expect(lines.filter((l) => l.startsWith('Number '))).toHaveLength(10);
    expect(lines).toContain('And 15 more.');
    for (const l of lines) expect(l.length).toBeLessThan(400);
  });

  it('refuses an empty bundle', () => {
    expect(() => voiceBundleTwiml([], action)).toThrow(RangeError);
  });
});

describe('bundleEmailFor', () => {
  const linksOf = (id: number): EmailLinks => ({
    incident: `${URL_BASE}/i/${id}`,
    runbook: null,
    acknowledge: `${URL_BASE}/a/ack-${id}`,
    resolve: `${URL_BASE}/a/res-${id}`,
  });
  const items = [
    { incident: incident({ id: 43 }), links: linksOf(43) },
    {
      incident: incident({ id: 44, service: 'db', title: 'Evil <b>bold</b>\r\nBcc: x@example.com' }),
      links: linksOf(44),
    },
  ];

  it('lists every incident with its own links and buttons', () => {
    const mail = bundleEmailFor(items, alice);
    expect(mail.subject).toBe('[Hark] 2 new incidents: #43 #44 (checkout, db)');
    expect(mail.text).toContain('Alice Example, you are being paged for 2 incidents');
    for (const id of [43, 44]) {
      expect(mail.text).toContain(`Acknowledge: ${URL_BASE}/a/ack-${id}`);
      expect(mail.text).toContain(`Resolve:     ${URL_BASE}/a/res-${id}`);
      expect(mail.text).toContain(`Incident:    ${URL_BASE}/i/${id}`);
      expect(mail.html).toContain(`href="${URL_BASE}/a/ack-${id}"`);
      expect(mail.html).toContain(`href="${URL_BASE}/a/res-${id}"`);
    }
    expect(mail.text).toContain('[SEV-1] #43 checkout: Checkout p99 > 2s');
    expect(mail.text).toContain('  triggered, opened Mon 12 Jan 2026 14:03 GMT+1, 3 alerts (3 firing)');
    expect(mail.text).toContain('    Dashboard: https://grafana.example.com/d/checkout');
    expect(mail.html).toContain('Evil &lt;b&gt;bold&lt;/b&gt; Bcc: x@example.com');
    expect(mail.html).not.toContain('<b>bold');
  });

  it('keeps the subject on one line and bounded for a big storm', () => {
    const storm = Array.from({ length: 100 }, (_, i) => ({
      incident: incident({ id: 1000 + i, service: `svc\n${i}` }),
      links: linksOf(1000 + i),
    }));
    const { subject, text } = bundleEmailFor(storm, alice);
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.startsWith('[Hark] 100 new incidents: #1000 #1001')).toBe(true);
    expect(subject.length).toBeLessThanOrEqual(160);
    // The first 50 in full, with their own buttons; the other 50 named by number.
    for (let i = 0; i < 50; i++) expect(text).toContain(`${URL_BASE}/a/ack-${1000 + i}`);
    for (let i = 50; i < 100; i++) expect(text).not.toContain(`${URL_BASE}/a/ack-${1000 + i}`);
    const named = Array.from({ length: 50 }, (_, i) => `#${1050 + i}`).join(' ');
    expect(text).toContain(`... and 50 more incidents: ${named}. Each is on the dashboard;`);
  });

  it('stays a size an SMTP server takes for a storm of 10,000 incidents', () => {
    const storm = Array.from({ length: 10_000 }, (_, i) => ({
      incident: incident({ id: 1 + i }),
      links: linksOf(1 + i),
    }));
    const { text, html } = bundleEmailFor(storm, alice);
    expect(text.length + html.length).toBeLessThan(1024 * 1024);
    expect(text).toContain('... and 9950 more incidents: #51 #52 ');
    expect(text).toContain('#550 ...');
    expect(text).not.toContain('#551 ');
  });
});
