/**
 * The composition root: the one place that builds Hark's parts from (redis, keys, config, clock)
 * and wires them to each other. `hark serve` (src/server/serve.ts), the CLI's Redis mode
 * (src/cli/) and the test harness (test/support/harness.ts) all build through here, so a process
 * holds one incident store, one override store, one page store and one set of operations, and the
 * HTTP route modules receive them instead of building their own.
 *
 *   composeStores  the Redis-backed records: incidents, runtime overrides, the schedule registry
 *                  (rebuilt when the config object changes: a reload), pages. No queue, no worker.
 *   composeHark    the stores plus what acts on them: the escalation producer (and its worker in
 *                  a worker process), incident operations, the SMS bulk-answer queue, outgoing
 *                  webhooks, and the incident event stream's subscribers. One close() stops it all,
 *                  in the reverse order of starting.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from './config/types.js';
import { smsHandoffs } from './answers/sms-handoffs.js';
import type { SmsHandoffs } from './answers/replies.js';
import type { BulkAnswers } from './answers/bulk-answers.js';
import { Escalations } from './escalation/engine.js';
import { Heartbeats, startHeartbeatMonitor } from './heartbeats/service.js';
import { startEscalation, type EscalationRuntime } from './escalation/runtime.js';
import type { Subscriber } from './events/subscriber.js';
import { startSubscribers, type SubscriberRunnerOptions } from './events/subscribers.js';
import { IncidentOperations } from './incidents/operations.js';
import { IncidentStore } from './incidents/store.js';
import type { Metrics } from './metrics.js';
import type { PageFormats } from './pages/pager.js';
import { PageStore } from './pages/store.js';
import type { Transports } from './pages/types.js';
import { startBulkAnswers } from './queues/bulk-answers.js';
import type { Keys } from './redis/keys.js';
import { OverrideStore } from './schedules/override-store.js';
import { ScheduleRegistry } from './schedules/registry.js';
import { createSlackProvider, type SlackProvider } from './chat/slack/client.js';
import { startArchiveSweeper, type ChatAnnouncer } from './chat/announcer.js';
import { slackAnnouncer } from './chat/slack/announcer.js';
import { createNtfyTransport } from './pages/ntfy.js';
import { slackDmTransport } from './pages/slack-dm.js';
import { startWebhookDelivery, type WebhookDeliveryDeps } from './webhooks/delivery.js';
import { WebhookQueue } from './webhooks/queue.js';
import { webhookSubscriber } from './webhooks/subscriber.js';

/** What every part is built from. */
export interface Foundation {
  readonly redis: Redis;
  readonly keys: Keys;
  /** The running config (a getter: a reload gives a new object, and the parts follow it). */
  readonly config: () => Config;
  /** The clock of the parts that keep time (escalation, overrides). */
  readonly now: () => number;
  readonly log: Logger;
  readonly metrics?: Metrics | null;
  /** Replicas that must have an incident change before it is answered (HARK_REDIS_WAIT). */
  readonly durability?: { readonly replicas: number; readonly timeoutMs: number };
}

export interface Stores {
  readonly store: IncidentStore;
  readonly overrides: OverrideStore;
  /** The schedules with the runtime overrides, for the running config. */
  readonly schedules: () => ScheduleRegistry;
  readonly pages: PageStore;
}

/**
 * The Redis-backed records. `overridesChanged` is told after every override written (the
 * escalation producer asks the workers for a shift plan then).
 */
export function composeStores(
  f: Pick<Foundation, 'redis' | 'keys' | 'config' | 'now' | 'durability'>,
  overridesChanged?: () => Promise<void>,
): Stores {
  const retention = () => f.config().settings.retentionMs;
  const store = new IncidentStore(f.redis, f.keys, retention, f.durability);
  const overrides = new OverrideStore(f.redis, f.keys, f.config, f.now, overridesChanged);
  let built: { config: Config; registry: ScheduleRegistry } | null = null;
  const schedules = () => {
    const config = f.config();
    if (built?.config !== config) built = { config, registry: new ScheduleRegistry(config, overrides) };
    return built.registry;
  };
  return { store, overrides, schedules, pages: new PageStore(f.redis, f.keys, retention) };
}

/** A process that sends pages: escalation with transports (every `hark serve`, most tests). */
export interface PagingOptions {
  readonly transports: Transports;
  readonly formats: PageFormats;
  /** The external base URL: links in pages, Twilio callbacks. */
  readonly publicUrl: () => string;
  /** Run the workers here (escalation, SMS bulk answers, webhook delivery, event subscribers). */
  readonly worker: boolean;
  /** Shorter escalation timings (tests). */
  readonly timings?: {
    readonly sweepEveryMs?: number;
    readonly sweepGraceMs?: number;
    readonly shiftPlanEveryMs?: number;
    readonly shiftHorizonMs?: number;
  };
}

export interface ComposeOptions extends Foundation {
  /** Slack's Web API base URL (HARK_SLACK_API_URL; tests: the fake Slack). Default Slack's own. */
  readonly slackApiUrl?: string;
  /**
   * The chat announcer (incident messages, threads and incident channels, src/chat/announcer.ts):
   * an event stream subscriber when `slack:` is configured, unless `subscribe: false`; its
   * archive sweep runs every `sweepEveryMs` (default 5 s) where the subscribers run.
   */
  readonly chat?: { readonly subscribe?: boolean; readonly sweepEveryMs?: number } | null;
  /**
   * How this process takes part in escalation:
   * - paging options: the producer, and the workers when `worker` (`hark serve`);
   * - 'producer': starts, cancels and hurries escalations, sends nothing (the CLI's Redis mode);
   * - 'none': no escalation at all (API tests of incidents alone).
   */
  readonly escalation: PagingOptions | 'producer' | 'none';
  /**
   * Outgoing webhooks: the queue the API's test endpoint uses (and the webhook subscriber feeds);
   * `delivery` also runs the delivery worker here (with these options). Absent: none.
   */
  readonly webhooks?: {
    readonly delivery: Omit<WebhookDeliveryDeps, 'redis' | 'keys' | 'config' | 'log'> | null;
    /** Feed the queue from the event stream (default: true). */
    readonly subscribe?: boolean;
  } | null;
  /**
   * The event stream's runner: `run` the subscribers here (a worker process does; every process
   * trims the stream and shows its lag). Absent: no runner.
   */
  readonly events?: {
    readonly run: boolean;
    readonly consumer: string;
    /** Subscribers beside the built-in ones (tests). */
    readonly extra?: readonly Subscriber[];
    /** Shorter timings (tests). */
    readonly timings?: Pick<
      SubscriberRunnerOptions,
      'claimIdleMs' | 'retryMinMs' | 'retryMaxMs' | 'blockMs' | 'stopGraceMs' | 'trimEveryMs'
    >;
  } | null;
  /**
   * Heartbeats (docs/senders.md): `run` the deadline check here (default: in a worker process),
   * every `checkEveryMs` (default 5 s).
   */
  readonly heartbeats?: { readonly run?: boolean; readonly checkEveryMs?: number } | null;
}

export interface Hark extends Stores, Foundation {
  /** The escalation producer (null with escalation 'none'). */
  readonly escalations: Escalations | null;
  /** The producer and, in a worker process, the worker (null unless paging). */
  readonly escalation: EscalationRuntime | null;
  readonly ops: IncidentOperations;
  /** SMS `take` / `handoff` / `oncall`. */
  readonly handoffs: SmsHandoffs;
  /** The queue for SMS `aa` / `rr` over many incidents (null unless paging). */
  readonly bulkAnswers: BulkAnswers | null;
  /** The outgoing webhook queue (null without webhooks). */
  readonly webhooks: WebhookQueue | null;
  /** The event stream's subscribers this process runs (empty when it runs none). */
  readonly subscribers: readonly Subscriber[];
  /** Heartbeat pings and state (the deadline check runs in worker processes). */
  readonly heartbeats: Heartbeats;
  /**
   * The Slack client for the running config (rebuilt when a reload changes the bot token); null
   * without a `slack:` section.
   */
  readonly slack: () => SlackProvider | null;
  /** Stops everything started here, last started first. Calling it twice is harmless. */
  close(): Promise<void>;
}

export async function composeHark(opts: ComposeOptions): Promise<Hark> {
  // Every override written asks for a shift plan at once (the holders are told in seconds).
  let planShiftsSoon = async (): Promise<void> => {};
  const stores = composeStores(opts, () => planShiftsSoon());
  const started: (() => Promise<void>)[] = [];
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      for (const stop of started.splice(0).reverse()) await stop().catch(() => {});
    })());
  // The Slack client, built further down; until then a shift notice job fails and is retried.
  let slackOf: () => SlackProvider | null = () => {
    throw new Error('the Slack client is not built yet');
  };
  try {
    // Incidents stored before the open-incidents index existed are indexed once (idempotent).
    await stores.store.indexOpenIncidents();
    const escalationDeps = {
      metrics: opts.metrics ?? null,
      redis: opts.redis,
      keys: opts.keys,
      store: stores.store,
      config: opts.config,
      schedules: stores.schedules,
      log: opts.log,
      now: opts.now,
      chat: () => slackOf(),
    };
    let escalation: EscalationRuntime | null = null;
    let escalations: Escalations | null = null;
    const paging = typeof opts.escalation === 'object' ? opts.escalation : null;
    if (paging) {
      escalation = await startEscalation({
        ...escalationDeps,
        pages: stores.pages,
        // Slack DMs and ntfy pushes (docs/ntfy.md) from the running config, unless given (tests).
        transports: {
          ...paging.transports,
          slack: paging.transports.slack ?? slackDmTransport(() => slackProvider()),
          ntfy: paging.transports.ntfy ?? createNtfyTransport(() => opts.config().ntfy),
        },
        formats: paging.formats,
        publicUrl: paging.publicUrl,
        worker: paging.worker,
        ...paging.timings,
      });
      started.push(() => escalation!.close());
      escalations = escalation.escalations;
    } else if (opts.escalation === 'producer') {
      const producer = new Escalations(escalationDeps);
      started.push(() => producer.close());
      escalations = producer;
    }
    if (escalations) {
      const producer = escalations;
      planShiftsSoon = () => producer.planShiftsSoon();
    }
    const ops = new IncidentOperations(
      stores.store,
      escalations,
      () => opts.config().settings.ackTimeoutMs,
      opts.metrics ?? null,
      opts.log,
    );

    // Outgoing webhooks, the first subscriber of the event stream: it queues a delivery per
    // matching webhook; the delivery worker sends them. The API queues test events on it too.
    const webhooks = opts.webhooks ? new WebhookQueue(opts.redis, opts.keys) : null;
    if (webhooks) started.push(() => webhooks.close());
    const subscribers: Subscriber[] = [...(opts.events?.extra ?? [])];
    if (webhooks && opts.webhooks?.subscribe !== false) {
      subscribers.push(
        webhookSubscriber({
          redis: opts.redis,
          keys: opts.keys,
          config: opts.config,
          store: stores.store,
          queue: webhooks,
        }),
      );
    }
    // Chat: Slack messages and incident channels. The provider is read at each event (it is
    // defined below, and rebuilt when a reload changes the bot token).
    let chat: ChatAnnouncer | null = null;
    if (opts.config().slack && opts.chat?.subscribe !== false) {
      chat = slackAnnouncer({
        redis: opts.redis,
        keys: opts.keys,
        store: stores.store,
        config: opts.config,
        schedules: stores.schedules,
        publicUrl: () => (paging ? paging.publicUrl() : opts.config().settings.publicUrl),
        now: opts.now,
        log: opts.log,
        provider: () => slackProvider(),
      });
      subscribers.push(chat);
    }
    const running = opts.events?.run ? subscribers : [];
    if (opts.events) {
      const runner = await startSubscribers({
        redis: opts.redis,
        keys: opts.keys,
        subscribers: running,
        log: opts.log,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        consumer: opts.events.consumer,
        // Stream ids are Redis's clock: the retention is counted on the real one.
        now: () => Date.now(),
        retentionMs: () => opts.config().settings.eventRetentionMs,
        ...opts.events.timings,
      });
      started.push(() => runner.stop());
    }

    // SMS `aa` / `rr` over many incidents: queued by the API, run by the workers.
    let bulkAnswers: BulkAnswers | null = null;
    if (paging) {
      const bulk = startBulkAnswers({
        redis: opts.redis,
        keys: opts.keys,
        ops,
        sms: paging.transports.sms,
        log: opts.log,
        now: () => new Date(opts.now()),
        worker: paging.worker,
      });
      started.push(() => bulk.close());
      bulkAnswers = bulk.queue;
    }
    if (webhooks && opts.webhooks?.delivery) {
      const delivery = startWebhookDelivery({
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        ...opts.webhooks.delivery,
        redis: opts.redis,
        keys: opts.keys,
        config: opts.config,
        log: opts.log,
      });
      started.push(() => delivery.close());
    }

    // Heartbeats: pings everywhere; the check of their deadlines where the workers run.
    const heartbeats = new Heartbeats({
      redis: opts.redis,
      keys: opts.keys,
      config: opts.config,
      now: opts.now,
      ops,
      store: stores.store,
      log: opts.log,
      metrics: opts.metrics ?? null,
    });
    if (opts.heartbeats?.run ?? paging?.worker === true) {
      const monitor = startHeartbeatMonitor(heartbeats, opts.log, opts.heartbeats?.checkEveryMs);
      started.push(() => monitor.stop());
    }

    let slack: { token: string; provider: SlackProvider } | null = null;
    const slackProvider = () => {
      const section = opts.config().slack;
      if (!section) return null;
      if (slack?.token !== section.botToken) {
        slack = {
          token: section.botToken,
          provider: createSlackProvider({
            botToken: section.botToken,
            logger: opts.log,
            ...(opts.slackApiUrl ? { apiUrl: opts.slackApiUrl } : {}),
          }),
        };
      }
      return slack.provider;
    };
    slackOf = slackProvider;
    // Incident channels are archived by a sweep where the subscribers run (worker processes).
    if (chat && opts.events?.run) {
      const sweeper = startArchiveSweeper(chat, opts.chat?.sweepEveryMs ?? 5_000, opts.log);
      started.push(() => sweeper.stop());
    }

    return {
      redis: opts.redis,
      keys: opts.keys,
      config: opts.config,
      now: opts.now,
      log: opts.log,
      metrics: opts.metrics ?? null,
      ...(opts.durability ? { durability: opts.durability } : {}),
      ...stores,
      escalations,
      escalation,
      ops,
      handoffs: smsHandoffs(stores.overrides, stores.schedules, opts.config),
      bulkAnswers,
      webhooks,
      subscribers: running,
      heartbeats,
      slack: slackProvider,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
