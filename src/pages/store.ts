/**
 * The records of pages in Redis, in one place: the page record (a hash per page key: its status,
 * channel, person, provider id and what the provider reported), the provider index (a Twilio SID →
 * the page keys it carried: one, or every page of a bundle), the pages a rate limit holds back per
 * person and channel, and the paged-to index (which incidents were paged to a person, and when:
 * SMS `aa`, `42a` checks, `a` alone). The pager writes them, the Twilio status callbacks and the
 * SMS and voice answers read them, the escalation records a page that failed for good; none of
 * them touches these keys itself.
 *
 * A change of a page and the timeline event that records it are one MULTI (or one Lua script:
 * src/redis/scripts/pages.ts).
 */
import type { Redis } from 'ioredis';
import { CHANNELS, type Channel } from '../config/types.js';
import type { TimelineEvent } from '../events/schema.js';
import { addEvent } from '../events/write.js';
import type { Keys } from '../redis/keys.js';
import { APPLY_PAGE_STATUS } from '../redis/scripts/pages.js';
import { pageKey, parsePageKey, type PageJob, type PageRef } from './page.js';
import type { SentReceipt } from './types.js';

/** What a page record says about who and where, checked against its key. */
export interface PageRecord extends PageRef {
  readonly key: string;
  readonly channel: Channel;
}

/** A provider report on a page (src/answers/twilio-webhooks.ts reads Twilio's). */
export interface ProviderReport {
  /** The provider's status (`delivered`, `no-answer`...) and how far along it is. */
  readonly status: string;
  readonly rank: number;
  /** The outcome the status decides, if any. */
  readonly outcome: 'delivered' | 'failed' | null;
  readonly answeredBy: string | null;
  readonly errorCode: string | null;
  /** When it was reported (ISO). */
  readonly at: string;
}

/**
 * missing: no such record; stale: older or repeated (nothing changed); changed; decided: this
 * report decided the page's outcome. `outcome`: the page's outcome after it ('' none).
 */
export interface AppliedReport {
  readonly what: 'missing' | 'stale' | 'changed' | 'decided';
  readonly outcome: '' | 'delivered' | 'failed';
}

const isChannel = (c: string | null | undefined): c is Channel => CHANNELS.some((x) => x === c);

/** The fields of a page record that say whose and which it is (`record` checks them against the key). */
const whoAndWhere = (job: PageJob): string[] => [
  'channel',
  job.channel,
  'person',
  job.person,
  'incident',
  String(job.incident),
];

export class PageStore {
  private readonly applyScript: ReturnType<typeof APPLY_PAGE_STATUS.on>;

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** settings.retention: how long page records and the indexes are kept (a getter: reloads apply). */
    private readonly retentionMs: () => number,
  ) {
    this.applyScript = APPLY_PAGE_STATUS.on(redis);
  }

  // ----------------------------------------------------------------------------------------------
  // Sending

  /**
   * Claims a page for sending: true the first time, and also when an earlier attempt died between
   * the provider call and recording it (then send again rather than risk sending nothing); false
   * once it was sent, held, failed or skipped (a duplicate job).
   */
  async claim(ref: PageRef): Promise<boolean> {
    const record = this.keys.page(pageKey(ref));
    if (await this.redis.hsetnx(record, 'status', 'sending')) return true;
    return (await this.redis.hget(record, 'status')) === 'sending';
  }

  /** The page failed for good (or cannot go: unknown person or incident), with its timeline event. */
  async failed(ref: PageRef, error: string, event?: TimelineEvent): Promise<void> {
    const m = this.redis.multi().hset(this.keys.page(pageKey(ref)), 'status', 'failed', 'error', error);
    if (event) addEvent(m, this.keys, ref.incident, event);
    await m.exec();
  }

  /** A rate limit holds the page back: it goes out in the person's next bundle for the channel. */
  async hold(job: PageJob, now: number, event: TimelineEvent): Promise<void> {
    const key = pageKey(job);
    const m = this.redis
      .multi()
      .hset(this.keys.page(key), 'status', 'held', ...whoAndWhere(job))
      .zadd(this.keys.pagesHeld(job.person, job.channel), now, key);
    addEvent(m, this.keys, job.incident, event);
    await m.exec();
  }

  /**
   * Records that `incidents` were paged to `person` at `now` (to their phone when by SMS or call:
   * not email, Slack or ntfy). Written before the provider call: an answer may come back before
   * the send is recorded.
   */
  async recordPaged(
    person: string,
    incidents: readonly number[],
    channel: Channel,
    now: number,
  ): Promise<void> {
    const sets =
      channel === 'sms' || channel === 'voice'
        ? [this.keys.pagedTo(person), this.keys.phonePagedTo(person)]
        : [this.keys.pagedTo(person)];
    const m = this.redis.multi();
    for (const set of sets) {
      for (const id of incidents) m.zadd(set, now, String(id));
      m.pexpire(set, this.retentionMs());
    }
    await m.exec();
  }

  /** The provider took the page: its record, its provider id (for callbacks) and its timeline event. */
  async sent(job: PageJob, receipt: SentReceipt, at: string, event: TimelineEvent): Promise<void> {
    const key = pageKey(job);
    const record = this.keys.page(key);
    const retention = this.retentionMs();
    const m = this.redis
      .multi()
      .hset(
        record,
        'status',
        'sent',
        ...whoAndWhere(job),
        'providerId',
        receipt.providerId ?? '',
        'sentAt',
        at,
      )
      .pexpire(record, retention);
    if (receipt.providerId) m.set(this.keys.providerMessage(receipt.providerId), key, 'PX', retention);
    addEvent(m, this.keys, job.incident, event);
    await m.exec();
  }

  // ----------------------------------------------------------------------------------------------
  // Held pages (bundles)

  /** How many pages a rate limit holds for a person on a channel. */
  heldCount(person: string, channel: Channel): Promise<number> {
    return this.redis.zcard(this.keys.pagesHeld(person, channel));
  }

  /** The keys of the pages held for a person on a channel, oldest first, by incident. */
  async held(
    person: string,
    channel: Channel,
  ): Promise<{ keys: string[]; byIncident: Map<number, string[]> }> {
    const keys = await this.redis.zrange(this.keys.pagesHeld(person, channel), '0', '-1');
    const byIncident = new Map<number, string[]>();
    for (const key of keys) {
      const ref = parsePageKey(key);
      if (!ref) continue;
      byIncident.set(ref.incident, [...(byIncident.get(ref.incident) ?? []), key]);
    }
    return { keys, byIncident };
  }

  /**
   * The held pages `keys` leave the queue: those in `included` went out in one bundle (`receipt`)
   * and the others are skipped (acknowledged or resolved meanwhile); with the bundle's timeline
   * events. Without a receipt every one is skipped.
   */
  async finishHeld(
    person: string,
    channel: Channel,
    keys: readonly string[],
    bundle: {
      readonly included: ReadonlySet<string>;
      readonly receipt: SentReceipt;
      readonly at: string;
      readonly events: readonly { readonly incident: number; readonly event: TimelineEvent }[];
    } | null,
  ): Promise<void> {
    const m = this.redis.multi();
    if (keys.length > 0) m.zrem(this.keys.pagesHeld(person, channel), ...keys);
    for (const key of keys) {
      const status = bundle?.included.has(key) ? 'bundled' : 'skipped';
      const extra = bundle ? ['providerId', bundle.receipt.providerId ?? '', 'sentAt', bundle.at] : [];
      m.hset(this.keys.page(key), 'status', status, ...extra);
    }
    if (bundle?.receipt.providerId) {
      // Delivery callbacks for the bundle apply to every page in it (a failure moves each on).
      m.set(
        this.keys.providerMessage(bundle.receipt.providerId),
        [...bundle.included].join('\n'),
        'PX',
        this.retentionMs(),
      );
    }
    for (const { incident, event } of bundle?.events ?? []) addEvent(m, this.keys, incident, event);
    await m.exec();
  }

  // ----------------------------------------------------------------------------------------------
  // Provider reports

  /** The page keys a provider message (Twilio SID) carried; null when none is recorded. */
  async pagesOfProvider(providerId: string): Promise<string[] | null> {
    const pages = await this.redis.get(this.keys.providerMessage(providerId));
    return pages ? pages.split('\n') : null;
  }

  /** A page's record, if it has one that matches its key (channel, person, incident). */
  async record(key: string): Promise<PageRecord | null> {
    const [channel, person, incident] = await this.redis.hmget(
      this.keys.page(key),
      'channel',
      'person',
      'incident',
    );
    const ref = parsePageKey(key);
    if (!isChannel(channel) || !person || !ref || ref.person !== person || ref.incident !== Number(incident))
      return null;
    return { ...ref, key, channel };
  }

  /**
   * Applies a provider report to a page, atomically: an older status never overwrites a newer one,
   * a repeat changes nothing, and the outcome is decided once — `event` goes on the timeline then.
   */
  async applyReport(
    page: PageRecord,
    report: ProviderReport,
    event: TimelineEvent | null,
  ): Promise<AppliedReport> {
    const k = this.keys;
    const [what, outcome] = await this.applyScript(
      [k.page(page.key), k.incidentTimeline(page.incident), k.incident(page.incident), k.events],
      [
        report.status,
        report.rank,
        report.outcome ?? '',
        report.answeredBy ?? '',
        report.errorCode ?? '',
        report.at,
        event ? JSON.stringify(event) : '',
      ],
    );
    return { what, outcome };
  }

  // ----------------------------------------------------------------------------------------------
  // Paged to whom

  /** Every incident paged to a person, newest page first. */
  async pagedIncidents(person: string): Promise<number[]> {
    return (await this.redis.zrevrange(this.keys.pagedTo(person), 0, -1)).map(Number);
  }

  async wasPaged(person: string, incident: number): Promise<boolean> {
    return (await this.redis.zscore(this.keys.pagedTo(person), String(incident))) !== null;
  }

  /** For each of `incidents`, whether it was paged to `person` (one pipeline). */
  async werePaged(person: string, incidents: readonly number[]): Promise<boolean[]> {
    const check = this.redis.pipeline();
    for (const n of incidents) check.zscore(this.keys.pagedTo(person), String(n));
    const scores = (await check.exec()) ?? [];
    return incidents.map((_n, i) => {
      const [err, score] = scores[i] ?? [null, null];
      if (err) throw err;
      return score !== null;
    });
  }

  /**
   * The incident of the latest page to a person's phone (SMS or call), and every incident paged
   * at that instant, ascending (several: a bundle); null when nothing was paged to their phone.
   */
  async latestPhonePage(person: string): Promise<{ latest: number; together: number[] } | null> {
    const phone = this.keys.phonePagedTo(person);
    const [latest, at] = await this.redis.zrevrange(phone, 0, 0, 'WITHSCORES');
    if (latest === undefined || at === undefined) return null;
    const together = (await this.redis.zrangebyscore(phone, at, at)).map(Number).sort((a, b) => a - b);
    return { latest: Number(latest), together };
  }
}
