/**
 * The vendor export: a directory of saved API responses (`users.json`, `schedules/PI7DH85.json`,
 * ...; the name of each file is the API path it was fetched from) or one JSON file bundling them
 * as `{"users": {...}, "schedules/PI7DH85": {...}}`. Every response is checked with a zod schema;
 * an error names the file and the JSON path.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { z } from 'zod';

/** The export could not be read or does not have the documented shape. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

interface Entry {
  readonly value: unknown;
  /** How messages name it: `users.json` or `export.json ["users"]`. */
  readonly origin: string;
}

export class Bundle {
  private constructor(private readonly entries: ReadonlyMap<string, Entry>) {}

  /** Reads a directory of `.json` files or a bundle file. */
  static read(from: string): Bundle {
    let stat;
    try {
      stat = statSync(from);
    } catch {
      throw new InputError(`--from ${from}: no such file or directory`);
    }
    const entries = new Map<string, Entry>();
    if (stat.isDirectory()) {
      for (const file of listJson(from)) {
        const rel = relative(from, file).split(sep).join('/');
        entries.set(rel.slice(0, -'.json'.length), { value: parseJson(file, rel), origin: rel });
      }
      if (entries.size === 0) throw new InputError(`--from ${from}: the directory has no .json files`);
    } else {
      const name = basename(from);
      const value = parseJson(from, name);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new InputError(
          `${name}: a bundle file is a JSON object whose keys are API paths, such as {"users": {...}, "schedules/PI7DH85": {...}}`,
        );
      }
      for (const [key, v] of Object.entries(value)) {
        const k = key.replace(/^\/+/, '').replace(/\.json$/, '');
        entries.set(k, { value: v, origin: `${name} ${JSON.stringify(key)}` });
      }
    }
    return new Bundle(entries);
  }

  /** A bundle from values in memory (tests). */
  static of(values: Record<string, unknown>): Bundle {
    return new Bundle(
      new Map(Object.entries(values).map(([k, v]) => [k, { value: v, origin: `${k}.json` }])),
    );
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Keys matching `pattern` (with `*` for one path segment), sorted. */
  keys(pattern: string): string[] {
    const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('([^/]+)')}$`);
    return [...this.entries.keys()].filter((k) => re.test(k)).sort();
  }

  /** The `*` parts of a key matched by `pattern`. */
  static parts(pattern: string, key: string): string[] {
    const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('([^/]+)')}$`);
    return re.exec(key)?.slice(1) ?? [];
  }

  origin(key: string): string {
    return this.entries.get(key)?.origin ?? `${key}.json`;
  }

  /** The response at `key` checked with `schema`; undefined when absent. */
  parse<S extends z.ZodType>(key: string, schema: S): z.output<S> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    return check(entry.origin, schema, entry.value);
  }

  /** Like parse, but the response must be there; `how` says which request makes it. */
  require<S extends z.ZodType>(key: string, schema: S, how: string): z.output<S> {
    const v = this.parse(key, schema);
    if (v === undefined)
      throw new InputError(`missing ${key}.json: save it with ${how} (see docs/migrating.md)`);
    return v;
  }

  /**
   * A list response that may span pages: one response, or a JSON array of the pages' responses.
   * `items` takes the list out of one page.
   */
  pages<S extends z.ZodType, T>(
    key: string,
    page: S,
    items: (p: z.output<S>) => readonly T[],
  ): T[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const list = Array.isArray(entry.value) ? entry.value : [entry.value];
    return list.flatMap((p, i) =>
      items(check(Array.isArray(entry.value) ? `${entry.origin} page ${i + 1}` : entry.origin, page, p)),
    );
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listJson(full));
    else if (name.endsWith('.json')) out.push(full);
  }
  return out;
}

function parseJson(file: string, shown: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${shown}: cannot read it: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputError(`${shown}: not JSON: ${(e as Error).message}`);
  }
}

/** `$.schedule.schedule_layers[0].start` */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

function check<S extends z.ZodType>(origin: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 20).map((i) => `${origin}: ${jsonPath(i.path)}: ${i.message}`);
  const more = result.error.issues.length - lines.length;
  if (more > 0) lines.push(`${origin}: and ${more} more`);
  throw new InputError(lines.join('\n'));
}

// ------------------------------------------------------------------------------ shared schemas

/** An ISO 8601 instant with a zone (`Z` or an offset), as epoch ms. */
export const instant = z
  .string()
  .refine((s) => /(Z|[+-]\d{2}:?\d{2})$/i.test(s) && !Number.isNaN(Date.parse(normalizeOffset(s))), {
    error: (i) =>
      `expected a date-time with Z or an offset such as 2026-03-01T09:00:00-05:00, got ${JSON.stringify(i.input)}`,
  })
  .transform((s) => Date.parse(normalizeOffset(s)));

function normalizeOffset(s: string): string {
  return s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

/** A wall-clock date-time without an offset: `2026-03-01T09:00:00`. */
export const localDateTime = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s), {
    error: (i) => `expected a local date-time such as 2026-03-01T09:00:00, got ${JSON.stringify(i.input)}`,
  });

export const id = z.union([z.string(), z.number()]).transform(String);
