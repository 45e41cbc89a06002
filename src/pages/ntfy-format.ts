/**
 * The texts of ntfy notifications (docs/ntfy.md): pure functions, no I/O.
 *
 *   title    SEV-1 #42 checkout: Checkout p99 > 2s
 *   message  the title in full, how many alerts fire, the runbook's URL
 *   click    the incident in Hark
 *   actions  [Acknowledge] [Resolve] (http POST to the signed action links) [Runbook] (view)
 *   priority 5 (max) for high urgency, 3 (default) for low; tag rotating_light / warning
 *
 * The action links are the signed, expiring links of email pages (src/pages/action-token.ts): the
 * phone POSTs them, and Hark acts as the person the notification went to; a GET of them never acts.
 * Everything from alerts is one line per value and cut, so a long title never makes ntfy refuse the
 * message (4096 bytes) or turn it into an attachment.
 */
import type { Incident } from '../incidents/model.js';
import { cut, oneLine, safeHref, type EmailLinks } from './format.js';
import type { NtfyAction, NtfyMessage } from './types.js';

/** A notification without its topic (the transport adds the person's). */
export type NtfyContent = Omit<NtfyMessage, 'topic'>;

/** ntfy's limit is 4096 bytes of message; this leaves room for what ntfy adds. */
export const NTFY_MAX_MESSAGE_BYTES = 3500;
const TITLE_CAP = 250;
const LINE_CAP = 1000;
/** ntfy shows at most 3 action buttons. */
export const NTFY_MAX_ACTIONS = 3;

/** Lines joined while they fit in `maxBytes` of UTF-8 (the first line is cut to fit if it must). */
function fitLines(lines: readonly string[], maxBytes: number): string {
  const out: string[] = [];
  let used = 0;
  for (const line of lines) {
    const bytes = Buffer.byteLength(line, 'utf8') + (out.length > 0 ? 1 : 0);
    if (used + bytes > maxBytes) {
      if (out.length === 0) out.push(Buffer.from(line, 'utf8').subarray(0, maxBytes).toString('utf8'));
      break;
    }
    out.push(line);
    used += bytes;
  }
  return out.join('\n');
}

const firing = (i: Incident): number => i.alerts.filter((a) => a.status === 'firing').length;

/** `SEV-1 #42 checkout: Checkout p99 > 2s`. */
function heading(i: Incident): string {
  return cut(oneLine(`${i.severity} #${i.id} ${i.service}: ${i.title || '(no title)'}`), TITLE_CAP);
}

function post(label: string, url: string): NtfyAction | null {
  const href = safeHref(url);
  return href ? { action: 'http', label, url: href, method: 'POST', clear: true } : null;
}

function view(label: string, url: string | null): NtfyAction | null {
  const href = url ? safeHref(url) : null;
  return href ? { action: 'view', label, url: href } : null;
}

const present = (a: NtfyAction | null): a is NtfyAction => a !== null;

/** The page notification for one incident, with `links` signed for the person it goes to. */
export function ntfyFor(incident: Incident, links: EmailLinks): NtfyContent {
  const n = firing(incident);
  const lines = [cut(oneLine(incident.title || '(no title)'), LINE_CAP)];
  lines.push(
    `${n > 1 ? `${n} alerts firing` : n === 1 ? '1 alert firing' : 'no alert firing'} · ${incident.urgency} urgency`,
  );
  if (links.runbook) lines.push(`Runbook: ${links.runbook}`);
  return {
    title: heading(incident),
    message: fitLines(lines, NTFY_MAX_MESSAGE_BYTES),
    priority: incident.urgency === 'high' ? 5 : 3,
    tags: [incident.urgency === 'high' ? 'rotating_light' : 'warning'],
    click: safeHref(links.incident),
    actions: [
      post('Acknowledge', links.acknowledge),
      post('Resolve', links.resolve),
      view('Runbook', links.runbook),
    ].filter(present),
  };
}

/** One incident of a bundle, with its own signed links. */
export interface NtfyBundleItem {
  readonly incident: Incident;
  readonly links: EmailLinks;
}

/**
 * The notification for pages a limit held back (a bundle): one line per incident; an Acknowledge
 * button for each of up to three, or for the first two and `Open Hark` beside them when there are
 * more (ntfy shows three buttons). Tapping it opens `dashboard`.
 */
export function bundleNtfyFor(items: readonly NtfyBundleItem[], dashboard: string): NtfyContent {
  if (items.length === 0) throw new RangeError('bundleNtfyFor: no incidents');
  const n = items.length;
  const ids = items.map((i) => `#${i.incident.id}`).join(' ');
  const lines = items.map((i) => heading(i.incident));
  const acks = items.length <= NTFY_MAX_ACTIONS ? items : items.slice(0, NTFY_MAX_ACTIONS - 1);
  const actions = acks.map((i) => post(`Acknowledge #${i.incident.id}`, i.links.acknowledge));
  if (acks.length < items.length) actions.push(view(`All ${n} in Hark`, dashboard));
  const high = items.some((i) => i.incident.urgency === 'high');
  return {
    title: cut(`${n} new incident${n === 1 ? '' : 's'}: ${ids}`, TITLE_CAP),
    message: fitLines(lines, NTFY_MAX_MESSAGE_BYTES),
    priority: high ? 5 : 3,
    tags: [high ? 'rotating_light' : 'warning'],
    click: safeHref(dashboard),
    actions: actions.filter(present),
  };
}
