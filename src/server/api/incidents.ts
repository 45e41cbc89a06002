/** Incident API (SPEC section 7). Actions answer the updated incident. */
import { z } from 'zod';
import type { ApiToken, Config } from '../../config/types.js';
import { incidentRoleSchema, incidentSchema, INCIDENT_STATES } from '../../incidents/model.js';
import type { IncidentOperations } from '../../incidents/operations.js';
import { LIST_LIMITS, type ActionOutcome, type IncidentStore } from '../../incidents/store.js';
import { actorOf, tokenApi } from '../auth.js';
import { ApiError } from '../errors.js';
import type { EscalateOutcome } from '../../incidents/operations.js';
import { refusalError, type IncidentAction } from '../../incidents/outcomes.js';
import type { Api, ResponseSpec } from './route.js';

export interface IncidentApiDeps {
  readonly config: () => Config;
  readonly store: IncidentStore;
  readonly ops: IncidentOperations;
  readonly now: () => Date;
}

const listQuery = z.strictObject({
  state: z.enum(INCIDENT_STATES).optional(),
  service: z.string().optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIST_LIMITS.max)
    .optional()
    .describe(`Default ${LIST_LIMITS.default}.`),
});

const ID_HELP = 'incident ids are whole numbers from 1';
/** `/incidents/:id`: a whole number from 1. */
const idParams = z.object({
  id: z.coerce
    .number({ error: ID_HELP })
    .int({ error: ID_HELP })
    .min(1, { error: ID_HELP })
    .describe('The incident number.'),
});

/** Optional `{"as": "<person>"}`: act in the name of a person (the CLI's --as). */
const actBody = z
  .strictObject({ as: z.string().optional().describe('Act in the name of this person (the CLI’s `--as`).') })
  .meta({
    id: 'ActAs',
    description: 'Optional. An empty body acts as the token (its person, else the token name).',
  })
  .optional();
const noteBody = z.strictObject({ text: z.string().trim().min(1).max(4000) }).meta({ id: 'Note' });
const roleBody = z
  .strictObject({ role: incidentRoleSchema, person: z.string() })
  .meta({ id: 'RoleAssignment' });

const incidentAnswer: ResponseSpec = {
  description: 'The incident with its timeline.',
  json: z.object({ incident: incidentSchema }).meta({ id: 'IncidentEnvelope' }),
};
const incidentList = z
  .object({ incidents: z.array(incidentSchema).describe('Newest first.') })
  .meta({ id: 'IncidentList' });

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

export function incidentApi(deps: IncidentApiDeps): Api<ApiToken> {
  /** Who acts: the person of `as`, else the token's. */
  const actor = (
    token: ApiToken,
    body: z.output<typeof actBody>,
  ): { actor: string; person: string | null } => {
    if (body?.as !== undefined) {
      if (!deps.config().people.has(body.as))
        throw new ApiError(400, 'invalid_body', `unknown person "${body.as}"`, 'as');
      return { actor: `person:${body.as}`, person: body.as };
    }
    return { actor: actorOf(token), person: token.person };
  };
  const action = (operationId: string, verb: string, summary: string, description: string) =>
    ({
      method: 'post',
      path: `/incidents/:id/${verb}`,
      operationId,
      summary,
      description,
      params: idParams,
      body: actBody,
      responses: { 200: incidentAnswer, 404: 'NotFound', 409: 'Conflict' },
    }) as const;

  return tokenApi('incidents', deps.config)
    .route({
      method: 'get',
      path: '/incidents',
      operationId: 'listIncidents',
      summary: 'List incidents, newest first',
      query: listQuery,
      responses: { 200: { description: 'The incidents, without timelines.', json: incidentList } },
      handler: async (c, { query }) => c.json({ incidents: await deps.store.list(query) }),
    })
    .route({
      method: 'get',
      path: '/incidents/:id',
      operationId: 'getIncident',
      summary: 'One incident with its timeline',
      params: idParams,
      responses: { 200: incidentAnswer, 404: 'NotFound' },
      handler: async (c, { params: { id } }) => {
        const incident = await deps.store.get(id);
        if (!incident) throw new ApiError(404, 'not_found', `there is no incident #${id}`);
        return c.json({ incident });
      },
    })
    .route({
      ...action(
        'acknowledgeIncident',
        'acknowledge',
        'Acknowledge',
        'Stops escalation; the first to acknowledge becomes commander unless one is set. 409 if it is ' +
          'already acknowledged or resolved (the message says by whom).',
      ),
      handler: async (c, { auth, params: { id }, body }) => {
        const { actor: who, person } = actor(auth, body);
        return c.json(outcome(id, await deps.ops.acknowledge(id, who, person, deps.now()), 'acknowledge'));
      },
    })
    .route({
      ...action(
        'unacknowledgeIncident',
        'unacknowledge',
        'Un-acknowledge',
        'Back to triggered; escalation restarts at step 1.',
      ),
      handler: async (c, { auth, params: { id }, body }) => {
        const { actor: who } = actor(auth, body);
        return c.json(outcome(id, await deps.ops.unacknowledge(id, who, deps.now()), 'unacknowledge'));
      },
    })
    .route({
      ...action('resolveIncident', 'resolve', 'Resolve', '409 if it is already resolved.'),
      handler: async (c, { auth, params: { id }, body }) => {
        const { actor: who } = actor(auth, body);
        return c.json(outcome(id, await deps.ops.resolve(id, who, deps.now()), 'resolve'));
      },
    })
    .route({
      ...action(
        'escalateIncident',
        'escalate',
        'Escalate now',
        'Fires the next escalation step now. 409 if the incident is not triggered or the policy has run out.',
      ),
      handler: async (c, { auth, params: { id }, body }) => {
        const { actor: who } = actor(auth, body);
        return c.json(outcome(id, await deps.ops.escalate(id, who, deps.now()), 'escalate'));
      },
    })
    .route({
      method: 'post',
      path: '/incidents/:id/notes',
      operationId: 'addIncidentNote',
      summary: 'Add a note to the timeline',
      params: idParams,
      body: noteBody,
      responses: { 200: incidentAnswer, 404: 'NotFound', 409: 'Conflict' },
      handler: async (c, { auth, params: { id }, body }) =>
        c.json(outcome(id, await deps.ops.addNote(id, actorOf(auth), body.text, deps.now()), 'note')),
    })
    .route({
      method: 'post',
      path: '/incidents/:id/roles',
      operationId: 'assignIncidentRole',
      summary: 'Assign or hand over an incident role',
      description: 'The new holder is notified.',
      params: idParams,
      body: roleBody,
      responses: { 200: incidentAnswer, 404: 'NotFound', 409: 'Conflict' },
      handler: async (c, { auth, params: { id }, body }) => {
        if (!deps.config().people.has(body.person)) {
          throw new ApiError(400, 'invalid_body', `unknown person "${body.person}"`, 'person');
        }
        return c.json(
          outcome(
            id,
            await deps.ops.assignRole(id, actorOf(auth), body.role, body.person, deps.now()),
            'role',
          ),
        );
      },
    });
}
