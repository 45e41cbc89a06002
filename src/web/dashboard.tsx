/** The dashboard (`/`): open incidents with their buttons, who is on call now, the next 14 days. */
import type { Config } from '../config/types.js';
import type { PagedPerson } from '../incidents/describe.js';
import { actorName, type Incident } from '../incidents/model.js';
import type { HeartbeatView } from '../heartbeats/schema.js';
import { HeartbeatSection } from './heartbeats.js';
import { IncidentActions, StateBadge } from './incident.js';
import { Layout } from './layout.js';
import { OverrideForm, OverrideList } from './overrides.js';
import type { RuntimeOverride } from '../schedules/overrides.js';
import type { RoleBar, Tick } from './timeline.js';
import { shortLength, type Viewer } from './view.js';

export interface OncallRow {
  readonly role: string;
  readonly person: string | null;
  readonly since: number | null;
  readonly until: number | null;
}

export interface ScheduleBlock {
  readonly name: string;
  readonly zone: string;
  readonly oncall: readonly OncallRow[];
  readonly bars: readonly RoleBar[];
  readonly ticks: readonly Tick[];
  readonly feedUrl: string | null;
  readonly roles: readonly string[];
  /** Live runtime overrides, with Remove buttons. */
  readonly overrides: readonly RuntimeOverride[];
}

export interface DashboardProps {
  readonly viewer: Viewer;
  readonly open: readonly Incident[];
  /** Who each triggered incident has paged this round (by incident id). */
  readonly paged: ReadonlyMap<number, readonly PagedPerson[]>;
  /** Resolved in the last 24 hours, newest first. */
  readonly resolved: readonly Incident[];
  readonly schedules: readonly ScheduleBlock[];
  readonly from: number;
  readonly to: number;
  readonly flash: { readonly error: boolean; readonly text: string } | null;
  /** Everyone who can be put on call, for the override form. */
  readonly people: readonly { readonly name: string; readonly label: string }[];
  /** `/?refresh=60`: the page reloads itself (a wall display); null: it does not. */
  readonly refreshSeconds: number | null;
  /** The viewer's own shifts as an iCal feed (null: the token has no person). */
  readonly myFeedUrl: string | null;
  /** The heartbeats of hark.yaml with their state (none: the section is left out). */
  readonly heartbeats?: readonly HeartbeatView[];
}

export function Dashboard(p: DashboardProps) {
  const v = p.viewer;
  const nowLeft = ((v.now - p.from) / (p.to - p.from)) * 100;
  return (
    <Layout title="On call" signedInAs={v.name} csrf={v.csrf} refreshSeconds={p.refreshSeconds ?? undefined}>
      {p.flash ? <p class={p.flash.error ? 'flash error' : 'flash'}>{p.flash.text}</p> : null}
      {v.person ? <YouLine viewer={v} schedules={p.schedules} /> : null}
      <section id="open">
        <h1>
          Open incidents <span class="muted">({p.open.length})</span>{' '}
          <span class="muted small">
            as of {v.shortTime(v.now).slice(-5)} · <a href="/">refresh</a> ·{' '}
            {p.refreshSeconds ? <a href="/">stop refreshing</a> : <a href="/?refresh=60">every minute</a>}
          </span>
        </h1>
        {p.open.length === 0 ? <p class="empty">Nothing is open.</p> : null}
        {p.open.map((i) => (
          <article class={`card incident ${i.state}`} data-incident={i.id}>
            <div>
              <StateBadge state={i.state} /> <span class="sev">{i.severity}</span>{' '}
              <span class="muted small">
                #{i.id} · {i.service} · opened {shortLength(v.now - Date.parse(i.createdAt))} ago
                {i.acknowledgedBy ? ` · ack ${v.personName(actorName(i.acknowledgedBy))}` : ''}
              </span>
            </div>
            {i.state === 'triggered' ? <PagedLine viewer={v} paged={p.paged.get(i.id) ?? []} /> : null}
            <div class="title">
              <a href={`/i/${i.id}`}>{i.title}</a>
            </div>
            <IncidentActions incident={i} csrf={v.csrf} back="/" />
          </article>
        ))}
      </section>

      {p.resolved.length > 0 ? (
        <details id="resolved">
          <summary>Resolved in the last 24 hours ({p.resolved.length})</summary>
          <ul class="small">
            {p.resolved.map((i) => (
              <li>
                <a href={`/i/${i.id}`}>
                  #{i.id} {i.title}
                </a>{' '}
                <span class="muted">
                  {i.severity} · {i.service} · resolved {v.shortTime(Date.parse(i.resolvedAt!))}
                  {i.resolvedBy ? ` by ${v.personName(actorName(i.resolvedBy))}` : ''}
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      {p.heartbeats && p.heartbeats.length > 0 ? (
        <HeartbeatSection viewer={v} heartbeats={p.heartbeats} />
      ) : null}

      <section id="oncall">
        <h2>On call now</h2>
        <table class="oncall">
          <thead>
            <tr>
              <th>Schedule · role</th>
              <th>Who</th>
              <th>Until</th>
            </tr>
          </thead>
          <tbody>
            {p.schedules.flatMap((s) =>
              s.oncall.map((r) => (
                <tr data-schedule={s.name} data-role={r.role}>
                  <td>
                    {s.name} <span class="muted">·</span> {r.role}
                  </td>
                  {r.person ? (
                    <td class="person">{v.personName(r.person)}</td>
                  ) : (
                    <td class="nobody">nobody</td>
                  )}
                  <td>
                    {r.until === null ? (
                      <span class="muted">no end</span>
                    ) : (
                      <span>
                        {v.shortTime(r.until)}{' '}
                        <span class="muted small nowrap">in {shortLength(r.until - v.now)}</span>
                      </span>
                    )}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
        <p class="small muted">Times in {v.zone}.</p>
      </section>

      <section id="shifts">
        <h2>Next 14 days</h2>
        <div class="legend">
          <span>
            <i class="rotation" />
            rotation
          </span>
          <span>
            <i class="override" />
            override
          </span>
          <span>
            <i class="gap" />
            nobody on call
          </span>
          <span class="small">times in {v.zone}</span>
        </div>
        {p.myFeedUrl ? (
          <p class="small">
            <a href={p.myFeedUrl}>Your shifts in a calendar</a> (iCal, read-only link)
          </p>
        ) : null}
        {p.schedules.map((s) => (
          <div class="card" data-timeline={s.name}>
            <h3>
              {s.name} <span class="muted small">({s.zone})</span>
            </h3>
            <div class="tl">
              <div class="ticks">
                {s.ticks.map((t) => (
                  <span class={t.major ? 'tick major' : 'tick minor'} style={`left:${t.left}%`}>
                    <span>{t.label}</span>
                  </span>
                ))}
              </div>
              {s.bars.map((b) => (
                <div>
                  <div class="role">{b.role}</div>
                  <div class="bar">
                    {nowLeft >= 0 && nowLeft <= 100 ? (
                      <div class="now" style={`left:${nowLeft}%`} title="now" />
                    ) : null}
                    {b.segments.map((seg) => {
                      const who = seg.person ? v.personName(seg.person) : 'nobody';
                      const what = seg.kind === 'gap' ? 'nobody on call' : `${who} (${seg.source})`;
                      return (
                        <div
                          class={`seg ${seg.kind}`}
                          data-kind={seg.kind}
                          data-person={seg.person ?? ''}
                          style={`left:${seg.left}%;width:${seg.width}%${
                            seg.person ? `;background-color:${v.colour(seg.person)}` : ''
                          }`}
                          title={`${b.role}: ${what}, ${v.time(seg.start)} → ${v.time(seg.end)}`}
                        >
                          {seg.kind === 'gap'
                            ? seg.width < 6
                              ? ''
                              : 'nobody'
                            : seg.width < 6
                              ? initials(who)
                              : who}
                        </div>
                      );
                    })}
                  </div>
                </div>
              ))}
            </div>
            <details>
              <summary>As a list</summary>
              <ul class="small">
                {s.bars.flatMap((b) =>
                  b.segments.map((seg) => (
                    <li>
                      {b.role}: {seg.person ? v.personName(seg.person) : 'nobody'}
                      {seg.kind === 'override' ? ' (override)' : ''}, {v.time(seg.start)} → {v.time(seg.end)}
                    </li>
                  )),
                )}
              </ul>
            </details>
            <OverrideList schedule={s.name} overrides={s.overrides} viewer={v} />
            <OverrideForm schedule={s.name} roles={s.roles} people={p.people} viewer={v} />
            {s.feedUrl ? (
              <p class="small">
                <a href={s.feedUrl}>Subscribe in a calendar</a> (iCal, read-only link)
              </p>
            ) : null}
          </div>
        ))}
      </section>
    </Layout>
  );
}

/** `Alice Example` → `AE`: what fits in a narrow timeline segment (the title has the whole name). */
/** "Paged Alice (sms, voice), Bob · queued for Carol", or that nobody has been paged yet. */
function PagedLine(p: { viewer: Viewer; paged: readonly PagedPerson[] }) {
  const sent = p.paged.filter((x) => x.sent);
  const queued = p.paged.filter((x) => !x.sent);
  const name = (x: PagedPerson) =>
    `${p.viewer.personName(x.person)}${x.channels.length > 0 ? ` (${x.channels.join(', ')})` : ''}`;
  return (
    <div class="small muted paged" data-paged={sent.map((x) => x.person).join(',')}>
      {sent.length > 0 ? `Paged ${sent.map(name).join(', ')}` : 'Nobody paged yet'}
      {queued.length > 0 ? ` · page queued for ${queued.map(name).join(', ')}` : ''}
    </div>
  );
}

export function initials(name: string): string {
  const words = name.split(/[\s_-]+/).filter(Boolean);
  return words.length > 1
    ? words
        .map((w) => w[0]!.toUpperCase())
        .join('')
        .slice(0, 3)
    : name.slice(0, 2);
}

/** Triggered before acknowledged, then the highest severity first, then the newest. */
export function bySeverity(incidents: readonly Incident[], config: Config): Incident[] {
  const rank = new Map(config.severities.map((sev, i) => [sev.name, i]));
  const r = (i: Incident) => rank.get(i.severity) ?? rank.size;
  return [...incidents].sort(
    (a, b) => (a.state === b.state ? 0 : a.state === 'triggered' ? -1 : 1) || r(a) - r(b) || b.id - a.id,
  );
}

/** The signed-in person's own situation: on call now (and until when), or their next shift. */
function YouLine(p: { viewer: Viewer; schedules: readonly ScheduleBlock[] }) {
  const v = p.viewer;
  const mine = p.schedules.flatMap((s) =>
    s.bars.flatMap((b) =>
      b.segments
        .filter((seg) => seg.person === v.person && seg.end > v.now)
        .map((seg) => ({ schedule: s.name, role: b.role, start: seg.start, end: seg.end })),
    ),
  );
  const now = mine.filter((m) => m.start <= v.now);
  if (now.length > 0) {
    return (
      <p class="you on" id="you">
        You are on call:{' '}
        {now.map((m, i) => (
          <span>
            {i > 0 ? '; ' : ''}
            <strong>
              {m.schedule} {m.role}
            </strong>{' '}
            until {v.shortTime(m.end)}
          </span>
        ))}
        .
      </p>
    );
  }
  const next = mine.sort((a, b) => a.start - b.start)[0];
  return (
    <p class="you" id="you">
      {next ? (
        <span>
          You are not on call now. Next:{' '}
          <strong>
            {next.schedule} {next.role}
          </strong>{' '}
          from {v.shortTime(next.start)} (in {shortLength(next.start - v.now)}).
        </span>
      ) : (
        'You are not on call now, nor in the next 14 days.'
      )}
    </p>
  );
}
