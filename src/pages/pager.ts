/**
 * Sends one page of an escalation (SPEC section 4): at most once per page key — incident, cycle,
 * loop, step, person and notify rule — except that a crash between the provider call and
 * recording it may repeat that one page (at-least-once, never zero).
 */
import type { Redis } from 'ioredis';
import type { Config, Person } from '../config/types.js';
import { pageKey, type PageJob, type PageSender } from '../escalation/engine.js';
import type { Incident } from '../incidents/model.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { Keys } from '../redis/keys.js';
import type { EmailMessage, SentReceipt, Transports } from './types.js';

/** Builds the texts; src/pages/format.ts provides them. */
export interface PageFormats {
  sms(incident: Incident, publicUrl: string): string;
  email(incident: Incident, person: Person, publicUrl: string): Omit<EmailMessage, 'to'>;
}

export interface PagerDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: IncidentStore;
  readonly config: () => Config;
  readonly transports: Transports;
  readonly formats: PageFormats;
  readonly publicUrl: () => string;
  readonly log: Logger;
  readonly now: () => number;
}

export class Pager implements PageSender {
  constructor(private readonly deps: PagerDeps) {}

  async send(job: PageJob): Promise<'sent' | 'skipped'> {
    const { redis, keys } = this.deps;
    const key = pageKey(job);
    const record = keys.page(key);
    if (!(await redis.hsetnx(record, 'status', 'sending'))) {
      // Sent before (a duplicate job), unless the process died between the provider call and
      // recording it: then send again rather than risk sending nothing.
      if ((await redis.hget(record, 'status')) !== 'sending') return 'skipped';
    }
    const person = this.deps.config().people.get(job.person);
    const incident = await this.deps.store.get(job.incident, false);
    if (!person || !incident) {
      await redis.hset(record, 'status', 'failed', 'error', 'unknown person or incident');
      return 'skipped';
    }
    const receipt = await this.deliver(job, person, incident);
    const at = new Date(this.deps.now()).toISOString();
    await redis
      .multi()
      .hset(
        record,
        'status',
        'sent',
        'channel',
        job.channel,
        'person',
        job.person,
        'incident',
        String(job.incident),
        'providerId',
        receipt.providerId ?? '',
        'sentAt',
        at,
      )
      .pexpire(record, this.deps.config().settings.retentionMs)
      .exec();
    if (receipt.providerId) {
      await redis.set(
        keys.providerMessage(receipt.providerId),
        key,
        'PX',
        this.deps.config().settings.retentionMs,
      );
    }
    await this.deps.store.appendTimeline(job.incident, {
      at,
      type: 'page.sent',
      actor: 'hark',
      person: job.person,
      channel: job.channel,
      via: receipt.via,
      providerId: receipt.providerId,
      page: key,
    });
    return 'sent';
  }

  private deliver(job: PageJob, person: Person, incident: Incident): Promise<SentReceipt> {
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
    }
  }
}
