/**
 * Writes an import plan as Hark config files: hark.yaml, schedules/<name>.yaml and
 * escalation-policies/<name>.yaml, with a `# source: <vendor> <id>` comment on every object (the
 * `yaml` package's Document API keeps them). The text depends only on the plan, so the same input
 * always gives byte-identical files.
 */
import { Document, isMap, isSeq, Scalar, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { formatDuration } from '../config/duration.js';
import { formatLocal } from '../time/local.js';
import { clock, DAY_NAMES } from './shape.js';
import type {
  ImportPlan,
  PlannedNotifyRule,
  PlannedPolicy,
  PlannedSchedule,
  PlannedWindow,
  Source,
  Vendor,
} from './plan.js';
import { VENDOR_TITLES } from './plan.js';

/** The first line of every file the import writes; files without it are never overwritten. */
export const MARKER = '# Written by `hark import';

export function header(vendor: Vendor): string {
  return `${MARKER} ${vendor}\` from the ${VENDOR_TITLES[vendor]} API export. What could not be carried over is listed in IMPORT-REPORT.md.`;
}

export function sourceComment(vendor: Vendor, s: Source): string {
  const name = s.name === undefined || s.name === '' ? '' : ` ${oneLine(s.name)}`;
  return ` source: ${vendor} ${oneLine(s.id)} (${s.what}${name})`;
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
}

const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

function minutes(n: number): string {
  return n === 0 ? '0m' : formatDuration(n * 60_000);
}

function quoted(value: string): Scalar {
  const s = new Scalar(value);
  s.type = Scalar.QUOTE_DOUBLE;
  return s;
}

/** Sets flow style on a collection node (for short lists and maps such as members and windows). */
function flow<T extends Node>(node: T): T {
  if (isMap(node) || isSeq(node)) node.flow = true;
  return node;
}

function docHeader(
  doc: Document,
  vendor: Vendor,
  source: Source | null,
  lines: readonly string[] = [],
): void {
  const parts = [header(vendor).slice(1), ...lines.map((l) => ` ${l}`)];
  if (source) parts.push(sourceComment(vendor, source));
  doc.commentBefore = parts.join('\n');
}

/** Every file of the plan, by path relative to the config directory. */
export function renderFiles(plan: ImportPlan): Map<string, string> {
  const files = new Map<string, string>();
  files.set('hark.yaml', renderHark(plan));
  for (const s of plan.schedules) files.set(`schedules/${s.name}.yaml`, renderSchedule(plan.vendor, s));
  for (const p of plan.policies)
    files.set(`escalation-policies/${p.name}.yaml`, renderPolicy(plan.vendor, p));
  return files;
}

function renderHark(plan: ImportPlan): string {
  const { vendor } = plan;
  const doc = new Document({});
  const root = doc.contents as YAMLMap;
  docHeader(doc, vendor, null, [
    'Secrets are read from the environment (${NAME}); IMPORT-REPORT.md lists the variables to set.',
  ]);
  const people = doc.createNode({}) as YAMLMap;
  for (const p of plan.people) {
    const person = doc.createNode({}) as YAMLMap;
    if (p.displayName !== undefined) person.set('name', p.displayName);
    if (p.timezone !== undefined) person.set('timezone', p.timezone);
    if (p.sms !== undefined) person.set('sms', quoted(p.sms));
    if (p.voice !== undefined) person.set('voice', quoted(p.voice));
    if (p.email !== undefined) person.set('email', p.email);
    if (p.notify && (p.notify.high || p.notify.low)) {
      const notify = doc.createNode({}) as YAMLMap;
      for (const urgency of ['high', 'low'] as const) {
        const rules = p.notify[urgency];
        if (rules) notify.set(urgency, flow(doc.createNode(rules.map(ruleValue))));
      }
      person.set('notify', notify);
    }
    const key = doc.createNode(p.name) as Scalar;
    key.commentBefore = sourceComment(vendor, p.source);
    people.items.push(doc.createPair(key, person));
  }
  root.set('people', plan.people.length === 0 ? flow(people) : people);
  if (plan.services.length > 0) {
    const services = doc.createNode([]) as YAMLSeq;
    for (const s of plan.services) {
      const node = doc.createNode({ name: s.name }) as YAMLMap;
      if (s.match) node.set('match', flow(doc.createNode({ labels: s.match })));
      node.set('escalation_policy', s.policy);
      node.commentBefore = sourceComment(vendor, s.source);
      services.items.push(node);
    }
    root.set('services', services);
  }
  if (plan.integrations.length > 0) {
    const integrations = doc.createNode([]) as YAMLSeq;
    for (const i of plan.integrations) {
      const node = flow(doc.createNode({ name: i.name, type: i.type }) as YAMLMap);
      node.set('token', quoted(`\${${i.tokenEnv}}`));
      node.commentBefore = sourceComment(vendor, i.source);
      integrations.items.push(node);
    }
    root.set('integrations', integrations);
  }
  return doc.toString(TO_STRING);
}

function ruleValue(r: PlannedNotifyRule): Record<string, string> {
  return { [r.channel]: minutes(r.afterMinutes) };
}

function windowNode(doc: Document, w: PlannedWindow): Node {
  const node = doc.createNode({}) as YAMLMap;
  if (w.days.length < 7) node.set('days', flow(doc.createNode(w.days.map((d) => DAY_NAMES[d]!))));
  node.set('from', quoted(clock(w.from)));
  node.set('to', quoted(clock(w.to)));
  return flow(node);
}

function renderSchedule(vendor: Vendor, s: PlannedSchedule): string {
  const doc = new Document({});
  const root = doc.contents as YAMLMap;
  docHeader(doc, vendor, s.source);
  root.set('timezone', s.timezone);
  const rotations = doc.createNode([]) as YAMLSeq;
  for (const r of s.rotations) {
    const node = doc.createNode({ name: r.name }) as YAMLMap;
    if (r.role !== 'primary') node.set('role', r.role);
    node.set('members', flow(doc.createNode([...r.members])));
    node.set('start', formatLocal(r.start));
    if (r.handoff !== null) node.set('handoff', r.handoff);
    if (r.end !== null) node.set('end', formatLocal(r.end));
    if (r.coverage) {
      const windows = doc.createNode([]) as YAMLSeq;
      for (const w of r.coverage) windows.items.push(windowNode(doc, w));
      node.set('coverage', windows);
    }
    node.commentBefore = [sourceComment(vendor, r.source), ...(r.note ? [` ${oneLine(r.note)}`] : [])].join(
      '\n',
    );
    rotations.items.push(node);
  }
  root.set('rotations', rotations);
  if (s.overrides.length > 0) {
    const overrides = doc.createNode([]) as YAMLSeq;
    for (const o of s.overrides) {
      const node = flow(
        doc.createNode({
          role: o.role,
          person: o.person,
          from: formatLocal(o.from),
          to: formatLocal(o.to),
        }) as YAMLMap,
      );
      node.commentBefore = sourceComment(vendor, o.source);
      overrides.items.push(node);
    }
    root.set('overrides', overrides);
  }
  return doc.toString(TO_STRING);
}

function renderPolicy(vendor: Vendor, p: PlannedPolicy): string {
  const doc = new Document({});
  const root = doc.contents as YAMLMap;
  docHeader(doc, vendor, p.source);
  if (p.repeat > 0) root.set('repeat', p.repeat);
  const steps = doc.createNode([]) as YAMLSeq;
  for (const step of p.steps) {
    const node = doc.createNode({}) as YAMLMap;
    const notify = doc.createNode([]) as YAMLSeq;
    for (const t of step.notify) {
      const target =
        'person' in t
          ? { person: t.person }
          : t.role === 'primary'
            ? { schedule: t.schedule }
            : { schedule: t.schedule, role: t.role };
      notify.items.push(flow(doc.createNode(target)));
    }
    node.set('notify', notify);
    if (step.escalateAfterMinutes !== undefined)
      node.set('escalate_after', minutes(step.escalateAfterMinutes));
    if (step.source) node.commentBefore = sourceComment(vendor, step.source);
    steps.items.push(node);
  }
  root.set('steps', steps);
  return doc.toString(TO_STRING);
}
