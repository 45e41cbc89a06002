/**
 * Outgoing webhooks on the command line (docs/webhooks.md):
 *
 *   hark webhooks                     each webhook with its counters and last attempt
 *   hark webhooks deliveries <name>   its recent delivery attempts, newest first
 *   hark webhooks test <name>         send it a signed webhook.test event and print what happened
 *   hark webhooks secret              a new random secret (whsec_...) for a webhook's variable
 *
 * Straight to Redis (REDIS_URL, else the local redis-server a `hark serve` started here) or through
 * a running server (`--server URL --token T`). A test goes through the delivery worker of a
 * running `hark serve`, like every delivery.
 */
import { randomBytes } from 'node:crypto';
import { formatDuration } from '../../config/duration.js';
import type { Config } from '../../config/types.js';
import { keys as makeKeys } from '../../redis/keys.js';
import type { DeliveryRecord, WebhookSummary } from '../../webhooks/log.js';
import { configDir, load, type CliEnv } from '../context.js';
import { CheckFailed, json, table, UsageError } from '../output.js';
import { connectCliRedis } from '../redis.js';

export interface WebhookFlags {
  readonly server?: string;
  readonly token?: string;
  readonly config?: string;
  readonly json?: boolean;
}

interface WebhookClient {
  list(): Promise<WebhookSummary[]>;
  deliveries(name: string): Promise<DeliveryRecord[]>;
  /** The test's attempt; null: no worker sent it in time. */
  test(name: string): Promise<{ id: string; record: DeliveryRecord | null }>;
  close(): Promise<void>;
}

async function redisClient(config: Config, cli: CliEnv): Promise<WebhookClient> {
  const redis = await connectCliRedis(
    cli.env,
    'hark: no Redis to read webhook deliveries from: set REDIS_URL, run this where `hark serve` runs, or use --server URL --token T',
  );
  const keys = makeKeys(cli.env.HARK_REDIS_PREFIX || undefined);
  const [{ WebhookLog }, { WebhookQueue, sendTest }] = await Promise.all([
    import('../../webhooks/log.js'),
    import('../../webhooks/queue.js'),
  ]);
  const log = new WebhookLog(redis, keys);
  let queue: InstanceType<typeof WebhookQueue> | null = null;
  const hook = (name: string) => {
    const found = config.webhooks.find((w) => w.name === name);
    if (!found) throw new UsageError(unknown(name, config));
    return found;
  };
  return {
    list: () => log.summaries(config),
    deliveries: (name) => log.recent(hook(name).name),
    test: async (name) => {
      const h = hook(name);
      queue ??= new WebhookQueue(redis, keys);
      return sendTest(queue, log, h, new Date(cli.now()));
    },
    close: async () => {
      await queue?.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function serverClient(server: string, token: string | undefined, cli: CliEnv): WebhookClient {
  const base = server.replace(/\/+$/, '');
  const bearer = token ?? cli.env.HARK_API_TOKEN;
  if (!bearer) throw new UsageError('--server needs --token (or HARK_API_TOKEN)');
  const call = async (method: string, path: string): Promise<{ status: number; json: unknown }> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { method, headers: { Authorization: `Bearer ${bearer}` } });
    } catch (e) {
      throw new CheckFailed(`hark: cannot reach ${base}: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => null)) as unknown;
    if (res.status >= 300) {
      const message = (body as { error?: { message?: string } } | null)?.error?.message;
      throw new CheckFailed(`hark: ${message ?? `HTTP ${res.status}`}`);
    }
    return { status: res.status, json: body };
  };
  const path = (name: string) => `/v1/webhooks/${encodeURIComponent(name)}`;
  return {
    list: async () => ((await call('GET', '/v1/webhooks')).json as { webhooks: WebhookSummary[] }).webhooks,
    deliveries: async (name) =>
      ((await call('GET', `${path(name)}/deliveries`)).json as { deliveries: DeliveryRecord[] }).deliveries,
    test: async (name) => {
      const r = (await call('POST', `${path(name)}/test`)).json as {
        delivery: DeliveryRecord | null;
        id?: string;
      };
      return { id: r.delivery?.id ?? r.id ?? '', record: r.delivery };
    },
    close: async () => {},
  };
}

function unknown(name: string, config: Config): string {
  const names = config.webhooks.map((w) => w.name).join(', ') || '(none in hark.yaml)';
  return `unknown webhook "${name}" (webhooks: ${names})`;
}

const ms = (n: number) => (n < 1000 ? `${n}ms` : `${(n / 1000).toFixed(1)}s`);
const result = (r: DeliveryRecord) =>
  r.status !== null ? String(r.status) : r.error?.startsWith('no answer') ? 'timeout' : 'error';

/** `hark webhooks [deliveries|test <name> | secret]`. */
export async function webhooksCommand(
  action: string | undefined,
  name: string | undefined,
  flags: WebhookFlags,
  cli: CliEnv,
): Promise<void> {
  if (action === 'secret') {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    return cli.out.stdout(flags.json ? json({ secret }) : secret);
  }
  if (action !== undefined && action !== 'deliveries' && action !== 'test') {
    throw new UsageError(
      `unknown action "${action}": use hark webhooks, deliveries <name>, test <name> or secret`,
    );
  }
  if (action !== undefined && name === undefined)
    throw new UsageError(`webhooks ${action} needs a webhook name`);
  const config = load(configDir(cli.env, flags.config), cli);
  if (name !== undefined && !flags.server && !config.webhooks.some((w) => w.name === name)) {
    throw new UsageError(unknown(name, config));
  }
  if (action === undefined && !flags.server && config.webhooks.length === 0) {
    return cli.out.stdout(flags.json ? json([]) : 'no webhooks in hark.yaml (see docs/webhooks.md)');
  }
  const client = flags.server ? serverClient(flags.server, flags.token, cli) : await redisClient(config, cli);
  try {
    if (action === undefined) {
      const list = await client.list();
      if (flags.json) return cli.out.stdout(json(list));
      if (list.length === 0) return cli.out.stdout('no webhooks in hark.yaml (see docs/webhooks.md)');
      return cli.out.stdout(
        table(
          ['NAME', 'URL', 'EVENTS', 'DELIVERED', 'RETRYING', 'FAILED', 'LAST'],
          list.map((w) => [
            w.name,
            w.url,
            w.events.join(','),
            String(w.counts.delivered),
            String(w.counts.retrying),
            String(w.counts.failed),
            w.last ? `${w.last.outcome} (${result(w.last)}) ${w.last.at}` : '-',
          ]),
        ),
      );
    }
    if (action === 'deliveries') {
      const list = await client.deliveries(name!);
      if (flags.json) return cli.out.stdout(json(list));
      if (list.length === 0) return cli.out.stdout(`no deliveries to webhook "${name}" yet`);
      return cli.out.stdout(
        table(
          ['AT', 'DELIVERY', 'EVENT', 'INCIDENT', 'ATTEMPT', 'OUTCOME', 'STATUS', 'TIME', 'ERROR'],
          list.map((r) => [
            r.at,
            r.id,
            r.type,
            r.incident === null ? '-' : `#${r.incident}`,
            String(r.attempt),
            r.outcome === 'retrying' && r.nextAttemptAt ? `retrying at ${r.nextAttemptAt}` : r.outcome,
            result(r),
            ms(r.durationMs),
            r.error ?? '',
          ]),
        ),
      );
    }
    const { id, record } = await client.test(name!);
    if (flags.json) return cli.out.stdout(json({ id, delivery: record }));
    if (!record) {
      const hook = config.webhooks.find((w) => w.name === name);
      throw new CheckFailed(
        `hark: test ${id} is queued, but no worker sent it within ${formatDuration((hook?.timeoutMs ?? 10_000) + 5000)}: is \`hark serve\` running (not --api only)?`,
      );
    }
    if (record.outcome !== 'delivered') {
      throw new CheckFailed(
        `hark: test ${id} to webhook "${name}" failed after ${ms(record.durationMs)}: ${record.error}`,
      );
    }
    cli.out.stdout(
      `delivered test ${id} to webhook "${name}": HTTP ${record.status} in ${ms(record.durationMs)}`,
    );
  } finally {
    await client.close();
  }
}
