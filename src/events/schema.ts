/**
 * The incident events: every change of an incident is one of these, written to the incident's
 * timeline and to the global event stream in the same atomic step (src/events/write.ts). One list
 * of types, one zod schema per type; the TypeScript type, the web UI's labels, the CLI, the
 * post-mortem and the OpenAPI document all come from here.
 */
import { z } from 'zod';
import type { Channel } from '../config/types.js';

const instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant');
const actor = z
  .string()
  .describe('Who did it: `person:alice`, `integration:prometheus`, `token:ops-cli`, or `hark`');
const channel = z.enum(['sms', 'voice', 'email', 'slack', 'ntfy'] as const satisfies readonly Channel[]);
const pageKey = z.string().describe('The page this is about (incident-cycle-loop-step-person-rule)');

const base = { at: instant, actor };

/** What an event from an alert carries. */
const fromAlert = {
  alert: z.string().describe('The alert id (`integration/key`)'),
  summary: z.string(),
  service: z.string(),
  severity: z.string(),
};

/** What an event on a page carries. */
const onPage = {
  person: z.string(),
  channel,
  page: pageKey,
};

/** What Twilio's delivery reports add (page.delivered, page.failed). */
const providerStatus = {
  via: z.string().optional(),
  providerId: z.string().nullable().optional(),
  status: z.string().optional(),
  errorCode: z.string().optional(),
  answeredBy: z.string().optional(),
  error: z.string().optional(),
};

const note = z.string().describe('A sentence for people reading the timeline');

export const timelineEventSchemas = {
  'incident.opened': z.object({ type: z.literal('incident.opened'), ...base, ...fromAlert }),
  'alert.firing': z.object({ type: z.literal('alert.firing'), ...base, ...fromAlert }),
  'alert.resolved': z.object({ type: z.literal('alert.resolved'), ...base, ...fromAlert }),
  'alert.renotified': z.object({ type: z.literal('alert.renotified'), ...base, ...fromAlert }),
  'incident.acknowledged': z.object({
    type: z.literal('incident.acknowledged'),
    ...base,
    // Present when an alert (a sender's acknowledge) acknowledged it.
    ...z.object(fromAlert).partial().shape,
  }),
  'incident.unacknowledged': z.object({ type: z.literal('incident.unacknowledged'), ...base }),
  'incident.ack-timeout': z.object({ type: z.literal('incident.ack-timeout'), ...base, note }),
  'incident.escalated': z.object({ type: z.literal('incident.escalated'), ...base }),
  'incident.resolved': z.object({
    type: z.literal('incident.resolved'),
    ...base,
    reason: z.string().optional().describe('Why, when Hark resolved it (`all alerts resolved`)'),
    ...z.object(fromAlert).partial().shape,
  }),
  'note.added': z.object({ type: z.literal('note.added'), ...base, text: z.string() }),
  'role.assigned': z.object({
    type: z.literal('role.assigned'),
    ...base,
    role: z.string(),
    person: z.string(),
  }),
  'step.fired': z.object({
    type: z.literal('step.fired'),
    ...base,
    step: z.number().int().positive().describe('1-based step of the policy'),
    loop: z.number().int().positive().describe('1-based round of the policy'),
    people: z.array(z.string()).describe('Who the step pages, as `alice (schedule platform/primary)`'),
    note: note.optional(),
  }),
  'escalation.caught-up': z.object({
    type: z.literal('escalation.caught-up'),
    ...base,
    step: z.number().int().positive(),
    loop: z.number().int().positive(),
    note,
  }),
  'escalation.exhausted': z.object({ type: z.literal('escalation.exhausted'), ...base, note }),
  'page.queued': z.object({ type: z.literal('page.queued'), ...base, ...onPage, due: instant }),
  'page.sent': z.object({
    type: z.literal('page.sent'),
    ...base,
    ...onPage,
    via: z.string(),
    providerId: z.string().nullable(),
  }),
  'page.throttled': z.object({
    type: z.literal('page.throttled'),
    ...base,
    ...onPage,
    until: instant,
    note,
  }),
  'page.bundled': z.object({
    type: z.literal('page.bundled'),
    ...base,
    ...onPage,
    via: z.string(),
    providerId: z.string().nullable(),
    incidents: z.array(z.number().int().positive()),
  }),
  'page.delivered': z.object({ type: z.literal('page.delivered'), ...base, ...onPage, ...providerStatus }),
  'page.failed': z.object({ type: z.literal('page.failed'), ...base, ...onPage, ...providerStatus }),
} as const;

export type TimelineEventType = keyof typeof timelineEventSchemas;

/** Every event type, in the order the docs list them. */
export const EVENT_TYPES = Object.keys(timelineEventSchemas) as TimelineEventType[];

const variants = Object.values(timelineEventSchemas);
export const timelineEventSchema = z
  .discriminatedUnion(
    'type',
    variants as unknown as [(typeof variants)[number], ...(typeof variants)[number][]],
  )
  .meta({
    id: 'TimelineEvent',
    description: 'One change of an incident, as on its timeline and in the event stream',
  });

export type TimelineEvent = z.infer<typeof timelineEventSchema>;

/** The event of one type. */
export type TimelineEventOf<T extends TimelineEventType> = Extract<TimelineEvent, { type: T }>;

/** An event as read back: a stored event of a type this version does not know stays readable. */
export function parseTimelineEvent(json: string): TimelineEvent {
  return JSON.parse(json) as TimelineEvent;
}
