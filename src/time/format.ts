/** How instants are shown to people and in JSON. */
import { DateTime } from 'luxon';

/** ISO 8601 in UTC with `Z`, without milliseconds when they are zero (SPEC section 8). */
export function isoUtc(t: number): string {
  const s = new Date(t).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

/** `Mon 05 Jan 2026 09:00 EST`, in the given zone. */
export function humanTime(t: number, zone: string): string {
  return DateTime.fromMillis(t, { zone }).toFormat('ccc dd LLL yyyy HH:mm ZZZZ');
}

/** `2h`, `3d 4h`, `45m`: a rough length for tables. */
export function humanLength(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean).join(' ') || '0m';
}
