/**
 * The email action pages (SPEC section 4): `/a/<token>` from an email's Acknowledge / Resolve
 * button. GET shows the incident and one button and never changes anything (mail scanners fetch
 * links); the button's form POSTs the action, taken as the person the email went to. Tokens are
 * signed, expiring and bound to incident, person and action (src/pages/action-token.ts).
 */
import { ACTION_DONE, refusalSentence } from '../incidents/outcomes.js';
import { actorName } from '../incidents/model.js';
import type { Context } from 'hono';
import { z } from 'zod';
import type { IncidentOperations } from '../incidents/operations.js';
import type { Incident } from '../incidents/model.js';
import { verifyActionToken, type ActionTokenPayload } from '../pages/action-token.js';
import { escapeHtml } from '../pages/format.js';
import { STRICT_CSP } from '../web/security-headers.js';
import { noteRequest } from '../server/request-log.js';
import { Api, type Auth, type ResponseSpec } from '../server/api/route.js';

export interface ActionPageDeps {
  readonly ops: IncidentOperations;
  readonly secret: () => Promise<string>;
  readonly now: () => Date;
}

function page(c: Context, status: 200 | 403 | 404 | 409 | 410, title: string, body: string): Response {
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Content-Security-Policy', STRICT_CSP);
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}` +
      `button{font-size:1.2rem;padding:.8rem 1.6rem;border-radius:.4rem;border:0;background:#b00020;color:#fff}` +
      `.ok{color:#0a6b2b}.muted{color:#555}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    status,
  );
}

function describe(i: Incident): string {
  return (
    `<p><strong>${escapeHtml(i.severity)} #${i.id} ${escapeHtml(i.service)}</strong>: ${escapeHtml(i.title)}</p>` +
    `<p class="muted">State: ${escapeHtml(i.state)}${i.acknowledgedBy ? ` (acknowledged by ${escapeHtml(actorName(i.acknowledgedBy))})` : ''} · ` +
    `${i.alerts.length} alert${i.alerts.length === 1 ? '' : 's'} · opened ${escapeHtml(i.createdAt)}</p>`
  );
}

const VERB = { acknowledge: 'Acknowledge', resolve: 'Resolve' } as const;

const html = (description: string): ResponseSpec => ({ description, content: { 'text/html': z.string() } });

/**
 * The signed token in the path, checked before anything else: an expired one answers 410, one
 * that is not valid (cut, changed) 403, both as pages.
 */
function actionLinkAuth(deps: ActionPageDeps): Auth<ActionTokenPayload> {
  return {
    kind: 'actionLink',
    // A token in the path: OpenAPI has no security scheme for that.
    security: [],
    responses: {
      403: html('The link is not valid (cut or changed).'),
      410: html('The link has expired.'),
    },
    check: async (c) => {
      const result = verifyActionToken(c.req.param('token') ?? '', await deps.secret(), deps.now());
      if (result.ok) return result.payload;
      if (result.reason === 'expired') {
        return page(
          c,
          410,
          'This link has expired',
          '<p>Act from the SMS, the call or the Hark dashboard instead.</p>',
        );
      }
      return page(
        c,
        403,
        'This link is not valid',
        '<p>It may have been cut or changed. Use the SMS, the call or the dashboard.</p>',
      );
    },
  };
}

const tokenParams = z.object({
  token: z.string().describe('Signed, valid 24 hours, bound to the incident, the person and the action.'),
});

/** `/a/:token`: the page (GET, changes nothing) and its button (POST). */
export function actionPageApi(deps: ActionPageDeps): Api<ActionTokenPayload> {
  const api = new Api('email', actionLinkAuth(deps));
  api.route({
    method: 'get',
    path: '/:token',
    operationId: 'actionPage',
    summary: 'Email action page',
    description:
      'From an email’s Acknowledge / Resolve button: shows the incident and one button. Changes ' +
      'nothing (mail scanners fetch links).',
    params: tokenParams,
    responses: { 200: html('An HTML page.'), 404: html('The incident no longer exists.') },
    handler: (c, { auth: payload }) => show(c, payload),
  });
  api.route({
    method: 'post',
    path: '/:token',
    operationId: 'actionPageSubmit',
    summary: 'Take the action of an email action page',
    description: 'Acknowledges or resolves as the person the email went to.',
    params: tokenParams,
    responses: {
      200: html('An HTML page.'),
      404: html('The incident no longer exists.'),
      409: html('Already acknowledged or resolved; nothing changed.'),
    },
    handler: (c, { auth: payload }) => act(c, payload),
  });

  const show = async (c: Context, payload: ActionTokenPayload): Promise<Response> => {
    const incident = await deps.ops.store.get(payload.incident, false);
    if (!incident) return page(c, 404, `There is no incident #${payload.incident}`, '');
    const verb = VERB[payload.action];
    return page(
      c,
      200,
      `${verb} #${incident.id}?`,
      `${describe(incident)}<form method="post"><button type="submit">${verb} #${incident.id} as ${escapeHtml(payload.person)}</button></form>`,
    );
  };

  const act = async (c: Context, payload: ActionTokenPayload): Promise<Response> => {
    noteRequest(c, {
      msg: 'answer received',
      channel: 'email',
      person: payload.person,
      incident: payload.incident,
      command: payload.action,
    });
    const actor = `person:${payload.person}`;
    const now = deps.now();
    const r =
      payload.action === 'acknowledge'
        ? await deps.ops.acknowledge(payload.incident, actor, payload.person, now)
        : await deps.ops.resolve(payload.incident, actor, now);
    if (r.ok) {
      const done = ACTION_DONE[payload.action];
      return page(c, 200, `${done} #${r.incident.id}`, `<p class="ok">${done}.</p>${describe(r.incident)}`);
    }
    const refused = escapeHtml(refusalSentence(payload.incident, r).replace(/\.$/, ''));
    if (r.reason === 'missing') return page(c, 404, refused, '');
    return page(c, 409, refused, '<p>Nothing was changed.</p>');
  };
  return api;
}
