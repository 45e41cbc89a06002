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
  /** Which of the service's group_by labels formed the key, and which the alert lacks. */
  readonly grouping: Grouping;
  /** The alert's identity across requests: integration and dedup key. */
  readonly alertId: string;
}

export function alertId(alert: Pick<NormalizedAlert, 'integration' | 'key'>): string {
  return `${alert.integration}/${alert.key}`;
}

/**
 * How an alert's incident key came about. `labels`: the service's group_by labels the alert has
 * (a label with an empty value counts as missing, as in Alertmanager); `missing`: those it lacks.
 * With no group_by, or when the alert has none of the group_by labels, `labels` is empty and the
 * key is the alert's own id.
 */
export interface Grouping {
  readonly labels: readonly string[];
  readonly missing: readonly string[];
}

/**
 * `service:` then the service's group_by label values, percent-encoded so that distinct values
 * never collide (`checkout:alertname=CheckoutLatencyHigh&cluster=eu-1`); a missing label counts as
 * empty (`checkout:alertname=CheckoutLatencyHigh&cluster=`). Without group_by, and when the alert
 * has none of the group_by labels, the alert's id (`checkout:alert=datadog/7391582915032190462`):
 * an alert that carries nothing to group on is never grouped with other such alerts.
 */
export function incidentKey(service: Service, alert: NormalizedAlert): { key: string; grouping: Grouping } {
  const labels = service.groupBy.filter((label) => (alert.labels[label] ?? '') !== '');
  const missing = service.groupBy.filter((label) => !labels.includes(label));
  const params = new URLSearchParams();
  if (labels.length > 0) {
    for (const label of service.groupBy) params.append(label, alert.labels[label] ?? '');
  } else params.append('alert', alertId(alert));
  return { key: `${service.name}:${params.toString()}`, grouping: { labels, missing } };
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
  const { key, grouping } = incidentKey(service, alert);
  return {
    service,
    severity: findSeverity(config, alert),
    policy: config.policies.get(service.escalationPolicy)!,
    runbook: findRunbook(config, service, alert),
    incidentKey: key,
    grouping,
    alertId: alertId(alert),
  };
}
