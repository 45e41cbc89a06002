/** Person helpers shared by the vendors: phone numbers, time zones, notify rules. */
import { isValidZone } from '../time/local.js';
import type { Channel, PlannedNotifyRule } from './plan.js';

const E164 = /^\+[1-9]\d{6,14}$/;

/** E.164 from a country code and a national number (digits kept), or null if not a phone number. */
export function e164(countryCode: number | string | undefined, number: string): string | null {
  const digits = number.replace(/[^\d]/g, '');
  const cc = countryCode === undefined ? '' : String(countryCode).replace(/[^\d]/g, '');
  const full = number.trim().startsWith('+') && cc === '' ? `+${digits}` : `+${cc}${digits}`;
  return E164.test(full) ? full : null;
}

export function zoneOrNull(zone: string | null | undefined): string | null {
  return zone && isValidZone(zone) ? zone : null;
}

const CHANNEL_ORDER: Record<Channel, number> = { sms: 0, voice: 1, email: 2 };

/** Rules sorted by delay (then sms, voice, email), without repeats of the same channel and delay. */
export function tidyRules(rules: readonly PlannedNotifyRule[]): PlannedNotifyRule[] {
  const seen = new Set<string>();
  return [...rules]
    .sort((a, b) => a.afterMinutes - b.afterMinutes || CHANNEL_ORDER[a.channel] - CHANNEL_ORDER[b.channel])
    .filter((r) => {
      const key = `${r.channel}:${r.afterMinutes}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
