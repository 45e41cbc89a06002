/** `POST /v1/config/reload` (SPEC 7): reread the config; a bad one is refused and the old one kept. */
import { z } from 'zod';
import type { ConfigIssue } from '../../config/errors.js';
import { configDiffSchema, type ReloadResult } from '../../config/live.js';
import type { ApiToken, Config } from '../../config/types.js';
import type { Logger } from '../../log.js';
import { actorOf, tokenApi } from '../auth.js';
import { ApiError } from '../errors.js';
import type { Api } from './route.js';

export interface ConfigApiDeps {
  readonly config: () => Config;
  readonly log: Logger;
  /** Reloads this process and tells the others; absent: this server cannot reload (tests). */
  readonly reloadConfig?: () => Promise<ReloadResult>;
}

const issueSchema = z
  .object({
    file: z.string().meta({ examples: ['schedules/platform.yaml'] }),
    line: z.number().int(),
    col: z.number().int(),
    message: z.string(),
  })
  .meta({ id: 'ConfigIssue' });
type IssueJson = z.infer<typeof issueSchema>;

const issue = (i: ConfigIssue): IssueJson => ({ file: i.file, line: i.line, col: i.col, message: i.message });

const reloaded = z
  .object({ reloaded: z.literal(true), warnings: z.array(issueSchema), changed: configDiffSchema })
  .meta({ id: 'ConfigReloaded' });
const invalidConfig = z
  .object({
    error: z.object({ code: z.literal('invalid_config'), message: z.string(), errors: z.array(issueSchema) }),
  })
  .meta({
    id: 'InvalidConfig',
    description: 'The error shape with every validation error; the running config stays.',
  });

export function configApi(deps: ConfigApiDeps): Api<ApiToken> {
  return tokenApi('config', deps.config).route({
    method: 'post',
    path: '/config/reload',
    operationId: 'reloadConfig',
    summary: 'Reload the config repository',
    description:
      'Reads the config directory again, in this process and every other one on the same Redis (as ' +
      'SIGHUP does for one process). A config that fails validation is refused with every error and ' +
      'the running config stays. Running escalations keep the policy their incident fixed when it opened.',
    responses: {
      200: { description: 'Reloaded.', json: reloaded },
      422: { description: 'The new config is invalid; nothing changed.', json: invalidConfig },
      501: 'NotSupported',
    },
    handler: async (c, { auth }) => {
      if (!deps.reloadConfig)
        throw new ApiError(501, 'not_supported', 'this server cannot reload its config');
      deps.log.info({ by: actorOf(auth) }, 'config reload asked for');
      const result = await deps.reloadConfig();
      if (!result.ok) {
        const n = result.errors.length;
        return c.json(
          {
            error: {
              code: 'invalid_config',
              message: `the config has ${n} error${n === 1 ? '' : 's'}; nothing was changed and the running config stays`,
              errors: result.errors.map(issue),
            },
          },
          422,
        );
      }
      return c.json({ reloaded: true, warnings: result.warnings.map(issue), changed: result.diff });
    },
  });
}
