/**
 * Every Redis key Hark uses, in one place. All keys start with a prefix (`{hark}:` by default;
 * tests use their own so that they can share one server).
 */
/** An incident id, or the placeholder Lua scripts replace with the id they allocate. */
export type IncidentId = number | typeof ID_PLACEHOLDER;
export const ID_PLACEHOLDER = '#ID#';

export interface Keys {
  readonly prefix: string;
  /** INCR counter for incident ids. */
  readonly nextIncidentId: string;
  /** Hash: the incident's fields. */
  incident(id: IncidentId): string;
  /** Hash: alert id → JSON of the alert as last seen. */
  incidentAlerts(id: IncidentId): string;
  /** Hash: alert id → firing | resolved. */
  incidentAlertStatus(id: IncidentId): string;
  /** List: JSON timeline events, oldest first. */
  incidentTimeline(id: IncidentId): string;
  /**
   * Stream: every incident event (fields `incident`, `event`), written with the timeline entry in
   * the same atomic step (src/events/write.ts); subscribers read it with consumer groups.
   */
  readonly events: string;
  /**
   * String: the consumer (`host:pid`) that runs a subscriber now, with a TTL it renews: one
   * consumer per subscriber at a time keeps delivery in stream order (src/events/subscribers.ts).
   */
  subscriberLease(subscriber: string): string;
  /** Sorted set of every incident id (score = id), for listing newest first. */
  readonly incidents: string;
  /**
   * Sorted set of the open (triggered or acknowledged) incident ids (score = id): what the
   * dashboard and `list({state})` read, so they cost the open incidents, not every stored one.
   * Written by the incident scripts with the state; `openIncidentsIndexed` marks it complete.
   */
  readonly openIncidents: string;
  /** String, set once the open index holds every open incident (built from `incidents` once). */
  readonly openIncidentsIndexed: string;
  /** String: the id of the open (triggered or acknowledged) incident with this incident key. */
  openIncident(incidentKey: string): string;
  /** String: the incident that alert `integration/key` last joined. */
  alert(alertId: string): string;
  /**
   * Sorted set: incident id → when its next escalation step is due (ms). The durable record of
   * the first escalation job, written with the incident; the escalation workers and the overdue
   * sweep read it.
   */
  readonly escalationDue: string;
  /** Hash: one page (incident, cycle, loop, step, person, rule): its status and provider id. */
  page(pageKey: string): string;
  /** String: the page key of a provider message id (Twilio SID), for delivery callbacks. */
  providerMessage(providerId: string): string;
  /** Sorted set: when pages went to a person on a channel (rate limits). */
  pagesSent(person: string, channel: string): string;
  /** Sorted set: page keys held back by a rate limit, to go out as one bundle. */
  pagesHeld(person: string, channel: string): string;
  /** Sorted set: incident ids paged to a person, by when (SMS `aa`, `rr` replies, `42a` checks). */
  pagedTo(person: string): string;
  /** String: JSON of a bundled page call (its person and incidents), read by its TwiML and keys. */
  callBundle(id: string): string;
  /** Sorted set: incident ids paged to a person's phone (SMS or call), by when (SMS `a` alone). */
  phonePagedTo(person: string): string;
  /**
   * String: the first answer to a signed Twilio webhook (an SMS by MessageSid, a call's keypress by
   * CallSid), so a replay or a retry gets it again and changes nothing.
   */
  twilioAnswer(id: string): string;
  /** Counter: unparseable SMS replies from one number in a window (replies stop past a limit). */
  smsGarbage(number: string, window: number): string;
  /** String: a shift notice was sent (so none is sent twice). */
  notice(onceKey: string): string;
  /**
   * Hash: `[schedule, role]` (JSON) → JSON of the holder shift notices last announced (the
   * person, the one before, and a counter of announced changes); see src/escalation/shift-notices.ts.
   */
  readonly shiftHolders: string;
  /** String: the secret that signs email action links. */
  readonly actionSecret: string;
  /** The BullMQ prefix: Hark's hash tag, so escalation jobs share Hark's Redis Cluster slot. */
  readonly bullPrefix: string;
  /**
   * Set: the ids of an incident's queued escalation jobs that an acknowledgement or resolution
   * removes (steps, pages, the end of the policy): added before a job is queued, removed when it
   * finishes or is removed, read to cancel without scanning the queue. Queue bookkeeping: it lives
   * under the BullMQ prefix and changes in the background as jobs run.
   */
  incidentJobs(id: number): string;
  /** String: an escalation policy as an incident fixed it, by content hash. */
  policySnapshot(ref: string): string;
  /** INCR counter for runtime override ids. */
  readonly nextOverrideId: string;
  /** Hash: runtime override id → its JSON (SPEC 6). */
  readonly overrides: string;
  /** INCR counter bumped on every change to `overrides`, so readers can cache schedule views. */
  readonly overridesVersion: string;
  /** Pub/sub channel: a config reload was asked for; every Hark process reloads its own copy. */
  readonly configReloadChannel: string;
  /** List: JSON of a webhook's recent delivery attempts, newest first, capped (src/webhooks/log.ts). */
  webhookDeliveries(webhook: string): string;
  /** Hash: a webhook's counters per outcome (delivered, retrying, failed) and its last attempt. */
  webhookStats(webhook: string): string;
  /**
   * Hash: where a chat provider (`slack`, `mattermost`) has an incident (src/chat/announcer.ts):
   * its service-channel message, its own channel, the pinned summary, who was invited, the last
   * event threaded; so a redelivered event updates rather than posts twice.
   */
  chatIncident(provider: string, id: number): string;
  /** Sorted set: a provider's incident channels (JSON {incident, channel}) → when to archive them (ms). */
  chatArchiveDue(provider: string): string;
  /**
   * String: a signed request from Slack was taken (by its `X-Slack-Signature`, which covers its
   * timestamp and body), kept while its timestamp is accepted: an exact replay is refused.
   */
  slackRequest(signature: string): string;
  /**
   * Hash: a heartbeat's state (src/heartbeats/store.ts): its last ping, pings counted, when Hark
   * first watched it, the deadline announced as missed and the incident that opened for it.
   */
  heartbeat(name: string): string;
  /** Sorted set: heartbeat name → when it is next checked (ms): its deadline, swept by the workers. */
  readonly heartbeatsDue: string;
  /** String with a TTL: one process announces a heartbeat's missed deadline (SET NX). */
  heartbeatClaim(name: string, deadline: number): string;
}

/**
 * The default prefix has a hash tag, so all of Hark's keys live in one Redis Cluster slot and a
 * Lua script may touch several incidents' keys.
 */
export function keys(prefix = '{hark}:'): Keys {
  return {
    prefix,
    nextIncidentId: `${prefix}incident:next-id`,
    incident: (id) => `${prefix}incident:${id}`,
    incidentAlerts: (id) => `${prefix}incident:${id}:alerts`,
    incidentAlertStatus: (id) => `${prefix}incident:${id}:alert-status`,
    incidentTimeline: (id) => `${prefix}incident:${id}:timeline`,
    incidents: `${prefix}incidents`,
    openIncidents: `${prefix}incidents:open`,
    openIncidentsIndexed: `${prefix}incidents:open:indexed`,
    events: `${prefix}events`,
    subscriberLease: (subscriber) => `${prefix}subscriber:${subscriber}:lease`,
    openIncident: (incidentKey) => `${prefix}open:${incidentKey}`,
    alert: (alertId) => `${prefix}alert:${alertId}`,
    escalationDue: `${prefix}escalation:due`,
    policySnapshot: (ref) => `${prefix}policy:${ref}`,
    page: (pageKey) => `${prefix}page:${pageKey}`,
    providerMessage: (providerId) => `${prefix}provider:${providerId}`,
    bullPrefix: `${prefix}bull`,
    incidentJobs: (id) => `${prefix}bull:incident-jobs:${id}`,
    actionSecret: `${prefix}secret:actions`,
    notice: (onceKey) => `${prefix}notice:${onceKey}`,
    shiftHolders: `${prefix}shift:holders`,
    pagedTo: (person) => `${prefix}paged:${person}`,
    callBundle: (id) => `${prefix}call-bundle:${id}`,
    phonePagedTo: (person) => `${prefix}paged-phone:${person}`,
    twilioAnswer: (id) => `${prefix}twilio-answer:${id}`,
    smsGarbage: (number, window) => `${prefix}sms-garbage:${number}:${window}`,
    pagesSent: (person, channel) => `${prefix}sent:${person}:${channel}`,
    pagesHeld: (person, channel) => `${prefix}held:${person}:${channel}`,
    nextOverrideId: `${prefix}override:next-id`,
    overrides: `${prefix}overrides`,
    overridesVersion: `${prefix}overrides:version`,
    configReloadChannel: `${prefix}config:reload`,
    webhookDeliveries: (webhook) => `${prefix}webhook:${webhook}:deliveries`,
    webhookStats: (webhook) => `${prefix}webhook:${webhook}:stats`,
    chatIncident: (provider, id) => `${prefix}chat:${provider}:incident:${id}`,
    chatArchiveDue: (provider) => `${prefix}chat:${provider}:archive-due`,
    slackRequest: (signature) => `${prefix}slack-request:${signature}`,
    heartbeat: (name) => `${prefix}heartbeat:${name}`,
    heartbeatsDue: `${prefix}heartbeats:due`,
    heartbeatClaim: (name, deadline) => `${prefix}heartbeat:${name}:claim:${deadline}`,
  };
}
