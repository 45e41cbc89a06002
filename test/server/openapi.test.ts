/**
 * /openapi.json: a valid OpenAPI 3.1 document (checked with @seriousme/openapi-schema-validator
 * and structurally here), generated from the mounted Apis, that describes every route the app
 * registers under /v1 and /v2 (taken from the Hono app the harness builds, `app.routes`), and
 * changes when a zod schema does.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Hono } from 'hono';
import { z } from 'zod';
import { Api } from '../../src/server/api/route.js';
import { publicAccess } from '../../src/server/auth.js';
import { incidentSchema } from '../../src/incidents/schema.js';
import { buildOpenApi } from '../../src/server/openapi.js';
import type * as AppModule from '../../src/server/app.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { serverTestConfig, SPEC_INCIDENT_FIELDS } from './config.js';

/** Every app createApp builds in this file (the harness's). */
const built = vi.hoisted(() => [] as Hono[]);
vi.mock('../../src/server/app.js', async (importOriginal) => {
  const mod = await importOriginal<typeof AppModule>();
  return {
    ...mod,
    createApp: (...args: Parameters<typeof mod.createApp>) => {
      const app = mod.createApp(...args);
      built.push(app);
      return app;
    },
  };
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
const PUBLIC_URL = 'https://hark.example.com/';
/** Outside /v1 and /v2, these are documented too (the dashboard's HTML pages are not). */
const OPERATIONS = ['/healthz', '/readyz', '/metrics', '/openapi.json'];

let hark: TestHark;
let doc: Obj;
beforeAll(async () => {
  hark = await startTestHark(serverTestConfig(), { publicUrl: PUBLIC_URL });
  const res = await fetch(`${hark.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  doc = (await res.json()) as Obj;
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `$ref` in the document, with where it is. */
function refs(value: Json, at: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(value)) value.forEach((v, i) => refs(v, `${at}[${i}]`, out));
  else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push([at, v]);
      else refs(v, `${at}.${k}`, out);
    }
  }
  return out;
}

/** A JSON pointer (`#/components/schemas/Error`) in the document, or undefined. */
function resolve(pointer: string): Json | undefined {
  if (!pointer.startsWith('#/')) return undefined;
  let node: Json | undefined = doc;
  for (const raw of pointer.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObj(node) ? node[key] : undefined;
  }
  return node;
}

/** A parameter or response, following one `$ref`. */
const deref = (v: Json): Obj => {
  const o = v as Obj;
  return typeof o.$ref === 'string' ? (resolve(o.$ref) as Obj) : o;
};

/** `/v1/incidents/{id}`, `/v1/schedules/{name}.ics`: each parameter as `{}`, for comparing shapes. */
const shape = (path: string) => path.replace(/\{[^}/]+\}/g, '{}');

/**
 * A Hono route path in OpenAPI form, parameter names left out: `:id` → `{}`, `:id?` → `{}`, and a
 * regex parameter whose pattern ends in a literal suffix (`:file{[^/]+\.ics}`) → `{}.ics`.
 */
function honoShape(path: string): string {
  // Split at slashes outside `{…}`: a parameter's pattern may contain one (`[^/]+`).
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
      const m = /^:[A-Za-z0-9_]+(?:\{(.*)\})?\??$/.exec(segment);
      if (!m) return segment;
      const suffix = /\\\.\(?([A-Za-z0-9]+)\)?\$?$/.exec(m[1] ?? '');
      return suffix ? `{}.${suffix[1]}` : '{}';
    })
    .join('/');
}

describe('/openapi.json', () => {
  it('is an OpenAPI 3.1 document with the public URL as its server', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const info = doc.info as Obj;
    expect(typeof info.title).toBe('string');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Obj;
    expect(info.version).toBe(pkg.version);
    expect((doc.servers as Obj[])[0]!.url).toBe('https://hark.example.com');
    expect(isObj(doc.paths)).toBe(true);
    expect(isObj(doc.components)).toBe(true);
  });

  it('answers without authentication', async () => {
    const res = await fetch(`${hark.url}/openapi.json`, { headers: { Authorization: 'Bearer wrong' } });
    expect(res.status).toBe(200);
  });

  it('has well-formed paths and operations', () => {
    const ids = new Set<string>();
    const schemes = Object.keys(((doc.components as Obj).securitySchemes as Obj) ?? {});
    for (const [path, item] of Object.entries(doc.paths as Obj)) {
      expect(path, path).toMatch(/^\//);
      expect(isObj(item), path).toBe(true);
      const ops = Object.entries(item as Obj).filter(([k]) => (METHODS as readonly string[]).includes(k));
      expect(ops.length, path).toBeGreaterThan(0);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const [method, op] of ops as [string, Obj][]) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(typeof op.operationId, where).toBe('string');
        expect(ids.has(op.operationId as string), `duplicate operationId ${String(op.operationId)}`).toBe(
          false,
        );
        ids.add(op.operationId as string);
        const responses = op.responses as Obj;
        expect(isObj(responses) && Object.keys(responses).length > 0, where).toBe(true);
        for (const [status, r] of Object.entries(responses)) {
          expect(status, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
          expect(typeof deref(r).description, `${where} ${status}`).toBe('string');
        }
        // Every {param} of the path is a required path parameter, and every path parameter is in the path.
        const params = ((op.parameters as Json[] | undefined) ?? []).map(deref);
        const inPath = params.filter((p) => p.in === 'path');
        expect(inPath.map((p) => p.name).sort(), where).toEqual([...templated].sort());
        for (const p of inPath) expect(p.required, `${where} ${String(p.name)}`).toBe(true);
        for (const p of params) {
          expect(['path', 'query', 'header', 'cookie'], where).toContain(p.in);
          expect(isObj(p.schema), `${where} ${String(p.name)}`).toBe(true);
        }
        for (const requirement of (op.security ?? doc.security ?? []) as Obj[]) {
          for (const name of Object.keys(requirement)) expect(schemes, where).toContain(name);
        }
      }
    }
  });

  it('has no $ref that points at nothing', () => {
    const all = refs(doc, '#');
    expect(all.length).toBeGreaterThan(20);
    for (const [at, ref] of all) {
      expect(ref, at).toMatch(/^#\/components\//);
      expect(resolve(ref), `${at}: ${ref}`).toBeDefined();
    }
  });

  it('describes the error shape and the incident', () => {
    const schemas = (doc.components as Obj).schemas as Obj;
    const error = ((schemas.Error as Obj).properties as Obj).error as Obj;
    expect(error.required).toEqual(['code', 'message']);
    expect(Object.keys(error.properties as Obj)).toEqual(['code', 'message', 'field']);
    const incident = schemas.Incident as Obj;
    for (const field of SPEC_INCIDENT_FIELDS) {
      expect(incident.required, field).toContain(field);
    }
    expect(Object.keys(incident.properties as Obj)).toContain('timeline');
  });

  it('matches the incident the API returns', async () => {
    const post = await fetch(`${hark.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer generic-token-0123456789' },
      body: JSON.stringify({ status: 'firing', summary: 'Documented', labels: { team: 'web' } }),
    });
    expect(post.status).toBe(202);
    const { incidents } = (await post.json()) as { incidents: { id: number }[] };
    const res = await fetch(`${hark.url}/v1/incidents/${incidents[0]!.id}`, {
      headers: { Authorization: 'Bearer api-token-for-tests-0123456789' },
    });
    const { incident } = (await res.json()) as { incident: Obj };
    const schemas = (doc.components as Obj).schemas as Obj;
    const documented = (schemas.Incident as Obj).properties as Obj;
    expect(Object.keys(incident).sort()).toEqual(Object.keys(documented).sort());
    const alertProps = Object.keys((schemas.IncidentAlert as Obj).properties as Obj).sort();
    expect(Object.keys((incident.alerts as Obj[])[0]!).sort()).toEqual(alertProps);
    for (const event of incident.timeline as Obj[]) {
      for (const field of ['at', 'type', 'actor']) expect(event, field).toHaveProperty(field);
    }
  });

  it('documents every route the app registers under /v1, /v2 and /a, and the operational ones', () => {
    expect(built.length).toBeGreaterThan(0);
    const app = built[0]!;
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Obj)) {
      for (const method of Object.keys(item as Obj)) {
        if ((METHODS as readonly string[]).includes(method)) documented.add(`${method} ${shape(path)}`);
      }
    }
    const registered = new Set<string>();
    for (const r of app.routes) {
      if (r.method === 'ALL') continue; // middleware (app.use)
      if (!/^\/(v1|v2|a)\//.test(r.path) && !OPERATIONS.includes(r.path)) continue;
      registered.add(`${r.method.toLowerCase()} ${honoShape(r.path)}`);
    }
    expect(registered.size).toBeGreaterThan(15);
    const missing = [...registered].filter((r) => !documented.has(r));
    expect(missing, 'routes missing from the document (registered without an Api?)').toEqual([]);
  });

  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors, JSON.stringify(result.errors)?.slice(0, 2000)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // And the validator does refuse a broken one.
    const broken = structuredClone(doc) as Obj;
    delete (broken.info as Obj).version;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('keeps examples, and the incident the API answers fits the incident schema', async () => {
    const text = JSON.stringify(doc);
    expect(text).toContain('"example":');
    expect(text).toContain('"examples":');
    const post = await fetch(`${hark.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer generic-token-0123456789' },
      body: JSON.stringify({ status: 'firing', summary: 'Schema-shaped', labels: { team: 'web' } }),
    });
    const { incidents } = (await post.json()) as { incidents: { id: number }[] };
    const res = await fetch(`${hark.url}/v1/incidents/${incidents[0]!.id}/acknowledge`, {
      method: 'POST',
      headers: { Authorization: 'Bearer api-token-for-tests-0123456789' },
    });
    const { incident } = (await res.json()) as { incident: unknown };
    const parsed = z.strictObject(incidentSchema.unwrap().shape).safeParse(incident);
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('changes when a zod limit changes', () => {
    const tiny = (max: number, example: unknown = { name: 'x' }) =>
      new Api('operations', publicAccess('a test')).route({
        method: 'post',
        path: '/tiny/:id',
        operationId: 'tiny',
        summary: 'A test route',
        params: z.object({ id: z.string().max(max) }),
        body: z.strictObject({ name: z.string().max(max) }),
        responses: { 200: { description: 'It.', json: z.object({ name: z.string() }), example } },
        handler: (c) => c.json({ name: 'x' }),
      });
    const five = buildOpenApi([{ base: '/v1', api: tiny(5) }]);
    const seven = buildOpenApi([{ base: '/v1', api: tiny(7) }]);
    const op = (d: typeof five) => d.paths['/v1/tiny/{id}']!.post as Obj;
    const body = (d: typeof five) =>
      (((op(d).requestBody as Obj).content as Obj)['application/json'] as Obj).schema as Obj;
    expect(((body(five).properties as Obj).name as Obj).maxLength).toBe(5);
    expect(((body(seven).properties as Obj).name as Obj).maxLength).toBe(7);
    expect(((op(seven).parameters as Obj[])[0]!.schema as Obj).maxLength).toBe(7);
    expect(JSON.stringify(five)).not.toEqual(JSON.stringify(seven));
    // An example that does not fit its schema is refused when the document is built.
    expect(() => buildOpenApi([{ base: '/v1', api: tiny(5, { name: 5 }) }])).toThrow(/example/);
  });

  it('maps Hono paths to OpenAPI shapes', () => {
    expect(honoShape('/v1/incidents/:id/notes')).toBe('/v1/incidents/{}/notes');
    expect(honoShape('/v1/schedules/:file{[^/]+\\.ics}')).toBe('/v1/schedules/{}.ics');
    expect(honoShape('/v1/people/:file{.+\\.(ics)$}')).toBe('/v1/people/{}.ics');
    expect(shape('/v1/schedules/{name}.ics')).toBe('/v1/schedules/{}.ics');
  });
});
