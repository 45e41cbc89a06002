/**
 * `GET /openapi.json`: the HTTP API as an OpenAPI 3.1 document (SPEC section 7). Written by hand
 * from the routes in app.ts, api/*.ts, answers/*.ts and alerts/receiver.ts; the test
 * (test/server/openapi.test.ts) fails when a route under /v1 or /v2 is registered but not described
 * here, and when a `$ref` points at nothing.
 */
import { EVENT_TYPES } from '../events/schema.js';
import { z } from 'zod';
import { eventsQuery } from './api/events.js';

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses it); kept loose on purpose. */
export type JsonSchema = { readonly [keyword: string]: unknown };

export type RefObject = { readonly $ref: string };

export interface MediaTypeObject {
  readonly schema: JsonSchema;
  readonly example?: unknown;
}

export interface HeaderObject {
  readonly description: string;
  readonly schema: JsonSchema;
}

export interface ResponseObject {
  readonly description: string;
  readonly headers?: Readonly<Record<string, HeaderObject | RefObject>>;
  readonly content?: Readonly<Record<string, MediaTypeObject>>;
}

export interface ParameterObject {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

export interface RequestBodyObject {
  readonly description?: string;
  readonly required?: boolean;
  readonly content: Readonly<Record<string, MediaTypeObject>>;
}

/** `[{apiToken: []}]`; `[]` means no authentication. */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

export interface OperationObject {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly security: readonly SecurityRequirement[];
  readonly parameters?: readonly (ParameterObject | RefObject)[];
  readonly requestBody?: RequestBodyObject;
  readonly responses: Readonly<Record<string, ResponseObject | RefObject>>;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';
export type PathItemObject = Partial<Record<HttpMethod, OperationObject>>;

export interface SecuritySchemeObject {
  readonly type: 'http' | 'apiKey';
  readonly scheme?: string;
  readonly in?: 'header' | 'query' | 'cookie';
  readonly name?: string;
  readonly description: string;
}

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: {
    readonly title: string;
    readonly version: string;
    readonly summary?: string;
    readonly description?: string;
    readonly license?: { readonly name: string; readonly identifier: string };
  };
  readonly jsonSchemaDialect?: string;
  readonly servers: readonly { readonly url: string; readonly description?: string }[];
  readonly security: readonly SecurityRequirement[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, PathItemObject>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly responses: Readonly<Record<string, ResponseObject>>;
    readonly parameters: Readonly<Record<string, ParameterObject>>;
    readonly headers: Readonly<Record<string, HeaderObject>>;
    readonly securitySchemes: Readonly<Record<string, SecuritySchemeObject>>;
  };
}

/** The version in package.json (also the CLI's `--version`). */
export const HARK_VERSION = '0.1.0';

// ------------------------------------------------------------------------------------------------
// Helpers

const schema = (name: string): RefObject => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string): RefObject => ({ $ref: `#/components/responses/${name}` });
const parameter = (name: string): RefObject => ({ $ref: `#/components/parameters/${name}` });
const header = (name: string): RefObject => ({ $ref: `#/components/headers/${name}` });

const json = (description: string, body: JsonSchema, example?: unknown): ResponseObject => ({
  description,
  content: { 'application/json': example === undefined ? { schema: body } : { schema: body, example } },
});

const nullable = (type: string, extra: JsonSchema = {}): JsonSchema => ({ type: [type, 'null'], ...extra });
const instant: JsonSchema = { type: 'string', format: 'date-time' };
const nullableInstant: JsonSchema = nullable('string', { format: 'date-time' });
const stringMap = (description: string): JsonSchema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string' },
});

const HTML: Readonly<Record<string, MediaTypeObject>> = { 'text/html': { schema: { type: 'string' } } };
const TEXT: Readonly<Record<string, MediaTypeObject>> = { 'text/plain': { schema: { type: 'string' } } };

const API_TOKEN: readonly SecurityRequirement[] = [{ apiToken: [] }];
const NONE: readonly SecurityRequirement[] = [];
const TWILIO: readonly SecurityRequirement[] = [{ twilioSignature: [] }];
/** Integration tokens; `{}` (none) because a `pagerduty` integration takes `routing_key` in the body. */
const INTEGRATION: readonly SecurityRequirement[] = [
  { integrationBearer: [] },
  { integrationBasic: [] },
  { integrationHeader: [] },
  {},
];

/** Every JSON API answer can also be these. */
const API_ERRORS = {
  '401': response('Unauthorized'),
  '500': response('Internal'),
  '503': response('Unavailable'),
} as const;

const form = (body: JsonSchema): RequestBodyObject => ({
  required: false,
  content: { 'application/x-www-form-urlencoded': { schema: body } },
});

const jsonBody = (body: JsonSchema, required: boolean, description?: string): RequestBodyObject => ({
  ...(description === undefined ? {} : { description }),
  required,
  content: { 'application/json': { schema: body } },
});

/** The optional `{"as": "<person>"}` of an incident action. */
const actAs: RequestBodyObject = jsonBody(
  schema('ActAs'),
  false,
  'Optional. An empty body acts as the token (its person, else the token name).',
);

function incidentAction(operationId: string, summary: string, description: string): OperationObject {
  return {
    operationId,
    summary,
    description,
    tags: ['incidents'],
    security: API_TOKEN,
    parameters: [parameter('IncidentId')],
    requestBody: actAs,
    responses: {
      '200': response('IncidentAnswer'),
      '400': response('BadRequest'),
      '404': response('NotFound'),
      '409': response('Conflict'),
      ...API_ERRORS,
    },
  };
}

function icsFeed(operationId: string, summary: string, what: string): OperationObject {
  return {
    operationId,
    summary,
    description:
      `The ${what} as an iCalendar feed of final shifts (with runtime overrides), for a calendar app ` +
      'to subscribe to. Authenticated by its read-only feed token in the query (calendar apps cannot ' +
      'send headers; `hark feed-url` prints the URL), not by an API token. The token is checked ' +
      'first. Default range: 7 days back to 90 days ahead; at most 400 days.',
    tags: ['schedules'],
    security: NONE,
    parameters: [
      {
        name: 'name',
        in: 'path',
        required: true,
        description: what === 'schedule' ? 'The schedule name.' : 'The person name.',
        schema: schema('Name'),
      },
      {
        name: 'token',
        in: 'query',
        required: true,
        description: 'A read-only feed token.',
        schema: { type: 'string' },
      },
      {
        name: 'from',
        in: 'query',
        description:
          'Start of the range: ISO 8601 (local to the schedule or person without an offset) or `now`.',
        schema: { type: 'string', examples: ['2026-03-01', '2026-03-01T09:00Z'] },
      },
      {
        name: 'to',
        in: 'query',
        description: 'End of the range, as `from`.',
        schema: { type: 'string', examples: ['2026-04-01'] },
      },
    ],
    responses: {
      '200': {
        description: 'The shifts as VEVENTs.',
        content: { 'text/calendar': { schema: { type: 'string' } } },
      },
      '400': response('BadRequest'),
      '401': response('Unauthorized'),
      '404': response('NotFound'),
      '500': response('Internal'),
      '503': response('Unavailable'),
    },
  };
}

const twimlAnswer = (description: string): ResponseObject => ({
  description,
  content: { 'text/xml': { schema: { type: 'string', description: 'TwiML (`<Response>…</Response>`).' } } },
});

// ------------------------------------------------------------------------------------------------
// Schemas

const alertmanagerAlertProperties = {
  status: { type: 'string', enum: ['firing', 'resolved'] },
  labels: stringMap('Label name → value (at most 256 labels; names ≤ 256, values ≤ 4096 characters).'),
  annotations: nullable('object', {
    description: 'Annotation name → value (values ≤ 16384 characters).',
    additionalProperties: { type: 'string' },
  }),
  startsAt: nullable('string', { description: 'RFC 3339 instant.' }),
  endsAt: nullable('string', {
    description: "RFC 3339 instant; read for resolved alerts only; Go's zero time means none.",
  }),
  generatorURL: nullable('string', { description: 'Kept as a "Source" link when it is an http(s) URL.' }),
  fingerprint: nullable('string', {
    maxLength: 255,
    description: 'The dedup key; without it, a hash of the sorted labels.',
  }),
} as const;

const schemas: Record<string, JsonSchema> = {
  Error: {
    type: 'object',
    description: 'Every JSON error answer (SPEC section 7).',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: {
            type: 'string',
            description: 'Stable, machine-readable.',
            examples: [
              'unauthorized',
              'not_found',
              'conflict',
              'invalid_id',
              'invalid_query',
              'invalid_body',
              'invalid_json',
              'invalid_alert',
              'unknown_integration',
              'unsupported_media_type',
              'payload_too_large',
              'rate_limited',
              'unrouted',
              'unavailable',
              'internal',
            ],
          },
          message: { type: 'string', description: 'For people; never repeats a secret.' },
          field: {
            type: 'string',
            description: 'The offending field (`alerts[2].labels`, `as`, `(body)`), when there is one.',
          },
        },
      },
    },
  },
  Name: {
    type: 'string',
    pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
    description: 'A person, schedule, policy, service or integration name.',
  },
  IncidentState: { type: 'string', enum: ['triggered', 'acknowledged', 'resolved'] },
  IncidentRole: { type: 'string', enum: ['commander', 'tech-lead', 'comms', 'scribe'] },
  Actor: {
    type: 'string',
    description: 'Who did something: `person:alice`, `token:ops-cli`, `integration:prometheus`, `hark`.',
    examples: ['person:alice', 'token:ops-cli', 'integration:prometheus', 'hark'],
  },
  AlertLink: {
    type: 'object',
    required: ['href', 'text'],
    properties: { href: { type: 'string', format: 'uri' }, text: nullable('string') },
  },
  IncidentAlert: {
    type: 'object',
    description: 'An alert of the incident: the latest payload received for it, with its state.',
    required: [
      'id',
      'source',
      'integration',
      'key',
      'status',
      'summary',
      'details',
      'labels',
      'annotations',
      'links',
      'runbookUrl',
      'startsAt',
      'endsAt',
      'receivedAt',
    ],
    properties: {
      id: { type: 'string', description: '`<integration>/<dedup key>`.', examples: ['prometheus/3f2a…'] },
      source: { type: 'string', enum: ['alertmanager', 'grafana', 'datadog', 'pagerduty', 'generic'] },
      integration: { type: 'string' },
      key: { type: 'string', description: 'The dedup key.' },
      status: { type: 'string', enum: ['firing', 'resolved'] },
      summary: { type: 'string' },
      details: nullable('string'),
      labels: stringMap('Labels, as routing and severity rules see them.'),
      annotations: stringMap('Annotations (Alertmanager, Grafana; Datadog transition, id, scope, tags).'),
      links: { type: 'array', items: schema('AlertLink') },
      runbookUrl: nullable('string', { format: 'uri' }),
      startsAt: nullableInstant,
      endsAt: nullableInstant,
      receivedAt: instant,
    },
  },
  TimelineEvent: {
    type: 'object',
    description:
      'One event on an incident timeline. Besides `at`, `type` and `actor`, each type carries its own ' +
      'details (`alert`, `summary`, `person`, `channel`, `step`, `text`, `role`, `error`, ...).',
    required: ['at', 'type', 'actor'],
    properties: {
      at: instant,
      type: { type: 'string', enum: [...EVENT_TYPES] },
      actor: schema('Actor'),
    },
    additionalProperties: true,
  },
  Incident: {
    type: 'object',
    description:
      'An incident (SPEC sections 3 and 7). `timeline` is present on `GET /v1/incidents/{id}` and in ' +
      'the answers to actions, not in lists.',
    required: [
      'id',
      'key',
      'state',
      'service',
      'severity',
      'urgency',
      'title',
      'runbook',
      'escalationPolicy',
      'alerts',
      'createdAt',
      'acknowledgedAt',
      'acknowledgedBy',
      'resolvedAt',
      'resolvedBy',
      'commander',
      'roles',
    ],
    properties: {
      id: { type: 'integer', minimum: 1, description: 'Increasing across the installation.' },
      key: {
        type: 'string',
        description:
          'The incident key: `<service>:<group_by label values>`, or `<service>:alert=<alert id>` without group_by or when the alert has none of its labels.',
      },
      state: schema('IncidentState'),
      service: { type: 'string' },
      severity: { type: 'string', examples: ['SEV-1'] },
      urgency: { type: 'string', enum: ['high', 'low'] },
      title: { type: 'string' },
      runbook: nullable('string', {
        description: 'A runbook name (served at `/runbooks/<name>`) or an external URL.',
      }),
      escalationPolicy: { type: 'string', description: 'The policy fixed when the incident opened.' },
      alerts: { type: 'array', items: schema('IncidentAlert') },
      createdAt: instant,
      acknowledgedAt: nullableInstant,
      acknowledgedBy: { oneOf: [schema('Actor'), { type: 'null' }] },
      resolvedAt: nullableInstant,
      resolvedBy: { oneOf: [schema('Actor'), { type: 'null' }] },
      commander: nullable('string', { description: 'The person holding the commander role.' }),
      roles: {
        type: 'object',
        description: 'Incident role → person holding it.',
        propertyNames: schema('IncidentRole'),
        additionalProperties: { type: 'string' },
      },
      timeline: { type: 'array', items: schema('TimelineEvent') },
    },
  },
  IncidentList: {
    type: 'object',
    required: ['incidents'],
    properties: { incidents: { type: 'array', items: schema('Incident'), description: 'Newest first.' } },
  },
  EventPage: {
    type: 'object',
    required: ['events', 'next'],
    properties: {
      events: {
        type: 'array',
        description: 'Oldest first.',
        items: {
          type: 'object',
          required: ['id', 'incident', 'event'],
          properties: {
            id: {
              type: 'string',
              pattern: '^\\d+-\\d+$',
              description: 'The stream entry id (a redelivery has the same).',
            },
            incident: { type: 'integer', minimum: 1 },
            event: schema('TimelineEvent'),
          },
        },
      },
      next: {
        type: 'string',
        description:
          'Pass as `after` for the next page: the last id read, else the `after` given, else `0-0`.',
      },
    },
  },
  IncidentEnvelope: {
    type: 'object',
    required: ['incident'],
    properties: { incident: schema('Incident') },
  },
  ActAs: {
    type: 'object',
    additionalProperties: false,
    properties: {
      as: { type: 'string', description: 'Act in the name of this person (the CLI’s `--as`).' },
    },
  },
  Note: {
    type: 'object',
    required: ['text'],
    additionalProperties: false,
    properties: { text: { type: 'string', minLength: 1, maxLength: 4000 } },
  },
  RoleAssignment: {
    type: 'object',
    required: ['role', 'person'],
    additionalProperties: false,
    properties: { role: schema('IncidentRole'), person: { type: 'string' } },
  },
  OncallRow: {
    type: 'object',
    required: ['schedule', 'role', 'person', 'since', 'until'],
    properties: {
      schedule: { type: 'string' },
      role: { type: 'string' },
      person: nullable('string', { description: 'null where nobody holds the role.' }),
      since: nullableInstant,
      until: nullableInstant,
    },
  },
  Shift: {
    type: 'object',
    required: ['role', 'person', 'start', 'end', 'source'],
    properties: {
      role: { type: 'string' },
      person: { type: 'string' },
      start: instant,
      end: instant,
      source: {
        type: 'string',
        description: '`rotation:<name>`, `override:git:<index>` or `override:<id>` (a runtime override).',
        examples: ['rotation:weekly', 'override:git:0', 'override:o3'],
      },
    },
  },
  Override: {
    type: 'object',
    required: ['id', 'schedule', 'role', 'person', 'from', 'to', 'createdAt', 'createdBy', 'reason'],
    properties: {
      id: { type: 'string', examples: ['o3'] },
      schedule: { type: 'string' },
      role: { type: 'string' },
      person: { type: 'string' },
      from: instant,
      to: instant,
      createdAt: instant,
      createdBy: { oneOf: [schema('Actor'), { type: 'null' }] },
      reason: nullable('string'),
    },
  },
  NewOverride: {
    type: 'object',
    required: ['person'],
    additionalProperties: false,
    description:
      'Times are ISO 8601, local to the schedule without an offset, or `now`. `from` defaults to now; ' +
      'without `to` or `duration` the override lasts until the current holder’s interval ends, else 1h.',
    properties: {
      role: { type: 'string', minLength: 1, description: 'Default: primary.' },
      person: { type: 'string', minLength: 1 },
      from: { type: 'string' },
      to: { type: 'string', description: 'Not with `duration`.' },
      duration: { type: 'string', examples: ['2h', '1h30m'], description: 'Not with `to`.' },
      reason: { type: 'string' },
      as: { type: 'string', description: 'Create it in the name of this person.' },
    },
  },
  // -------------------------------------------------------------------------------- alerts in
  AlertmanagerWebhook: {
    type: 'object',
    description:
      'Prometheus Alertmanager webhook, message version 4 (`type: alertmanager`). Group fields ' +
      '(`receiver`, `groupLabels`, `commonLabels`, ...) are accepted and not read.',
    required: ['alerts'],
    properties: {
      version: nullable('string', { const: '4' }),
      alerts: {
        type: 'array',
        minItems: 1,
        maxItems: 1000,
        items: schema('AlertmanagerAlert'),
      },
    },
    additionalProperties: true,
  },
  AlertmanagerAlert: {
    type: 'object',
    required: ['status', 'labels'],
    properties: alertmanagerAlertProperties,
    additionalProperties: true,
  },
  GrafanaWebhook: {
    type: 'object',
    description:
      'Grafana unified alerting webhook contact point (`type: grafana`): the Alertmanager shape; ' +
      '`title`, `state`, `message`, `orgId` and `version` are accepted and not read.',
    required: ['alerts'],
    properties: {
      alerts: { type: 'array', minItems: 1, maxItems: 1000, items: schema('GrafanaAlert') },
    },
    additionalProperties: true,
  },
  GrafanaAlert: {
    type: 'object',
    required: ['status', 'labels'],
    properties: {
      ...alertmanagerAlertProperties,
      values: nullable('object', { description: 'Ref ID → value; shown in the details.' }),
      valueString: nullable('string'),
      silenceURL: nullable('string'),
      dashboardURL: nullable('string'),
      panelURL: nullable('string'),
      imageURL: nullable('string'),
    },
    additionalProperties: true,
  },
  DatadogWebhook: {
    type: 'object',
    description:
      'The Datadog webhook payload template of docs/senders.md (`type: datadog`). Every value is a ' +
      'string Datadog fills in; "" means not set. A key is required: `alert_cycle_key`, else `alert_id`.',
    required: ['alert_transition', 'alert_title'],
    properties: {
      alert_transition: {
        type: 'string',
        minLength: 1,
        description: '`Recovered` resolves; `Renotify` is recorded and pages nobody; anything else fires.',
        examples: ['Triggered', 'Recovered', 'Re-Triggered', 'Warn', 'No Data', 'Renotify'],
      },
      alert_title: { type: 'string', minLength: 1 },
      alert_cycle_key: nullable('string', { maxLength: 255 }),
      alert_id: nullable('string', { maxLength: 255 }),
      alert_scope: nullable('string', { maxLength: 4096 }),
      alert_priority: nullable('string', { description: '`P1`…`P5` becomes the label `severity`.' }),
      event_msg: nullable('string', { maxLength: 65536 }),
      link: nullable('string'),
      tags: {
        description: '`key:value` tags become labels: "env:prod,team:db" or an array of strings.',
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }],
      },
      hostname: nullable('string', { maxLength: 4096, description: 'Becomes the label `host`.' }),
      date: nullable('string', { pattern: '^(\\d{1,15})?$', description: 'Epoch milliseconds.' }),
    },
    additionalProperties: true,
  },
  PagerDutyEvent: {
    type: 'object',
    description:
      'A PagerDuty Events API v2 event (`type: pagerduty`). `routing_key` is the integration token. ' +
      '`acknowledge` and `resolve` need `dedup_key`; `trigger` needs `payload`.',
    required: ['routing_key', 'event_action'],
    properties: {
      routing_key: { type: 'string', minLength: 1 },
      event_action: { type: 'string', enum: ['trigger', 'acknowledge', 'resolve'] },
      dedup_key: nullable('string', { minLength: 1, maxLength: 255 }),
      payload: {
        type: 'object',
        description: 'Read for `trigger` only, where `summary`, `source` and `severity` are required.',
        properties: {
          summary: { type: 'string', minLength: 1, maxLength: 1024 },
          source: { type: 'string', minLength: 1, maxLength: 4096 },
          severity: { type: 'string', enum: ['critical', 'error', 'warning', 'info'] },
          timestamp: nullable('string', { description: 'RFC 3339 instant.' }),
          component: nullable('string', { maxLength: 4096 }),
          group: nullable('string', { maxLength: 4096 }),
          class: nullable('string', { maxLength: 4096 }),
          custom_details: {
            description: 'Any JSON (at most 32 levels of objects and arrays); shown as details.',
          },
        },
        additionalProperties: true,
      },
      links: nullable('array', {
        maxItems: 100,
        items: {
          type: 'object',
          required: ['href'],
          properties: { href: { type: 'string', format: 'uri' }, text: nullable('string') },
        },
      }),
      images: nullable('array', {
        maxItems: 100,
        items: {
          type: 'object',
          required: ['src'],
          properties: {
            src: { type: 'string', format: 'uri' },
            href: nullable('string', { format: 'uri' }),
            alt: nullable('string'),
          },
        },
      }),
      client: nullable('string'),
      client_url: nullable('string', { format: 'uri' }),
    },
    additionalProperties: true,
    allOf: [
      {
        if: { properties: { event_action: { const: 'trigger' } } },
        then: {
          required: ['payload'],
          properties: { payload: { required: ['summary', 'source', 'severity'] } },
        },
        else: { required: ['dedup_key'] },
      },
    ],
  },
  GenericAlert: {
    type: 'object',
    description: 'A generic alert (`type: generic`). JSON null is the same as leaving a field out.',
    required: ['status', 'summary'],
    properties: {
      status: { type: 'string', enum: ['firing', 'resolved'] },
      summary: { type: 'string', minLength: 1, maxLength: 1024 },
      dedup_key: nullable('string', {
        minLength: 1,
        maxLength: 255,
        description: 'Default: a hash of the summary and labels.',
      }),
      severity: nullable('string', { minLength: 1, description: 'Becomes the label `severity`.' }),
      details: {
        description:
          'Text, or an object shown as pretty JSON (at most 65536 characters and 32 levels of objects and arrays).',
        oneOf: [{ type: 'string' }, { type: 'object' }, { type: 'null' }],
      },
      labels: nullable('object', { additionalProperties: { type: 'string' } }),
      links: nullable('array', {
        maxItems: 100,
        items: {
          oneOf: [
            { type: 'string', format: 'uri' },
            {
              type: 'object',
              required: ['href'],
              properties: { href: { type: 'string', format: 'uri' }, text: nullable('string') },
            },
          ],
        },
      }),
      runbook_url: nullable('string', { format: 'uri' }),
    },
    additionalProperties: true,
  },
  GenericAlerts: {
    description: 'One generic alert, or 1 to 1000 of them.',
    oneOf: [
      schema('GenericAlert'),
      { type: 'array', minItems: 1, maxItems: 1000, items: schema('GenericAlert') },
    ],
  },
  IncidentRef: {
    type: 'object',
    required: ['id', 'key', 'status', 'new'],
    properties: {
      id: { type: 'integer', minimum: 1 },
      key: { type: 'string' },
      status: schema('IncidentState'),
      new: { type: 'boolean', description: 'Whether this request opened the incident.' },
    },
  },
  AlertsAccepted: {
    type: 'object',
    description: 'The incidents the request\u2019s alerts opened or joined, once durably stored.',
    required: ['incidents'],
    properties: { incidents: { type: 'array', items: schema('IncidentRef') } },
  },
  PagerDutyAccepted: {
    type: 'object',
    description: 'PagerDuty’s answer shape, plus `incidents`.',
    required: ['status', 'message', 'dedup_key', 'incidents'],
    properties: {
      status: { const: 'success' },
      message: { type: 'string', examples: ['Event processed'] },
      dedup_key: nullable('string', { description: 'Generated when a trigger had none.' }),
      incidents: { type: 'array', items: schema('IncidentRef') },
    },
  },
  // -------------------------------------------------------------------------------- Twilio
  TwilioSmsForm: {
    type: 'object',
    description: 'Twilio’s incoming-message webhook parameters (only `From` and `Body` are read).',
    properties: { From: { type: 'string' }, Body: { type: 'string' } },
    additionalProperties: true,
  },
  TwilioStatusForm: {
    type: 'object',
    description: 'Twilio’s status callback parameters for a message or a call.',
    properties: {
      MessageSid: { type: 'string' },
      SmsSid: { type: 'string' },
      CallSid: { type: 'string' },
      MessageStatus: { type: 'string' },
      SmsStatus: { type: 'string' },
      CallStatus: { type: 'string' },
      AnsweredBy: { type: 'string' },
      ErrorCode: { type: 'string' },
    },
    additionalProperties: true,
  },
  TwilioVoiceForm: {
    type: 'object',
    properties: {
      CallSid: { type: 'string' },
      CallStatus: { type: 'string' },
      AnsweredBy: { type: 'string', description: 'A machine or fax answering hangs up.' },
    },
    additionalProperties: true,
  },
  TwilioGatherForm: {
    type: 'object',
    properties: {
      Digits: { type: 'string', description: '4 acknowledge, 6 resolve, 5 escalate, `*` repeat.' },
    },
    additionalProperties: true,
  },
  // -------------------------------------------------------------------------------- webhooks
  WebhookDelivery: {
    type: 'object',
    description:
      'One delivery attempt. `delivered` and `failed` are final; `retrying` goes again at `nextAttemptAt`.',
    required: [
      'id',
      'type',
      'incident',
      'attempt',
      'at',
      'status',
      'error',
      'durationMs',
      'outcome',
      'nextAttemptAt',
    ],
    properties: {
      id: { type: 'string', description: 'The `webhook-id` header: the event stream id, or `test_…`.' },
      type: { type: 'string', examples: ['incident.opened', 'webhook.test'] },
      incident: nullable('integer'),
      attempt: { type: 'integer', minimum: 1 },
      at: instant,
      status: nullable('integer', { description: 'The receiver’s HTTP status; null: no answer.' }),
      error: nullable('string'),
      durationMs: { type: 'integer' },
      outcome: { enum: ['delivered', 'retrying', 'failed'] },
      nextAttemptAt: nullableInstant,
    },
  },
  WebhookSummary: {
    type: 'object',
    description: 'A webhook of hark.yaml (never its secret) with its counters and last attempt.',
    required: ['name', 'url', 'events', 'services', 'severities', 'timeoutMs', 'counts', 'last'],
    properties: {
      name: { type: 'string' },
      url: { type: 'string', format: 'uri' },
      events: { type: 'array', items: { type: 'string' } },
      services: nullable('array', { items: { type: 'string' } }),
      severities: nullable('array', { items: { type: 'string' } }),
      timeoutMs: { type: 'integer' },
      counts: {
        type: 'object',
        description: 'Attempts per outcome.',
        properties: {
          delivered: { type: 'integer' },
          retrying: { type: 'integer' },
          failed: { type: 'integer' },
        },
      },
      last: { oneOf: [schema('WebhookDelivery'), { type: 'null' }] },
    },
  },
  // -------------------------------------------------------------------------------- config
  ConfigIssue: {
    type: 'object',
    required: ['file', 'line', 'col', 'message'],
    properties: {
      file: { type: 'string', examples: ['schedules/platform.yaml'] },
      line: { type: 'integer' },
      col: { type: 'integer' },
      message: { type: 'string' },
    },
  },
  ConfigChanges: {
    type: 'object',
    properties: {
      added: { type: 'array', items: { type: 'string' } },
      removed: { type: 'array', items: { type: 'string' } },
      changed: { type: 'array', items: { type: 'string' } },
    },
  },
  ConfigReloaded: {
    type: 'object',
    required: ['reloaded', 'warnings', 'changed'],
    properties: {
      reloaded: { const: true },
      warnings: { type: 'array', items: schema('ConfigIssue') },
      changed: {
        type: 'object',
        description: 'Per section, the names added, removed or changed; `settings`: whether they changed.',
        properties: {
          people: schema('ConfigChanges'),
          schedules: schema('ConfigChanges'),
          policies: schema('ConfigChanges'),
          services: schema('ConfigChanges'),
          integrations: schema('ConfigChanges'),
          runbooks: schema('ConfigChanges'),
          webhooks: schema('ConfigChanges'),
          settings: { type: 'boolean' },
        },
      },
    },
  },
  InvalidConfig: {
    type: 'object',
    description: 'The error shape with every validation error; the running config stays.',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'errors'],
        properties: {
          code: { const: 'invalid_config' },
          message: { type: 'string' },
          errors: { type: 'array', items: schema('ConfigIssue') },
        },
      },
    },
  },
};

// ------------------------------------------------------------------------------------------------
// Paths

const paths: Record<string, PathItemObject> = {
  // ---------------------------------------------------------------------------- alerts in
  '/v1/alerts/{integration}': {
    post: {
      operationId: 'receiveAlerts',
      summary: 'Send alerts to an integration',
      description:
        'The body is the shape of the integration’s `type` in hark.yaml. Checked in this order: ' +
        'integration (404), content type (415), size (413, `settings.max_body`), token (401), rate ' +
        'limit (429), body (400), routing (422). Nothing is stored unless every alert of the request ' +
        'is valid and routable; 202 comes only after every write. Authenticate with the integration ' +
        'token as a bearer token, the basic-auth password or `X-Hark-Token`; a `pagerduty` ' +
        'integration takes `routing_key` in the body instead.',
      tags: ['alerts'],
      security: INTEGRATION,
      parameters: [
        {
          name: 'integration',
          in: 'path',
          required: true,
          description: 'The integration name in hark.yaml.',
          schema: schema('Name'),
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              anyOf: [
                schema('AlertmanagerWebhook'),
                schema('GrafanaWebhook'),
                schema('DatadogWebhook'),
                schema('PagerDutyEvent'),
                schema('GenericAlerts'),
              ],
            },
          },
        },
      },
      responses: {
        '202': {
          description: 'Stored; `PagerDutyAccepted` for a `pagerduty` integration.',
          content: {
            'application/json': {
              schema: { oneOf: [schema('AlertsAccepted'), schema('PagerDutyAccepted')] },
              example: {
                incidents: [
                  { id: 42, key: 'checkout:alertname=HighLatency', status: 'triggered', new: true },
                ],
              },
            },
          },
        },
        '400': response('BadRequest'),
        '401': response('Unauthorized'),
        '404': response('NotFound'),
        '413': response('PayloadTooLarge'),
        '415': response('UnsupportedMediaType'),
        '422': json('No service takes an alert (`unrouted`); nothing was stored.', schema('Error')),
        '429': response('RateLimited'),
        '500': response('Internal'),
        '503': response('Unavailable'),
      },
    },
  },
  '/v2/enqueue': {
    post: {
      operationId: 'enqueueEvent',
      summary: 'PagerDuty Events API v2',
      description:
        'For senders that speak PagerDuty: the integration is the `pagerduty` one whose token equals ' +
        '`routing_key`, else the only `pagerduty` integration without a token.',
      tags: ['alerts'],
      security: NONE,
      requestBody: jsonBody(schema('PagerDutyEvent'), true),
      responses: {
        '202': json('Stored.', schema('PagerDutyAccepted')),
        '400': response('BadRequest'),
        '401': response('Unauthorized'),
        '413': response('PayloadTooLarge'),
        '415': response('UnsupportedMediaType'),
        '422': json('No service takes the alert (`unrouted`); nothing was stored.', schema('Error')),
        '429': response('RateLimited'),
        '500': response('Internal'),
        '503': response('Unavailable'),
      },
    },
  },
  // ---------------------------------------------------------------------------- incidents
  '/v1/incidents': {
    get: {
      operationId: 'listIncidents',
      summary: 'List incidents, newest first',
      tags: ['incidents'],
      security: API_TOKEN,
      parameters: [
        { name: 'state', in: 'query', schema: schema('IncidentState') },
        { name: 'service', in: 'query', schema: { type: 'string' } },
        {
          name: 'limit',
          in: 'query',
          description: 'Default 50.',
          schema: { type: 'integer', minimum: 1, maximum: 500 },
        },
      ],
      responses: {
        '200': json('The incidents, without timelines.', schema('IncidentList')),
        '400': response('BadRequest'),
        ...API_ERRORS,
      },
    },
  },
  '/v1/incidents/{id}': {
    get: {
      operationId: 'getIncident',
      summary: 'One incident with its timeline',
      tags: ['incidents'],
      security: API_TOKEN,
      parameters: [parameter('IncidentId')],
      responses: {
        '200': response('IncidentAnswer'),
        '400': response('BadRequest'),
        '404': response('NotFound'),
        ...API_ERRORS,
      },
    },
  },
  '/v1/incidents/{id}/acknowledge': {
    post: incidentAction(
      'acknowledgeIncident',
      'Acknowledge',
      'Stops escalation; the first to acknowledge becomes commander unless one is set. 409 if it is ' +
        'already acknowledged or resolved (the message says by whom).',
    ),
  },
  '/v1/incidents/{id}/unacknowledge': {
    post: incidentAction(
      'unacknowledgeIncident',
      'Un-acknowledge',
      'Back to triggered; escalation restarts at step 1.',
    ),
  },
  '/v1/incidents/{id}/resolve': {
    post: incidentAction('resolveIncident', 'Resolve', '409 if it is already resolved.'),
  },
  '/v1/incidents/{id}/escalate': {
    post: incidentAction(
      'escalateIncident',
      'Escalate now',
      'Fires the next escalation step now. 409 if the incident is not triggered or the policy has run out.',
    ),
  },
  '/v1/incidents/{id}/notes': {
    post: {
      operationId: 'addIncidentNote',
      summary: 'Add a note to the timeline',
      tags: ['incidents'],
      security: API_TOKEN,
      parameters: [parameter('IncidentId')],
      requestBody: jsonBody(schema('Note'), true),
      responses: {
        '200': response('IncidentAnswer'),
        '400': response('BadRequest'),
        '404': response('NotFound'),
        '409': response('Conflict'),
        ...API_ERRORS,
      },
    },
  },
  '/v1/incidents/{id}/roles': {
    post: {
      operationId: 'assignIncidentRole',
      summary: 'Assign or hand over an incident role',
      description: 'The new holder is notified.',
      tags: ['incidents'],
      security: API_TOKEN,
      parameters: [parameter('IncidentId')],
      requestBody: jsonBody(schema('RoleAssignment'), true),
      responses: {
        '200': response('IncidentAnswer'),
        '400': response('BadRequest'),
        '404': response('NotFound'),
        '409': response('Conflict'),
        ...API_ERRORS,
      },
    },
  },
  // ---------------------------------------------------------------------------- events
  '/v1/events': {
    get: {
      operationId: 'listEvents',
      summary: 'Page through the incident event stream',
      description:
        'Every change of every incident, oldest first, kept for `settings.event_retention` (default 7 days).',
      tags: ['incidents'],
      security: API_TOKEN,
      // From the zod schema that validates the query (src/server/api/events.ts).
      parameters: Object.entries(
        (z.toJSONSchema(eventsQuery, { io: 'input' }) as { properties: Record<string, JsonSchema> })
          .properties,
      ).map(([name, s]) => ({ name, in: 'query' as const, schema: s })),
      responses: {
        '200': json('A page of events.', schema('EventPage')),
        '400': response('BadRequest'),
        ...API_ERRORS,
      },
    },
  },
  // ---------------------------------------------------------------------------- schedules
  '/v1/oncall': {
    get: {
      operationId: 'whoIsOnCall',
      summary: 'Who holds each role of each schedule',
      tags: ['schedules'],
      security: API_TOKEN,
      parameters: [
        {
          name: 'at',
          in: 'query',
          description: 'ISO 8601 (local to the schedule without an offset) or `now` (the default).',
          schema: { type: 'string' },
        },
        { name: 'schedule', in: 'query', description: 'Only this schedule.', schema: schema('Name') },
      ],
      responses: {
        '200': json('Every role, with `person: null` where nobody holds it.', {
          type: 'object',
          required: ['oncall'],
          properties: { oncall: { type: 'array', items: schema('OncallRow') } },
        }),
        '400': response('BadRequest'),
        '404': response('NotFound'),
        ...API_ERRORS,
      },
    },
  },
  '/v1/schedules/{name}/shifts': {
    get: {
      operationId: 'listShifts',
      summary: 'Final shifts with their source',
      description: 'Per role, in time order, clipped to [from, to); at most two years at a time.',
      tags: ['schedules'],
      security: API_TOKEN,
      parameters: [
        parameter('ScheduleName'),
        {
          name: 'from',
          in: 'query',
          required: true,
          description: 'ISO 8601 (local to the schedule without an offset) or `now`.',
          schema: { type: 'string' },
        },
        {
          name: 'to',
          in: 'query',
          required: true,
          description: 'ISO 8601 (local to the schedule without an offset) or `now`.',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': json('The shifts.', {
          type: 'object',
          required: ['shifts'],
          properties: { shifts: { type: 'array', items: schema('Shift') } },
        }),
        '400': response('BadRequest'),
        '404': response('NotFound'),
        ...API_ERRORS,
      },
    },
  },
  '/v1/schedules/{name}.ics': {
    get: icsFeed('scheduleFeed', 'A schedule as an iCalendar feed', 'schedule'),
  },
  '/v1/people/{name}.ics': {
    get: icsFeed('personFeed', 'A person’s shifts as an iCalendar feed', 'person'),
  },
  '/v1/schedules/{name}/overrides': {
    get: {
      operationId: 'listOverrides',
      summary: 'Runtime overrides of a schedule',
      description: 'The live ones, in time order.',
      tags: ['schedules'],
      security: API_TOKEN,
      parameters: [parameter('ScheduleName')],
      responses: {
        '200': json('The overrides.', {
          type: 'object',
          required: ['overrides'],
          properties: { overrides: { type: 'array', items: schema('Override') } },
        }),
        '404': response('NotFound'),
        ...API_ERRORS,
      },
    },
    post: {
      operationId: 'createOverride',
      summary: 'Create a runtime override',
      tags: ['schedules'],
      security: API_TOKEN,
      parameters: [parameter('ScheduleName')],
      requestBody: jsonBody(schema('NewOverride'), true),
      responses: {
        '201': json('Created.', {
          type: 'object',
          required: ['override'],
          properties: { override: schema('Override') },
        }),
        '400': response('BadRequest'),
        '404': response('NotFound'),
        ...API_ERRORS,
      },
    },
  },
  '/v1/schedules/{name}/overrides/{id}': {
    delete: {
      operationId: 'removeOverride',
      summary: 'Remove a runtime override',
      tags: ['schedules'],
      security: API_TOKEN,
      parameters: [
        parameter('ScheduleName'),
        {
          name: 'id',
          in: 'path',
          required: true,
          schema: { type: 'string' },
          description: 'The override id.',
        },
      ],
      responses: {
        '200': json('The removed override.', {
          type: 'object',
          required: ['override'],
          properties: { override: schema('Override') },
        }),
        '404': response('NotFound'),
        ...API_ERRORS,
      },
    },
  },
  // ---------------------------------------------------------------------------- config
  '/v1/config/reload': {
    post: {
      operationId: 'reloadConfig',
      summary: 'Reload the config repository',
      description:
        'Reads the config directory again, in this process and every other one on the same Redis (as ' +
        'SIGHUP does for one process). A config that fails validation is ' +
        'refused with every error and the running config stays. Running escalations keep the policy ' +
        'their incident fixed when it opened.',
      tags: ['config'],
      security: API_TOKEN,
      responses: {
        '200': json('Reloaded.', schema('ConfigReloaded')),
        '422': json('The new config is invalid; nothing changed.', schema('InvalidConfig')),
        '501': json('This server cannot reload its config (`not_supported`).', schema('Error')),
        ...API_ERRORS,
      },
    },
  },
  // ---------------------------------------------------------------------------- webhooks
  '/v1/webhooks': {
    get: {
      operationId: 'listWebhooks',
      summary: 'Outgoing webhooks with their counters and last attempt',
      tags: ['webhooks'],
      security: API_TOKEN,
      responses: {
        '200': json('Every webhook of hark.yaml.', {
          type: 'object',
          required: ['webhooks'],
          properties: { webhooks: { type: 'array', items: schema('WebhookSummary') } },
        }),
        ...API_ERRORS,
      },
    },
  },
  '/v1/webhooks/{name}/deliveries': {
    get: {
      operationId: 'listWebhookDeliveries',
      summary: 'A webhook’s recent delivery attempts, newest first',
      tags: ['webhooks'],
      security: API_TOKEN,
      parameters: [
        parameter('WebhookName'),
        {
          name: 'limit',
          in: 'query',
          description: 'At most this many (default 50).',
          schema: { type: 'integer', minimum: 1, maximum: 200 },
        },
      ],
      responses: {
        '200': json('The attempts.', {
          type: 'object',
          required: ['webhook', 'deliveries'],
          properties: {
            webhook: { type: 'string' },
            deliveries: { type: 'array', items: schema('WebhookDelivery') },
          },
        }),
        '400': response('BadRequest'),
        '404': response('NotFound'),
        ...API_ERRORS,
      },
    },
  },
  '/v1/webhooks/{name}/test': {
    post: {
      operationId: 'testWebhook',
      summary: 'Send a signed `webhook.test` event',
      description:
        'Queued like every delivery and sent by a worker, once (never retried); answers the attempt ' +
        'when it is made within the webhook’s timeout and 5 s.',
      tags: ['webhooks'],
      security: API_TOKEN,
      parameters: [parameter('WebhookName')],
      responses: {
        '200': json('The attempt (its `outcome` says whether the receiver took it).', {
          type: 'object',
          required: ['delivery'],
          properties: { delivery: schema('WebhookDelivery') },
        }),
        '202': json('Queued, but no worker sent it in time.', {
          type: 'object',
          required: ['delivery', 'id', 'message'],
          properties: { delivery: { type: 'null' }, id: { type: 'string' }, message: { type: 'string' } },
        }),
        '404': response('NotFound'),
        '501': json('This server cannot send webhook tests (`not_supported`).', schema('Error')),
        ...API_ERRORS,
      },
    },
  },
  // ---------------------------------------------------------------------------- Twilio
  '/v1/twilio/sms': {
    post: {
      operationId: 'twilioSms',
      summary: 'Incoming SMS (replies to pages)',
      description:
        'Set as the number’s “A message comes in” webhook. The reply grammar is in SPEC section 5; ' +
        'every reply from a known person is answered in the TwiML, texts from unknown numbers get none.',
      tags: ['twilio'],
      security: TWILIO,
      requestBody: form(schema('TwilioSmsForm')),
      responses: {
        '200': twimlAnswer('`<Response>` with the answer as `<Message>`, or empty.'),
        '403': response('TwilioForbidden'),
        '413': response('TwilioTooLarge'),
      },
    },
  },
  '/v1/twilio/status': {
    post: {
      operationId: 'twilioStatus',
      summary: 'Delivery status callback',
      description:
        'Hark sets it on every SMS and call it sends. A failed SMS or unanswered call moves the ' +
        'person on to their next notify rule. Unknown SIDs are answered 200 and ignored.',
      tags: ['twilio'],
      security: TWILIO,
      requestBody: form(schema('TwilioStatusForm')),
      responses: {
        '200': twimlAnswer('An empty `<Response>`.'),
        '403': response('TwilioForbidden'),
        '413': response('TwilioTooLarge'),
      },
    },
  },
  '/v1/twilio/voice/{incident}': {
    get: {
      operationId: 'twilioVoiceGet',
      summary: 'TwiML for a page call',
      description: 'Twilio sends its parameters in the query for a GET.',
      tags: ['twilio'],
      security: TWILIO,
      parameters: [
        parameter('TwilioIncident'),
        parameter('TwilioPerson'),
        parameter('TwilioBundle'),
        { name: 'AnsweredBy', in: 'query', schema: { type: 'string' } },
        { name: 'CallSid', in: 'query', schema: { type: 'string' } },
        { name: 'CallStatus', in: 'query', schema: { type: 'string' } },
      ],
      responses: {
        '200': twimlAnswer('What the call says, with a `<Gather>` of one key; a hang-up for a machine.'),
        '403': response('TwilioForbidden'),
      },
    },
    post: {
      operationId: 'twilioVoice',
      summary: 'TwiML for a page call',
      description: 'The URL Hark gives Twilio for each page call.',
      tags: ['twilio'],
      security: TWILIO,
      parameters: [parameter('TwilioIncident'), parameter('TwilioPerson'), parameter('TwilioBundle')],
      requestBody: form(schema('TwilioVoiceForm')),
      responses: {
        '200': twimlAnswer('What the call says, with a `<Gather>` of one key; a hang-up for a machine.'),
        '403': response('TwilioForbidden'),
        '413': response('TwilioTooLarge'),
      },
    },
  },
  '/v1/twilio/voice/{incident}/gather': {
    post: {
      operationId: 'twilioGather',
      summary: 'The key pressed on a page call',
      tags: ['twilio'],
      security: TWILIO,
      parameters: [parameter('TwilioIncident'), parameter('TwilioPerson'), parameter('TwilioBundle')],
      requestBody: form(schema('TwilioGatherForm')),
      responses: {
        '200': twimlAnswer('What was done, spoken, then a hang-up; `*` redirects to the message again.'),
        '403': response('TwilioForbidden'),
        '413': response('TwilioTooLarge'),
      },
    },
  },
  // ---------------------------------------------------------------------------- email action pages
  '/a/{token}': {
    get: {
      operationId: 'actionPage',
      summary: 'Email action page',
      description:
        'From an email’s Acknowledge / Resolve button: shows the incident and one button. Changes ' +
        'nothing (mail scanners fetch links).',
      tags: ['email'],
      security: NONE,
      parameters: [parameter('ActionToken')],
      responses: {
        '200': response('Html'),
        '403': response('HtmlInvalidLink'),
        '404': response('HtmlNoIncident'),
        '410': response('HtmlExpired'),
      },
    },
    post: {
      operationId: 'actionPageSubmit',
      summary: 'Take the action of an email action page',
      description: 'Acknowledges or resolves as the person the email went to.',
      tags: ['email'],
      security: NONE,
      parameters: [parameter('ActionToken')],
      responses: {
        '200': response('Html'),
        '403': response('HtmlInvalidLink'),
        '404': response('HtmlNoIncident'),
        '409': { description: 'Already acknowledged or resolved; nothing changed.', content: HTML },
        '410': response('HtmlExpired'),
      },
    },
  },
  // ---------------------------------------------------------------------------- operations
  '/healthz': {
    get: {
      operationId: 'healthz',
      summary: 'Liveness',
      tags: ['operations'],
      security: NONE,
      responses: {
        '200': json('The process is up.', {
          type: 'object',
          required: ['status'],
          properties: { status: { const: 'ok' } },
        }),
      },
    },
  },
  '/readyz': {
    get: {
      operationId: 'readyz',
      summary: 'Readiness (Redis reachable)',
      tags: ['operations'],
      security: NONE,
      responses: {
        '200': json('Ready.', {
          type: 'object',
          required: ['status'],
          properties: { status: { const: 'ready' } },
        }),
        '503': json('Redis is unreachable.', {
          type: 'object',
          required: ['status'],
          properties: { status: { const: 'unavailable' }, redis: { const: 'unreachable' } },
        }),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics of this process',
      description: 'No authentication: keep it off the public internet.',
      tags: ['operations'],
      security: NONE,
      responses: {
        '200': {
          description: 'Prometheus text exposition format.',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        '404': {
          description: 'Metrics are off in this process.',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openapi',
      summary: 'This document',
      tags: ['operations'],
      security: NONE,
      responses: { '200': json('OpenAPI 3.1.', { type: 'object' }) },
    },
  },
};

// ------------------------------------------------------------------------------------------------
// Components

const errorResponse = (description: string): ResponseObject => json(description, schema('Error'));

const retryAfter: HeaderObject = {
  description: 'Seconds to wait before retrying.',
  schema: { type: 'integer', minimum: 0 },
};

const BASE: Omit<OpenApiDocument, 'servers'> = {
  openapi: '3.1.0',
  info: {
    title: 'Hark',
    version: HARK_VERSION,
    summary: 'Self-hosted alert-to-page on-call router.',
    description:
      'Alerts in (per integration), incidents, who is on call, runtime overrides, Twilio webhooks ' +
      'and email action pages. JSON API errors are `{"error": {"code", "message", "field"?}}`. ' +
      'Instants in answers are ISO 8601 in UTC.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
  security: API_TOKEN,
  tags: [
    { name: 'alerts', description: 'Alerts in (SPEC section 2).' },
    { name: 'incidents', description: 'Incidents and the actions people take (SPEC sections 3 and 7).' },
    { name: 'schedules', description: 'Who is on call, shifts, runtime overrides, iCal feeds.' },
    { name: 'config', description: 'The running config.' },
    { name: 'webhooks', description: 'Outgoing webhooks (docs/webhooks.md): counters, deliveries, tests.' },
    { name: 'twilio', description: 'Twilio webhooks: replies, delivery status, calls (Twilio-signed).' },
    { name: 'email', description: 'Email action pages (signed, expiring token in the path).' },
    { name: 'operations', description: 'Health, metrics and this document.' },
  ],
  paths,
  components: {
    schemas,
    headers: { RetryAfter: retryAfter },
    parameters: {
      IncidentId: {
        name: 'id',
        in: 'path',
        required: true,
        description: 'The incident number.',
        schema: { type: 'integer', minimum: 1 },
      },
      WebhookName: {
        name: 'name',
        in: 'path',
        required: true,
        description: 'The webhook name (from hark.yaml).',
        schema: { type: 'string' },
      },
      ScheduleName: {
        name: 'name',
        in: 'path',
        required: true,
        description: 'The schedule name (its file name without `.yaml`).',
        schema: { type: 'string' },
      },
      TwilioIncident: {
        name: 'incident',
        in: 'path',
        required: true,
        description: 'The incident number.',
        schema: { type: 'integer', minimum: 1 },
      },
      TwilioPerson: {
        name: 'person',
        in: 'query',
        description: 'The person the call is for.',
        schema: { type: 'string' },
      },
      TwilioBundle: {
        name: 'bundle',
        in: 'query',
        description:
          'A bundled call (pages a call limit held): the call names every incident of the bundle and ' +
          'its key acts on each of them that was paged to the person and is still open.',
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{16}$' },
      },
      ActionToken: {
        name: 'token',
        in: 'path',
        required: true,
        description: 'Signed, valid 24 hours, bound to the incident, the person and the action.',
        schema: { type: 'string' },
      },
    },
    responses: {
      IncidentAnswer: json('The incident with its timeline.', schema('IncidentEnvelope')),
      BadRequest: errorResponse(
        'Bad input (`invalid_query`, `invalid_body`, `invalid_json`, `invalid_id`, `invalid_alert`); `field` names it. Nothing changed.',
      ),
      Unauthorized: errorResponse('Missing or wrong token.'),
      NotFound: errorResponse('No such incident, schedule, person, override or integration.'),
      Conflict: errorResponse('The incident’s state refuses the action; the message says by whom.'),
      PayloadTooLarge: errorResponse('The body is over `settings.max_body` (default 1 MiB).'),
      UnsupportedMediaType: errorResponse('Not JSON.'),
      RateLimited: {
        description: 'Over the integration’s rate limit.',
        headers: { 'Retry-After': header('RetryAfter') },
        content: { 'application/json': { schema: schema('Error') } },
      },
      Internal: errorResponse('An unexpected error (`internal`).'),
      Unavailable: {
        description:
          'Redis is unreachable or did not answer within seconds (`unavailable`): not confirmed stored, retry later.',
        headers: { 'Retry-After': header('RetryAfter') },
        content: { 'application/json': { schema: schema('Error') } },
      },
      TwilioForbidden: {
        description:
          'The `X-Twilio-Signature` is missing or wrong for the public URL, or Twilio is not configured. Nothing changed.',
        content: TEXT,
      },
      TwilioTooLarge: { description: 'The form is over 64 KiB (refused before it is read).', content: TEXT },
      Html: { description: 'An HTML page.', content: HTML },
      HtmlInvalidLink: { description: 'The link is not valid (cut or changed).', content: HTML },
      HtmlNoIncident: { description: 'The incident no longer exists.', content: HTML },
      HtmlExpired: { description: 'The link has expired.', content: HTML },
    },
    securitySchemes: {
      apiToken: {
        type: 'http',
        scheme: 'bearer',
        description:
          'An API token from `api_tokens` in hark.yaml; its `person` is the actor on the timeline.',
      },
      integrationBearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'The integration’s `token` from hark.yaml.',
      },
      integrationBasic: {
        type: 'http',
        scheme: 'basic',
        description: 'The integration’s `token` as the basic-auth password (the user name is ignored).',
      },
      integrationHeader: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Hark-Token',
        description: 'The integration’s `token` (for senders such as Datadog that set custom headers).',
      },
      twilioSignature: {
        type: 'apiKey',
        in: 'header',
        name: 'X-Twilio-Signature',
        description:
          'Twilio’s signature of the request, checked with TWILIO_AUTH_TOKEN against the public URL ' +
          '(HARK_PUBLIC_URL, else settings.public_url) plus the path and query as received.',
      },
    },
  },
};

/** The document, with `publicUrl` (HARK_PUBLIC_URL / settings.public_url) as its server when given. */
export function openApiDocument(publicUrl?: string | null): OpenApiDocument {
  const url = publicUrl ? publicUrl.replace(/\/+$/, '') : '';
  const { openapi, info, jsonSchemaDialect, ...rest } = BASE;
  return {
    openapi,
    info,
    jsonSchemaDialect,
    servers: [{ url: url || '/', description: 'This Hark' }],
    ...rest,
  };
}
