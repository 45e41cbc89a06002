/**
 * Sends one page of an escalation (SPEC section 4): at most once per page key — incident, cycle,
 * loop, step, person and notify rule — except that a crash between the provider call and
 * recording it may repeat that one page (at-least-once, never zero).
 */
import type { Redis } from 'ioredis';
import type { Channel, Config, Person } from '../config/types.js';
import { pageKey, type PageJob, type PageOutcome, type PageSender } from './page.js';
import type { Incident } from '../incidents/model.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Keys } from '../redis/keys.js';
import { saveCallBundle } from './call-bundles.js';
import { PageLimiter } from './limits.js';
import type { NtfyContent } from './ntfy-format.js';
import { slackBundleText, slackDmMessage } from './slack-dm.js';
import type { PageStore } from './store.js';
import { ProviderError, type EmailMessage, type SentReceipt, type Transports } from './types.js';

/** Builds the texts; src/pages/format.ts provides them. */
export interface PageFormats {
  sms(incident: Incident, publicUrl: string): string;
  /** One SMS for several incidents held back by a rate limit. */
  bundleSms(incidents: readonly Incident[], publicUrl: string): string;
  email(incident: Incident, person: Person, publicUrl: string): Omit<EmailMessage, 'to'>;
  /** One email for several incidents held back by a rate limit, each with its own action links. */
  bundleEmail(incidents: readonly Incident[], person: Person, publicUrl: string): Omit<EmailMessage, 'to'>;
  /** The ntfy notification (docs/ntfy.md), its Acknowledge / Resolve buttons signed for `person`. */
  ntfy(incident: Incident, person: Person, publicUrl: string): NtfyContent;
  /** One ntfy notification for several incidents held back by a rate limit. */
  bundleNtfy(incidents: readonly Incident[], person: Person, publicUrl: string): NtfyContent;
}

/**
 * Where a person is reached on a channel: their number or address, their Slack user ID
 * (`slack.userIds`) or ntfy topic (`ntfy.topics`); null when they have none.
 */
export function contactOf(config: Config, person: Person, channel: Channel): string | null {
  switch (channel) {
    case 'sms':
    case 'voice':
    case 'email':
      return person[channel];
    case 'slack':
      return config.slack?.userIds.get(person.name) ?? null;
    case 'ntfy':
      return config.ntfy?.topics.get(person.name) ?? null;
  }
}

export interface PagerDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: IncidentStore;
  /** The page records and indexes (src/pages/store.ts). */
  readonly pages: PageStore;
  readonly config: () => Config;
  readonly transports: Transports;
  readonly formats: PageFormats;
  readonly publicUrl: () => string;
  readonly log: Logger;
  readonly now: () => number;
  readonly metrics?: Metrics | null;
}

export class Pager implements PageSender {
  private readonly limiter: PageLimiter;

  constructor(private readonly deps: PagerDeps) {
    this.limiter = new PageLimiter(deps.redis);
  }

  async send(job: PageJob): Promise<PageOutcome> {
    const { pages } = this.deps;
    const key = pageKey(job);
    // Sent before (a duplicate job), unless the process died between the provider call and
    // recording it: then send again rather than risk sending nothing.
    if (!(await pages.claim(job))) return { outcome: 'skipped' };
    const person = this.deps.config().people.get(job.person);
    const incident = await this.deps.store.get(job.incident, false);
    if (!person || !incident) {
      await pages.failed(job, 'unknown person or incident');
      return { outcome: 'skipped' };
    }
    const limits = this.deps.config().settings.pageLimits[job.channel];
    const now = this.deps.now();
    const until = await this.limiter.tryTake(
      this.deps.keys.pagesSent(job.person, job.channel),
      limits,
      now,
      key,
    );
    if (until !== null) {
      await pages.hold(job, now, {
        at: new Date(now).toISOString(),
        type: 'page.throttled',
        actor: 'hark',
        person: job.person,
        channel: job.channel,
        until: new Date(until).toISOString(),
        note: 'over the page limit for this person and channel: it goes out in one bundle when the limit allows',
        page: key,
      });
      this.deps.metrics?.pages.inc({ channel: job.channel, status: 'held' });
      this.deps.log.info(
        {
          incident: job.incident,
          person: job.person,
          channel: job.channel,
          until: new Date(until).toISOString(),
          page: key,
        },
        'page held',
      );
      return { outcome: 'held', until };
    }
    // Recorded before the provider call: a reply may arrive before the send is recorded.
    await pages.recordPaged(job.person, [job.incident], job.channel, now);
    const receipt = await this.deliver(job, person, incident);
    const at = new Date(this.deps.now()).toISOString();
    await pages.sent(job, receipt, at, {
      at,
      type: 'page.sent',
      actor: 'hark',
      person: job.person,
      channel: job.channel,
      via: receipt.via,
      providerId: receipt.providerId,
      page: key,
    });
    this.deps.metrics?.pages.inc({ channel: job.channel, status: 'sent' });
    this.deps.log.info(
      {
        incident: job.incident,
        person: job.person,
        channel: job.channel,
        via: receipt.via,
        providerId: receipt.providerId,
        page: key,
      },
      'page sent',
    );
    return { outcome: 'sent' };
  }

  /**
   * Sends what a rate limit held back for a person on a channel: one bundle message carrying every
   * incident still triggered — an SMS listing them, an email with each one's links and buttons, a
   * call that names each and whose keys act on all — or the plain page when one is left. The held pages leave their
   * queue only once the provider took the message: a provider error fails the job, BullMQ retries
   * it, and nothing held is lost (at least once, like every page).
   */
  async sendBundle(personName: string, channel: PageJob['channel']): Promise<PageOutcome> {
    const { redis, keys, pages } = this.deps;
    const now = this.deps.now();
    const limits = this.deps.config().settings.pageLimits[channel];
    if ((await pages.heldCount(personName, channel)) === 0) return { outcome: 'skipped' };
    const until = await this.limiter.tryTake(keys.pagesSent(personName, channel), limits, now);
    if (until !== null) return { outcome: 'held', until };
    const held = await pages.held(personName, channel);
    const { byIncident } = held;
    const person = this.deps.config().people.get(personName);
    const incidents: Incident[] = [];
    for (const id of [...byIncident.keys()].sort((a, b) => a - b)) {
      const incident = await this.deps.store.get(id, false);
      if (incident?.state === 'triggered') incidents.push(incident);
    }
    const included = new Set(incidents.flatMap((i) => byIncident.get(i.id) ?? []));
    if (!person || incidents.length === 0) {
      // Nobody to tell, or every incident was acknowledged or resolved meanwhile.
      await pages.finishHeld(personName, channel, held.keys, null);
      return { outcome: 'skipped' };
    }
    const base = this.deps.publicUrl();
    const first = incidents[0]!;
    // Recorded before the provider call: `aa` may come back before the send is recorded. To a
    // phone (SMS `a` alone acts on the latest): a bundle's incidents share one instant.
    await pages.recordPaged(
      personName,
      incidents.map((i) => i.id),
      channel,
      now,
    );
    let receipt: SentReceipt;
    if (incidents.length === 1) {
      // One left: the plain page of its channel.
      receipt = await this.deliver(
        {
          kind: 'page',
          incident: first.id,
          cycle: 0,
          loop: 0,
          step: 0,
          person: personName,
          rule: 0,
          channel,
        },
        person,
        first,
      );
    } else if (channel === 'sms') {
      receipt = await this.deps.transports.sms.sendSms({
        to: person.sms!,
        body: this.deps.formats.bundleSms(incidents, base),
        statusCallback: `${base}/v1/twilio/status`,
      });
    } else if (channel === 'email') {
      receipt = await this.deps.transports.email.sendEmail({
        to: person.email!,
        ...this.deps.formats.bundleEmail(incidents, person, base),
      });
    } else if (channel === 'slack') {
      receipt = await this.slack().sendSlackDm({
        to: this.contact(person, 'slack'),
        content: slackBundleText(incidents, base),
      });
    } else if (channel === 'ntfy') {
      receipt = await this.ntfy().sendNtfy({
        topic: this.contact(person, 'ntfy'),
        ...this.deps.formats.bundleNtfy(incidents, person, base),
      });
    } else {
      // One call that speaks every incident; its keys act on all of them (src/answers/bundle-call.ts).
      const bundle = await saveCallBundle(redis, keys, {
        person: personName,
        incidents: incidents.map((i) => i.id),
      });
      receipt = await this.deps.transports.voice.call({
        to: person.voice!,
        twimlUrl: `${base}/v1/twilio/voice/${first.id}?person=${encodeURIComponent(personName)}&bundle=${bundle}`,
        statusCallback: `${base}/v1/twilio/status`,
      });
    }
    const at = new Date(this.deps.now()).toISOString();
    // The held pages leave the queue with the bundle's record and timeline events, in one step.
    await pages.finishHeld(personName, channel, held.keys, {
      included,
      receipt,
      at,
      events: incidents.map((incident) => ({
        incident: incident.id,
        event: {
          at,
          type: 'page.bundled',
          actor: 'hark',
          person: personName,
          channel,
          via: receipt.via,
          providerId: receipt.providerId,
          incidents: incidents.map((i) => i.id),
          page: byIncident.get(incident.id)?.[0] ?? '',
        },
      })),
    });
    this.deps.metrics?.pages.inc({ channel, status: 'bundled' });
    this.deps.log.info(
      {
        incidents: incidents.map((i) => i.id),
        person: personName,
        channel,
        via: receipt.via,
        providerId: receipt.providerId,
        bundled: true,
      },
      'page sent',
    );
    return { outcome: 'sent' };
  }

  async sendNotice(personName: string, text: string, onceKey: string): Promise<boolean> {
    const { redis, keys } = this.deps;
    const person = this.deps.config().people.get(personName);
    if (!person) return false;
    const once = keys.notice(onceKey);
    if (!(await redis.set(once, '1', 'PX', 7 * 86_400_000, 'NX'))) return false;
    // The person's first channel that can carry text: sms, else email (a call would wake them).
    const config = this.deps.config();
    const channels = person.notify.high.map((r) => r.channel);
    const channel =
      channels.find((c) => c !== 'voice' && contactOf(config, person, c)) ??
      (person.sms ? 'sms' : person.email ? 'email' : null);
    try {
      if (channel === 'slack') {
        await this.slack().sendSlackDm({ to: this.contact(person, 'slack'), content: text });
      } else if (channel === 'ntfy') {
        await this.ntfy().sendNtfy({
          topic: this.contact(person, 'ntfy'),
          title: 'Hark',
          message: text,
          priority: 3,
          tags: ['calendar'],
          click: null,
          actions: [],
        });
      } else if (channel === 'sms') {
        await this.deps.transports.sms.sendSms({ to: person.sms!, body: text, statusCallback: null });
      } else if (channel === 'email') {
        await this.deps.transports.email.sendEmail({
          to: person.email!,
          subject: text.length > 120 ? `${text.slice(0, 117)}...` : text,
          text,
          html: `<p>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`,
        });
      } else return false;
    } catch (e) {
      await redis.del(once); // not sent: a retry may send it
      throw e;
    }
    this.deps.log.info({ person: personName, channel, notice: onceKey.split(':')[0] }, 'shift notice sent');
    return true;
  }

  /** The Slack DM transport; a page on Slack without one fails for good (the person moves on). */
  private slack(): NonNullable<Transports['slack']> {
    const t = this.deps.transports.slack;
    if (!t) throw new ProviderError('Slack DMs are not set up in this process', false);
    return t;
  }

  private ntfy(): NonNullable<Transports['ntfy']> {
    const t = this.deps.transports.ntfy;
    if (!t) throw new ProviderError('ntfy is not set up in this process', false);
    return t;
  }

  /** The person's Slack user ID or ntfy topic; none (a reload took it away) fails the page for good. */
  private contact(person: Person, channel: 'slack' | 'ntfy'): string {
    const to = contactOf(this.deps.config(), person, channel);
    if (!to) {
      throw new ProviderError(
        `${person.name} has no ${channel === 'slack' ? 'Slack user ID' : 'ntfy topic'} (or hark.yaml no ${channel}: section)`,
        false,
      );
    }
    return to;
  }

  private async deliver(job: PageJob, person: Person, incident: Incident): Promise<SentReceipt> {
    const { transports, formats } = this.deps;
    const base = this.deps.publicUrl();
    const statusCallback = `${base}/v1/twilio/status`;
    switch (job.channel) {
      case 'sms':
        return transports.sms.sendSms({ to: person.sms!, body: formats.sms(incident, base), statusCallback });
      case 'voice':
        return transports.voice.call({
          to: person.voice!,
          twimlUrl: `${base}/v1/twilio/voice/${incident.id}?person=${encodeURIComponent(person.name)}`,
          statusCallback,
        });
      case 'email':
        return transports.email.sendEmail({ to: person.email!, ...formats.email(incident, person, base) });
      case 'slack':
        return this.slack().sendSlackDm({
          to: this.contact(person, 'slack'),
          content: slackDmMessage(incident, person, this.deps.config(), base),
        });
      case 'ntfy':
        return this.ntfy().sendNtfy({
          topic: this.contact(person, 'ntfy'),
          ...formats.ntfy(incident, person, base),
        });
    }
  }
}
