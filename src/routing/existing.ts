/**
 * The route of an alert that can only act on an incident it is already in: a close or an
 * acknowledge by alias (Opsgenie), a heartbeat's ping resolving its missed alert. Such an alert
 * carries no labels to route on; it belongs to the incident its alert id is indexed to
 * (keys.alert), so it is routed as that incident was — even when the config has no catch-all
 * service, and when the service was renamed since.
 */
import type { Redis } from 'ioredis';
import type { Config, EscalationPolicy, Service, Severity } from '../config/types.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Keys } from '../redis/keys.js';
import type { Route } from './route.js';

/** The route of the incident alert `alertId` is in, or null when it is in none (nothing to act on). */
export async function routeOfAlert(
  deps: { readonly redis: Redis; readonly keys: Keys; readonly store: IncidentStore },
  config: Config,
  alertId: string,
): Promise<Route | null> {
  const id = Number(await deps.redis.get(deps.keys.alert(alertId)));
  if (!Number.isInteger(id) || id < 1) return null;
  const incident = await deps.store.get(id, false);
  if (!incident) return null;
  const service: Service = config.services.find((s) => s.name === incident.service) ?? {
    name: incident.service,
    match: null,
    escalationPolicy: incident.escalationPolicy,
    groupBy: [],
    runbook: null,
  };
  const severity: Severity = config.severities.find((s) => s.name === incident.severity) ?? {
    name: incident.severity,
    urgency: incident.urgency,
    match: null,
  };
  const policy: EscalationPolicy = config.policies.get(service.escalationPolicy) ?? {
    name: incident.escalationPolicy,
    file: '',
    repeat: 0,
    steps: [],
  };
  return {
    service,
    severity,
    policy,
    runbook: incident.runbook,
    incidentKey: incident.key,
    grouping: { labels: [], missing: [] },
    alertId,
  };
}
