/**
 * What a webhook receives and which events it gets. The body follows the Standard Webhooks
 * payload convention, `{type, timestamp, data}`; for an incident event `data` is the typed event
 * and the incident as `GET /v1/incidents` returns it (without its timeline), read when the event
 * was handed to the webhook. Nothing from the config goes in, so no secret of it can.
 */
import type { Webhook } from '../config/types.js';
import type { StreamEvent } from '../events/subscriber.js';
import type { TimelineEvent } from '../events/schema.js';
import type { Incident } from '../incidents/model.js';

/** The type of the event `hark webhooks test` sends: not an incident event. */
export const TEST_EVENT_TYPE = 'webhook.test';

export interface IncidentPayload {
  readonly type: TimelineEvent['type'];
  /** When the change happened (the event's `at`). */
  readonly timestamp: string;
  readonly data: {
    readonly event: TimelineEvent;
    /** null when the incident is no longer stored (resolved longer ago than settings.retention). */
    readonly incident: Incident | null;
  };
}

export interface TestPayload {
  readonly type: typeof TEST_EVENT_TYPE;
  readonly timestamp: string;
  readonly data: { readonly webhook: string; readonly message: string };
}

export type WebhookPayload = IncidentPayload | TestPayload;

/** One delivery to one webhook, as queued: the body is fixed, so every attempt sends the same bytes. */
export interface DeliveryJob {
  readonly webhook: string;
  /** `webhook-id`: the stream event id (a test: `test_<uuid>`), the same on every attempt. */
  readonly id: string;
  readonly type: string;
  readonly incident: number | null;
  /** The JSON body, exactly as sent. */
  readonly body: string;
  /** When it was queued (ms): retries stop a retry window (24 h) after. */
  readonly firstAt: number;
  /** A test delivery: tried once, never retried. */
  readonly test?: boolean;
}

export function incidentPayload(e: StreamEvent, incident: Incident | null): IncidentPayload {
  if (incident?.timeline) {
    incident = { ...incident };
    delete (incident as { timeline?: unknown }).timeline;
  }
  return { type: e.event.type, timestamp: e.event.at, data: { event: e.event, incident } };
}

export function testPayload(webhook: string, at: Date): TestPayload {
  return {
    type: TEST_EVENT_TYPE,
    timestamp: at.toISOString(),
    data: { webhook, message: `A test event from Hark to webhook "${webhook}" (hark webhooks test)` },
  };
}

/** Whether one of `patterns` (`incident.opened`, `incident.*`, `*`) takes events of `type`. */
export function takesType(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))),
  );
}

/**
 * Whether the webhook takes this event: its type, and the incident's service and severity (as
 * the incident is now; the event's own when the incident is gone).
 */
export function takes(hook: Webhook, event: TimelineEvent, incident: Incident | null): boolean {
  if (!takesType(hook.events, event.type)) return false;
  const own = event as { service?: unknown; severity?: unknown };
  const service = incident?.service ?? (typeof own.service === 'string' ? own.service : null);
  const severity = incident?.severity ?? (typeof own.severity === 'string' ? own.severity : null);
  if (hook.services && (service === null || !hook.services.includes(service))) return false;
  if (hook.severities && (severity === null || !hook.severities.includes(severity))) return false;
  return true;
}
