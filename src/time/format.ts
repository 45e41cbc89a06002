/** How instants are shown to people and in JSON. */

/** ISO 8601 in UTC with `Z`, without milliseconds when they are zero (SPEC section 8). */
export function isoUtc(t: number): string {
  const s = new Date(t).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

/** An instant's wall-clock fields in a zone, as people read them (en-US names). */
export interface ZonedParts {
  /** `Mon` */
  readonly weekday: string;
  /** `05` */
  readonly day: string;
  /** `Jan` */
  readonly month: string;
  readonly year: string;
  /** `09`, 00–23 */
  readonly hour: string;
  readonly minute: string;
  /** `EST`, `GMT+1`, `UTC`: the short zone name (luxon's ZZZZ) */
  readonly zone: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The wall-clock fields of `t` in `zone`, with one cached Intl formatter per zone: luxon's
 * `toFormat` with a zone name costs about 150 µs a call, this a few µs (pages, feeds, the web UI
 * format hundreds of times per request). Null for a zone Intl does not know.
 */
export function zonedParts(t: number, zone: string): ZonedParts | null {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        day: '2-digit',
        month: 'short',
        year: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      });
    } catch {
      return null;
    }
    formatters.set(zone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(t)) p[part.type] = part.value;
  return {
    weekday: p.weekday ?? '',
    day: p.day ?? '',
    month: p.month ?? '',
    year: p.year ?? '',
    hour: p.hour === '24' ? '00' : (p.hour ?? ''),
    minute: p.minute ?? '',
    zone: p.timeZoneName ?? zone,
  };
}

/** `Mon 05 Jan 2026 09:00 EST`, in the given zone (`Invalid DateTime` for an unknown zone). */
export function humanTime(t: number, zone: string): string {
  const p = zonedParts(t, zone);
  if (!p) return 'Invalid DateTime';
  return `${p.weekday} ${p.day} ${p.month} ${p.year} ${p.hour}:${p.minute} ${p.zone}`;
}

/** `2h`, `3d 4h`, `45m`: a rough length for tables. */
export function humanLength(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean).join(' ') || '0m';
}
