/**
 * Alerts in: the normalized alert every integration type is turned into (SPEC section 2). A zod
 * schema, so that the OpenAPI document describes the alerts of an incident from the same source
 * as the type (src/incidents/schema.ts extends it).
 */
import { z } from 'zod';
import { INTEGRATION_TYPES, type IntegrationType } from '../config/types.js';

export const alertStatusSchema = z.enum(['firing', 'resolved']);
export type AlertStatus = z.infer<typeof alertStatusSchema>;

const stringMap = (description: string) => z.record(z.string(), z.string()).readonly().describe(description);
const nullableInstant = z.iso
  .datetime({ offset: true })
  .nullable()
  .describe('ISO 8601 instant from the sender, when it gives one');

export const alertLinkSchema = z
  .object({
    href: z.url({ protocol: /^https?$/ }).describe('An absolute http(s) URL'),
    text: z.string().nullable(),
  })
  .readonly()
  .meta({ id: 'AlertLink' });
export type AlertLink = z.infer<typeof alertLinkSchema>;

/** Where an alert comes from: an integration type, or `heartbeat` (a missed heartbeat, src/heartbeats/). */
export type AlertSource = IntegrationType | 'heartbeat';
export const ALERT_SOURCES: readonly AlertSource[] = [...INTEGRATION_TYPES, 'heartbeat'];

export const normalizedAlertShape = {
  source: z
    .enum(ALERT_SOURCES as readonly [AlertSource, ...AlertSource[]])
    .describe('The integration type, or `heartbeat` for a missed heartbeat'),
  integration: z
    .string()
    .describe('The integration name from hark.yaml; `heartbeat:<name>` for a missed heartbeat'),
  key: z.string().describe('The dedup key (SPEC section 2 table, per type)'),
  status: alertStatusSchema,
  summary: z.string(),
  details: z.string().nullable(),
  labels: stringMap('Labels, as routing and severity rules see them'),
  annotations: stringMap('Annotations (Alertmanager, Grafana; Datadog transition, id, scope, tags)'),
  links: z.array(alertLinkSchema).readonly(),
  runbookUrl: z.url({ protocol: /^https?$/ }).nullable(),
  startsAt: nullableInstant,
  endsAt: nullableInstant,
};

export const normalizedAlertSchema = z
  .object({
    ...normalizedAlertShape,
    /**
     * `acknowledge`: a PagerDuty `acknowledge` event (acknowledges the incident, never opens one).
     * `renotify`: a Datadog `Renotify` (recorded, never pages again and never opens an incident).
     * null: an ordinary firing or resolved alert.
     */
    action: z.enum(['acknowledge', 'renotify']).nullable(),
  })
  .readonly();

export type NormalizedAlert = z.infer<typeof normalizedAlertSchema>;

/** A request body that cannot be turned into alerts: 400 with the field and the problem. */
export interface BadInput {
  /** JSON path of the offending field, e.g. `alerts[2].labels`. */
  readonly field: string;
  readonly message: string;
}

export type NormalizeResult =
  | { readonly ok: true; readonly alerts: readonly NormalizedAlert[]; readonly generatedKey: string | null }
  | { readonly ok: false; readonly error: BadInput };
