/**
 * `hark feed-url <schedule|person> <name> [--json]`: the iCal subscribe URL of a schedule's or a
 * person's shifts (`GET /v1/schedules/:name.ics`, `GET /v1/people/:name.ics`), token included.
 * The token is derived from the per-install secret in Redis (REDIS_URL, else the local
 * redis-server a `hark serve` started here); the base is HARK_PUBLIC_URL, else settings.public_url.
 */
import { actionSecret } from '../../pages/page-formats.js';
import { keys as makeKeys } from '../../redis/keys.js';
import { connectCliRedis } from '../redis.js';
import { feedUrl, type FeedKind } from '../../schedules/feed-token.js';
import { configDir, load, type CliEnv } from '../context.js';
import { json, UsageError } from '../output.js';

export interface FeedUrlFlags {
  readonly json?: boolean;
  readonly config?: string;
}

export async function feedUrlCommand(
  kindText: string,
  name: string,
  flags: FeedUrlFlags,
  cli: CliEnv,
): Promise<void> {
  if (kindText !== 'schedule' && kindText !== 'person')
    throw new UsageError(`invalid kind "${kindText}": use schedule or person`);
  const kind: FeedKind = kindText;
  const config = load(configDir(cli.env, flags.config), cli);
  const known = kind === 'schedule' ? [...config.schedules.keys()] : [...config.people.keys()];
  if (!known.includes(name))
    throw new UsageError(
      `unknown ${kind} "${name}" (${kind === 'schedule' ? 'schedules' : 'people'}: ${known.join(', ') || '(none)'})`,
    );
  const base =
    cli.env.HARK_PUBLIC_URL || config.settings.publicUrl || `http://localhost:${cli.env.PORT || 8080}`;

  const redis = await connectCliRedis(
    cli.env,
    'hark: the feed token needs the secret in Redis: set REDIS_URL or run this where `hark serve` runs',
  );
  let secret: string;
  try {
    secret = await actionSecret(redis, makeKeys(cli.env.HARK_REDIS_PREFIX || undefined));
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
  const url = feedUrl(base, secret, kind, name);
  cli.out.stdout(flags.json ? json({ kind, name, url }) : `${url}\n`);
}
