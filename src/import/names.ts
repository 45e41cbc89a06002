/**
 * Hark's name rule (SPEC 1: `^[a-z0-9][a-z0-9_-]{0,62}$`) for names taken from another tool:
 * "Platform Team – EU" becomes `platform-team-eu`, and names are made unique per kind in the order
 * the objects are read (the same input always gives the same names).
 */
import { NAME_RE } from '../config/schema.js';

/** A valid Hark name for `text`, or `fallback` (normalised too) when nothing of it is usable. */
export function harkName(text: string, fallback: string): string {
  const base = squash(text);
  if (base !== '') return base;
  const f = squash(fallback);
  return f === '' ? 'imported' : f;
}

function squash(text: string): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  let out = ascii
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+/, '');
  out = out.slice(0, 63).replace(/[-_]+$/, '');
  return NAME_RE.test(out) ? out : '';
}

/** Allocates unique names of one kind (people, schedules, ...). */
export class NameSpace {
  private readonly used = new Set<string>();

  /** A name for `text` not given out before: `name`, `name-2`, `name-3`, ... */
  take(text: string, fallback: string): string {
    const base = harkName(text, fallback);
    if (!this.used.has(base)) {
      this.used.add(base);
      return base;
    }
    for (let i = 2; ; i++) {
      const suffix = `-${i}`;
      const candidate = `${base.slice(0, 63 - suffix.length).replace(/[-_]+$/, '')}${suffix}`;
      if (!this.used.has(candidate)) {
        this.used.add(candidate);
        return candidate;
      }
    }
  }

  has(name: string): boolean {
    return this.used.has(name);
  }
}

/** An environment variable name: `PD_ROUTING_KEY_CHECKOUT_API`. */
export function envName(...parts: string[]): string {
  return parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^(\d)/, '_$1');
}
