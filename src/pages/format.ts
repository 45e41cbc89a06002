/**
 * The texts of pages (SPEC section 4): SMS, bundled SMS, email, voice TwiML and the test page.
 * Pure functions, no I/O. Everything that comes from alerts (titles, labels, details, links) is
 * untrusted: it is escaped for HTML and XML, cleaned of control characters for headers and
 * SMS, and mapped into the GSM-7 alphabet for SMS so a page stays one cheap, readable segment.
 */
import { gatherTwiml } from './twiml.js';
import type { Person } from '../config/types.js';
import { actorName, type Incident, type IncidentAlert } from '../incidents/model.js';
import { humanTime } from '../time/format.js';

// ------------------------------------------------------------------------------------------------
// GSM-7 (3GPP TS 23.038)

/** The GSM 03.38 default alphabet, in code order; ESC (0x1B) is left out, it is not a character. */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** The extension table: each of these takes two septets (ESC + code). */
const GSM7_EXTENSION = new Set('\f^{}\\[~]|€');

export const SMS_GSM7_SINGLE = 160;
export const SMS_GSM7_PART = 153;
export const SMS_UCS2_SINGLE = 70;
export const SMS_UCS2_PART = 67;
/** Hard cap for a page SMS: two GSM-7 segments. */
export const SMS_MAX_SEGMENTS = 2;

function isGsm7Char(ch: string): boolean {
  return GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch);
}

/** True when every character of `text` can be sent in the GSM-7 alphabet (basic or extension). */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!isGsm7Char(ch)) return false;
  return true;
}

/** Septets `text` takes in GSM-7 (extension characters count 2); only meaningful when isGsm7. */
export function gsm7Length(text: string): number {
  let n = 0;
  for (const ch of text) n += GSM7_EXTENSION.has(ch) ? 2 : 1;
  return n;
}

/**
 * How many SMS segments `text` is sent as: GSM-7 when it can be (160 septets in one segment,
 * 153 per part when concatenated, extension characters counting 2), else UCS-2 (70 / 67 UTF-16
 * units). As phones and carriers do, an escape pair or a surrogate pair is never split across two
 * parts. The empty text is one (empty) segment.
 */
export function smsSegments(text: string): number {
  const gsm = isGsm7(text);
  const units = (ch: string): number => (gsm ? (GSM7_EXTENSION.has(ch) ? 2 : 1) : ch.length);
  let total = 0;
  for (const ch of text) total += units(ch);
  if (total <= (gsm ? SMS_GSM7_SINGLE : SMS_UCS2_SINGLE)) return 1;
  const part = gsm ? SMS_GSM7_PART : SMS_UCS2_PART;
  let segments = 1;
  let used = 0;
  for (const ch of text) {
    const u = units(ch);
    if (used + u > part) {
      segments += 1;
      used = 0;
    }
    used += u;
  }
  return segments;
}

/** Typographic quotes and primes (what phones put in texts) → plain ASCII quotes. */
export const QUOTE_SUBSTITUTES: Readonly<Record<string, string>> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '`': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u00AB': '"',
  '\u00BB': '"',
};

/** Close GSM-7 equivalents of common characters outside the alphabet. */
const GSM7_SUBSTITUTES: Readonly<Record<string, string>> = {
  ...QUOTE_SUBSTITUTES,
  '\u00B4': "'",
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u2022': '*',
  '\u00B7': '.',
  '\u00D7': 'x',
  '\u00F7': '/',
  '\u2044': '/',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u2248': '~',
  '\u00B1': '+/-',
  '\u2192': '->',
  '\u2190': '<-',
  '\u21D2': '=>',
  '\u00A9': '(c)',
  '\u00AE': '(R)',
  '\u2122': 'TM',
  '\u00B5': 'u',
  '\u03BC': 'u',
  '\u00B0': 'o',
  '\u00E7': 'c',
  '\u00A2': 'c',
  '\u0141': 'L',
  '\u0142': 'l',
  '\u0110': 'D',
  '\u0111': 'd',
  '\u00D0': 'D',
  '\u00F0': 'd',
  '\u0131': 'i',
  '\u0152': 'OE',
  '\u0153': 'oe',
  '\u00DE': 'Th',
  '\u00FE': 'th',
};

function gsm7CharFor(ch: string, depth = 0): string {
  if (isGsm7Char(ch) && ch !== '\f') return ch;
  const sub = GSM7_SUBSTITUTES[ch];
  if (sub !== undefined) return sub;
  if (/\p{M}|\p{Cf}/u.test(ch)) return ''; // a lone combining mark, a zero-width character
  if (/\s/u.test(ch)) return ' ';
  if (/\p{Cc}/u.test(ch)) return ' ';
  if (depth === 0) {
    // Compatibility forms (fullwidth letters, ligatures, superscripts), then accents stripped.
    const compat = ch.normalize('NFKC');
    if (compat !== ch) {
      const mapped = [...compat].map((c) => gsm7CharFor(c, 1)).join('');
      if (!mapped.includes('?')) return mapped;
    }
    const bare = ch.normalize('NFD').replace(/\p{M}/gu, '');
    if (bare && bare !== ch && isGsm7(bare)) return bare;
  }
  return '?';
}

/**
 * `text` in the GSM-7 alphabet, on one line: characters outside it become a close equivalent
 * (“ ” → ", – → -, … → ..., á → a) or `?`; line breaks, tabs and runs of spaces become one space.
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFC')) out += gsm7CharFor(ch);
  return out.replace(/[ \n\r]+/g, ' ').trim();
}

// ------------------------------------------------------------------------------------------------
// SMS

const ELLIPSIS_GSM = '...';
/** Below this many characters of title, a second segment is worth more than a stub title. */
const MIN_TITLE_IN_ONE_SEGMENT = 24;
/** Titles are cut to this many characters before any other work (a storm of huge summaries). */
const TITLE_CAP = 400;
/** A cut title ends on a whole word when that drops at most this many characters. */
const WORD_CUT_SLACK = 12;

function firingCount(incident: Incident): number {
  return incident.alerts.filter((a) => a.status === 'firing').length;
}

function baseUrl(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/** The longest head of `title` such that `build(head)` fits in `segments`; `...` marks a cut. */
function fitTitle(title: string, segments: number, build: (title: string) => string): string | null {
  if (smsSegments(build(title)) <= segments) return title;
  const chars = [...title];
  for (let n = chars.length - 1; n >= 1; n--) {
    const head = chars.slice(0, n).join('').trimEnd();
    if (!head) break;
    if (smsSegments(build(head + ELLIPSIS_GSM)) <= segments) {
      // End on a whole word when that costs little.
      const endsWord = chars[n] === ' ' || head.length < chars.slice(0, n).join('').length;
      const space = head.lastIndexOf(' ');
      const word =
        !endsWord && space > 0 && [...head.slice(space)].length <= WORD_CUT_SLACK
          ? head.slice(0, space).trimEnd()
          : head;
      return (word || head) + ELLIPSIS_GSM;
    }
  }
  return null;
}

/** Cuts `text` to at most `segments` SMS segments (last resort when even the frame is too long). */
function capSegments(text: string, segments: number): string {
  if (smsSegments(text) <= segments) return text;
  const chars = [...text];
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (smsSegments(chars.slice(0, mid).join('')) <= segments) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('');
}

/**
 * The page SMS (SPEC section 4):
 * `SEV-1 #42 checkout: Checkout p99 > 2s (3 alerts) https://hark.example.com/i/42 Reply 42a ack, 42r resolve`.
 *
 * Aims at one 160-septet GSM-7 segment: the title is mapped into GSM-7 and shortened with `...`
 * to fit. Only when that would leave fewer than 24 characters of title (a long public URL or
 * service name) does it use a second segment; it never exceeds two. `(N alerts)` counts the
 * incident's firing alerts and appears only when there is more than one.
 */
export function smsText(incident: Incident, publicUrl: string): string {
  const id = incident.id;
  const firing = firingCount(incident);
  const head = `${toGsm7(incident.severity)} #${id} ${toGsm7(incident.service)}: `;
  const count = firing > 1 ? ` (${firing} alerts)` : '';
  const tail = `${count} ${baseUrl(publicUrl)}/i/${id} Reply ${id}a ack, ${id}r resolve`;
  const build = (t: string): string => `${head}${t}${tail}`;
  const title = [...toGsm7(incident.title)].slice(0, TITLE_CAP).join('') || '(no title)';

  const one = fitTitle(title, 1, build);
  if (one !== null && (one === title || [...one].length - ELLIPSIS_GSM.length >= MIN_TITLE_IN_ONE_SEGMENT)) {
    return build(one);
  }
  const two = fitTitle(title, SMS_MAX_SEGMENTS, build);
  if (two !== null) return build(two);
  return capSegments(build(''), SMS_MAX_SEGMENTS);
}

/**
 * The bundle of pages held back by a rate limit (SPEC section 4), in one segment:
 * `3 new incidents: #43 #44 #45 (checkout, db) https://hark.example.com Reply aa to ack all`.
 * Incident numbers are listed in ascending order as far as they fit (then `+N more`); the
 * services are added when there is room. A bundle of one says `Reply 43a to ack`.
 */
export function bundleSmsText(incidents: readonly Incident[], publicUrl: string): string {
  if (incidents.length === 0) throw new RangeError('bundleSmsText: no incidents');
  const ids = [...new Set(incidents.map((i) => i.id))].sort((a, b) => a - b);
  const lead = `${ids.length} new incident${ids.length === 1 ? '' : 's'}:`;
  const url = baseUrl(publicUrl);
  const tail = ` ${url} Reply ${ids.length === 1 ? `${ids[0]}a to ack` : 'aa to ack all'}`;
  const fits = (s: string): boolean => smsSegments(s) <= 1;

  let list = '';
  let shown = 0;
  for (const id of ids) {
    const rest = ids.length - shown - 1;
    const more = rest > 0 ? ` +${rest} more` : '';
    if (!fits(`${lead}${list} #${id}${more}${tail}`)) break;
    list += ` #${id}`;
    shown += 1;
  }
  if (shown < ids.length) list += ` +${ids.length - shown} more`;

  const services = [...new Set(incidents.map((i) => toGsm7(i.service)))];
  const withServices = `${lead}${list} (${services.join(', ')})${tail}`;
  const text = fits(withServices) ? withServices : `${lead}${list}${tail}`;
  return capSegments(text, 1);
}

/** The `hark page-test` message: plain GSM-7, one segment, says no action is needed. */
export function testPageText(person: Person): string {
  const name = toGsm7(person.displayName || person.name);
  const text = `Hark test page for ${name}: paging works. No action needed.`;
  return capSegments(text, 1);
}

// ------------------------------------------------------------------------------------------------
// Email

export interface EmailLinks {
  /** The incident's page on Hark. */
  readonly incident: string;
  /** The runbook's URL (a local runbook served by Hark, or an external one), if any. */
  readonly runbook: string | null;
  /** The signed action pages; their forms POST the action (a GET never changes state). */
  readonly acknowledge: string;
  readonly resolve: string;
}

export interface EmailContent {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Alerts listed in full in an email; the rest are counted. */
export const EMAIL_MAX_ALERTS = 20;
const SUBJECT_TITLE_CAP = 160;
const DETAILS_CAP = 2000;

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** One line: control characters and line breaks become spaces (no header injection). */
export function oneLine(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

/** At most `max` characters (code points), ending in … when cut. */
export function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** Only http(s) URLs become links; anything else (javascript:, data:) is shown as text. */
export function safeHref(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function timeIn(iso: string | null, zone: string): string | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const shown = humanTime(t, zone);
  return shown.startsWith('Invalid') ? humanTime(t, 'UTC') : shown;
}

/** Labels every alert of the incident has with the same value (Alertmanager's commonLabels). */
function commonLabels(alerts: readonly IncidentAlert[]): [string, string][] {
  const [first, ...rest] = alerts;
  if (!first) return [];
  return Object.entries(first.labels)
    .filter(([k, v]) => rest.every((a) => a.labels[k] === v))
    .sort(([a], [b]) => a.localeCompare(b));
}

interface EmailModel {
  readonly heading: string;
  readonly greeting: string;
  readonly facts: [string, string][];
  readonly labels: [string, string][];
  readonly alerts: readonly IncidentAlert[];
  readonly alertsLeftOut: number;
  readonly common: ReadonlySet<string>;
}

function emailModel(incident: Incident, person: Person): EmailModel {
  const zone = person.timezone || 'UTC';
  const firing = firingCount(incident);
  const resolved = incident.alerts.length - firing;
  const facts: [string, string][] = [
    ['Severity', `${incident.severity} (${incident.urgency} urgency)`],
    ['Service', incident.service],
    ['State', incident.state],
    ['Opened', timeIn(incident.createdAt, zone) ?? incident.createdAt],
  ];
  if (incident.acknowledgedBy) {
    const at = timeIn(incident.acknowledgedAt, zone);
    facts.push(['Acknowledged', `by ${incident.acknowledgedBy}${at ? `, ${at}` : ''}`]);
  }
  if (incident.resolvedAt) {
    const at = timeIn(incident.resolvedAt, zone);
    facts.push([
      'Resolved',
      `${incident.resolvedBy ? `by ${incident.resolvedBy}` : ''}${at ? `, ${at}` : ''}`,
    ]);
  }
  if (incident.commander) facts.push(['Commander', incident.commander]);
  facts.push([
    'Alerts',
    `${incident.alerts.length} (${firing} firing${resolved ? `, ${resolved} resolved` : ''})`,
  ]);
  facts.push(['Escalation policy', incident.escalationPolicy]);
  const labels = commonLabels(incident.alerts);
  return {
    heading: `[${incident.severity}] #${incident.id} ${incident.service}: ${cut(oneLine(incident.title), 300)}`,
    greeting: `${person.displayName || person.name}, you are being paged for incident #${incident.id}.`,
    facts: facts.map(([k, v]) => [k, oneLine(v)]),
    labels,
    alerts: incident.alerts.slice(0, EMAIL_MAX_ALERTS),
    alertsLeftOut: Math.max(0, incident.alerts.length - EMAIL_MAX_ALERTS),
    common: new Set(labels.map(([k]) => k)),
  };
}

function alertOwnLabels(alert: IncidentAlert, common: ReadonlySet<string>): [string, string][] {
  return Object.entries(alert.labels)
    .filter(([k]) => !common.has(k))
    .sort(([a], [b]) => a.localeCompare(b));
}

function emailTextBody(incident: Incident, m: EmailModel, links: EmailLinks): string {
  const lines: string[] = [oneLine(m.heading), '', m.greeting, ''];
  const width = Math.max(...m.facts.map(([k]) => k.length)) + 1;
  for (const [k, v] of m.facts) lines.push(`${`${k}:`.padEnd(width)} ${v}`);
  lines.push('', `Acknowledge: ${links.acknowledge}`, `Resolve:     ${links.resolve}`, '');
  lines.push(`Incident: ${links.incident}`);
  lines.push(`Runbook:  ${links.runbook ?? 'none'}`);
  if (m.labels.length) {
    lines.push('', 'Labels:');
    for (const [k, v] of m.labels) lines.push(`  ${oneLine(k)}=${oneLine(v)}`);
  }
  lines.push('', `Alerts (${incident.alerts.length}):`);
  for (const a of m.alerts) {
    lines.push(`- [${a.status}] ${oneLine(a.summary)}`);
    const own = alertOwnLabels(a, m.common);
    if (own.length) lines.push(`  labels: ${own.map(([k, v]) => `${oneLine(k)}=${oneLine(v)}`).join(', ')}`);
    if (a.details) {
      for (const l of cut(a.details, DETAILS_CAP).split(/\r?\n/)) lines.push(`  ${l}`);
    }
    for (const link of a.links)
      lines.push(`  ${link.text ? `${oneLine(link.text)}: ` : ''}${oneLine(link.href)}`);
    if (a.runbookUrl) lines.push(`  runbook: ${oneLine(a.runbookUrl)}`);
  }
  if (m.alertsLeftOut) lines.push(`... and ${m.alertsLeftOut} more (see the incident page)`);
  lines.push(
    '',
    '--',
    'Sent by Hark. The Acknowledge and Resolve links open a page on Hark where you confirm the action.',
  );
  return `${lines.join('\n')}\n`;
}

const BUTTON_STYLE =
  'display:inline-block;padding:10px 18px;border-radius:4px;color:#ffffff;text-decoration:none;font-weight:bold;';

function link(url: string, text: string): string {
  const href = safeHref(url);
  return href ? `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>` : escapeHtml(text);
}

function button(url: string, text: string, colour: string): string {
  const href = safeHref(url);
  if (!href) return escapeHtml(`${text}: ${url}`);
  return `<a href="${escapeHtml(href)}" style="${BUTTON_STYLE}background:${colour};">${escapeHtml(text)}</a>`;
}

function emailHtmlBody(incident: Incident, m: EmailModel, links: EmailLinks): string {
  const e = escapeHtml;
  const out: string[] = [];
  out.push(
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${e(oneLine(m.heading))}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328;">',
    `<h2 style="margin:0 0 12px 0;">${e(oneLine(m.heading))}</h2>`,
    `<p>${e(m.greeting)}</p>`,
    '<table cellpadding="4" cellspacing="0" style="border-collapse:collapse;">',
  );
  for (const [k, v] of m.facts) out.push(`<tr><th align="left">${e(k)}</th><td>${e(v)}</td></tr>`);
  out.push(
    '</table>',
    `<p style="margin:18px 0;">${button(links.acknowledge, 'Acknowledge', '#d1242f')}&nbsp;&nbsp;` +
      `${button(links.resolve, 'Resolve', '#1a7f37')}</p>`,
    `<p>Incident: ${link(links.incident, links.incident)}<br>`,
    `Runbook: ${links.runbook ? link(links.runbook, links.runbook) : 'none'}</p>`,
  );
  if (m.labels.length) {
    out.push('<h3>Labels</h3>', '<ul>');
    for (const [k, v] of m.labels) out.push(`<li><code>${e(oneLine(k))}=${e(oneLine(v))}</code></li>`);
    out.push('</ul>');
  }
  out.push(`<h3>Alerts (${incident.alerts.length})</h3>`, '<ul>');
  for (const a of m.alerts) {
    const parts: string[] = [`<strong>[${e(a.status)}]</strong> ${e(oneLine(a.summary))}`];
    const own = alertOwnLabels(a, m.common);
    if (own.length) {
      parts.push(`<br><code>${own.map(([k, v]) => `${e(oneLine(k))}=${e(oneLine(v))}`).join(', ')}</code>`);
    }
    if (a.details) {
      parts.push(`<pre style="white-space:pre-wrap;margin:4px 0;">${e(cut(a.details, DETAILS_CAP))}</pre>`);
    }
    for (const l of a.links) parts.push(`<br>${link(l.href, oneLine(l.text ?? l.href))}`);
    if (a.runbookUrl) parts.push(`<br>runbook: ${link(a.runbookUrl, oneLine(a.runbookUrl))}`);
    out.push(`<li>${parts.join('')}</li>`);
  }
  if (m.alertsLeftOut) out.push(`<li>... and ${m.alertsLeftOut} more (see the incident page)</li>`);
  out.push(
    '</ul>',
    '<p style="color:#59636e;font-size:12px;">Sent by Hark. The Acknowledge and Resolve buttons open a page on ' +
      'Hark where you confirm the action.</p>',
    '</body></html>',
  );
  return `${out.join('\n')}\n`;
}

/**
 * The page email (SPEC section 4): subject `[SEV-1] #42 checkout: <title>`; a body with the
 * incident's facts (times in the person's zone), Acknowledge / Resolve buttons, the incident and
 * runbook links, the labels all alerts share, and each alert (status, summary, its own labels,
 * details, links), the first 20 of them. The plain text part carries the same content.
 */
export function emailFor(incident: Incident, person: Person, links: EmailLinks): EmailContent {
  const m = emailModel(incident, person);
  const subject = `[${oneLine(incident.severity)}] #${incident.id} ${oneLine(incident.service)}: ${cut(
    oneLine(incident.title),
    SUBJECT_TITLE_CAP,
  )}`;
  return { subject, text: emailTextBody(incident, m, links), html: emailHtmlBody(incident, m, links) };
}

/** Alerts listed per incident in a bundle email; the rest are counted. */
export const BUNDLE_EMAIL_MAX_ALERTS = 5;

/**
 * Incidents a bundle email lists in full; the rest are named by number (a storm must not make a
 * message an SMTP server refuses).
 */
export const BUNDLE_EMAIL_MAX_INCIDENTS = 50;
/** Of those left out, how many are named by number. */
const BUNDLE_EMAIL_MAX_NAMED = 500;

/** One incident of a bundle email, with its own links and signed action links. */
export interface BundleEmailItem {
  readonly incident: Incident;
  readonly links: EmailLinks;
}

/**
 * The email for pages a limit held back (SPEC section 4): subject
 * `[Hark] 3 new incidents: #43 #44 #45 (checkout, db)`; the body lists every incident — heading,
 * state, opened, alerts — each with its own Acknowledge / Resolve buttons (signed per incident
 * and person), incident and runbook links, and its first 5 alerts with their links. Past the
 * first 50 incidents, the others are named by number only, with where to act on them.
 */
export function bundleEmailFor(items: readonly BundleEmailItem[], person: Person): EmailContent {
  if (items.length === 0) throw new RangeError('bundleEmailFor: no incidents');
  const zone = person.timezone || 'UTC';
  const n = items.length;
  const ids = items.map((i) => `#${i.incident.id}`).join(' ');
  const services = [...new Set(items.map((i) => oneLine(i.incident.service)))].join(', ');
  const subject = cut(
    `[Hark] ${n} new incident${n === 1 ? '' : 's'}: ${ids} (${services})`,
    SUBJECT_TITLE_CAP,
  );
  const greeting =
    `${person.displayName || person.name}, you are being paged for ${n} incident${n === 1 ? '' : 's'} ` +
    '(held back by your page limit and sent together). Each has its own Acknowledge and Resolve links.';
  const heading = (i: Incident) => `[${i.severity}] #${i.id} ${i.service}: ${cut(oneLine(i.title), 300)}`;
  const facts = (i: Incident) => {
    const firing = firingCount(i);
    return oneLine(
      `${i.state}, opened ${timeIn(i.createdAt, zone) ?? i.createdAt}, ` +
        `${i.alerts.length} alert${i.alerts.length === 1 ? '' : 's'} (${firing} firing)`,
    );
  };

  const listed = items.slice(0, BUNDLE_EMAIL_MAX_INCIDENTS);
  const rest = items.slice(BUNDLE_EMAIL_MAX_INCIDENTS);
  const restLine =
    rest.length === 0
      ? null
      : `... and ${rest.length} more incident${rest.length === 1 ? '' : 's'}: ` +
        `${rest
          .slice(0, BUNDLE_EMAIL_MAX_NAMED)
          .map((i) => `#${i.incident.id}`)
          .join(' ')}${rest.length > BUNDLE_EMAIL_MAX_NAMED ? ' ...' : ''}. ` +
        'Each is on the dashboard; a reply of aa to an SMS page acknowledges all of them.';

  const text: string[] = [oneLine(subject), '', greeting];
  for (const { incident, links } of listed) {
    text.push('', oneLine(heading(incident)), `  ${facts(incident)}`);
    text.push(`  Acknowledge: ${links.acknowledge}`, `  Resolve:     ${links.resolve}`);
    text.push(`  Incident:    ${links.incident}`, `  Runbook:     ${links.runbook ?? 'none'}`);
    for (const a of incident.alerts.slice(0, BUNDLE_EMAIL_MAX_ALERTS)) {
      text.push(`  - [${a.status}] ${oneLine(a.summary)}`);
      for (const l of a.links) text.push(`    ${l.text ? `${oneLine(l.text)}: ` : ''}${oneLine(l.href)}`);
      if (a.runbookUrl) text.push(`    runbook: ${oneLine(a.runbookUrl)}`);
    }
    const left = incident.alerts.length - BUNDLE_EMAIL_MAX_ALERTS;
    if (left > 0) text.push(`  ... and ${left} more alerts (see the incident page)`);
  }
  if (restLine) text.push('', restLine);
  text.push(
    '',
    '--',
    'Sent by Hark. The Acknowledge and Resolve links open a page on Hark where you confirm the action.',
  );

  const e = escapeHtml;
  const html: string[] = [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${e(oneLine(subject))}</title></head>`,
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f2328;">',
    `<h2 style="margin:0 0 12px 0;">${e(`${n} new incident${n === 1 ? '' : 's'}`)}</h2>`,
    `<p>${e(greeting)}</p>`,
  ];
  for (const { incident, links } of listed) {
    html.push(
      `<h3 style="margin:18px 0 4px 0;">${e(oneLine(heading(incident)))}</h3>`,
      `<p style="margin:4px 0;">${e(facts(incident))}</p>`,
      `<p style="margin:10px 0;">${button(links.acknowledge, 'Acknowledge', '#d1242f')}&nbsp;&nbsp;` +
        `${button(links.resolve, 'Resolve', '#1a7f37')}</p>`,
      `<p style="margin:4px 0;">Incident: ${link(links.incident, links.incident)}<br>` +
        `Runbook: ${links.runbook ? link(links.runbook, links.runbook) : 'none'}</p>`,
    );
    const alerts = incident.alerts.slice(0, BUNDLE_EMAIL_MAX_ALERTS);
    if (alerts.length > 0) {
      html.push('<ul>');
      for (const a of alerts) {
        const parts = [`<strong>[${e(a.status)}]</strong> ${e(oneLine(a.summary))}`];
        for (const l of a.links) parts.push(`<br>${link(l.href, oneLine(l.text ?? l.href))}`);
        if (a.runbookUrl) parts.push(`<br>runbook: ${link(a.runbookUrl, oneLine(a.runbookUrl))}`);
        html.push(`<li>${parts.join('')}</li>`);
      }
      const left = incident.alerts.length - BUNDLE_EMAIL_MAX_ALERTS;
      if (left > 0) html.push(`<li>... and ${left} more alerts (see the incident page)</li>`);
      html.push('</ul>');
    }
  }
  if (restLine) html.push(`<p>${e(restLine)}</p>`);
  html.push(
    '<p style="color:#59636e;font-size:12px;">Sent by Hark. The Acknowledge and Resolve buttons open a page on ' +
      'Hark where you confirm the action.</p>',
    '</body></html>',
  );
  return { subject: oneLine(subject), text: `${text.join('\n')}\n`, html: `${html.join('\n')}\n` };
}

// ------------------------------------------------------------------------------------------------
// Voice

/** XML-escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  const valid = text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, ' ')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?');
  return escapeHtml(valid).replace(/&#39;/g, '&apos;');
}

/** `SEV-1` → `SEV 1`, `checkout-api` → `checkout api`: separators spoken as pauses, not "minus". */
function speakable(text: string): string {
  return oneLine(text.replace(/[-_/]+/g, ' '));
}

/** `42` → `4 2`: spoken digit by digit, as typed in an SMS reply. */
function digits(n: number): string {
  return String(n).split('').join(' ');
}

const VOICE_TITLE_CAP = 200;

/**
 * TwiML for a page call (SPEC section 4): says severity, incident number, service and title,
 * then gathers one key: 4 acknowledge, 6 resolve, 5 escalate now, * repeat. Twilio POSTs the key
 * to `gatherActionUrl`; with no key the call says goodbye.
 */
export function voiceTwiml(incident: Incident, gatherActionUrl: string): string {
  const firing = firingCount(incident);
  const speech =
    `This is Hark. ${speakable(incident.severity)} incident ${digits(incident.id)}, ` +
    `service ${speakable(incident.service)}: ${cut(oneLine(incident.title), VOICE_TITLE_CAP)}.` +
    `${firing > 1 ? ` ${firing} alerts firing.` : ''}` +
    ' Press 4 to acknowledge, 6 to resolve, 5 to escalate now, star to repeat.';
  return gatherTwiml([speech], gatherActionUrl);
}

/** A bundled call names this many incidents; the rest are counted ("and 4 more"). */
export const VOICE_BUNDLE_NAMED = 10;
const VOICE_BUNDLE_TITLE_CAP = 100;
const VOICE_BUNDLE_NAME_CAP = 60;

/**
 * TwiML for a bundled page call: the incidents a call limit held back for one person, in one call.
 * Says how many it carries and names each (number, severity, service, title; the first 10, then
 * `and N more`), with the state of any that is no longer triggered, then gathers one key for all
 * of them: 4 acknowledge all, 6 resolve all, 5 escalate all now, * repeat. One `<Say>` per
 * incident, so no `<Say>` comes near Twilio's length limit.
 */
export function voiceBundleTwiml(incidents: readonly Incident[], gatherActionUrl: string): string {
  if (incidents.length === 0) throw new RangeError('voiceBundleTwiml: no incidents');
  const n = incidents.length;
  const says = [`This is Hark. You have ${n} new incident${n === 1 ? '' : 's'}.`];
  for (const incident of incidents.slice(0, VOICE_BUNDLE_NAMED)) {
    const by = incident.state === 'acknowledged' ? incident.acknowledgedBy : incident.resolvedBy;
    const state =
      incident.state === 'triggered'
        ? ''
        : ` Now ${incident.state}${by ? ` by ${speakable(actorName(by))}` : ''}.`;
    says.push(
      `Number ${digits(incident.id)}, ${cut(speakable(incident.severity), VOICE_BUNDLE_NAME_CAP)}, ` +
        `service ${cut(speakable(incident.service), VOICE_BUNDLE_NAME_CAP)}: ` +
        `${cut(oneLine(incident.title), VOICE_BUNDLE_TITLE_CAP)}.${state}`,
    );
  }
  if (n > VOICE_BUNDLE_NAMED) says.push(`And ${n - VOICE_BUNDLE_NAMED} more.`);
  const all = n === 1 ? '' : ` all ${n}`;
  says.push(`Press 4 to acknowledge${all}, 6 to resolve${all}, 5 to escalate${all} now, star to repeat.`);
  return gatherTwiml(says, gatherActionUrl);
}
