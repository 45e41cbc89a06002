/** The incident page (`/i/<id>`, linked from every SMS and email) and the pieces the dashboard shares. */
import type { TimelineEventType } from '../events/schema.js';
import { describeEvent } from '../incidents/describe.js';
import {
  actorName,
  INCIDENT_ROLES,
  type Incident,
  type IncidentAlert,
  type IncidentState,
} from '../incidents/model.js';
import { safeHref } from '../pages/format.js';
import { humanLength } from '../time/format.js';
import { Layout, PersonSelect } from './layout.js';
import { shortLength, type Viewer } from './view.js';

export type WebAction = 'acknowledge' | 'resolve' | 'unacknowledge' | 'escalate';

/** What each state offers, most useful first. */
const ACTIONS: Readonly<Record<IncidentState, readonly { action: WebAction; label: string; cls: string }[]>> =
  {
    triggered: [
      { action: 'acknowledge', label: 'Acknowledge', cls: 'ack' },
      { action: 'resolve', label: 'Resolve', cls: 'resolve' },
      { action: 'escalate', label: 'Escalate now', cls: '' },
    ],
    acknowledged: [
      { action: 'resolve', label: 'Resolve', cls: 'resolve' },
      { action: 'unacknowledge', label: 'Un-acknowledge', cls: '' },
    ],
    resolved: [],
  };

export function StateBadge(p: { state: IncidentState }) {
  return <span class={`state ${p.state}`}>{p.state}</span>;
}

export function IncidentActions(p: { incident: Incident; csrf: string; back: string }) {
  const actions = ACTIONS[p.incident.state];
  if (actions.length === 0) return null;
  return (
    <div class="actions">
      {actions.map((a) => (
        <form method="post" action={`/i/${p.incident.id}/${a.action}`} class="inline">
          <input type="hidden" name="csrf" value={p.csrf} />
          <input type="hidden" name="back" value={p.back} />
          <button type="submit" class={a.cls} data-action={a.action}>
            {a.label}
          </button>
        </form>
      ))}
    </div>
  );
}

/** A label for every event type there is, and none for one that is not (checked by the type). */
const EVENT_LABELS: Readonly<Record<TimelineEventType, string>> = {
  'incident.opened': 'Opened',
  'incident.acknowledged': 'Acknowledged',
  'incident.unacknowledged': 'Un-acknowledged',
  'incident.resolved': 'Resolved',
  'incident.ack-timeout': 'Acknowledgement timed out',
  'incident.escalated': 'Escalated by hand',
  'alert.firing': 'Alert firing',
  'alert.resolved': 'Alert resolved',
  'alert.renotified': 'Alert repeated',
  'note.added': 'Note',
  'role.assigned': 'Role',
  'step.fired': 'Escalation step',
  'page.queued': 'Page queued',
  'page.sent': 'Paged',
  'page.delivered': 'Page delivered',
  'page.failed': 'Page failed',
  'page.throttled': 'Page held (rate limit)',
  'page.bundled': 'Page bundled',
  'escalation.exhausted': 'Nobody acknowledged',
  'escalation.caught-up': 'Late step caught up',
};

/** What the escalation does next, for a triggered incident. */
export interface NextEscalation {
  /** 1-based */
  readonly step: number;
  readonly steps: number;
  /** 1-based round of the policy; `repeat` rounds after the first. */
  readonly round: number;
  readonly at: number;
  /** Whom the step names: `schedule platform/secondary`, `person dave`. */
  readonly targets: readonly string[];
  /** Who those targets are at `at` (config names), as the step would page them. */
  readonly people: readonly string[];
}

/** An alert's links as the email shows them: the sender's links (source, dashboard, silence, ...) and its runbook. */
function AlertLinks(p: { alert: IncidentAlert }) {
  const links = [
    ...p.alert.links.map((l) => ({ href: l.href, text: l.text ?? l.href })),
    ...(p.alert.runbookUrl ? [{ href: p.alert.runbookUrl, text: 'Runbook' }] : []),
  ];
  if (links.length === 0) return null;
  return (
    <div class="links">
      {links.map((l, n) => {
        const href = safeHref(l.href);
        return (
          <>
            {n > 0 ? ' · ' : ''}
            {href ? (
              <a href={href} rel="noreferrer noopener">
                {l.text}
              </a>
            ) : (
              <span>
                {l.text}: {l.href}
              </span>
            )}
          </>
        );
      })}
    </div>
  );
}

export interface IncidentPageProps {
  readonly viewer: Viewer;
  readonly incident: Incident;
  /** Everyone an incident role can go to (config key and name). */
  readonly people: readonly { readonly name: string; readonly label: string }[];
  readonly next: NextEscalation | null;
  /** Where the runbook is: `/runbooks/<name>`, an external URL, or null. */
  readonly runbookHref: string | null;
  readonly flash: { readonly error: boolean; readonly text: string } | null;
}

export function IncidentPage(p: IncidentPageProps) {
  const { viewer: v, incident: i } = p;
  const opened = Date.parse(i.createdAt);
  const roles = Object.entries(i.roles);
  return (
    <Layout title={`#${i.id} ${i.title}`} signedInAs={v.name} csrf={v.csrf}>
      <p class="small">
        <a href="/">← Dashboard</a>
      </p>
      {p.flash ? <p class={p.flash.error ? 'flash error' : 'flash'}>{p.flash.text}</p> : null}
      <article class={`card incident ${i.state}`} data-incident={i.id}>
        <div>
          <StateBadge state={i.state} /> <span class="sev">{i.severity}</span>{' '}
          <span class="muted small">
            #{i.id} · {i.service}
          </span>
        </div>
        <h1 class="title">{i.title}</h1>
        <IncidentActions incident={i} csrf={v.csrf} back={`/i/${i.id}`} />
      </article>

      <div class="grid2">
        <section class="card">
          <dl class="facts">
            <dt>Opened</dt>
            <dd>
              {v.time(opened)} <span class="muted small">({humanLength(v.now - opened)} ago)</span>
            </dd>
            <dt>Urgency</dt>
            <dd>{i.urgency}</dd>
            {i.acknowledgedAt ? (
              <>
                <dt>Acknowledged</dt>
                <dd>
                  {v.time(Date.parse(i.acknowledgedAt))}
                  {i.acknowledgedBy ? ` by ${v.personName(actorName(i.acknowledgedBy))}` : ''}
                </dd>
              </>
            ) : null}
            {i.resolvedAt ? (
              <>
                <dt>Resolved</dt>
                <dd>
                  {v.time(Date.parse(i.resolvedAt))}
                  {i.resolvedBy ? ` by ${v.personName(actorName(i.resolvedBy))}` : ''}
                </dd>
              </>
            ) : null}
            <dt>Policy</dt>
            <dd>{i.escalationPolicy}</dd>
            {p.next ? (
              <>
                <dt>Next</dt>
                <dd data-next-step={p.next.step}>
                  step {p.next.step} of {p.next.steps}
                  {p.next.round > 1 ? ` (round ${p.next.round})` : ''}:{' '}
                  <strong data-next-people={p.next.people.join(',')}>
                    {p.next.people.length > 0
                      ? p.next.people.map((x) => v.personName(x)).join(', ')
                      : 'nobody'}
                  </strong>{' '}
                  <span class="muted small">({p.next.targets.join(', ')})</span>, at {v.shortTime(p.next.at)}{' '}
                  <span class="muted small">
                    ({p.next.at <= v.now ? 'due now' : `in ${shortLength(p.next.at - v.now)}`})
                  </span>
                </dd>
              </>
            ) : null}
            <dt>Runbook</dt>
            <dd>
              {p.runbookHref ? <a href={p.runbookHref}>{i.runbook}</a> : <span class="muted">none</span>}
            </dd>
            <dt>Roles</dt>
            <dd>
              {roles.length === 0 ? <span class="muted">none</span> : null}
              {roles.map(([role, person], n) => (
                <span>
                  {n > 0 ? ', ' : ''}
                  {role}: {v.personName(person)}
                </span>
              ))}
            </dd>
          </dl>
        </section>
        <section class="card">
          <h3 style="margin-top:0">Alerts ({i.alerts.length})</h3>
          {i.alerts.map((a) => (
            <div class="small alert" style="margin-bottom:8px" data-alert={a.id}>
              <strong>{a.status}</strong> {a.summary}
              <div class="labels">
                {Object.entries(a.labels).map(([k, val]) => (
                  <code>
                    {k}={val}
                  </code>
                ))}
              </div>
              {a.details ? <pre class="details">{a.details}</pre> : null}
              <AlertLinks alert={a} />
            </div>
          ))}
        </section>
      </div>

      <section>
        <h2>
          Timeline{' '}
          <a class="small" href={`/i/${i.id}/postmortem.md`}>
            post-mortem draft (markdown)
          </a>
        </h2>
        <ol class="timeline">
          {(i.timeline ?? []).map((e) => {
            const t = Date.parse(e.at);
            return (
              <li data-type={e.type}>
                <time datetime={e.at} title={v.time(t)}>
                  {v.time(t).replace(/ [^ ]+$/, '')}
                </time>
                <div>
                  <span class="type">
                    {(EVENT_LABELS as Readonly<Record<string, string>>)[e.type] ?? e.type}
                  </span>{' '}
                  <span class="muted">
                    {e.actor.startsWith('person:') ? v.personName(actorName(e.actor)) : actorName(e.actor)}
                  </span>
                  {describeEvent(e) ? <div class="small">{describeEvent(e)}</div> : null}
                </div>
              </li>
            );
          })}
        </ol>
        <details class="card">
          <summary>Hand over an incident role</summary>
          <form method="post" action={`/i/${i.id}/roles`} class="override-form">
            <input type="hidden" name="csrf" value={v.csrf} />
            <label>
              Role
              <select name="role">
                {INCIDENT_ROLES.map((r) => (
                  <option value={r}>{r}</option>
                ))}
              </select>
            </label>
            <label>
              To
              <PersonSelect people={p.people} selected={v.person} />
            </label>
            <div class="actions">
              <button type="submit" class="primary">
                Hand over
              </button>
            </div>
          </form>
        </details>
        <form method="post" action={`/i/${i.id}/notes`} class="card">
          <input type="hidden" name="csrf" value={v.csrf} />
          <label for="note" class="small muted">
            Add a note to the timeline
          </label>
          <textarea id="note" name="text" maxlength={4000} required />
          <div class="actions">
            <button type="submit" class="primary">
              Add note
            </button>
          </div>
        </form>
      </section>
    </Layout>
  );
}
