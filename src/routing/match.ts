/** Label and annotation matchers (SPEC 1.1): exact string, any of a list, or an anchored /regex/. */
import type { NormalizedAlert } from '../alerts/types.js';
import type { Matcher, ValueMatcher } from '../config/types.js';

function valueMatches(m: ValueMatcher, value: string | undefined): boolean {
  if (value === undefined) return false;
  return m.kind === 'exact' ? m.value === value : m.regex.test(value);
}

function allMatch(
  wanted: ReadonlyMap<string, readonly ValueMatcher[]>,
  actual: Readonly<Record<string, string>>,
): boolean {
  for (const [name, alternatives] of wanted) {
    const value = Object.hasOwn(actual, name) ? actual[name] : undefined;
    if (!alternatives.some((m) => valueMatches(m, value))) return false;
  }
  return true;
}

/** Whether every listed label and annotation of the matcher holds for the alert. */
export function matches(matcher: Matcher, alert: Pick<NormalizedAlert, 'labels' | 'annotations'>): boolean {
  return allMatch(matcher.labels, alert.labels) && allMatch(matcher.annotations, alert.annotations);
}
