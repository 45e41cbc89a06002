/**
 * The incident (SPEC sections 3 and 7) as one zod schema: the `Incident` type the store, the API,
 * the CLI and the pages use, and the `Incident` component of the OpenAPI document, come from here.
 */
import { z } from 'zod';
import { alertStatusSchema, normalizedAlertShape } from '../alerts/types.js';
import { timelineEventSchema } from '../events/schema.js';

const instant = z.iso.datetime({ offset: true });

export const INCIDENT_STATES = ['triggered', 'acknowledged', 'resolved'] as const;
export const incidentStateSchema = z.enum(INCIDENT_STATES).meta({ id: 'IncidentState' });
export type IncidentState = z.infer<typeof incidentStateSchema>;

export const INCIDENT_ROLES = ['commander', 'tech-lead', 'comms', 'scribe'] as const;
export const incidentRoleSchema = z.enum(INCIDENT_ROLES).meta({ id: 'IncidentRole' });
export type IncidentRole = z.infer<typeof incidentRoleSchema>;

export const actorSchema = z.string().meta({
  id: 'Actor',
  description: 'Who did something: `person:alice`, `token:ops-cli`, `integration:prometheus`, `hark`.',
  examples: ['person:alice', 'token:ops-cli', 'integration:prometheus', 'hark'],
});

/** An alert as stored with its incident: the latest payload received, with its state. */
export const incidentAlertSchema = z
  .object({
    id: z.string().meta({ description: '`<integration>/<dedup key>`.', examples: ['prometheus/3f2a…'] }),
    ...normalizedAlertShape,
    status: alertStatusSchema,
    receivedAt: instant,
  })
  .readonly()
  .meta({
    id: 'IncidentAlert',
    description: 'An alert of the incident: the latest payload received for it, with its state.',
  });
export type IncidentAlert = z.infer<typeof incidentAlertSchema>;

export const incidentSchema = z
  .object({
    id: z.number().int().min(1).describe('Increasing across the installation.'),
    key: z
      .string()
      .describe(
        'The incident key: `<service>:<group_by label values>`, or `<service>:alert=<alert id>` without group_by or when the alert has none of its labels.',
      ),
    state: incidentStateSchema,
    service: z.string(),
    severity: z.string().meta({ examples: ['SEV-1'] }),
    urgency: z.enum(['high', 'low']),
    title: z.string(),
    runbook: z
      .string()
      .nullable()
      .describe('A runbook name (served at `/runbooks/<name>`) or an external URL.'),
    escalationPolicy: z.string().describe('The policy fixed when the incident opened.'),
    alerts: z.array(incidentAlertSchema).readonly(),
    createdAt: instant,
    acknowledgedAt: instant.nullable(),
    acknowledgedBy: actorSchema.nullable(),
    resolvedAt: instant.nullable(),
    resolvedBy: actorSchema.nullable(),
    commander: z.string().nullable().describe('The person holding the commander role.'),
    roles: z
      .partialRecord(incidentRoleSchema, z.string())
      .readonly()
      .describe('Incident role → person holding it.'),
    timeline: z.array(timelineEventSchema).readonly().optional(),
  })
  .readonly()
  .meta({
    id: 'Incident',
    description:
      'An incident (SPEC sections 3 and 7). `timeline` is present on `GET /v1/incidents/{id}` and in ' +
      'the answers to actions, not in lists.',
  });

export type Incident = z.infer<typeof incidentSchema>;
