/** Incidents and incident messages for the chat tests. */
import type { IncidentAlert, Incident } from '../../src/incidents/model.js';
import type { ChatPerson, IncidentMessage } from '../../src/chat/provider.js';

export function alert(over: Partial<IncidentAlert> = {}): IncidentAlert {
  return {
    id: 'a1',
    source: 'alertmanager',
    integration: 'prometheus',
    key: 'fp-1',
    status: 'firing',
    summary: 'Checkout p99 > 2s',
    details: 'p99 is 2.4s',
    labels: { alertname: 'CheckoutLatencyHigh', cluster: 'eu-1' },
    annotations: {},
    links: [{ href: 'https://grafana.example.com/d/checkout', text: 'Dashboard' }],
    runbookUrl: null,
    startsAt: '2026-01-12T13:02:00Z',
    endsAt: null,
    receivedAt: '2026-01-12T13:03:00Z',
    ...over,
  };
}

export function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 42,
    key: 'checkout|CheckoutLatencyHigh',
    state: 'triggered',
    service: 'checkout',
    severity: 'SEV-1',
    urgency: 'high',
    title: 'Checkout p99 > 2s',
    runbook: 'checkout-latency',
    escalationPolicy: 'payments',
    alerts: [alert()],
    createdAt: '2026-01-12T13:03:00Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolvedBy: null,
    commander: null,
    roles: {},
    ...over,
  };
}

export const alice: ChatPerson = { name: 'alice', displayName: 'Alice Example', chatUser: 'U0ALICE01' };
export const bob: ChatPerson = { name: 'bob', displayName: 'Bob <Ops>', chatUser: null };
export const carol: ChatPerson = { name: 'carol', displayName: 'Carol', chatUser: 'W0CAROL03' };

export const PUBLIC_URL = 'https://hark.example.com';

export function message(over: Partial<IncidentMessage> = {}): IncidentMessage {
  return {
    incident: incident(),
    publicUrl: PUBLIC_URL,
    paged: [alice, bob],
    people: new Map([alice, bob, carol].map((p) => [p.name, p])),
    incidentChannel: null,
    ...over,
  };
}
