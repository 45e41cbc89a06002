/**
 * Datadog Webhooks integration with the payload template from docs/senders.md (SPEC section 2):
 *
 *   { "alert_cycle_key": "$ALERT_CYCLE_KEY", "alert_transition": "$ALERT_TRANSITION",
 *     "alert_priority": "$ALERT_PRIORITY", "alert_title": "$ALERT_TITLE", "event_msg": "$EVENT_MSG",
 *     "link": "$LINK", "tags": "$TAGS", "hostname": "$HOSTNAME", "alert_id": "$ALERT_ID",
 *     "alert_scope": "$ALERT_SCOPE", "date": "$DATE" }
 *
 * Every value is a string (Datadog substitutes into the quoted template); "" means "not set".
 * Choices where the spec is silent:
 * - Required: `alert_transition`, `alert_title` (non-empty), and a key: `alert_cycle_key`, else
 *   `alert_id` (+ `:` + `alert_scope` when there is one; a scope making the key longer than 255
 *   characters is replaced by its hash).
 * - Transition (case-insensitive): `Recovered` → resolved; `Renotify` → firing with action
 *   `renotify`; anything else (Triggered, Re-Triggered, Warn, Re-Warn, No Data, Re-No Data, Null,
 *   whatever Datadog adds) → firing: an unknown transition pages rather than being dropped.
 * - `alert_priority`: "P1" … "P5" → label `severity`, overriding a `severity:` tag; anything else
 *   ("", or a value Datadog may add) → no label, so the default severity applies: Datadog does not
 *   retry a 400, and an alert must never be dropped over its priority. It must be a string.
 * - `tags` (a comma-separated string like "env:prod,team:db,monitor", or an array of strings):
 *   `key:value` → label key = value (split at the first colon, both trimmed); a tag without a colon
 *   → label with an empty value (its presence is kept); the first of repeated keys wins. The raw
 *   tags stay in annotation `tags`. `hostname` → label `host`, overriding a `host:` tag.
 * - Annotations: `alert_transition`, `alert_id`, `alert_scope`, `tags` (non-empty ones), so
 *   severity and service rules can match e.g. `alert_transition: Warn`.
 * - Summary: first line of `alert_title`; details: `event_msg` without Datadog's `%%%` markdown
 *   fences; link: `link` ("Datadog") if it is an http(s) URL; `date` (epoch milliseconds) →
 *   `startsAt` when firing, `endsAt` when recovered.
 */
import { z } from 'zod';
import type { Integration } from '../../config/types.js';
import type { NormalizeResult } from '../types.js';
import {
  LIMITS,
  bad,
  bodyObject,
  detailsText,
  firstText,
  hashKey,
  kindOf,
  linkIf,
  oneLine,
  parse,
} from './common.js';

const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;

const text = (max?: number) =>
  (max === undefined ? z.string() : z.string().max(max, `too long: at most ${max} characters`)).nullish();

const tagsSchema = z
  .union([z.string(), z.array(z.string())], {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `expected a comma-separated string ("$TAGS") or an array of strings, got ${kindOf(iss.input)}`
        : undefined,
  })
  .nullish();

/** The body of a `datadog` integration (also the OpenAPI document's). */
export const datadogBody = bodyObject(
  {
    alert_transition: z.string().trim().min(1, 'must not be empty ($ALERT_TRANSITION)'),
    alert_title: z.string().trim().min(1, 'must not be empty ($ALERT_TITLE)'),
    alert_cycle_key: text(LIMITS.key),
    alert_id: text(LIMITS.key),
    alert_scope: text(LIMITS.labelValue),
    alert_priority: z.string().trim().nullish(),
    event_msg: text(LIMITS.details),
    link: text(),
    tags: tagsSchema,
    hostname: text(LIMITS.labelValue),
    date: z
      .string()
      .trim()
      .refine(
        (d) => d === '' || /^\d{1,15}$/.test(d),
        'expected epoch milliseconds ($DATE), e.g. "1406662672000"',
      )
      .nullish(),
  },
  'the Datadog webhook payload from docs/senders.md',
).meta({
  id: 'DatadogWebhook',
  description:
    'The Datadog webhook payload template of docs/senders.md (`type: datadog`). Every value is a ' +
    'string Datadog fills in; "" means not set. A key is required: `alert_cycle_key`, else `alert_id`.',
});
const payload = datadogBody;

type Tags = { readonly ok: true; readonly labels: Record<string, string> } | ReturnType<typeof bad>;

function tagLabels(tags: string | readonly string[] | null | undefined): Tags {
  const list = tags === null || tags === undefined ? [] : typeof tags === 'string' ? tags.split(',') : tags;
  const labels: Record<string, string> = {};
  for (const [i, raw] of list.entries()) {
    const field = typeof tags === 'string' ? 'tags' : `tags[${i}]`;
    const tag = raw.trim();
    if (tag === '') continue;
    const colon = tag.indexOf(':');
    const name = (colon < 0 ? tag : tag.slice(0, colon)).trim();
    const value = colon < 0 ? '' : tag.slice(colon + 1).trim();
    if (name === '') continue;
    if (name.length > LIMITS.labelName)
      return bad(field, `tag name too long: at most ${LIMITS.labelName} characters`);
    if (value.length > LIMITS.labelValue)
      return bad(field, `tag value too long: at most ${LIMITS.labelValue} characters`);
    if (Object.hasOwn(labels, name)) continue;
    if (Object.keys(labels).length >= LIMITS.mapEntries)
      return bad(field, `too many tags: at most ${LIMITS.mapEntries}`);
    Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return { ok: true, labels };
}

/** Datadog wraps `$EVENT_MSG` markdown in `%%%` fences. */
function stripFences(msg: string): string {
  return msg.replace(/^\s*%%%\s*/, '').replace(/\s*%%%\s*$/, '');
}

export function normalizeDatadog(integration: Integration, body: unknown): NormalizeResult {
  const r = parse(payload, body);
  if (!r.ok) return r;
  const p = r.data;

  const cycleKey = firstText(p.alert_cycle_key)?.trim();
  const alertId = firstText(p.alert_id)?.trim();
  const scope = firstText(p.alert_scope)?.trim();
  let key: string;
  if (cycleKey) key = cycleKey;
  else if (alertId) {
    key = scope ? `${alertId}:${scope}` : alertId;
    if (key.length > LIMITS.key) key = `${alertId}:${hashKey(scope)}`;
  } else return bad('alert_cycle_key', 'missing; send $ALERT_CYCLE_KEY (or $ALERT_ID and $ALERT_SCOPE)');

  const tags = tagLabels(p.tags);
  if (!tags.ok) return tags;
  const labels = tags.labels;
  const host = firstText(p.hostname)?.trim();
  if (host) labels['host'] = host;
  if (p.alert_priority && (PRIORITIES as readonly string[]).includes(p.alert_priority)) {
    labels['severity'] = p.alert_priority;
  }

  const transition = p.alert_transition;
  const lower = transition.toLowerCase();
  const status = lower === 'recovered' ? 'resolved' : 'firing';
  const rawTags = typeof p.tags === 'string' ? p.tags.trim() : Array.isArray(p.tags) ? p.tags.join(',') : '';
  const annotations: Record<string, string> = { alert_transition: transition };
  if (alertId) annotations['alert_id'] = alertId;
  if (scope) annotations['alert_scope'] = scope;
  if (rawTags !== '') annotations['tags'] = rawTags;

  const date = p.date ? new Date(Number(p.date)).toISOString() : null;
  const msg = firstText(p.event_msg);
  return {
    ok: true,
    alerts: [
      {
        source: integration.type,
        integration: integration.name,
        key,
        status,
        action: lower === 'renotify' ? 'renotify' : null,
        summary: oneLine(p.alert_title),
        details: msg === null ? null : detailsText(stripFences(msg)),
        labels,
        annotations,
        links: linkIf(firstText(p.link)?.trim(), 'Datadog'),
        runbookUrl: null,
        startsAt: status === 'firing' ? date : null,
        endsAt: status === 'resolved' ? date : null,
      },
    ],
    generatedKey: null,
  };
}
