/**
 * Opsgenie's Alert API (`type: opsgenie`, docs/senders.md), as Alertmanager's `opsgenie_configs`
 * and Grafana's Opsgenie contact point send it: `POST /v2/alerts` creates (or, with an alias an
 * open incident has, updates) an alert; `POST /v2/alerts/<alias>/close?identifierType=alias` and
 * `/acknowledge` act on it (src/server/api/opsgenie.ts). Pure: no I/O, no clock (the only
 * randomness is the key of an alert sent without `alias`).
 *
 * Choices where Opsgenie's documentation leaves room:
 * - Read: `message` (required, 1 to 1024 characters: Opsgenie cuts at 130, Hark keeps up to its
 *   summary limit), `alias` (1 to 512, Opsgenie's limit), `description` (at most 65536),
 *   `priority` (P1 to P5), `tags` (at most 100 strings of 1 to 256 characters), `details` (an
 *   object of strings: at most 256 entries, names of at most 256 characters, values of at most
 *   4096), `entity` and `source` (at most 4096 each). `responders`, `visibleTo`, `actions`, `user`,
 *   `note` and any other field are accepted and not read: who is paged is Hark's routing.
 * - Key: `alias` (the dedup key, as in Opsgenie); without one, a random UUID, so that such an alert
 *   always opens a new incident (Opsgenie creates a new alert for each create without alias).
 * - Summary: the first line of `message`. Details: `description`.
 * - Labels: every `details` entry (Alertmanager sends the group's common labels there), then
 *   `entity`, `source`, `tags` (joined with commas) and `priority` when given. `priority` also sets
 *   the `severity` label, which the default severities read: P1 → critical (SEV-1), P2 → error
 *   (SEV-2), P3 → warning, P4 and P5 → info (SEV-3). Without `priority`, a `severity` in `details`
 *   is kept. An integration's `priorities:` in hark.yaml maps priorities to severities directly.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Integration, OpsgeniePriority } from '../../config/types.js';
import type { NormalizedAlert, NormalizeResult } from '../types.js';
import { LIMITS, bodyObject, detailsText, kindOf, oneLine, parse } from './common.js';

/** Opsgenie's limit for `alias`. */
export const ALIAS_MAX = 512;

/** The `severity` label a priority sets (read by the default severities of hark.yaml). */
export const PRIORITY_SEVERITY_LABEL: Readonly<Record<OpsgeniePriority, string>> = {
  P1: 'critical',
  P2: 'error',
  P3: 'warning',
  P4: 'info',
  P5: 'info',
};

const text = (max: number) => z.string().max(max, `too long: at most ${max} characters`);

export const aliasSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(ALIAS_MAX, `too long: at most ${ALIAS_MAX} characters (Opsgenie's limit)`);

const detailsSchema = z
  .record(
    z
      .string()
      .min(1, 'detail names must not be empty')
      .max(LIMITS.labelName, `detail name too long: at most ${LIMITS.labelName} characters`),
    z
      .string({
        error: (iss) =>
          `detail values must be strings (Opsgenie's details map strings to strings), got ${kindOf(iss.input)}`,
      })
      .max(LIMITS.labelValue, `detail value too long: at most ${LIMITS.labelValue} characters`),
    {
      error: (iss) =>
        iss.code === 'invalid_type' && iss.input !== undefined
          ? `expected an object of details (name: string value), got ${kindOf(iss.input)}`
          : undefined,
    },
  )
  .refine(
    (m) => Object.keys(m).length <= LIMITS.mapEntries,
    `too many details: at most ${LIMITS.mapEntries}`,
  );

/** The body of `POST /v2/alerts` (also the OpenAPI document's). */
export const opsgenieCreateBody = bodyObject(
  {
    message: z
      .string({
        error: (iss) =>
          iss.input === undefined
            ? 'missing; the alert needs a message'
            : `expected a string, got ${kindOf(iss.input)}`,
      })
      .refine((m) => m.trim() !== '', 'must not be empty')
      .refine((m) => m.length <= LIMITS.summary, `too long: at most ${LIMITS.summary} characters`),
    alias: aliasSchema.nullish(),
    description: text(LIMITS.details).nullish(),
    priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5']).nullish(),
    tags: z
      .array(
        z
          .string()
          .min(1, 'tags must not be empty')
          .max(LIMITS.labelName, `tag too long: at most ${LIMITS.labelName} characters`),
      )
      .max(100, 'too many tags: at most 100')
      .nullish(),
    details: detailsSchema.nullish(),
    entity: text(LIMITS.labelValue).nullish(),
    source: text(LIMITS.labelValue).nullish(),
  },
  'an Opsgenie create-alert request',
).meta({
  id: 'OpsgenieCreateAlert',
  description:
    'Opsgenie’s create-alert request (`type: opsgenie`). `responders`, `visibleTo`, `actions`, ' +
    '`user` and `note` are accepted and not read.',
});

/** The optional body of `close` and `acknowledge` (`{user, source, note}`: accepted, not read). */
export const opsgenieActionBody = z
  .object({
    user: z.string().nullish(),
    source: z.string().nullish(),
    note: z.string().nullish(),
  })
  .meta({ id: 'OpsgenieAlertAction', description: 'Accepted and not read.' });

export function normalizeOpsgenie(integration: Integration, body: unknown): NormalizeResult {
  const r = parse(opsgenieCreateBody, body);
  if (!r.ok) return r;
  const a = r.data;
  const labels: Record<string, string> = a.details ? Object.fromEntries(Object.entries(a.details)) : {};
  if (a.entity) labels['entity'] = a.entity;
  if (a.source) labels['source'] = a.source;
  if (a.tags && a.tags.length > 0) labels['tags'] = a.tags.join(',');
  if (a.priority) {
    labels['priority'] = a.priority;
    labels['severity'] = PRIORITY_SEVERITY_LABEL[a.priority];
  }
  const generatedKey = a.alias ? null : randomUUID();
  const alert: NormalizedAlert = {
    source: 'opsgenie',
    integration: integration.name,
    key: a.alias ?? generatedKey!,
    status: 'firing',
    action: null,
    summary: oneLine(a.message),
    details: detailsText(a.description),
    labels,
    annotations: {},
    links: [],
    runbookUrl: null,
    startsAt: null,
    endsAt: null,
  };
  return { ok: true, alerts: [alert], generatedKey };
}

/** The alert a `close` (resolved) or `acknowledge` of `alias` stands for. */
export function opsgenieAction(
  integration: Integration,
  alias: string,
  action: 'close' | 'acknowledge',
): NormalizedAlert {
  return {
    source: 'opsgenie',
    integration: integration.name,
    key: alias,
    status: action === 'close' ? 'resolved' : 'firing',
    action: action === 'acknowledge' ? 'acknowledge' : null,
    summary: `${action} ${alias}`,
    details: null,
    labels: {},
    annotations: {},
    links: [],
    runbookUrl: null,
    startsAt: null,
    endsAt: null,
  };
}
