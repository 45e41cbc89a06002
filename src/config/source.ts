/**
 * A config file as parsed YAML that remembers where every value came from, so that errors can
 * name `file:line:col`, with `${ENV}` interpolation applied to every string value.
 */
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { ConfigIssue } from './errors.js';

export type Path = readonly (string | number)[];

/**
 * A valid value for the field at `path` whose `${NAME}` could not be replaced, so that the rest
 * of its entry is still checked (a person whose phone number is a missing secret still has their
 * notify rules checked against it); undefined: the value keeps its text.
 */
export type StandIn = (path: Path) => string | undefined;

/** A string value that had `${...}` in it, as written (for fields that must, or must not, use one). */
export interface EnvReference {
  readonly path: Path;
  /** The value as written, before interpolation. */
  readonly text: string;
  /** The variables it names (`${NAME}` and `${NAME:-default}`). */
  readonly names: readonly string[];
}

export interface SourceOptions {
  /** Lines before the text in the file (a runbook's front matter starts on line 2). */
  readonly lineOffset?: number;
  /**
   * The level of the issue for a `${NAME}` whose variable is unset or empty: `warning` checks a
   * config without its secrets (`hark validate --no-env`).
   */
  readonly unsetEnv?: ConfigIssue['level'];
  readonly standIn?: StandIn;
}

const ENV_RE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;
const MAX_ALIASES = 100;

export class SourceFile {
  private readonly lines: LineCounter;
  readonly doc: Document;
  /** False when the file is not valid YAML: its value is not used. */
  readonly ok: boolean;
  private readonly data: unknown;
  /**
   * Offsets of values whose `${...}` could not be replaced: no second issue is reported for them
   * (their value is unknown, so it is not checked).
   */
  private readonly poisoned = new Set<number>();
  /** Every value that used `${...}` (or `$$`), in file order. */
  readonly envReferences: EnvReference[] = [];
  private readonly lineOffset: number;
  private readonly unsetEnv: ConfigIssue['level'];
  private readonly standIn: StandIn;

  /** @param file path relative to the config directory */
  constructor(
    readonly file: string,
    text: string,
    env: NodeJS.ProcessEnv,
    readonly issues: ConfigIssue[],
    opts: SourceOptions = {},
  ) {
    this.lineOffset = opts.lineOffset ?? 0;
    this.unsetEnv = opts.unsetEnv ?? 'error';
    this.standIn = opts.standIn ?? (() => undefined);
    this.lines = new LineCounter();
    this.doc = parseDocument(text, {
      lineCounter: this.lines,
      prettyErrors: false,
      uniqueKeys: false,
      merge: true,
    });
    const before = issues.length;
    for (const e of this.doc.errors) {
      const message =
        e.code === 'MULTIPLE_DOCS'
          ? 'a config file holds one YAML document; remove the second "---" and what follows, or move it to its own file'
          : `YAML syntax error: ${firstLine(e.message)}`;
      this.issueAt(e.pos[0], message);
    }
    for (const w of this.doc.warnings) this.issueAt(w.pos[0], `YAML: ${firstLine(w.message)}`, 'warning');
    this.checkAliasesAndKeys();
    let data: unknown = undefined;
    // A `${...}` that cannot be replaced does not stop the rest of the file from being checked:
    // every other error is reported with it.
    let ok = !issues.slice(before).some((i) => i.level === 'error');
    if (ok) {
      this.interpolate(env);
      try {
        data = this.doc.toJS({ maxAliasCount: MAX_ALIASES });
      } catch (e) {
        ok = false;
        this.issueAt(
          0,
          `YAML: ${e instanceof Error ? e.message : String(e)} (more than ${MAX_ALIASES} aliases)`,
        );
      }
    }
    this.ok = ok;
    this.data = ok ? data : undefined;
  }

  /** The plain JavaScript value of the document (after interpolation); undefined when not ok. */
  value(): unknown {
    return this.data;
  }

  private checkAliasesAndKeys(): void {
    visit(this.doc, {
      Alias: (_key, node) => {
        if (node.resolve(this.doc) === undefined) {
          this.issueAt(
            node.range?.[0] ?? 0,
            `YAML syntax error: unresolved alias *${node.source}: define the anchor &${node.source} before using it`,
          );
        }
      },
      Map: (_key, node) => {
        const seen = new Map<string, number>();
        for (const pair of node.items) {
          if (!isScalar(pair.key)) continue;
          const name = String(pair.key.value);
          const at = pair.key.range?.[0] ?? 0;
          const first = seen.get(name);
          if (first === undefined) seen.set(name, at);
          else {
            const pos = this.lines.linePos(first);
            this.issueAt(
              at,
              `duplicate key "${name}" (first defined at ${this.file}:${pos.line + this.lineOffset}:${pos.col})`,
            );
          }
        }
      },
    });
  }

  private interpolate(env: NodeJS.ProcessEnv): void {
    visit(this.doc, {
      Scalar: (key, node, ancestors) => {
        if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
        const at = node.range?.[0] ?? 0;
        const text = node.value;
        const names: string[] = [];
        const value = node.value.replace(
          ENV_RE,
          (match, name: string | undefined, fallback: string | undefined) => {
            if (match === '$$') return '$';
            if (name === undefined) {
              this.poisoned.add(at);
              this.issueAt(
                at,
                `malformed ${match}: write \${NAME} or \${NAME:-default}, NAME being letters, digits and _ (and $$ for a literal $)`,
              );
              return match;
            }
            names.push(name);
            const value = env[name];
            if (value !== undefined && value !== '') return value;
            if (fallback !== undefined) return fallback;
            this.poisoned.add(at);
            const unchecked = this.unsetEnv === 'warning' ? ': the value is not checked' : '';
            this.issueAt(
              at,
              value === ''
                ? `environment variable ${name} is set but empty (used as \${${name}})${unchecked}`
                : `environment variable ${name} is not set (used as \${${name}})${unchecked || `; set it or write \${${name}:-default}`}`,
              this.unsetEnv,
            );
            return match;
          },
        );
        const path = keyPath(ancestors, node);
        if (value !== text || names.length > 0) this.envReferences.push({ path, text, names });
        // A value that cannot be replaced is not checked, and stands in as given (a valid value
        // of its field where one is known, else its text) so that its entry is still checked.
        node.value = this.poisoned.has(at) ? (this.standIn(path) ?? value) : value;
      },
    });
  }

  private issueAt(offset: number, message: string, level: ConfigIssue['level'] = 'error'): void {
    const { line, col } = this.lines.linePos(offset);
    this.issues.push({ level, file: this.file, line: line + this.lineOffset, col, message });
  }

  private locate(path: Path, key: boolean): number {
    let node: unknown = this.doc.contents;
    let keyNode: Node | null = null;
    let last: Node | null = isNodeLike(node) ? node : null;
    for (const segment of path) {
      keyNode = null;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) break;
        keyNode = isNodeLike(pair.key) ? pair.key : null;
        node = pair.value;
        if (!isNodeLike(node)) {
          last = keyNode ?? last;
          break;
        }
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else break;
      if (!isNodeLike(node)) break;
      last = node;
    }
    const target = key && keyNode ? keyNode : last;
    return target?.range?.[0] ?? 0;
  }

  /** Whether the mapping at `path`'s parent has the key at all (possibly with an empty value). */
  hasKey(path: Path): boolean {
    let node: unknown = this.doc.contents;
    for (const [i, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) return false;
        if (i === path.length - 1) return true;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') node = node.items[segment];
      else return false;
    }
    return false;
  }

  /** Whether the value at `path` had a `${...}` that could not be replaced (it is not checked). */
  isPoisoned(path: Path): boolean {
    return this.poisoned.has(this.locate(path, false));
  }

  /** Position of the value at `path`, or of the key itself with `key: true`; falls back to the nearest parent. */
  position(path: Path, key = false): { line: number; col: number } {
    const { line, col } = this.lines.linePos(this.locate(path, key));
    return { line: line + this.lineOffset, col };
  }

  /**
   * Records an issue at the value at `path` (or its key). Values whose `${...}` could not be
   * replaced already have their error and get no second one (unless `evenIfUnset`: the problem is
   * the `${...}` itself).
   */
  report(
    path: Path,
    message: string,
    opts: { key?: boolean; level?: ConfigIssue['level']; evenIfUnset?: boolean } = {},
  ): void {
    const offset = this.locate(path, opts.key ?? false);
    if (this.poisoned.has(offset) && !opts.evenIfUnset) return;
    const { line, col } = this.lines.linePos(offset);
    this.issues.push({
      level: opts.level ?? 'error',
      file: this.file,
      line: line + this.lineOffset,
      col,
      message,
    });
  }
}

/** The keys and indexes from the document's root down to `node`. */
function keyPath(ancestors: readonly unknown[], node: unknown): Path {
  const out: (string | number)[] = [];
  const chain = [...ancestors, node];
  for (const [i, a] of chain.entries()) {
    if (isPair(a)) out.push(isScalar(a.key) ? String(a.key.value) : '');
    else if (isSeq(a)) out.push(a.items.indexOf(chain[i + 1] as never));
  }
  return out;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function isNodeLike(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && 'range' in x;
}
