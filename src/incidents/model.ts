/** Incidents as the API, CLI and pages see them (SPEC section 3). */
import type { AlertStatus, NormalizedAlert } from '../alerts/types.js';

export type IncidentState = 'triggered' | 'acknowledged' | 'resolved';
export const INCIDENT_STATES: readonly IncidentState[] = ['triggered', 'acknowledged', 'resolved'];
export const INCIDENT_ROLES = ['commander', 'tech-lead', 'comms', 'scribe'] as const;
export type IncidentRole = (typeof INCIDENT_ROLES)[number];

/** An alert as stored with its incident: the latest payload received, with its state. */
export interface IncidentAlert extends Omit<NormalizedAlert, 'action'> {
  readonly id: string;
  readonly status: AlertStatus;
  readonly receivedAt: string;
}

/** One change of an incident, as on its timeline and in the event stream (src/events/schema.ts). */
export type { TimelineEvent } from '../events/schema.js';
import type { TimelineEvent } from '../events/schema.js';

export interface Incident {
  readonly id: number;
  readonly key: string;
  readonly state: IncidentState;
  readonly service: string;
  readonly severity: string;
  readonly urgency: 'high' | 'low';
  readonly title: string;
  /** A runbook name (served at /runbooks/<name>) or an external URL. */
  readonly runbook: string | null;
  readonly escalationPolicy: string;
  readonly alerts: readonly IncidentAlert[];
  readonly createdAt: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
  readonly commander: string | null;
  readonly roles: Readonly<Partial<Record<IncidentRole, string>>>;
  readonly timeline?: readonly TimelineEvent[];
}

/** The name in a timeline actor: `person:alice` → `alice`, `token:ops-cli` → `ops-cli`. */
export function actorName(actor: string): string {
  return actor.replace(/^(person|token|integration):/, '');
}

/**
 * Where an incident's runbook is: an external URL as it is, a local runbook at
 * `<base>/runbooks/<name>` (`base` '' gives a path on this site); null without one.
 */
export function runbookLink(runbook: string | null, base: string): string | null {
  if (!runbook) return null;
  return /^https?:\/\//.test(runbook) ? runbook : `${base}/runbooks/${encodeURIComponent(runbook)}`;
}
