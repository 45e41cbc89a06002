/** Overrides as the schedule engine sees them (SPEC 1.2 and section 6). */

/** A runtime override, created by `hark take` / `hark handoff`, SMS, the API or the web UI. */
export interface RuntimeOverride {
  readonly id: string;
  readonly schedule: string;
  readonly role: string;
  readonly person: string;
  /** Instants, ms since the epoch; `from` ≤ t < `to` is covered. */
  readonly from: number;
  readonly to: number;
  /** When it was created; among overlapping runtime overrides the most recent wins. */
  readonly createdAt: number;
  readonly createdBy: string | null;
  readonly reason: string | null;
}

/** An override in instants, with the `source` label shifts report for it. */
export interface ActiveOverride {
  readonly role: string;
  readonly person: string;
  readonly from: number;
  readonly to: number;
  readonly source: string;
}
