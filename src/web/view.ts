/** What every page needs about who is looking: their name, zone, CSRF token, and formatters. */
import type { Config } from '../config/types.js';
import { isoUtc, zonedParts } from '../time/format.js';
import { PERSON_COLOURS } from './layout.js';

export interface Viewer {
  /** Shown in the header: the person's name, else the API token's name. */
  readonly name: string;
  readonly person: string | null;
  /** The person's time zone, else settings.timezone: every time on the page is shown in it. */
  readonly zone: string;
  readonly now: number;
  readonly csrf: string;
  personName(person: string): string;
  /** The same colour for a person on every timeline. */
  colour(person: string): string;
  /** `Wed 25 Nov 17:00 CET`, in the viewer's zone. */
  time(t: number): string;
  /** `Wed 25 Nov 17:00`, in the viewer's zone (the page says which). */
  shortTime(t: number): string;
}

export function viewer(
  config: Config,
  who: { readonly tokenName: string; readonly person: string | null },
  now: number,
  csrf: string,
): Viewer {
  const person = who.person ? config.people.get(who.person) : undefined;
  const zone = person?.timezone ?? config.settings.timezone;
  const order = [...config.people.keys()];
  const personName = (p: string) => config.people.get(p)?.displayName ?? p;
  return {
    name: person ? person.displayName : who.tokenName,
    person: who.person,
    zone,
    now,
    csrf,
    personName,
    colour: (p) => {
      const i = order.indexOf(p);
      return PERSON_COLOURS[(i < 0 ? 0 : i) % PERSON_COLOURS.length]!;
    },
    time: (t) => {
      const p = zonedParts(t, zone);
      return p ? `${p.weekday} ${Number(p.day)} ${p.month} ${p.hour}:${p.minute} ${p.zone}` : isoUtc(t);
    },
    shortTime: (t) => {
      const p = zonedParts(t, zone);
      return p ? `${p.weekday} ${Number(p.day)} ${p.month} ${p.hour}:${p.minute}` : isoUtc(t);
    },
  };
}

/** `4d 20h`, `3h 5m`, `12m`: the two largest units, for "in …" and "… ago". */
export function shortLength(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const parts: [number, string][] = [
    [Math.floor(minutes / 1440), 'd'],
    [Math.floor((minutes % 1440) / 60), 'h'],
    [minutes % 60, 'm'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0m';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}
