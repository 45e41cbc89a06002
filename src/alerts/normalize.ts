/**
 * Alerts in (SPEC section 2): a parsed JSON request body of an integration → normalized alerts, or
 * the first problem as `{field, message}` for a 400. Pure: no I/O, no clock, no state (the only
 * randomness is the UUID for a PagerDuty trigger without `dedup_key`).
 *
 * Rules for every source (details at the top of each file in ./sources/):
 * - Strict about what Hark reads: wrong types, missing required fields and unknown enum values are
 *   a 400 naming the field as a JSON path (`alerts[2].status`, `payload.severity`, `[0].summary`;
 *   the body itself is `(body)`) and saying what is allowed. Lenient about the rest: fields Hark
 *   does not read are accepted and ignored, whatever they hold. JSON `null` in an optional field
 *   means "not set".
 * - Limits (each named in its error): ≤ 1000 alerts per request, ≤ 256 labels/annotations per
 *   alert, names ≤ 256 characters, label values ≤ 4096, annotation values ≤ 16384, summaries ≤ 1024
 *   (derived ones are cut to it), sender dedup keys ≤ 255, details ≤ 65536, free-form JSON fields
 *   (PagerDuty `custom_details`, generic `details`, Grafana `values`) ≤ 32 levels of objects and
 *   arrays (deeper is a 400 naming the field, never a stack overflow).
 * - `links` and `runbookUrl` are always absolute http(s) URLs: from sender-generated fields
 *   (Alertmanager, Grafana, Datadog) others are dropped; where the user writes them (PagerDuty,
 *   generic) others are a 400.
 * - Timestamps become UTC ISO 8601 with milliseconds, or null.
 * - Secrets (tokens, `routing_key`) never reach an alert or an error message: error messages show
 *   a value only for enum fields, and then at most 40 characters of it.
 */
import type { Integration } from '../config/types.js';
import { normalizeAlertmanager } from './sources/alertmanager.js';
import { normalizeDatadog } from './sources/datadog.js';
import { normalizeGeneric } from './sources/generic.js';
import { normalizeGrafana } from './sources/grafana.js';
import { normalizeOpsgenie } from './sources/opsgenie.js';
import { normalizePagerduty } from './sources/pagerduty.js';
import type { NormalizeResult } from './types.js';

export function normalize(integration: Integration, body: unknown): NormalizeResult {
  switch (integration.type) {
    case 'alertmanager':
      return normalizeAlertmanager(integration, body);
    case 'grafana':
      return normalizeGrafana(integration, body);
    case 'datadog':
      return normalizeDatadog(integration, body);
    case 'pagerduty':
      return normalizePagerduty(integration, body);
    case 'generic':
      return normalizeGeneric(integration, body);
    case 'opsgenie':
      return normalizeOpsgenie(integration, body);
  }
}
