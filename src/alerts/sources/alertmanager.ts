/**
 * Prometheus Alertmanager webhook (`webhook_configs`), message version 4 (SPEC section 2).
 *
 * Choices where the spec is silent:
 * - Read: `alerts[]` (1 to 1000; more is a 400, so senders set `max_alerts: 1000`) and per alert
 *   `status`, `labels`, `annotations`, `startsAt`, `endsAt`, `generatorURL`, `fingerprint`. The group
 *   fields (`status`, `groupLabels`, `commonLabels`, `truncatedAlerts`, ...) are not read: each alert
 *   carries its own complete labels and status. `version`, when present, must be "4".
 * - Key: `fingerprint`; when absent or empty, the first 16 hex digits of the SHA-256 of the sorted
 *   labels (what Alertmanager's fingerprint identifies too: the label set).
 * - Summary: the first line of `summary`, else of `description`, else of `message` (annotations),
 *   else `alertname on instance` / `alertname`, else the label set as `{a="b", ...}`; cut to 1024.
 *   Details: `description`, else `message` (full text), unless it is the summary itself.
 * - `runbookUrl`: annotation `runbook_url`, else `runbook`, whichever is an http(s) URL (a name or
 *   a relative path stays only in the annotations). Links: `generatorURL` ("Source") if it is an http(s) URL:
 *   Prometheus without `--web.external-url` sends relative ones, which are dropped, not rejected.
 * - `startsAt`/`endsAt` become UTC ISO; Go's zero time is null. `endsAt` is reported only for
 *   resolved alerts: on a firing alert it is Alertmanager's projected expiry, not an end.
 */
import { z } from 'zod';
import type { Integration } from '../../config/types.js';
import type { AlertLink, NormalizedAlert, NormalizeResult } from '../types.js';
import {
  LIMITS,
  annotationsSchema,
  bodyObject,
  firstText,
  hashKey,
  instantSchema,
  isHttpUrl,
  labelsSchema,
  linkIf,
  oneLine,
  parse,
  plainMap,
  sortedEntries,
} from './common.js';

/** One element of `alerts[]`: the fields Alertmanager and Grafana share. */
export const amAlertShape = {
  status: z.enum(['firing', 'resolved']),
  labels: labelsSchema,
  annotations: annotationsSchema.nullish(),
  startsAt: instantSchema,
  endsAt: instantSchema,
  generatorURL: z.string().nullish(),
  fingerprint: z.string().max(LIMITS.key, `too long: at most ${LIMITS.key} characters`).nullish(),
};

const amAlert = z.object(amAlertShape);
type AmAlert = z.output<typeof amAlert>;

/** `alerts` of an Alertmanager-shaped message, with the per-request limit. */
export function alertsArray<T extends z.ZodType>(alert: T) {
  return z
    .array(alert)
    .min(1, 'must have at least 1 alert')
    .max(LIMITS.alerts, `too many alerts: at most ${LIMITS.alerts} per request (set max_alerts)`);
}

/** The body of an `alertmanager` integration (also the OpenAPI document's). */
export const alertmanagerBody = bodyObject(
  {
    version: z
      .string()
      .refine((v) => v === '4', 'unsupported webhook message version: Hark reads version "4"')
      .nullish()
      .describe('"4"'),
    alerts: alertsArray(amAlert),
  },
  'an Alertmanager webhook message',
).meta({
  id: 'AlertmanagerWebhook',
  description:
    'Prometheus Alertmanager webhook, message version 4 (`type: alertmanager`). Group fields ' +
    '(`receiver`, `groupLabels`, `commonLabels`, ...) are accepted and not read.',
});
const message = alertmanagerBody;

function labelSetText(labels: Readonly<Record<string, string>>): string {
  const entries = sortedEntries(labels);
  if (entries.length === 0) return '(no labels)';
  return `{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
}

/** The normalized alert for one Alertmanager-shaped alert; `extra` adds source-specific parts. */
export function amAlertToNormalized(
  integration: Integration,
  a: AmAlert,
  extra: { readonly details?: readonly string[]; readonly links?: readonly AlertLink[] } = {},
): NormalizedAlert {
  const labels = plainMap(a.labels);
  const annotations = plainMap(a.annotations);
  const fromAnnotations = firstText(
    annotations['summary'],
    annotations['description'],
    annotations['message'],
  );
  const alertname = firstText(labels['alertname']);
  const instance = firstText(labels['instance']);
  const summary = oneLine(
    fromAnnotations ??
      (alertname ? (instance ? `${alertname} on ${instance}` : alertname) : labelSetText(labels)),
  );
  const description = firstText(annotations['description'], annotations['message']);
  const detailParts = [
    ...(description !== null && description.trim() !== summary ? [description] : []),
    ...(extra.details ?? []),
  ];
  const runbook = [annotations['runbook_url'], annotations['runbook']].find((u) => u && isHttpUrl(u));
  return {
    source: integration.type,
    integration: integration.name,
    key: firstText(a.fingerprint) ?? hashKey(sortedEntries(labels)),
    status: a.status,
    action: null,
    summary,
    details: detailParts.length > 0 ? detailParts.join('\n\n') : null,
    labels,
    annotations,
    links: [...linkIf(a.generatorURL, 'Source'), ...(extra.links ?? [])],
    runbookUrl: runbook ?? null,
    startsAt: a.startsAt,
    endsAt: a.status === 'resolved' ? a.endsAt : null,
  };
}

export function normalizeAlertmanager(integration: Integration, body: unknown): NormalizeResult {
  const r = parse(message, body);
  if (!r.ok) return r;
  return {
    ok: true,
    alerts: r.data.alerts.map((a) => amAlertToNormalized(integration, a)),
    generatedKey: null,
  };
}
