/**
 * The Slack part of the chat announcer (src/chat/announcer.ts): where each service's incidents
 * go (`slack_channel`, `slack_incident_channels`, else the section's `incident_channels`) and who
 * is who in Slack (people's `slack:` IDs), read from `config.slack` at each event, so a reload
 * applies to the next one. Without a `slack:` section it does nothing.
 */
import type { Config } from '../../config/types.js';
import { chatAnnouncer, type ChatAnnouncer, type ChatAnnouncerDeps } from '../announcer.js';
import type { ChatProvider } from '../provider.js';

/** The subscriber's name: its consumer group and its Redis keys (`chat:slack:...`). */
export const SLACK_SUBSCRIBER = 'slack';

export type SlackAnnouncerDeps = Omit<ChatAnnouncerDeps, 'name' | 'target' | 'chatUser' | 'provider'> & {
  readonly config: () => Config;
  /** The process's Slack provider (`hark.slack()`); null without `slack:`. */
  readonly provider: () => ChatProvider | null;
};

export function slackAnnouncer(deps: SlackAnnouncerDeps): ChatAnnouncer {
  return chatAnnouncer({
    ...deps,
    name: SLACK_SUBSCRIBER,
    provider: () => (deps.config().slack ? deps.provider() : null),
    target: (service) => {
      const slack = deps.config().slack;
      if (!slack) return null;
      const own = slack.services.get(service);
      return own
        ? { channel: own.channel, incidentChannels: own.incidentChannels }
        : { channel: null, incidentChannels: slack.incidentChannels };
    },
    chatUser: (person) => deps.config().slack?.userIds.get(person) ?? null,
  });
}
