/** One line about a timeline event's details, for people (post-mortems, the web UI). */
import type { TimelineEvent, TimelineEventOf, TimelineEventType } from '../events/schema.js';

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
    const v = (e as Readonly<Record<string, unknown>>)[key];
    if (typeof v === 'string' && v !== '') bits.push(key === 'text' ? `“${v}”` : `${key}: ${v}`);
  }
  if (e.type === 'step.fired') bits.push(`people: ${e.people.join(', ') || 'nobody'}`);
  if (e.type === 'step.fired' || e.type === 'escalation.caught-up')
    bits.unshift(`step ${e.step}${e.loop > 1 ? ` (round ${e.loop})` : ''}`);
  return bits.join('; ');
}

/** Events after which an incident is paging from step 1 again: older pages are not this round's. */
const CYCLE_STARTS: ReadonlySet<TimelineEventType> = new Set([
  'incident.opened',
  'incident.unacknowledged',
  'incident.ack-timeout',
]);

type PageEvent = TimelineEventOf<'page.queued' | 'page.sent' | 'page.bundled'>;
const isPageEvent = (e: TimelineEvent): e is PageEvent =>
  e.type === 'page.queued' || e.type === 'page.sent' || e.type === 'page.bundled';

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
    if (!isPageEvent(e)) continue;
    const row = out.get(e.person) ?? { person: e.person, channels: [], sent: false };
    if (e.type !== 'page.queued') {
      row.sent = true;
      if (!row.channels.includes(e.channel)) row.channels.push(e.channel);
    }
    out.set(e.person, row);
  }
  return [...out.values()];
}
