/** Config problems with their place: `file:line:col: message`. */
export interface ConfigIssue {
  readonly level: 'error' | 'warning';
  /** Path relative to the config directory. */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const prefix = issue.level === 'warning' ? 'warning: ' : '';
  return `${issue.file}:${issue.line}:${issue.col}: ${prefix}${issue.message}`;
}

export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort(
    (a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || a.line - b.line || a.col - b.col,
  );
}

/** Thrown by `loadConfig` with every error in the tree. */
export class ConfigError extends Error {
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly warnings: readonly ConfigIssue[] = [],
  ) {
    super(`invalid config:\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ConfigError';
  }
}
