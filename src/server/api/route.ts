/**
 * The route builder of the HTTP API. An `Api` collects routes — method, path, summary, how they
 * are authenticated, zod schemas for the path parameters, the query and the JSON body, and what
 * they answer — and builds the Hono sub-app that `mount` (src/server/app.ts) puts under its base
 * with `app.route`. The OpenAPI document (src/server/openapi.ts) is generated from the same routes.
 *
 * Every route of an Api runs, in this order:
 *   1. the Api's authentication: one `Auth` for the whole Api, given when it is made
 *      (`tokenApi(tag, config)`, `publicAccess('why')`, a Twilio signature, an integration
 *      token...). An Api cannot be made without one, so a route cannot forget it, and nothing —
 *      not even the 400 for a malformed id — is answered before it;
 *   2. the validation of the path parameters (`invalid_id`), the query (`invalid_query`) and the
 *      JSON body (`invalid_json`, `invalid_body`) from the route's schemas: a 400 naming the field;
 *   3. the route's own middleware, if any (`use`), then the handler, with the authenticated value
 *      and the typed, validated input.
 * (A body over the size limit is refused before all of them, unread: src/server/body-limits.ts.)
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { readJson, validated } from '../validate.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `[{apiToken: []}]`; `[]` means no credential. */
export type SecurityRequirement = Readonly<Record<string, readonly string[]>>;

/** A response as documented: the name of a shared one (components.responses), or described here. */
export type ResponseDoc = string | ResponseSpec;

export interface ResponseSpec {
  readonly description: string;
  /** The JSON body (shorthand for `content: {'application/json': ...}`). */
  readonly json?: z.ZodType;
  /** Bodies by media type. */
  readonly content?: Readonly<Record<string, z.ZodType>>;
  /** An example body (checked against the schema when the document is built). */
  readonly example?: unknown;
  /** Headers the answer carries, by their name in components.headers (`RetryAfter`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request body the route documents but does not validate itself (forms, alert payloads). */
export interface RequestBodyDoc {
  readonly description?: string;
  readonly required: boolean;
  readonly content: Readonly<Record<string, z.ZodType>>;
}

export interface RouteInfo {
  readonly method: Method;
  /** Relative to the base the Api is mounted at, in Hono's syntax (`/incidents/:id`). */
  readonly path: string;
  readonly operationId: string;
}

/**
 * How the routes of an Api are authenticated. `check` runs first for every request: it answers
 * what the request authenticated as (a token, a signed form, an integration), or refuses — by
 * returning the Response to send or by throwing an ApiError.
 */
export interface Auth<A> {
  /** `apiToken`, `public`, `twilioSignature`, ... */
  readonly kind: string;
  /** The OpenAPI security requirements of the routes it guards (`[]`: none). */
  readonly security: readonly SecurityRequirement[];
  /** What a refusal answers, for the document (`{401: 'Unauthorized'}`). */
  readonly responses: Readonly<Record<string, ResponseDoc>>;
  /** For `publicAccess` only: why the routes take no credential. */
  readonly publicBecause?: string;
  check(c: Context, route: RouteInfo): A | Response | Promise<A | Response>;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface Input<A, P, Q, B> {
  /** What the Api's authentication answered (the API token, the Twilio form...). */
  readonly auth: A;
  readonly params: Out<P>;
  readonly query: Out<Q>;
  readonly body: Out<B>;
}

export interface RouteSpec<
  A,
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
> extends RouteInfo {
  readonly summary: string;
  readonly description?: string;
  /** A z.object of every path parameter (required when the path has any). */
  readonly params?: P;
  /** A z.object of the query parameters. */
  readonly query?: Q;
  /** The JSON body; optional when the schema takes `undefined` (an empty body). */
  readonly body?: B;
  /** A body documented only: the Auth or the handler reads it (not with `body`). */
  readonly requestBody?: RequestBodyDoc;
  readonly responses: Readonly<Record<string, ResponseDoc>>;
  /** Middleware of this route, after authentication and validation (a replay guard). */
  readonly use?: readonly MiddlewareHandler[];
  readonly handler: (c: Context, input: Input<A, P, Q, B>) => Response | Promise<Response>;
}

/** A route as the document sees it. */
export interface DocumentedRoute extends RouteInfo {
  readonly summary: string;
  readonly description?: string;
  readonly params?: Schema;
  readonly query?: Schema;
  readonly body?: Schema;
  readonly requestBody?: RequestBodyDoc;
  readonly responses: Readonly<Record<string, ResponseDoc>>;
}

/** What `mount` and the document need of an Api, whatever its Auth's type. */
export interface MountableApi {
  readonly tag: string;
  readonly auth: Omit<Auth<unknown>, 'check'>;
  readonly routes: readonly DocumentedRoute[];
  app(): Hono;
}

/** An Api under the base it is mounted at: its routes are `base + path`. */
export interface Mounted {
  readonly base: string;
  readonly api: MountableApi;
}

/** The names of the path parameters: `/schedules/:name/overrides/:id` → name, id. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}

function objectKeys(schema: Schema, what: string, route: string): string[] {
  if (!(schema instanceof z.ZodObject)) throw new Error(`${route}: ${what} must be a z.object`);
  return Object.keys(schema.shape);
}

export interface ApiOptions {
  /**
   * Middleware around each route, before its authentication: it observes (counts, logs) and must
   * not answer by itself (the alert receiver's outcome counters).
   */
  readonly observe?: MiddlewareHandler;
}

export class Api<A> implements MountableApi {
  private readonly hono = new Hono();
  private readonly list: DocumentedRoute[] = [];
  /** Per request: what the authentication answered, and the validated input. */
  private readonly authenticated = new WeakMap<Request, { value: A }>();
  private readonly inputs = new WeakMap<Request, { params: unknown; query: unknown; body: unknown }>();

  constructor(
    readonly tag: string,
    readonly auth: Auth<A>,
    private readonly opts: ApiOptions = {},
  ) {
    if (!auth || typeof auth.check !== 'function') {
      throw new Error(
        `the API "${tag}" has no authentication: make it with tokenApi(tag, config), publicAccess('why') or another Auth`,
      );
    }
  }

  get routes(): readonly DocumentedRoute[] {
    return this.list;
  }

  route<
    P extends Schema | undefined = undefined,
    Q extends Schema | undefined = undefined,
    B extends Schema | undefined = undefined,
  >(spec: RouteSpec<A, P, Q, B>): this {
    const where = `${spec.method.toUpperCase()} ${spec.path}`;
    const names = pathParams(spec.path);
    const declared = spec.params ? objectKeys(spec.params, 'params', where) : [];
    if ([...names].sort().join() !== [...declared].sort().join())
      throw new Error(`${where}: params must declare exactly the path parameters (${names.join(', ')})`);
    if (spec.query) objectKeys(spec.query, 'query', where);
    if (spec.body && spec.requestBody) throw new Error(`${where}: give body or requestBody, not both`);
    if (this.list.some((r) => r.operationId === spec.operationId))
      throw new Error(`${where}: operationId ${spec.operationId} is taken`);

    const info: RouteInfo = { method: spec.method, path: spec.path, operationId: spec.operationId };
    const authenticate: MiddlewareHandler = async (c, next) => {
      const result = await this.auth.check(c, info);
      if (result instanceof Response) return result;
      this.authenticated.set(c.req.raw, { value: result });
      await next();
    };
    const validate: MiddlewareHandler = async (c, next) => {
      this.inputs.set(c.req.raw, {
        params: spec.params ? validated(spec.params, c.req.param(), 'invalid_id') : undefined,
        query: spec.query ? validated(spec.query, c.req.query(), 'invalid_query') : undefined,
        body: spec.body ? validated(spec.body, await readJson(c), 'invalid_body') : undefined,
      });
      await next();
    };
    const handle = (c: Context): Response | Promise<Response> => {
      const auth = this.authenticated.get(c.req.raw);
      const input = this.inputs.get(c.req.raw);
      if (!auth || !input) throw new Error(`${where}: reached without authentication and validation`);
      return spec.handler(c, {
        auth: auth.value,
        params: input.params as Out<P>,
        query: input.query as Out<Q>,
        body: input.body as Out<B>,
      });
    };
    const chain = [
      ...(this.opts.observe ? [this.opts.observe] : []),
      authenticate,
      validate,
      ...(spec.use ?? []),
    ];
    this.hono.on(spec.method.toUpperCase(), [spec.path], ...chain, handle);
    this.list.push({
      ...info,
      summary: spec.summary,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: spec.body } : {}),
      ...(spec.requestBody ? { requestBody: spec.requestBody } : {}),
      responses: spec.responses,
    });
    return this;
  }

  /** The Hono sub-app of the routes, for `app.route(base, api.app())`. */
  app(): Hono {
    return this.hono;
  }
}
