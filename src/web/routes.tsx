/**
 * The web UI (issue 6): server-rendered pages with no client script. `/` is the dashboard,
 * `/i/<id>` an incident (the link in every page), `/runbooks/<name>` a runbook, `/login` and
 * `/logout` the sign-in. Every action is a plain form POST through `IncidentOperations`, the
 * same operations SMS, voice, email, API and CLI use.
 */
import { doneSentence, refusalError, refusalSentence } from '../incidents/outcomes.js';
import type { EscalateOutcome } from '../incidents/operations.js';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { DateTime } from 'luxon';
import type { Config } from '../config/types.js';
import type { IncidentOperations } from '../incidents/operations.js';
import { INCIDENT_ROLES, runbookLink } from '../incidents/model.js';
import type { ActionOutcome, IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import { postmortemMarkdown } from '../postmortem/draft.js';
import { pagedPeople } from '../incidents/describe.js';
import { feedUrl } from '../schedules/feed-token.js';
import type { ScheduleRegistry } from '../schedules/registry.js';
import type { OverrideStore } from '../schedules/override-store.js';
import { OverrideError } from '../schedules/override-store.js';
import { parseDuration } from '../config/duration.js';
import type { Redis } from 'ioredis';
import type { Keys } from '../redis/keys.js';
import type { Heartbeats } from '../heartbeats/service.js';
import { whoRows } from '../schedules/report.js';
import { resolveStep } from '../escalation/targets.js';
import { bySeverity, Dashboard, type ScheduleBlock } from './dashboard.js';
import { IncidentPage, type WebAction } from './incident.js';
import { CSS, CSS_VERSION, Layout } from './layout.js';
import { LoginPage } from './login.js';
import { RunbookPage } from './runbook.js';
import { STRICT_CSP } from './security-headers.js';
import {
  csrfToken,
  csrfValid,
  findToken,
  readSession,
  safeNext,
  sameOrigin,
  SESSION_COOKIE,
  SESSION_MS,
  sessionCookieValue,
  type Session,
} from './session.js';
import { dayTicks, roleBars } from './timeline.js';
import { viewer, type Viewer } from './view.js';

export interface WebDeps {
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  readonly store: IncidentStore;
  readonly ops: IncidentOperations;
  readonly now: () => Date;
  readonly log: Logger;
  /** The per-install secret (sessions, CSRF and feed tokens are derived from it). */
  readonly secret: () => Promise<string>;
  /** HARK_PUBLIC_URL: cookies are Secure when it is https; feed links use it. */
  readonly publicUrl: () => string;
  readonly redis: Redis;
  readonly keys: Keys;
  /** The runtime overrides (built once by the process, with its shift planner attached). */
  readonly overrides: OverrideStore;
  /** Heartbeats and their state, for the dashboard (absent: no section). */
  readonly heartbeats?: Heartbeats;
}

const FLASH_COOKIE = 'hark_flash';
const TIMELINE_DAYS = 14;

/** Strict headers for every page: no script may run, nothing may frame it, nothing is cached. */
function pageHeaders(c: Context): void {
  c.header('Content-Security-Policy', STRICT_CSP);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cache-Control', 'no-store');
}

export function webRoutes(app: Hono, deps: WebDeps): void {
  const overrideStore = deps.overrides;
  const secure = (c: Context) =>
    deps.publicUrl().startsWith('https:') || new URL(c.req.url).protocol === 'https:';

  const session = async (c: Context): Promise<Session | null> =>
    readSession(deps.config(), await deps.secret(), getCookie(c, SESSION_COOKIE), deps.now().getTime());

  /** To the sign-in page, and back here after it (for a form post: to the page the form was on). */
  const toLogin = (c: Context) => {
    const url = new URL(c.req.url);
    const here =
      c.req.method === 'GET' ? url.pathname + url.search : (/^\/i\/\d+/.exec(url.pathname)?.[0] ?? '/');
    return c.redirect(`/login?next=${encodeURIComponent(here)}`, 303);
  };

  const viewerOf = async (s: Session): Promise<Viewer> =>
    viewer(
      deps.config(),
      { tokenName: s.token.name, person: s.person },
      deps.now().getTime(),
      csrfToken(await deps.secret(), s),
    );

  /** The flash message of the last action (a 30-second cookie, read once). */
  const takeFlash = (c: Context): { error: boolean; text: string } | null => {
    const raw = getCookie(c, FLASH_COOKIE);
    if (!raw) return null;
    deleteCookie(c, FLASH_COOKIE, { path: '/' });
    const error = raw.startsWith('!');
    return { error, text: (error ? raw.slice(1) : raw).slice(0, 300) };
  };
  const setFlash = (c: Context, text: string, error: boolean) =>
    setCookie(c, FLASH_COOKIE, `${error ? '!' : ''}${text}`, {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: secure(c),
      maxAge: 30,
    });

  // Every page but the sign-in needs a session, and every form post also its Origin and CSRF
  // token: `page` and `form` register a route behind the middleware that checks them (bodies are
  // limited before, for every route: src/server/body-limits.ts), and hand the handler what it
  // checked. A route cannot be added without one of them but through `app` itself (the sign-in
  // pages and the style sheet, below).
  const signedIn = new WeakMap<Request, { session: Session; form: Record<string, string> }>();
  const checked = (c: Context) => {
    const got = signedIn.get(c.req.raw);
    if (!got) throw new Error(`${c.req.method} ${c.req.path} reached without its session check`);
    return got;
  };
  /** A page: its headers, then the session (else to the sign-in page). */
  const sessionCheck: MiddlewareHandler = async (c, next) => {
    pageHeaders(c);
    const s = await session(c);
    if (!s) return toLogin(c);
    signedIn.set(c.req.raw, { session: s, form: {} });
    await next();
  };
  /** A form post: the session (else to the sign-in page), the Origin and the CSRF token (else 403). */
  const formCheck: MiddlewareHandler = async (c, next) => {
    const s = await session(c);
    if (!s) return toLogin(c);
    if (!sameOrigin(c.req.header('origin'), c.req.url, deps.publicUrl()))
      return c.text('cross-origin form posts are refused', 403);
    const form = await readForm(c);
    if (!csrfValid(await deps.secret(), s, form.csrf)) {
      return c.text('this form has expired; go back, reload the page and try again', 403);
    }
    signedIn.set(c.req.raw, { session: s, form });
    await next();
  };
  type Page = (c: Context, s: Session) => Response | Promise<Response>;
  type Form = (c: Context, s: Session, form: Record<string, string>) => Response | Promise<Response>;
  const page = (path: string, handler: Page) =>
    app.get(path, sessionCheck, (c) => handler(c, checked(c).session));
  const form = (path: string, handler: Form) =>
    app.post(path, formCheck, (c) => {
      const { session: s, form: fields } = checked(c);
      return handler(c, s, fields);
    });

  app.get('/static/hark.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header(
      'Cache-Control',
      c.req.query('v') === CSS_VERSION ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    return c.body(CSS);
  });

  app.get('/login', async (c) => {
    pageHeaders(c);
    const next = safeNext(c.req.query('next'));
    if (await session(c)) return c.redirect(next, 303);
    return c.html(<LoginPage next={next} error={null} />);
  });

  app.post('/login', async (c) => {
    pageHeaders(c);
    if (!sameOrigin(c.req.header('origin'), c.req.url, deps.publicUrl()))
      return c.text('cross-origin sign-in is refused', 403);
    const form = await readForm(c);
    const next = safeNext(form.next);
    const token = findToken(deps.config(), form.token ?? '');
    if (!token) {
      deps.log.warn({ ip: c.req.header('x-forwarded-for') ?? null }, 'web sign-in refused: unknown token');
      return c.html(<LoginPage next={next} error="That is not one of the API tokens in hark.yaml." />, 401);
    }
    const now = deps.now().getTime();
    setCookie(c, SESSION_COOKIE, sessionCookieValue(await deps.secret(), token, now), {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: secure(c),
      maxAge: Math.floor(SESSION_MS / 1000),
    });
    deps.log.info({ token: token.name }, 'web sign-in');
    return c.redirect(next, 303);
  });

  form('/logout', (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c) });
    return c.redirect('/login', 303);
  });

  page('/', async (c, s) => {
    const v = await viewerOf(s);
    const registry = deps.schedules();
    await registry.refresh();
    const from = DateTime.fromMillis(v.now, { zone: v.zone }).startOf('day');
    const to = from.plus({ days: TIMELINE_DAYS }).toMillis();
    const secret = await deps.secret();
    const base = deps.publicUrl() || new URL(c.req.url).origin;
    const schedules: ScheduleBlock[] = [];
    const overrides = await overrideStore.list();
    for (const name of registry.names()) {
      const compiled = registry.get(name)!;
      const view = registry.view(name)!;
      schedules.push({
        name,
        zone: compiled.zone.name,
        oncall: whoRows(compiled, v.now, view).map(({ row, holding }) => ({
          role: row.role,
          person: holding.person,
          since: holding.since,
          until: holding.until,
        })),
        bars: roleBars(view, compiled.roles, from.toMillis(), to),
        ticks: dayTicks(from.toMillis(), to, v.zone),
        feedUrl: feedUrl(base, secret, 'schedule', name),
        roles: compiled.roles,
        overrides: overrides.filter((o) => o.schedule === name),
      });
    }
    const [triggered, acknowledged, resolved, heartbeats] = await Promise.all([
      deps.store.list({ state: 'triggered', limit: 200 }),
      deps.store.list({ state: 'acknowledged', limit: 200 }),
      deps.store.list({ state: 'resolved', limit: 50 }),
      deps.heartbeats?.list() ?? [],
    ]);
    const dayAgo = v.now - 24 * 3600_000;
    const recent = await deps.store.recentTimelines(triggered.map((i) => i.id));
    const paged = new Map([...recent].map(([id, events]) => [id, pagedPeople(events)]));
    return c.html(
      <Dashboard
        viewer={v}
        open={bySeverity([...triggered, ...acknowledged], deps.config())}
        paged={paged}
        resolved={resolved.filter((i) => i.resolvedAt !== null && Date.parse(i.resolvedAt) >= dayAgo)}
        schedules={schedules}
        from={from.toMillis()}
        to={to}
        flash={takeFlash(c)}
        myFeedUrl={v.person ? feedUrl(base, secret, 'person', v.person) : null}
        refreshSeconds={refreshSeconds(c.req.query('refresh'))}
        people={[...deps.config().people.values()].map((x) => ({ name: x.name, label: x.displayName }))}
        heartbeats={heartbeats}
      />,
    );
  });

  page('/i/:id', async (c, s) => {
    const v = await viewerOf(s);
    const id = incidentId(param(c, 'id'));
    const [incident, due] =
      id === null ? [null, null] : await Promise.all([deps.store.get(id), deps.store.nextEscalation(id)]);
    if (!incident)
      return c.html(<NotFound viewer={v} what={`There is no incident #${param(c, 'id')}.`} />, 404);
    const runbookHref = runbookLink(incident.runbook, '');
    const next = due
      ? {
          step: due.step + 1,
          steps: due.policy.steps.length,
          round: due.loop + 1,
          at: due.at,
          targets: (due.policy.steps[due.step]?.notify ?? []).map((t) =>
            t.kind === 'person' ? `person ${t.person}` : `schedule ${t.schedule}/${t.role}`,
          ),
          // Who the step pages if it fires then (it is worked out again when it fires).
          people: due.policy.steps[due.step]
            ? resolveStep(due.policy.steps[due.step]!, deps.schedules(), Math.max(due.at, v.now)).map(
                (t) => t.person,
              )
            : [],
        }
      : null;
    return c.html(
      <IncidentPage
        viewer={v}
        incident={incident}
        runbookHref={runbookHref}
        flash={takeFlash(c)}
        next={next}
        people={[...deps.config().people.values()].map((x) => ({ name: x.name, label: x.displayName }))}
      />,
    );
  });

  // The post-mortem draft of `hark postmortem`, as a markdown file to start the write-up from.
  page('/i/:id/postmortem.md', async (c) => {
    const id = incidentId(param(c, 'id'));
    const incident = id === null ? null : await deps.store.get(id);
    if (!incident) return c.text(`There is no incident #${param(c, 'id')}.`, 404);
    const base = deps.publicUrl() || new URL(c.req.url).origin;
    const runbook = runbookLink(incident.runbook, base);
    c.header('Content-Type', 'text/markdown; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="postmortem-${incident.id}.md"`);
    return c.body(postmortemMarkdown(incident, runbook));
  });

  form('/i/:id/:action{acknowledge|resolve|unacknowledge|escalate}', async (c, s, form) => {
    const id = incidentId(param(c, 'id'));
    const back = safeNext(form.back ?? `/i/${param(c, 'id')}`);
    if (id === null) return c.redirect(back, 303);
    const action = param(c, 'action') as WebAction;
    const actor = actorOf(s);
    const now = deps.now();
    let outcome: ActionOutcome | EscalateOutcome;
    switch (action) {
      case 'acknowledge':
        outcome = await deps.ops.acknowledge(id, actor, s.person, now);
        break;
      case 'resolve':
        outcome = await deps.ops.resolve(id, actor, now);
        break;
      case 'unacknowledge':
        outcome = await deps.ops.unacknowledge(id, actor, now);
        break;
      case 'escalate': {
        const r = await deps.ops.escalate(id, actor, now);
        outcome = r;
        break;
      }
    }
    setFlash(c, flashText(id, action, outcome), !outcome.ok);
    return c.redirect(back, 303);
  });

  form('/i/:id/notes', async (c, s, form) => {
    const id = incidentId(param(c, 'id'));
    if (id === null) return c.redirect('/', 303);
    const text = (form.text ?? '').trim().slice(0, 4000);
    if (text) {
      const r = await deps.ops.addNote(id, actorOf(s), text, deps.now());
      setFlash(c, r.ok ? 'Note added.' : `Could not add the note: #${id} is missing.`, !r.ok);
    }
    return c.redirect(`/i/${id}`, 303);
  });

  form('/schedules/:name/overrides', async (c, s, form) => {
    const now = deps.now().getTime();
    const duration = form.duration ? parseDuration(form.duration) : null;
    if (form.duration && !duration) {
      setFlash(c, `Not done: "${form.duration.slice(0, 20)}" is not a duration.`, true);
      return c.redirect('/#shifts', 303);
    }
    try {
      const o = await overrideStore.create({
        schedule: param(c, 'name'),
        role: form.role || undefined,
        person: form.person ?? '',
        from: now,
        ...(duration ? { to: now + duration } : {}),
        createdBy: actorOf(s),
        reason: form.reason?.trim() || 'from the web UI',
      });
      const zone = deps.config().schedules.get(o.schedule)?.timezone ?? 'UTC';
      const name = deps.config().people.get(o.person)?.displayName ?? o.person;
      setFlash(
        c,
        `${name} is ${o.role} on call for ${o.schedule} until ${DateTime.fromMillis(o.to, { zone }).toFormat('ccc d LLL HH:mm ZZZZ')} (${o.id}).`,
        false,
      );
    } catch (e) {
      if (!(e instanceof OverrideError)) throw e;
      setFlash(c, `Not done: ${e.message}`, true);
    }
    return c.redirect('/#shifts', 303);
  });

  form('/schedules/:name/overrides/:id/remove', async (c, s) => {
    const removed = await overrideStore.remove(param(c, 'id'), param(c, 'name'));
    deps.log.info({ override: param(c, 'id'), by: actorOf(s) }, 'override removed (web)');
    setFlash(
      c,
      removed ? `Removed override ${removed.id}.` : `There is no override ${param(c, 'id')}.`,
      !removed,
    );
    return c.redirect('/#shifts', 303);
  });

  form('/i/:id/roles', async (c, s, form) => {
    const id = incidentId(param(c, 'id'));
    if (id === null) return c.redirect('/', 303);
    const role = INCIDENT_ROLES.find((r) => r === form.role);
    const person = deps.config().people.get(form.person ?? '');
    if (!role || !person) {
      setFlash(c, `Not done: choose one of the roles (${INCIDENT_ROLES.join(', ')}) and a person.`, true);
      return c.redirect(`/i/${id}`, 303);
    }
    const r = await deps.ops.assignRole(id, actorOf(s), role, person.name, deps.now());
    setFlash(
      c,
      r.ok
        ? `${person.displayName} is now ${role} of #${id}; they are told.`
        : `There is no incident #${id}.`,
      !r.ok,
    );
    return c.redirect(`/i/${id}`, 303);
  });

  page('/runbooks/:name', async (c, s) => {
    const v = await viewerOf(s);
    const runbook = deps.config().runbooks.get(param(c, 'name'));
    if (!runbook)
      return c.html(<NotFound viewer={v} what={`There is no runbook "${param(c, 'name')}".`} />, 404);
    return c.html(<RunbookPage runbook={runbook} signedInAs={v.name} csrf={v.csrf} />);
  });
}

/** A path parameter of the route (every one its pattern names is there). */
const param = (c: Context, name: string): string => c.req.param(name) ?? '';

/** The timeline actor of a web session: its person, else the token's name. */
const actorOf = (s: Session) => (s.person ? `person:${s.person}` : `token:${s.token.name}`);

/** Whether a path is one of the web UI's (its errors are pages, not JSON). */
export function isWebPath(path: string): boolean {
  return /^\/($|login$|logout$|i\/|runbooks\/|schedules\/)/.test(path);
}

export const UNAVAILABLE_TEXT =
  'Hark cannot reach its storage (Redis) right now, so it cannot show or change anything. Escalations carry on once it is back. Try again in a moment.';

/** A plain page for an error (no session needed). */
export function errorPage(text: string, heading = 'Not now'): string {
  return (
    <Layout title={heading}>
      <h1>{heading}</h1>
      <p>{text}</p>
      <p>
        <a href="">Try again</a> · <a href="/">Dashboard</a>
      </p>
    </Layout>
  ).toString();
}

function NotFound(p: { viewer: Viewer; what: string }) {
  return (
    <Layout title="Not found" signedInAs={p.viewer.name} csrf={p.viewer.csrf}>
      <h1>Not found</h1>
      <p>{p.what}</p>
      <p>
        <a href="/">Back to the dashboard</a>
      </p>
    </Layout>
  );
}

/** `?refresh=N` for a wall display: 10 s to 1 h, else none. */
function refreshSeconds(text: string | undefined): number | null {
  const n = text !== undefined && /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  return n >= 10 && n <= 3600 ? n : null;
}

function incidentId(text: string): number | null {
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}

function flashText(id: number, action: WebAction, outcome: ActionOutcome | EscalateOutcome): string {
  if (outcome.ok) return doneSentence(action, outcome.incident);
  if (outcome.reason === 'missing') return refusalSentence(id, outcome);
  const error = refusalError(id, action, outcome);
  return `${error.charAt(0).toUpperCase()}${error.slice(1)}.`;
}

/** An urlencoded or multipart form as strings (files and repeated names are ignored). */
async function readForm(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return {};
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}
