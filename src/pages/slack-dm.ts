/**
 * Slack as a notify channel (docs/slack.md): a page is a DM to the person's Slack user with the
 * incident message and its buttons (ChatProvider.directMessage), through the process's Slack client.
 *
 * What Slack answers becomes a ProviderError, so the page follows the same rules as an SMS: a
 * `channel_not_found` / `user_not_found` (and any other refusal: a revoked token, a missing scope)
 * fails the page for good and the person moves on to their next rule at once; a rate limit is
 * retried after Slack's Retry-After, that page alone; Slack down (5xx, timeouts, after the client's
 * own short retries) is retried with the page queue's backoff.
 */
import type { ChatPerson, ChatProvider, IncidentMessage } from '../chat/provider.js';
import { ChatError } from '../chat/provider.js';
import type { Config, Person } from '../config/types.js';
import { actorName, INCIDENT_ROLES, type Incident } from '../incidents/model.js';
import { ProviderError, type SentReceipt, type SlackDm, type SlackDmTransport } from './types.js';

/** A ChatError (or anything else a chat call threw) as the page queue's ProviderError. */
export function chatProviderError(e: unknown): ProviderError {
  if (e instanceof ProviderError) return e;
  if (e instanceof ChatError) {
    const message = `Slack DM failed: ${e.code}`;
    if (e.kind === 'rate-limited') return new ProviderError(message, true, 429, e.retryAfterMs);
    return new ProviderError(message, e.retryable, null);
  }
  // Not Slack's answer (a bug, a broken response): try again with backoff.
  return new ProviderError(`Slack DM failed: ${e instanceof Error ? e.message : String(e)}`, true);
}

/** DMs through the chat provider of the running config (`hark.slack()`; null without `slack:`). */
export function slackDmTransport(provider: () => ChatProvider | null): SlackDmTransport {
  return {
    async sendSlackDm(dm: SlackDm): Promise<SentReceipt> {
      const chat = provider();
      if (!chat) throw new ProviderError('Slack is not configured (hark.yaml has no slack: section)', false);
      try {
        const ref = await chat.directMessage(dm.to, dm.content);
        return { providerId: `${ref.channel}/${ref.id}`, via: 'slack' };
      } catch (e) {
        throw chatProviderError(e);
      }
    },
  };
}

/** A person as a chat message shows them (mentioned when they have a Slack user). */
function chatPerson(config: Config, name: string): ChatPerson {
  const person = config.people.get(name);
  return {
    name,
    displayName: person?.displayName ?? name,
    chatUser: config.slack?.userIds.get(name) ?? null,
  };
}

/**
 * The DM page for `person`: the incident message with its buttons, `person` as the one paged, and
 * the people the incident names (acknowledged or resolved by, commander, roles) to mention.
 */
export function slackDmMessage(
  incident: Incident,
  person: Person,
  config: Config,
  publicUrl: string,
): IncidentMessage {
  const named = new Set<string>([person.name]);
  for (const by of [incident.acknowledgedBy, incident.resolvedBy, incident.commander]) {
    if (by) named.add(actorName(by));
  }
  for (const role of INCIDENT_ROLES) {
    const holder = incident.roles[role];
    if (holder) named.add(actorName(holder));
  }
  const base = publicUrl.replace(/\/+$/, '');
  return {
    incident,
    publicUrl: base === '' ? null : base,
    paged: [chatPerson(config, person.name)],
    people: new Map([...named].map((n) => [n, chatPerson(config, n)] as const)),
    incidentChannel: null,
  };
}

/**
 * The DM for pages a limit held back (a bundle): one text listing every incident with its link,
 * and how to act on them (the buttons are on each incident's own message in Hark and its channel).
 */
export function slackBundleText(incidents: readonly Incident[], publicUrl: string): string {
  const base = publicUrl.replace(/\/+$/, '');
  const n = incidents.length;
  const lines = [
    `${n} new incident${n === 1 ? '' : 's'} for you (held back by your page limit and sent together):`,
  ];
  for (const i of incidents) {
    const title = (i.title || '(no title)').replace(/\s+/g, ' ').slice(0, 200);
    lines.push(`• ${i.severity} #${i.id} ${i.service}: ${title}${base ? ` ${base}/i/${i.id}` : ''}`);
  }
  const first = incidents[0]?.id ?? 0;
  lines.push(`Acknowledge with /hark ack ${first}, or on the dashboard.`);
  return lines.join('\n');
}
