/**
 * PagerDuty Events API v2 (`POST /v2/enqueue` or `/v1/alerts/<name>`), alert events (SPEC section 2).
 *
 * Choices where the spec is silent (following PagerDuty's own documented behaviour and limits):
 * - `routing_key` must be a non-empty string; it is the integration's token (checked by the caller
 *   via `requestToken`) and never appears in an alert or an error message.
 * - `trigger`: `payload.summary` (1 to 1024 characters), `payload.source`, `payload.severity`
 *   (critical | error | warning | info) are required. No `dedup_key` → a random UUID, returned as
 *   `generatedKey` (as PagerDuty does: such a trigger always opens a new alert).
 * - `acknowledge` / `resolve`: `dedup_key` is required; `payload` is not read (PagerDuty ignores it
 *   too); the summary is "acknowledge <dedup_key>" / "resolve <dedup_key>". Acknowledge is status
 *   firing with action `acknowledge`.
 * - `dedup_key`: 1 to 255 characters (PagerDuty's limit).
 * - Labels: `severity`, `source`, `component`, `group`, `class` (non-empty ones; each ≤ 4096).
 * - Details: `custom_details` (a string as is, anything else as pretty JSON, ≤ 65536 characters,
 *   at most 32 levels of objects and arrays).
 * - Links: `links[]` `{href, text?}` and `images[]` `{src, href?, alt?}` (the image's `href`, else
 *   its `src`, with `alt` or "Image" as text), then `client_url` with `client` as text: each must
 *   be an absolute http(s) URL (a 400 otherwise). `payload.timestamp` → `startsAt`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Integration } from '../../config/types.js';
import type { AlertLink, NormalizeResult } from '../types.js';
import {
  LIMITS,
  bad,
  bodyObject,
  detailsText,
  httpUrlSchema,
  instantSchema,
  keySchema,
  kindOf,
  parse,
  shallow,
} from './common.js';

const labelText = z
  .string()
  .max(LIMITS.labelValue, `too long: at most ${LIMITS.labelValue} characters`)
  .nullish();

const detailsSchema = shallow(z.unknown()).refine(
  (v) => (detailsText(v)?.length ?? 0) <= LIMITS.details,
  `too large: at most ${LIMITS.details} characters (objects count as pretty JSON)`,
);

const triggerPayload = z.object(
  {
    summary: z
      .string()
      .min(1, 'must not be empty')
      .max(LIMITS.summary, `too long: at most ${LIMITS.summary} characters (PagerDuty's limit)`),
    source: z
      .string()
      .min(1, 'must not be empty')
      .max(LIMITS.labelValue, `too long: at most ${LIMITS.labelValue} characters`),
    severity: z.enum(['critical', 'error', 'warning', 'info']),
    timestamp: instantSchema,
    component: labelText,
    group: labelText,
    class: labelText,
    custom_details: detailsSchema.optional(),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type' && iss.input === undefined
        ? 'missing; required for trigger events'
        : undefined,
  },
);

const linksSchema = z
  .array(z.object({ href: httpUrlSchema, text: z.string().max(LIMITS.summary).nullish() }))
  .max(100, 'too many links: at most 100')
  .nullish();

const imagesSchema = z
  .array(
    z.object({
      src: httpUrlSchema,
      href: httpUrlSchema.nullish(),
      alt: z.string().max(LIMITS.summary).nullish(),
    }),
  )
  .max(100, 'too many images: at most 100')
  .nullish();

const event = bodyObject(
  {
    routing_key: z
      .string({
        error: (iss) =>
          iss.input === undefined
            ? "missing; expected the integration's token"
            : `expected a string, got ${kindOf(iss.input)}`,
      })
      .min(1, 'must not be empty'),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: keySchema.nullish(),
    links: linksSchema,
    images: imagesSchema,
    client: z.string().max(LIMITS.summary).nullish(),
    client_url: httpUrlSchema.nullish(),
  },
  'a PagerDuty Events API v2 event',
);

/**
 * The body of a `pagerduty` integration and of `/v2/enqueue`, as the OpenAPI document shows it:
 * the event with its `payload` (read for `trigger` only).
 */
export const pagerdutyBody = event
  .extend({
    payload: triggerPayload
      .optional()
      .describe('Read for `trigger` only, where `summary`, `source` and `severity` are required.'),
  })
  .meta({
    id: 'PagerDutyEvent',
    description:
      'A PagerDuty Events API v2 event (`type: pagerduty`). `routing_key` is the integration token. ' +
      '`acknowledge` and `resolve` need `dedup_key`; `trigger` needs `payload`.',
  });

export function normalizePagerduty(integration: Integration, body: unknown): NormalizeResult {
  const r = parse(event, body);
  if (!r.ok) return r;
  const e = r.data;
  const links: AlertLink[] = [
    ...(e.links ?? []).map((l) => ({ href: l.href, text: l.text ?? null })),
    ...(e.images ?? []).map((i) => ({ href: i.href ?? i.src, text: i.alt ?? 'Image' })),
    ...(e.client_url ? [{ href: e.client_url, text: e.client ?? null }] : []),
  ];
  const base = {
    source: integration.type,
    integration: integration.name,
    annotations: {},
    links,
    runbookUrl: null,
  };

  if (e.event_action !== 'trigger') {
    if (e.dedup_key === undefined || e.dedup_key === null)
      return bad('dedup_key', `missing; required for ${e.event_action} events`);
    const alert = {
      ...base,
      key: e.dedup_key,
      status: e.event_action === 'resolve' ? ('resolved' as const) : ('firing' as const),
      action: e.event_action === 'acknowledge' ? ('acknowledge' as const) : null,
      summary: `${e.event_action} ${e.dedup_key}`,
      details: null,
      labels: {},
      startsAt: null,
      endsAt: null,
    };
    return { ok: true, alerts: [alert], generatedKey: null };
  }

  const pr = parse(triggerPayload, (body as { payload?: unknown }).payload, ['payload']);
  if (!pr.ok) return pr;
  const p = pr.data;
  const labels: Record<string, string> = { severity: p.severity, source: p.source };
  for (const name of ['component', 'group', 'class'] as const) {
    const v = p[name];
    if (v) labels[name] = v;
  }
  const generatedKey = e.dedup_key ? null : randomUUID();
  return {
    ok: true,
    alerts: [
      {
        ...base,
        key: e.dedup_key ?? generatedKey!,
        status: 'firing',
        action: null,
        summary: p.summary,
        details: detailsText(p.custom_details),
        labels,
        startsAt: p.timestamp,
        endsAt: null,
      },
    ],
    generatedKey,
  };
}
