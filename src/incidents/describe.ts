/** One line about a timeline event's details, for people (post-mortems, the web UI). */
import type { TimelineEvent } from './model.js';

export function describeEvent(e: TimelineEvent): string {
  const bits: string[] = [];
  for (const key of [
    'summary',
    'person',
    'channel',
    'role',
    'text',
    'reason',
    'note',
    'status',
    'error',
  ] as const) {
    const v = e[key];
    if (typeof v === 'string' && v !== '') bits.push(key === 'text' ? `“${v}”` : `${key}: ${v}`);
  }
  if (Array.isArray(e.people)) bits.push(`people: ${(e.people as string[]).join(', ') || 'nobody'}`);
  if (typeof e.step === 'number')
    bits.unshift(`step ${e.step}${typeof e.loop === 'number' && e.loop > 1 ? ` (round ${e.loop})` : ''}`);
  return bits.join('; ');
}

/** Events after which an incident is paging from step 1 again: older pages are not this round's. */
const CYCLE_STARTS = new Set([
  'incident.opened',
  'incident.unacknowledged',
  'incident.retriggered',
  'incident.ack-timeout',
]);

const PAGE_EVENTS = new Set(['page.queued', 'page.sent', 'page.bundled']);

/**
 * Who has been paged for the incident since it (last) started paging, in the order they were first
 * paged, with the channels each page went out on: from `page.sent` and `page.bundled` events, or `page.queued` for a
 * page still waiting for its notify rule's delay (`sent: false`).
 */
export interface PagedPerson {
  readonly person: string;
  /** Channels a page (or bundle) went out on, in order; empty while only queued. */
  readonly channels: string[];
  /** false: a page is queued for them but nothing has gone out yet. */
  readonly sent: boolean;
}

export function pagedPeople(timeline: readonly TimelineEvent[]): PagedPerson[] {
  let start = 0;
  timeline.forEach((e, i) => {
    if (CYCLE_STARTS.has(e.type)) start = i;
  });
  const out = new Map<string, { person: string; channels: string[]; sent: boolean }>();
  for (const e of timeline.slice(start)) {
    if (!PAGE_EVENTS.has(e.type) || typeof e.person !== 'string') continue;
    const row = out.get(e.person) ?? { person: e.person, channels: [], sent: false };
    if (e.type !== 'page.queued') {
      row.sent = true;
      if (typeof e.channel === 'string' && !row.channels.includes(e.channel)) row.channels.push(e.channel);
    }
    out.set(e.person, row);
  }
  return [...out.values()];
}
