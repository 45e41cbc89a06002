/** Incident API (SPEC section 7). Actions answer the updated incident. */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Config } from '../../config/types.js';
import { INCIDENT_ROLES, INCIDENT_STATES } from '../../incidents/model.js';
import type { IncidentOperations } from '../../incidents/operations.js';
import type { ActionOutcome, IncidentStore } from '../../incidents/store.js';
import { actorOf, apiTokenFor } from '../auth.js';
import { ApiError } from '../errors.js';
import type { EscalateOutcome } from '../../incidents/operations.js';
import { refusalError, type IncidentAction } from '../../incidents/outcomes.js';
import { parseBody, parseQuery } from '../validate.js';

export interface IncidentApiDeps {
  readonly config: () => Config;
  readonly store: IncidentStore;
  readonly ops: IncidentOperations;
  readonly now: () => Date;
}

const listQuery = z.strictObject({
  state: z.enum(INCIDENT_STATES).optional(),
  service: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

const idParam = (c: Context): number => {
  const id = Number(c.req.param('id'));
  if (!Number.isInteger(id) || id < 1)
    throw new ApiError(400, 'invalid_id', 'incident ids are whole numbers from 1', 'id');
  return id;
};

/** Optional `{"as": "<person>"}`: act in the name of a person (the CLI's --as). */
const actBody = z.strictObject({ as: z.string().optional() }).optional();
const noteBody = z.strictObject({ text: z.string().trim().min(1).max(4000) });
const roleBody = z.strictObject({ role: z.enum(INCIDENT_ROLES), person: z.string() });

function outcome(
  id: number,
  result: ActionOutcome | EscalateOutcome,
  action: IncidentAction,
): { incident: unknown } {
  if (result.ok) return { incident: result.incident };
  const message = refusalError(id, action, result);
  if (result.reason === 'missing') throw new ApiError(404, 'not_found', message);
  throw new ApiError(409, 'conflict', message);
}

export function incidentRoutes(app: Hono, deps: IncidentApiDeps): void {
  const auth = (c: Context) => apiTokenFor(deps.config(), c.req.header('authorization'));
  const actor = async (c: Context): Promise<{ actor: string; person: string | null }> => {
    const token = auth(c);
    const body = await parseBody(c, actBody);
    if (body?.as !== undefined) {
      if (!deps.config().people.has(body.as))
        throw new ApiError(400, 'invalid_body', `unknown person "${body.as}"`, 'as');
      return { actor: `person:${body.as}`, person: body.as };
    }
    return { actor: actorOf(token), person: token.person };
  };

  app.get('/v1/incidents', async (c) => {
    auth(c);
    const q = parseQuery(c, listQuery);
    return c.json({ incidents: await deps.store.list(q) });
  });

  app.get('/v1/incidents/:id', async (c) => {
    auth(c);
    const id = idParam(c);
    const incident = await deps.store.get(id);
    if (!incident) throw new ApiError(404, 'not_found', `there is no incident #${id}`);
    return c.json({ incident });
  });

  app.post('/v1/incidents/:id/acknowledge', async (c) => {
    const id = idParam(c);
    const { actor: who, person } = await actor(c);
    return c.json(outcome(id, await deps.ops.acknowledge(id, who, person, deps.now()), 'acknowledge'));
  });

  app.post('/v1/incidents/:id/unacknowledge', async (c) => {
    const id = idParam(c);
    const { actor: who } = await actor(c);
    return c.json(outcome(id, await deps.ops.unacknowledge(id, who, deps.now()), 'unacknowledge'));
  });

  app.post('/v1/incidents/:id/resolve', async (c) => {
    const id = idParam(c);
    const { actor: who } = await actor(c);
    return c.json(outcome(id, await deps.ops.resolve(id, who, deps.now()), 'resolve'));
  });

  app.post('/v1/incidents/:id/escalate', async (c) => {
    const id = idParam(c);
    const { actor: who } = await actor(c);
    return c.json(outcome(id, await deps.ops.escalate(id, who, deps.now()), 'escalate'));
  });

  app.post('/v1/incidents/:id/notes', async (c) => {
    const token = auth(c);
    const id = idParam(c);
    const body = await parseBody(c, noteBody);
    return c.json(outcome(id, await deps.ops.addNote(id, actorOf(token), body.text, deps.now()), 'note'));
  });

  app.post('/v1/incidents/:id/roles', async (c) => {
    const token = auth(c);
    const id = idParam(c);
    const body = await parseBody(c, roleBody);
    if (!deps.config().people.has(body.person)) {
      throw new ApiError(400, 'invalid_body', `unknown person "${body.person}"`, 'person');
    }
    return c.json(
      outcome(id, await deps.ops.assignRole(id, actorOf(token), body.role, body.person, deps.now()), 'role'),
    );
  });
}
