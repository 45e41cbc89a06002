/**
 * A page (SPEC section 4): one message of one escalation step to one person along one of their
 * notify rules. Its key — `${incident}-${cycle}-${loop}-${step}-${person}-${rule}` — names its
 * record, its queue job and its timeline entries; it is built and read here and nowhere else.
 */
import type { NotifyRule } from '../config/types.js';

/** What names a page: its incident, escalation cycle, round, step, person and notify rule. */
export interface PageRef {
  readonly incident: number;
  readonly cycle: number;
  readonly loop: number;
  readonly step: number;
  readonly person: string;
  /** The index of the person's notify rule (for the incident's urgency). */
  readonly rule: number;
}

/** The queued job of one page (src/escalation/jobs/page.ts sends it). */
export interface PageJob extends PageRef {
  readonly kind: 'page';
  readonly channel: NotifyRule['channel'];
}

/** The key of a page. */
export function pageKey(ref: PageRef): string {
  return `${ref.incident}-${ref.cycle}-${ref.loop}-${ref.step}-${ref.person}-${ref.rule}`;
}

/**
 * The fields of a page key, read from both ends: person names may contain `-` (and digits), the
 * other fields are whole numbers. Null when `key` is not a page key.
 */
export function parsePageKey(key: string): PageRef | null {
  const m = /^(\d+)-(\d+)-(\d+)-(\d+)-(.+)-(\d+)$/.exec(key);
  if (!m) return null;
  return {
    incident: Number(m[1]),
    cycle: Number(m[2]),
    loop: Number(m[3]),
    step: Number(m[4]),
    person: m[5]!,
    rule: Number(m[6]),
  };
}

/** The same page for another of the person's notify rules. */
export function withRule(ref: PageRef, rule: number): PageRef {
  return {
    incident: ref.incident,
    cycle: ref.cycle,
    loop: ref.loop,
    step: ref.step,
    person: ref.person,
    rule,
  };
}

export type PageOutcome =
  | { readonly outcome: 'sent' | 'skipped' }
  /** Held back by a rate limit until `until` (ms): it goes out in a bundle then. */
  | { readonly outcome: 'held'; readonly until: number };

/** Sends one page; throws ProviderError (retryable or not) when the provider refuses. */
export interface PageSender {
  send(job: PageJob): Promise<PageOutcome>;
  /** A notice outside any incident (shift changes), once per `onceKey`, on the person's first channel. */
  sendNotice(person: string, text: string, onceKey: string): Promise<boolean>;
  sendBundle(person: string, channel: PageJob['channel']): Promise<PageOutcome>;
}
