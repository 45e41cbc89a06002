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

const ENV_RE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class SourceFile {
  private readonly lines: LineCounter;
  readonly doc: Document;

  /**
   * @param file path relative to the config directory
   * @param lineOffset lines before `text` in the file (a runbook's front matter starts on line 2)
   */
  constructor(
    readonly file: string,
    text: string,
    env: NodeJS.ProcessEnv,
    readonly issues: ConfigIssue[],
    private readonly lineOffset = 0,
  ) {
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      const [start] = e.pos;
      const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      this.issueAt(start, `YAML ${e.name === 'YAMLWarning' ? 'warning' : 'syntax error'}: ${message}`);
    }
    if (this.doc.errors.length === 0) this.interpolate(env);
  }

  /** The plain JavaScript value of the document (after interpolation). */
  value(): unknown {
    return this.doc.errors.length === 0 ? this.doc.toJS({ maxAliasCount: 100 }) : undefined;
  }

  private interpolate(env: NodeJS.ProcessEnv): void {
    visit(this.doc, {
      Scalar: (key, node) => {
        if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
        node.value = node.value.replace(
          ENV_RE,
          (match, name: string | undefined, fallback: string | undefined) => {
            if (match === '$$') return '$';
            const value = env[name!];
            if (value !== undefined && value !== '') return value;
            if (fallback !== undefined) return fallback;
            this.issueAt(
              node.range?.[0] ?? 0,
              `environment variable ${name} is not set (used as \${${name}}); set it or write \${${name}:-default}`,
            );
            return '';
          },
        );
      },
    });
  }

  private issueAt(offset: number, message: string, level: ConfigIssue['level'] = 'error'): void {
    const { line, col } = this.lines.linePos(offset);
    this.issues.push({ level, file: this.file, line: line + this.lineOffset, col, message });
  }

  /** Position of the value at `path`, or of the key itself with `key: true`; falls back to the nearest parent. */
  position(path: Path, key = false): { line: number; col: number } {
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
    const offset = target?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line: line + this.lineOffset, col };
  }

  /** Records an issue at the value at `path` (or its key). */
  report(path: Path, message: string, opts: { key?: boolean; level?: ConfigIssue['level'] } = {}): void {
    const { line, col } = this.position(path, opts.key ?? false);
    this.issues.push({ level: opts.level ?? 'error', file: this.file, line, col, message });
  }
}

function isNodeLike(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && 'range' in x;
}
