/** `POST /v1/config/reload` (SPEC 7): reread the config; a bad one is refused and the old one kept. */
import type { Hono } from 'hono';
import type { ConfigIssue } from '../../config/errors.js';
import type { ReloadResult } from '../../config/live.js';
import type { Config } from '../../config/types.js';
import type { Logger } from '../../log.js';
import { actorOf, apiTokenFor } from '../auth.js';
import { ApiError } from '../errors.js';

export interface ConfigApiDeps {
  readonly config: () => Config;
  readonly log: Logger;
  /** Reloads this process and tells the others; absent: this server cannot reload (tests). */
  readonly reloadConfig?: () => Promise<ReloadResult>;
}

const issue = (i: ConfigIssue) => ({ file: i.file, line: i.line, col: i.col, message: i.message });

export function configRoutes(app: Hono, deps: ConfigApiDeps): void {
  app.post('/v1/config/reload', async (c) => {
    const token = apiTokenFor(deps.config(), c.req.header('authorization'));
    if (!deps.reloadConfig) throw new ApiError(501, 'not_supported', 'this server cannot reload its config');
    deps.log.info({ by: actorOf(token) }, 'config reload asked for');
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
  });
}
