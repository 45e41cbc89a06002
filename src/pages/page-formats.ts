/** The page texts escalation sends, with links on this Hark's public URL (SPEC section 4). */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Person } from '../config/types.js';
import { runbookLink, type Incident } from '../incidents/model.js';
import type { Keys } from '../redis/keys.js';
import { ACTION_TOKEN_TTL_MS, signActionToken } from './action-token.js';
import { bundleEmailFor, bundleSmsText, emailFor, smsText, type EmailLinks } from './format.js';
import { bundleNtfyFor, ntfyFor } from './ntfy-format.js';
import type { PageFormats } from './pager.js';

/** The secret that signs email (and ntfy) action links: made once, shared by every Hark on this Redis. */
export async function actionSecret(redis: Redis, keys: Keys): Promise<string> {
  await redis.set(keys.actionSecret, randomBytes(32).toString('base64url'), 'NX');
  const secret = await redis.get(keys.actionSecret);
  if (!secret) throw new Error('could not read the action-link secret from Redis');
  return secret;
}

export function createPageFormats(secret: string, now: () => number = Date.now): PageFormats {
  /** An incident's links for `person`: its page, runbook, and the signed action links. */
  const linksFor = (incident: Incident, person: Person, base: string): EmailLinks => {
    const expiresAt = now() + ACTION_TOKEN_TTL_MS;
    const link = (action: 'acknowledge' | 'resolve') =>
      `${base}/a/${signActionToken({ incident: incident.id, person: person.name, action, expiresAt }, secret)}`;
    return {
      incident: `${base}/i/${incident.id}`,
      runbook: runbookLink(incident.runbook, base),
      acknowledge: link('acknowledge'),
      resolve: link('resolve'),
    };
  };
  return {
    sms: (incident, base) => smsText(incident, base),
    bundleSms: (incidents, base) => bundleSmsText(incidents, base),
    email: (incident, person, base) => emailFor(incident, person, linksFor(incident, person, base)),
    bundleEmail: (incidents, person, base) =>
      bundleEmailFor(
        incidents.map((incident) => ({ incident, links: linksFor(incident, person, base) })),
        person,
      ),
    ntfy: (incident, person, base) => ntfyFor(incident, linksFor(incident, person, base)),
    bundleNtfy: (incidents, person, base) =>
      bundleNtfyFor(
        incidents.map((incident) => ({ incident, links: linksFor(incident, person, base) })),
        `${base}/`,
      ),
  };
}
