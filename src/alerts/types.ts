/**
 * Alerts in: the normalized alert every integration type is turned into (SPEC section 2).
 */
import type { IntegrationType } from '../config/types.js';

export type AlertStatus = 'firing' | 'resolved';

export interface AlertLink {
  readonly href: string;
  readonly text: string | null;
}

export interface NormalizedAlert {
  readonly source: IntegrationType;
  /** The integration's name from hark.yaml. */
  readonly integration: string;
  /** The dedup key (SPEC section 2 table, per type). */
  readonly key: string;
  readonly status: AlertStatus;
  /**
   * `acknowledge`: a PagerDuty `acknowledge` event (acknowledges the incident, never opens one).
   * `renotify`: a Datadog `Renotify` (recorded, never pages again and never opens an incident).
   * null: an ordinary firing or resolved alert.
   */
  readonly action: 'acknowledge' | 'renotify' | null;
  readonly summary: string;
  readonly details: string | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly links: readonly AlertLink[];
  readonly runbookUrl: string | null;
  /** ISO 8601 instants from the sender, when it gives them. */
  readonly startsAt: string | null;
  readonly endsAt: string | null;
}

/** A request body that cannot be turned into alerts: 400 with the field and the problem. */
export interface BadInput {
  /** JSON path of the offending field, e.g. `alerts[2].labels`. */
  readonly field: string;
  readonly message: string;
}

export type NormalizeResult =
  | { readonly ok: true; readonly alerts: readonly NormalizedAlert[]; readonly generatedKey: string | null }
  | { readonly ok: false; readonly error: BadInput };
