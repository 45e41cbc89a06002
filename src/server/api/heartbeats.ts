/**
 * Heartbeats over HTTP (docs/senders.md):
 *
 *   POST /v1/heartbeats/:name     a ping, with the heartbeat's token
 *   GET  /v1/heartbeats/:name     the same, for cron one-liners (`curl -fsS URL?token=...`)
 *   GET  /v1/heartbeats           every heartbeat with its state (an API token)
 *
 * A ping authenticates with the heartbeat's `token` as `Authorization: Bearer <token>`, the
 * basic-auth password, `X-Hark-Token`, or the `token` query parameter (the request log never
 * shows the query). Authentication comes first: a token of no heartbeat is a 401 whatever the
 * name; a name that is no heartbeat is a 404 only for a request that carries some heartbeat's
 * token; a token of another heartbeat is a 401 for this one. The body, if any, is not read.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import type { Config, Heartbeat } from '../../config/types.js';
import type { Heartbeats } from '../../heartbeats/service.js';
import { heartbeatViewSchema } from '../../heartbeats/schema.js';
import { sameText } from '../../signing.js';
import { tokenApi } from '../auth.js';
import { ApiError } from '../errors.js';
import { noteRequest } from '../request-log.js';
import { requestToken } from './alert-auth.js';
import { Api, type Auth } from './route.js';

export interface HeartbeatApiDeps {
  readonly config: () => Config;
  readonly heartbeats: Heartbeats;
}

/** The token a ping carries: a header (as for integrations), else `?token=`. */
function pingToken(c: Context): string | null {
  const fromHeaders = requestToken('generic', { get: (h) => c.req.header(h) }, null);
  if (fromHeaders !== null) return fromHeaders;
  const q = c.req.query('token');
  return q === undefined || q === '' ? null : q;
}

const matches = (token: string | null, hb: Heartbeat) =>
  token !== null && hb.token !== null && sameText(token, hb.token);

/** A ping: the heartbeat of the path, authenticated by its token (see the top of this file). */
export function heartbeatTokenAuth(config: () => Config): Auth<Heartbeat> {
  return {
    kind: 'heartbeatToken',
    security: [{ heartbeatBearer: [] }, { heartbeatQuery: [] }],
    responses: { 401: 'Unauthorized', 404: 'NotFound' },
    check: (c) => {
      const heartbeats = config().heartbeats;
      const name = c.req.param('name') ?? '';
      const token = pingToken(c);
      const hb = heartbeats.find((h) => h.name === name && h.watchdog === null);
      if (hb && matches(token, hb)) return hb;
      if (!hb && heartbeats.some((h) => matches(token, h))) {
        const watchdog = heartbeats.find((h) => h.name === name)?.watchdog;
        throw new ApiError(
          404,
          'not_found',
          watchdog
            ? `heartbeat "${name}" is pinged by the ${watchdog.alertname} alerts of integration "${watchdog.integration}", not over HTTP`
            : `there is no heartbeat "${name}" in hark.yaml`,
        );
      }
      throw new ApiError(
        401,
        'unauthorized',
        'send the heartbeat’s token as Authorization: Bearer <token> (or ?token=<token>)',
      );
    },
  };
}

const nameParams = z.object({ name: z.string().describe('The heartbeat’s name in hark.yaml.') });
const tokenQuery = z.object({
  token: z.string().optional().describe('The heartbeat’s token, for senders that cannot set a header.'),
});
const pinged = {
  200: {
    description: 'The ping is recorded; a missed heartbeat’s incident is resolved.',
    json: z.object({ heartbeat: heartbeatViewSchema }),
  },
};

export function heartbeatPingApi(deps: HeartbeatApiDeps): Api<Heartbeat> {
  const ping = async (c: Context, hb: Heartbeat) => {
    const view = await deps.heartbeats.ping(hb);
    noteRequest(c, { msg: 'heartbeat ping', heartbeat: hb.name });
    return c.json({ heartbeat: view }, 200);
  };
  return new Api('heartbeats', heartbeatTokenAuth(deps.config))
    .route({
      method: 'post',
      path: '/heartbeats/:name',
      operationId: 'pingHeartbeat',
      summary: 'Ping a heartbeat',
      description: 'A body, if any, is not read.',
      params: nameParams,
      query: tokenQuery,
      responses: pinged,
      handler: (c, { auth }) => ping(c, auth),
    })
    .route({
      method: 'get',
      path: '/heartbeats/:name',
      operationId: 'pingHeartbeatGet',
      summary: 'Ping a heartbeat (GET, for cron one-liners)',
      description:
        'The same as the POST: `curl -fsS "https://hark.example.com/v1/heartbeats/<name>?token=<token>"`.',
      params: nameParams,
      query: tokenQuery,
      responses: pinged,
      handler: (c, { auth }) => ping(c, auth),
    });
}

export function heartbeatListApi(deps: HeartbeatApiDeps) {
  return tokenApi('heartbeats', deps.config).route({
    method: 'get',
    path: '/heartbeats',
    operationId: 'listHeartbeats',
    summary: 'Every heartbeat with its state',
    responses: {
      200: {
        description: 'In the order of hark.yaml.',
        json: z.object({ heartbeats: z.array(heartbeatViewSchema) }),
      },
    },
    handler: async (c) => c.json({ heartbeats: await deps.heartbeats.list() }),
  });
}
