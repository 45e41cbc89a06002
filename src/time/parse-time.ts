/** TIME arguments (SPEC section 8): ISO 8601, local to the schedule when it has no offset, or `now`. */
import { parseLocal, TimeZone } from './local.js';

export const TIME_HELP =
  'use ISO 8601 such as 2026-03-08T01:30 (local to the schedule), 2026-03-08T06:30Z, or now';

const OFFSET_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})$/i;

/** A TIME argument resolved in `zone`; null if it is not one. */
export function parseTimeArg(text: string, zone: string, now: number): number | null {
  const t = text.trim();
  if (t.toLowerCase() === 'now') return now;
  const m = OFFSET_RE.exec(t);
  if (m) {
    const offset = m[3]!.toUpperCase() === 'Z' ? 'Z' : m[3]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
    return Number.isNaN(ms) ? null : ms;
  }
  const local = parseLocal(t);
  return local === null ? null : new TimeZone(zone).toInstant(local);
}
