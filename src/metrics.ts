/**
 * Prometheus metrics (`GET /metrics`). Each Hark process exports what it did: API processes count
 * alert requests, alerts, incidents and answers; worker processes count pages, escalation lag and
 * sweep catch-ups. Every label value comes from the config or a fixed list, never from the request
 * (an alert to an integration that does not exist is counted as `integration="unknown"`).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly alertRequests = new Counter({
    name: 'hark_alert_requests_total',
    help: 'Alert requests (one per HTTP request, however many alerts it carries), per integration, outcome (accepted, rejected, unavailable) and HTTP status code',
    labelNames: ['integration', 'outcome', 'code'] as const,
    registers: [this.registry],
  });
  readonly alertsReceived = new Counter({
    name: 'hark_alerts_received_total',
    help: 'Alerts accepted (one per alert: an Alertmanager request of 5 alerts counts 5), per integration and status (firing, resolved, acknowledge, renotify)',
    labelNames: ['integration', 'status'] as const,
    registers: [this.registry],
  });
  readonly incidentsOpened = new Counter({
    name: 'hark_incidents_opened_total',
    help: 'Incidents opened, per service and severity',
    labelNames: ['service', 'severity'] as const,
    registers: [this.registry],
  });
  readonly pages = new Counter({
    name: 'hark_pages_total',
    help: 'Pages, per channel and status (sent, failed, held, bundled)',
    labelNames: ['channel', 'status'] as const,
    registers: [this.registry],
  });
  readonly timeToAcknowledge = new Histogram({
    name: 'hark_time_to_acknowledge_seconds',
    help: 'From an incident opening to its first acknowledgement, by a person or by its source (PagerDuty acknowledge)',
    buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200],
    registers: [this.registry],
  });
  readonly timeToResolve = new Histogram({
    name: 'hark_time_to_resolve_seconds',
    help: 'From an incident opening to its resolution, by a person or by its alerts resolving (auto-resolve)',
    buckets: [60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400],
    registers: [this.registry],
  });
  readonly escalationLag = new Histogram({
    name: 'hark_escalation_lag_seconds',
    help: 'How late an escalation step fired after it was due',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60],
    registers: [this.registry],
  });
  readonly sweepCatchUps = new Counter({
    name: 'hark_sweep_catchups_total',
    help: 'Overdue escalation steps the periodic sweep had to fire',
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({
    name: 'hark_queue_jobs',
    help: 'Escalation queue jobs, per state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });

  readonly httpRequestDuration = new Histogram({
    name: 'hark_http_request_duration_seconds',
    help: 'HTTP requests, from arrival to the answer, per method, route (its pattern such as /v1/incidents/:id, never the path; "unmatched" when no route took it) and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly configReloads = new Counter({
    name: 'hark_config_reloads_total',
    help: 'Config reloads, per outcome (ok, refused: the running config stayed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'hark_webhook_deliveries_total',
    help: 'Webhook delivery attempts, per webhook and outcome (delivered; retrying: failed, tried again later; failed: given up)',
    labelNames: ['webhook', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookDuration = new Histogram({
    name: 'hark_webhook_delivery_duration_seconds',
    help: 'How long a webhook delivery attempt took, from sending to the answer (or the timeout), per webhook',
    labelNames: ['webhook'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  /**
   * Reads the event stream's length and each subscriber group's lag for a scrape: set by the
   * subscriber runner (src/events/subscribers.ts) in worker processes; the values are global (the
   * same on every worker), read from Redis when /metrics is scraped.
   */
  eventStreamReader: (() => Promise<void>) | null = null;
  private eventStreamRead: Promise<void> | null = null;
  /** One read per scrape, awaited by each gauge it sets (prom-client collects them in parallel). */
  private readonly readEventStream = (): Promise<void> =>
    (this.eventStreamRead ??= (this.eventStreamReader?.() ?? Promise.resolve()).finally(() => {
      this.eventStreamRead = null;
    }));
  readonly eventStreamLength = new Gauge({
    name: 'hark_event_stream_length',
    help: 'Entries in the incident event stream (bounded by settings.event_retention)',
    registers: [this.registry],
    collect: this.readEventStream,
  });
  readonly subscriberLag = new Gauge({
    name: 'hark_subscriber_lag',
    help: 'Event stream entries a subscriber has not acknowledged yet (not yet read, or being handled), per subscriber',
    labelNames: ['subscriber'] as const,
    registers: [this.registry],
    collect: this.readEventStream,
  });
  readonly subscriberPending = new Gauge({
    name: 'hark_subscriber_pending',
    help: 'Events delivered to a subscriber and not acknowledged yet (being handled or retried), per subscriber',
    labelNames: ['subscriber'] as const,
    registers: [this.registry],
    collect: this.readEventStream,
  });
  readonly subscriberDelivered = new Counter({
    name: 'hark_subscriber_delivered_total',
    help: 'Events a subscriber handled and acknowledged, per subscriber',
    labelNames: ['subscriber'] as const,
    registers: [this.registry],
  });
  readonly subscriberFailures = new Counter({
    name: 'hark_subscriber_failures_total',
    help: 'Times a subscriber threw on an event (each is retried), per subscriber',
    labelNames: ['subscriber'] as const,
    registers: [this.registry],
  });
  readonly subscriberRedelivered = new Counter({
    name: 'hark_subscriber_redelivered_total',
    help: 'Events delivered again after a consumer stopped without acknowledging them (kill -9: possible duplicates), per subscriber',
    labelNames: ['subscriber'] as const,
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'hark_' });
  }
}
