/**
 * `GET /openapi.json`: the HTTP API as an OpenAPI 3.1 document (SPEC section 7), generated from
 * the Apis mounted on the app (src/server/api/route.ts): their paths, summaries, authentication,
 * and the zod schemas that validate their requests and describe their answers, turned into JSON
 * Schema (2020-12, OpenAPI 3.1's dialect) by zod. A schema with `.meta({ id })` (`Incident`,
 * `TimelineEvent`, `Error`, ...) becomes a shared component; nothing here repeats a field list or
 * a limit. Only the prose shared by many operations (the common error answers, the security
 * schemes, the tags) is written here.
 */
import { z } from 'zod';
import { DEFAULT_MAX_BODY_BYTES } from '../config/load.js';
import { HARK_VERSION } from '../version.js';
import type { Mounted, ResponseDoc, SecurityRequirement } from './api/route.js';
import { SMALL_BODY_BYTES } from './body-limits.js';
import { errorSchema } from './errors.js';

/** A JSON Schema or any other JSON object of the document. */
export type Json = { readonly [key: string]: unknown };

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: Json & { readonly title: string; readonly version: string };
  readonly jsonSchemaDialect: string;
  readonly servers: readonly { readonly url: string; readonly description?: string }[];
  readonly tags: readonly { readonly name: string; readonly description: string }[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, Json>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, Json>>;
    readonly responses: Readonly<Record<string, Json>>;
    readonly headers: Readonly<Record<string, Json>>;
    readonly securitySchemes: Readonly<Record<string, Json>>;
  };
}

type Io = 'input' | 'output';

const SCHEMAS = '#/components/schemas/';

/** Tidies what zod writes for the document: no `readOnly` of `.readonly()`, no regex for instants. */
function tidy(ctx: { jsonSchema: Record<string, unknown> }): void {
  const j = ctx.jsonSchema;
  delete j['readOnly'];
  if (j['format'] === 'date-time' || j['format'] === 'uri' || j['format'] === 'email') delete j['pattern'];
  if (j['maximum'] === Number.MAX_SAFE_INTEGER) delete j['maximum'];
  if (j['minimum'] === Number.MIN_SAFE_INTEGER) delete j['minimum'];
}

/**
 * Turns zod schemas into JSON Schema for the document, collecting the shared ones (`.meta({id})`)
 * as components. A component is written for requests (`io: input`) and for answers (`output`);
 * where the two differ (a default, a transform) the request's is `<Id>Input`.
 */
class SchemaCollector {
  private readonly defs: Record<Io, Map<string, Json>> = { input: new Map(), output: new Map() };

  convert(schema: z.ZodType, io: Io): Json {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      override: tidy,
    }) as Record<string, unknown>;
    const { $defs, ...rest } = json;
    delete rest['$schema'];
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
      const known = this.defs[io].get(id);
      const rewritten = this.rewrite(def, io) as Json;
      if (known && JSON.stringify(known) !== JSON.stringify(rewritten))
        throw new Error(`two different schemas have the id ${id}`);
      this.defs[io].set(id, rewritten);
    }
    return this.rewrite(rest, io) as Json;
  }

  /** `#/$defs/X` → a placeholder naming the io, resolved by `components()`. */
  private rewrite(value: unknown, io: Io): unknown {
    if (Array.isArray(value)) return value.map((v) => this.rewrite(v, io));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
          ? `${io}:${v.slice(8)}`
          : this.rewrite(v, io);
    }
    return out;
  }

  /** The component name of `id` as written for `io`. */
  private name(id: string, io: Io): string {
    const other = this.defs[io === 'input' ? 'output' : 'input'].get(id);
    const mine = this.defs[io].get(id);
    if (io === 'input' && other && JSON.stringify(other) !== JSON.stringify(mine)) return `${id}Input`;
    return id;
  }

  /** The components, and a function that resolves the placeholders of a converted value. */
  finish(): { schemas: Record<string, Json>; resolve: (value: unknown) => unknown } {
    const resolve = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(resolve);
      if (value === null || typeof value !== 'object') return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const m = k === '$ref' && typeof v === 'string' ? /^(input|output):(.+)$/.exec(v) : null;
        out[k] = m ? `${SCHEMAS}${this.name(m[2]!, m[1] as Io)}` : resolve(v);
      }
      return out;
    };
    const schemas: Record<string, Json> = {};
    for (const io of ['output', 'input'] as const) {
      for (const [id, def] of this.defs[io]) schemas[this.name(id, io)] = resolve(def) as Json;
    }
    return {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      resolve,
    };
  }
}

/**
 * A Hono path in OpenAPI form: `/incidents/:id` → `/incidents/{id}`, and a parameter whose pattern
 * ends in a literal suffix (`:name{[^/]+\.ics}`) → `{name}.ics`.
 */
export function openApiPath(path: string): string {
  const segments = [''];
  let depth = 0;
  for (const ch of path) {
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    if (ch === '/' && depth === 0) segments.push('');
    else segments[segments.length - 1] += ch;
  }
  return segments
    .map((segment) => {
      const m = /^:([A-Za-z0-9_]+)(?:\{(.*)\})?$/.exec(segment);
      if (!m) return segment;
      const suffix = /\\\.([A-Za-z0-9]+)\$?$/.exec(m[2] ?? '');
      return `{${m[1]}}${suffix ? `.${suffix[1]}` : ''}`;
    })
    .join('/');
}

const join = (base: string, path: string): string => `${base.replace(/\/+$/, '')}${path}` || '/';

/** The properties of a z.object as parameters `in` path or query. */
function parameters(collector: SchemaCollector, schema: z.ZodType, where: 'path' | 'query'): Json[] {
  const json = collector.convert(schema, 'input') as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return {
      name,
      in: where,
      ...(where === 'path' || json.required?.includes(name) ? { required: true } : {}),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** Auths whose routes answer TwiML or pages, whose schemas cannot fail: no 400 is documented. */
const NO_VALIDATION_ERRORS = new Set(['twilioSignature', 'actionLink']);

/** Answers every operation can give (the route's own win). */
const EVERY_OPERATION: Readonly<Record<string, ResponseDoc>> = { 500: 'Internal', 503: 'Unavailable' };

const SHARED_RESPONSES: Readonly<
  Record<string, { description: string; headers?: Json; content?: 'json' | 'text' }>
> = {
  BadRequest: {
    description:
      'Bad input (`invalid_query`, `invalid_body`, `invalid_json`, `invalid_id`, `invalid_alert`); `field` names it. Nothing changed.',
  },
  Unauthorized: { description: 'Missing or wrong token.' },
  NotFound: { description: 'No such incident, schedule, person, override, webhook or integration.' },
  Conflict: { description: 'The incident’s state refuses the action; the message says by whom.' },
  PayloadTooLarge: {
    description: `The body is over \`settings.max_body\` (default ${DEFAULT_MAX_BODY_BYTES / 1024 / 1024} MiB).`,
  },
  UnsupportedMediaType: { description: 'Not JSON.' },
  RateLimited: {
    description: 'Over the integration’s rate limit.',
    headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
  },
  NotSupported: { description: 'This server cannot do it (`not_supported`).' },
  Internal: { description: 'An unexpected error (`internal`).' },
  Unavailable: {
    description:
      'Redis is unreachable or did not answer within seconds (`unavailable`): not confirmed stored, retry later.',
    headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } },
  },
  TwilioForbidden: {
    description:
      'The `X-Twilio-Signature` is missing or wrong for the public URL, or Twilio is not configured. Nothing changed.',
    content: 'text',
  },
  SlackUnauthorized: {
    description:
      'The Slack signature (`X-Slack-Signature`, `X-Slack-Request-Timestamp`) is missing or wrong, its timestamp is more than 5 minutes off, or the same signed request came before (a replay). Nothing changed.',
  },
  SlackOff: { description: 'Slack is not configured here (no `slack:` in hark.yaml).' },
  TwilioTooLarge: {
    description: `The form is over ${SMALL_BODY_BYTES / 1024} KiB (refused before it is read).`,
    content: 'text',
  },
};

const SECURITY_SCHEMES: Readonly<Record<string, Json>> = {
  apiToken: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token from `api_tokens` in hark.yaml; its `person` is the actor on the timeline.',
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
  slackSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'X-Slack-Signature',
    description:
      'Slack’s v0 signature: HMAC-SHA256 with the app’s signing secret over `v0:<X-Slack-Request-Timestamp>:<raw body>`; the timestamp must be within 5 minutes, and a request is taken once.',
  },
  feedToken: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'A read-only feed token (`hark feed-url` prints the URL with it).',
  },
  heartbeatBearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'The heartbeat’s `token` from hark.yaml (also as the basic-auth password or `X-Hark-Token`).',
  },
  heartbeatQuery: {
    type: 'apiKey',
    in: 'query',
    name: 'token',
    description: 'The heartbeat’s `token`, for cron one-liners that cannot set a header.',
  },
  genieKey: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      '`GenieKey <token>`: the token of an `opsgenie` integration (a heartbeat’s ping also takes the heartbeat’s token).',
  },
};

const TAGS: Readonly<Record<string, string>> = {
  alerts: 'Alerts in (SPEC section 2).',
  incidents: 'Incidents and the actions people take (SPEC sections 3 and 7).',
  schedules: 'Who is on call, shifts, runtime overrides, iCal feeds.',
  config: 'The running config.',
  webhooks: 'Outgoing webhooks (docs/webhooks.md): counters, deliveries, tests.',
  heartbeats: 'Heartbeats (docs/senders.md): pings, and their state.',
  twilio: 'Twilio webhooks: replies, delivery status, calls (Twilio-signed).',
  slack: 'Slack’s Request URLs: the /hark slash command and message buttons (Slack-signed).',
  email: 'Email action pages (signed, expiring token in the path).',
  operations: 'Health, metrics and this document.',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** The document of the Apis mounted on an app (without `servers`: see `openApiDocument`). */
export function buildOpenApi(mounted: readonly Mounted[]): Omit<OpenApiDocument, 'servers'> {
  const collector = new SchemaCollector();
  const paths: Record<string, Record<string, Json>> = {};
  const response = (doc: ResponseDoc, where: string): Json => {
    if (typeof doc === 'string') {
      if (!(doc in SHARED_RESPONSES)) throw new Error(`${where}: no shared response ${doc}`);
      return { $ref: `#/components/responses/${doc}` };
    }
    const content: Record<string, z.ZodType> = {
      ...(doc.json ? { 'application/json': doc.json } : {}),
      ...doc.content,
    };
    if (doc.example !== undefined) {
      const schema = doc.json ?? Object.values(content)[0];
      const checked = schema?.safeParse(doc.example);
      if (!checked?.success) throw new Error(`${where}: the example does not fit its schema`);
    }
    return {
      description: doc.description,
      ...(doc.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(doc.headers).map(([h, ref]) => [h, { $ref: `#/components/headers/${ref}` }]),
            ),
          }
        : {}),
      ...(Object.keys(content).length > 0
        ? {
            content: Object.fromEntries(
              Object.entries(content).map(([type, schema], i) => [
                type,
                {
                  schema: collector.convert(schema, 'output'),
                  ...(i === 0 && doc.example !== undefined ? { example: doc.example } : {}),
                },
              ]),
            ),
          }
        : {}),
    };
  };

  for (const { base, api } of mounted) {
    for (const route of api.routes) {
      const path = openApiPath(join(base, route.path));
      const where = `${route.method.toUpperCase()} ${path}`;
      const validates =
        !NO_VALIDATION_ERRORS.has(api.auth.kind) &&
        (route.params !== undefined ||
          route.query !== undefined ||
          route.body !== undefined ||
          route.requestBody?.content['application/json'] !== undefined);
      const responses: Record<string, ResponseDoc> = {
        ...api.auth.responses,
        ...(validates ? { 400: 'BadRequest' } : {}),
        ...EVERY_OPERATION,
        ...route.responses,
      };
      const params = [
        ...(route.params ? parameters(collector, route.params, 'path') : []),
        ...(route.query ? parameters(collector, route.query, 'query') : []),
      ];
      const requestBody = route.body
        ? {
            required: !route.body.safeParse(undefined).success,
            content: { 'application/json': { schema: collector.convert(route.body, 'input') } },
          }
        : route.requestBody
          ? {
              ...(route.requestBody.description ? { description: route.requestBody.description } : {}),
              required: route.requestBody.required,
              content: Object.fromEntries(
                Object.entries(route.requestBody.content).map(([type, s]) => [
                  type,
                  { schema: collector.convert(s, 'input') },
                ]),
              ),
            }
          : null;
      const why = api.auth.publicBecause;
      const description = [route.description, why ? `No credential: ${why}.` : undefined]
        .filter((d) => d !== undefined)
        .join(' ');
      const operation: Json = {
        operationId: route.operationId,
        summary: route.summary,
        ...(description ? { description } : {}),
        tags: [api.tag],
        security: api.auth.security as readonly SecurityRequirement[],
        ...(params.length > 0 ? { parameters: params } : {}),
        ...(requestBody ? { requestBody } : {}),
        responses: Object.fromEntries(
          Object.entries(responses)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([status, doc]) => [status, response(doc, `${where} ${status}`)]),
        ),
      };
      const item = (paths[path] ??= {});
      if (item[route.method]) throw new Error(`${where} is mounted twice`);
      item[route.method] = operation;
    }
  }

  // The error shape is always a component (the shared error answers point at it).
  const error = collector.convert(errorSchema, 'output');
  const { schemas, resolve } = collector.finish();
  const json = (description: string, text?: boolean): Json => ({
    description,
    content: text
      ? { 'text/plain': { schema: { type: 'string' } } }
      : { 'application/json': { schema: resolve(error) } },
  });
  const tags = [...new Set(mounted.map((m) => m.api.tag))];
  for (const tag of tags) if (!(tag in TAGS)) throw new Error(`the tag ${tag} has no description`);
  return {
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
    tags: tags.map((name) => ({ name, description: TAGS[name]! })),
    paths: Object.fromEntries(
      Object.entries(paths).map(([p, item]) => [
        p,
        Object.fromEntries(METHODS.filter((m) => item[m]).map((m) => [m, resolve(item[m]) as Json])),
      ]),
    ),
    components: {
      schemas,
      responses: Object.fromEntries(
        Object.entries(SHARED_RESPONSES).map(([name, r]) => [
          name,
          { ...json(r.description, r.content === 'text'), ...(r.headers ? { headers: r.headers } : {}) },
        ]),
      ),
      headers: {
        RetryAfter: {
          description: 'Seconds to wait before retrying.',
          schema: { type: 'integer', minimum: 0 },
        },
      },
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

/** The document with `publicUrl` (HARK_PUBLIC_URL / settings.public_url) as its server when given. */
export function openApiDocument(
  built: Omit<OpenApiDocument, 'servers'>,
  publicUrl?: string | null,
): OpenApiDocument {
  const url = publicUrl ? publicUrl.replace(/\/+$/, '') : '';
  const { openapi, info, jsonSchemaDialect, ...rest } = built;
  return {
    openapi,
    info,
    jsonSchemaDialect,
    servers: [{ url: url || '/', description: 'This Hark' }],
    ...rest,
  };
}
