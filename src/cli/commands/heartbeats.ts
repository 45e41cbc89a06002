/**
 * `hark heartbeats`: every heartbeat of hark.yaml with its state (docs/senders.md), straight from
 * Redis (REDIS_URL, else the local redis-server a `hark serve` started here) or through a running
 * server (`--server URL --token T`, `GET /v1/heartbeats`). Exit 1 when one is missed, so a script
 * can check them.
 */
import { formatDuration } from '../../config/duration.js';
import type { HeartbeatView } from '../../heartbeats/schema.js';
import { keys as makeKeys } from '../../redis/keys.js';
import { humanTime } from '../../time/format.js';
import { configDir, load, type CliEnv } from '../context.js';
import { CheckFailed, json, table, UsageError } from '../output.js';
import { connectCliRedis } from '../redis.js';

export interface HeartbeatFlags {
  readonly server?: string;
  readonly token?: string;
  readonly config?: string;
  readonly json?: boolean;
}

async function fromServer(server: string, token: string | undefined, cli: CliEnv): Promise<HeartbeatView[]> {
  const base = server.replace(/\/+$/, '');
  const bearer = token ?? cli.env.HARK_API_TOKEN;
  if (!bearer) throw new UsageError('--server needs --token (or HARK_API_TOKEN)');
  let res: Response;
  try {
    res = await fetch(`${base}/v1/heartbeats`, { headers: { Authorization: `Bearer ${bearer}` } });
  } catch (e) {
    throw new CheckFailed(`hark: cannot reach ${base}: ${(e as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as {
    heartbeats?: HeartbeatView[];
    error?: { message?: string };
  } | null;
  if (res.status !== 200 || !body?.heartbeats)
    throw new CheckFailed(`hark: ${body?.error?.message ?? `HTTP ${res.status}`}`);
  return body.heartbeats;
}

async function fromRedis(flags: HeartbeatFlags, cli: CliEnv): Promise<HeartbeatView[]> {
  const config = load(configDir(cli.env, flags.config), cli);
  const redis = await connectCliRedis(
    cli.env,
    'hark: no Redis to read heartbeats from: set REDIS_URL, run this where `hark serve` runs, or use --server URL --token T',
  );
  const [{ composeHark }, { createLogger }] = await Promise.all([
    import('../../compose.js'),
    import('../../log.js'),
  ]);
  const hark = await composeHark({
    redis,
    keys: makeKeys(cli.env.HARK_REDIS_PREFIX || undefined),
    config: () => config,
    now: cli.now,
    log: createLogger('error'),
    escalation: 'none',
  });
  try {
    return await hark.heartbeats.list();
  } finally {
    await hark.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}

export async function heartbeatsCommand(flags: HeartbeatFlags, cli: CliEnv): Promise<void> {
  const list = flags.server ? await fromServer(flags.server, flags.token, cli) : await fromRedis(flags, cli);
  const missed = list.filter((h) => h.status === 'missed');
  if (flags.json) cli.out.stdout(json(list));
  else if (list.length === 0) cli.out.stdout('no heartbeats in hark.yaml (see docs/senders.md)\n');
  else {
    const zone = 'UTC';
    cli.out.stdout(
      table(
        ['NAME', 'STATUS', 'EVERY', 'LAST PING', 'DUE', 'SERVICE', 'INCIDENT'],
        list.map((h) => [
          h.name,
          h.status === 'missed' && h.missedSince
            ? `missed since ${humanTime(Date.parse(h.missedSince), zone)}`
            : h.status,
          `${formatDuration(h.intervalSeconds * 1000)}${h.graceSeconds > 0 ? ` +${formatDuration(h.graceSeconds * 1000)}` : ''}`,
          h.lastPingAt ? humanTime(Date.parse(h.lastPingAt), zone) : 'never',
          h.dueAt && h.status !== 'missed' ? humanTime(Date.parse(h.dueAt), zone) : '-',
          h.service ?? (h.integration ? `(routed: ${h.integration})` : '-'),
          h.incident ? `#${h.incident}` : '-',
        ]),
      ),
    );
  }
  if (missed.length > 0)
    throw new CheckFailed(
      `hark: ${missed.length} heartbeat${missed.length === 1 ? '' : 's'} missed: ${missed.map((h) => h.name).join(', ')}`,
    );
}
