/** Incidents as the API, CLI and pages see them (SPEC section 3). */
export {
  actorSchema,
  incidentAlertSchema,
  incidentRoleSchema,
  incidentSchema,
  incidentStateSchema,
  INCIDENT_ROLES,
  INCIDENT_STATES,
  type Incident,
  type IncidentAlert,
  type IncidentRole,
  type IncidentState,
} from './schema.js';

/** One change of an incident, as on its timeline and in the event stream (src/events/schema.ts). */
export type { TimelineEvent } from '../events/schema.js';

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
