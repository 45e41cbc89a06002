/**
 * Routing (SPEC section 2): a normalized alert → service (first match), severity and urgency,
 * runbook, escalation policy, and the incident key that groups alerts into one incident.
 */
import type { NormalizedAlert } from '../alerts/types.js';
import type { Config, EscalationPolicy, Service, Severity } from '../config/types.js';
import { matches } from './match.js';

export interface Route {
  readonly service: Service;
  readonly severity: Severity;
  readonly policy: EscalationPolicy;
  /** A runbook name from runbooks/, or an external URL from the alert; null when none applies. */
  readonly runbook: string | null;
  /** Alerts with equal incident keys share the open incident. */
  readonly incidentKey: string;
  /** The alert's identity across requests: integration and dedup key. */
  readonly alertId: string;
}

export function alertId(alert: Pick<NormalizedAlert, 'integration' | 'key'>): string {
  return `${alert.integration}/${alert.key}`;
}

/**
 * `service:` then the service's group_by label values, or the alert's id, percent-encoded so that
 * distinct values never collide: `checkout:alertname=CheckoutLatencyHigh&cluster=eu-1`.
 */
export function incidentKey(service: Service, alert: NormalizedAlert): string {
  const params = new URLSearchParams();
  if (service.groupBy.length > 0) {
    for (const label of service.groupBy) params.append(label, alert.labels[label] ?? '');
  } else params.append('alert', alertId(alert));
  return `${service.name}:${params.toString()}`;
}

/** The service for an alert, or null when none matches (the config has no catch-all). */
export function findService(config: Config, alert: NormalizedAlert): Service | null {
  return config.services.find((s) => s.match === null || matches(s.match, alert)) ?? null;
}

export function findSeverity(config: Config, alert: NormalizedAlert): Severity {
  return (
    config.severities.find((s) => s.match !== null && matches(s.match, alert)) ??
    config.severities.find((s) => s.name === config.defaultSeverity) ??
    config.severities[0]!
  );
}

/** The alert's own runbook URL, else the first runbook whose match holds, else the service's. */
export function findRunbook(config: Config, service: Service, alert: NormalizedAlert): string | null {
  if (alert.runbookUrl) return alert.runbookUrl;
  for (const runbook of config.runbooks.values()) {
    if (runbook.match && matches(runbook.match, alert)) return runbook.name;
  }
  return service.runbook;
}

export function route(config: Config, alert: NormalizedAlert): Route | null {
  const service = findService(config, alert);
  if (!service) return null;
  return {
    service,
    severity: findSeverity(config, alert),
    policy: config.policies.get(service.escalationPolicy)!,
    runbook: findRunbook(config, service, alert),
    incidentKey: incidentKey(service, alert),
    alertId: alertId(alert),
  };
}
