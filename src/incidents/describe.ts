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
