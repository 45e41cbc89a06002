/**
 * Generic JSON alerts for scripts, cron jobs and anything with curl (SPEC section 2):
 * `{dedup_key?, status, summary, severity?, details?, labels?, links?, runbook_url?}`, or an array
 * of these (1 to 1000).
 *
 * Choices where the spec is silent:
 * - `status`: "firing" | "resolved". `summary`: 1 to 1024 characters (PagerDuty's limit), kept
 *   as sent (surrounding blanks trimmed).
 * - Key: `dedup_key` (1 to 255 characters), else the first 16 hex digits of the SHA-256 of the
 *   summary and the sorted `labels` as sent (not `severity`): resending the same summary and
 *   labels with `"status": "resolved"` resolves the alert, whatever its severity was.
 * - `severity` (a non-empty string, not checked against hark.yaml) → label `severity`, overriding
 *   `labels.severity`. `labels`: an object of strings (names ≤ 256, values ≤ 4096, ≤ 256 labels).
 * - `details`: a string, or an object shown as pretty JSON; at most 65536 characters and 32 levels
 *   of objects and arrays.
 * - `links`: URL strings or `{href, text?}` objects; `runbook_url` and every `href` must be an
 *   absolute http(s) URL (a 400 otherwise). JSON `null` is the same as leaving a field out.
 */
import { z } from 'zod';
import type { Integration } from '../../config/types.js';
import type { NormalizedAlert, NormalizeResult } from '../types.js';
import {
  LIMITS,
  bad,
  detailsText,
  hashKey,
  httpUrlSchema,
  keySchema,
  kindOf,
  labelsSchema,
  parse,
  plainMap,
  shallow,
  sortedEntries,
} from './common.js';

const detailsSchema = shallow(
  z.union([z.string(), z.record(z.string(), z.unknown())], {
    error: (iss) =>
      iss.code === 'invalid_union' ? `expected a string or an object, got ${kindOf(iss.input)}` : undefined,
  }),
)
  .refine(
    (v) => (detailsText(v)?.length ?? 0) <= LIMITS.details,
    `too large: at most ${LIMITS.details} characters (objects count as pretty JSON)`,
  )
  .nullish();

const linkSchema = z.union(
  [httpUrlSchema, z.object({ href: httpUrlSchema, text: z.string().max(LIMITS.summary).nullish() })],
  {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `expected a URL string or an object {href, text}, got ${kindOf(iss.input)}`
        : undefined,
  },
);

const alertSchema = z.object(
  {
    status: z.enum(['firing', 'resolved']),
    summary: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(LIMITS.summary, `too long: at most ${LIMITS.summary} characters`),
    dedup_key: keySchema.nullish(),
    severity: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(LIMITS.labelValue, `too long: at most ${LIMITS.labelValue} characters`)
      .nullish(),
    details: detailsSchema,
    labels: labelsSchema.nullish(),
    links: z.array(linkSchema).max(100, 'too many links: at most 100').nullish(),
    runbook_url: httpUrlSchema.nullish(),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type'
        ? `expected an alert object ({status, summary, ...}), got ${kindOf(iss.input)}`
        : undefined,
  },
);

const alertArray = z
  .array(alertSchema)
  .min(1, 'must have at least 1 alert')
  .max(LIMITS.alerts, `too many alerts: at most ${LIMITS.alerts} per request`);

/** The body of a `generic` integration, as the OpenAPI document shows it. */
export const genericBody = z
  .union([
    alertSchema.meta({
      id: 'GenericAlert',
      description: 'A generic alert (`type: generic`). JSON null is the same as leaving a field out.',
    }),
    alertArray,
  ])
  .meta({ id: 'GenericAlerts', description: `One generic alert, or 1 to ${LIMITS.alerts} of them.` });

type GenericAlert = z.output<typeof alertSchema>;

function toNormalized(integration: Integration, a: GenericAlert): NormalizedAlert {
  const sent = plainMap(a.labels);
  const labels = { ...sent };
  if (a.severity) labels['severity'] = a.severity;
  return {
    source: integration.type,
    integration: integration.name,
    key: a.dedup_key ?? hashKey([a.summary, sortedEntries(sent)]),
    status: a.status,
    action: null,
    summary: a.summary,
    details: detailsText(a.details),
    labels,
    annotations: {},
    links: (a.links ?? []).map((l) =>
      typeof l === 'string' ? { href: l, text: null } : { href: l.href, text: l.text ?? null },
    ),
    runbookUrl: a.runbook_url ?? null,
    startsAt: null,
    endsAt: null,
  };
}

export function normalizeGeneric(integration: Integration, body: unknown): NormalizeResult {
  if (Array.isArray(body)) {
    const r = parse(alertArray, body);
    if (!r.ok) return r;
    return { ok: true, alerts: r.data.map((a) => toNormalized(integration, a)), generatedKey: null };
  }
  if (body === null || typeof body !== 'object')
    return bad('(body)', `expected a JSON object (an alert) or an array of alerts, got ${kindOf(body)}`);
  const r = parse(alertSchema, body);
  if (!r.ok) return r;
  return { ok: true, alerts: [toNormalized(integration, r.data)], generatedKey: null };
}
