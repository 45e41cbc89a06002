/**
 * A missed heartbeat as an ordinary alert (pure): the alert Hark ingests when no ping came in
 * time, its route (the heartbeat's service and severity, else the routing rules), and which alerts
 * of a request are an integration's Watchdog (pings, not incidents).
 *
 * The alert: source `heartbeat`, integration `heartbeat:<name>`, key `missed` (so its id,
 * `heartbeat:<name>/missed`, never collides with an integration's), summary `heartbeat <name>
 * missed since 03:12` (the time the ping was expected, in settings.timezone), labels `alertname:
 * HeartbeatMissed` and `heartbeat: <name>` (a Watchdog heartbeat adds the labels of the last
 * Watchdog alert, so a service or severity rule that took it takes its absence too).
 */
import {
  alertId,
  findRunbook,
  findService,
  findSeverity,
  incidentKey,
  type Route,
} from '../routing/route.js';
import type { NormalizedAlert } from '../alerts/types.js';
import type { Config, Heartbeat, Integration } from '../config/types.js';
import { formatDuration } from '../config/duration.js';
import { isoUtc, zonedParts } from '../time/format.js';

export const MISSED_ALERTNAME = 'HeartbeatMissed';

/** What the alert says about the heartbeat's last ping. */
export interface MissedFacts {
  /** When the missed ping was expected (last ping, or when Hark first watched it, + interval). */
  readonly expectedAt: number;
  readonly lastPingAt: number | null;
  /** When Hark first watched the heartbeat (for one never pinged). */
  readonly watchedSince: number | null;
  /** The last Watchdog alert's labels (Watchdog mode), else null. */
  readonly labels: Readonly<Record<string, string>> | null;
}

/** `03:12` in `zone` (UTC when the zone is unknown). */
function clock(t: number, zone: string): string {
  const p = zonedParts(t, zone) ?? zonedParts(t, 'UTC')!;
  return `${p.hour}:${p.minute}`;
}

export function heartbeatAlertId(name: string): string {
  return `heartbeat:${name}/missed`;
}

/** The firing (missed) or resolved (pinged again) alert of heartbeat `hb`. */
export function missedAlert(
  config: Config,
  hb: Heartbeat,
  facts: MissedFacts,
  status: 'firing' | 'resolved',
): NormalizedAlert {
  const every = `${formatDuration(hb.intervalMs)}${hb.graceMs > 0 ? ` (+ ${formatDuration(hb.graceMs)} grace)` : ''}`;
  const sender = hb.watchdog
    ? `the ${hb.watchdog.alertname} alert of integration ${hb.watchdog.integration}`
    : 'a ping';
  const last =
    facts.lastPingAt !== null
      ? `The last ping came at ${isoUtc(facts.lastPingAt)}.`
      : `No ping has come since Hark started watching it at ${isoUtc(facts.watchedSince ?? facts.expectedAt - hb.intervalMs)}.`;
  return {
    source: 'heartbeat',
    integration: `heartbeat:${hb.name}`,
    key: 'missed',
    status,
    action: null,
    summary: `heartbeat ${hb.name} missed since ${clock(facts.expectedAt, config.settings.timezone)}`,
    details: `Heartbeat ${hb.name} expects ${sender} every ${every}. ${last} The next ping resolves this incident.`,
    labels: { ...(facts.labels ?? {}), alertname: MISSED_ALERTNAME, heartbeat: hb.name },
    annotations: {},
    links: [],
    runbookUrl: null,
    startsAt: new Date(facts.expectedAt).toISOString(),
    endsAt: null,
  };
}

/**
 * The route of a heartbeat's alert: its `service` (else the first service that matches the alert),
 * its `severity` (else the severity rules), the runbook and incident key as for any alert. Null
 * when no service takes it (a Watchdog heartbeat without `service`, and no catch-all).
 */
export function heartbeatRoute(config: Config, hb: Heartbeat, alert: NormalizedAlert): Route | null {
  const service =
    hb.service !== null ? config.services.find((s) => s.name === hb.service) : findService(config, alert);
  if (!service) return null;
  const severity =
    (hb.severity !== null ? config.severities.find((s) => s.name === hb.severity) : undefined) ??
    findSeverity(config, alert);
  const { key, grouping } = incidentKey(service, alert);
  return {
    service,
    severity,
    policy: config.policies.get(service.escalationPolicy)!,
    runbook: findRunbook(config, service, alert),
    incidentKey: key,
    grouping,
    alertId: alertId(alert),
  };
}

/** The Watchdog heartbeat of an integration, if it has one. */
export function watchdogOf(config: Config, integration: Integration): Heartbeat | null {
  return config.heartbeats.find((h) => h.watchdog?.integration === integration.name) ?? null;
}

/**
 * Splits a request's alerts into the integration's Watchdog alerts and the rest. `ping`: the
 * labels of the last firing Watchdog alert (null: none fired; a resolved Watchdog pings nothing).
 */
export function splitWatchdog(
  hb: Heartbeat | null,
  alerts: readonly NormalizedAlert[],
): { readonly rest: readonly NormalizedAlert[]; readonly ping: Readonly<Record<string, string>> | null } {
  if (!hb?.watchdog) return { rest: alerts, ping: null };
  const alertname = hb.watchdog.alertname;
  const rest: NormalizedAlert[] = [];
  let ping: Readonly<Record<string, string>> | null = null;
  for (const a of alerts) {
    if (a.labels['alertname'] !== alertname) rest.push(a);
    else if (a.status === 'firing' && a.action === null) ping = a.labels;
  }
  return { rest, ping };
}
