/**
 * The chat announcer: a subscriber of the incident event stream (src/events/subscriber.ts) that
 * keeps an incident's presence in a chat system up to date. It talks only to a `ChatProvider`
 * (src/chat/provider.ts): Slack builds one from `slack:` (src/chat/slack/announcer.ts); another
 * provider plugs in the same way with its own config.
 *
 * - `incident.opened`: for an incident whose severity its service's policy lists, a channel of
 *   its own (`incidentChannelName`), the paged responders and role holders who have a chat user
 *   invited, a summary (runbook, roles, who is paged) posted and pinned there; then the incident
 *   message (with its buttons and a link to that channel) in the service's channel.
 * - Every later change (acknowledged, unacknowledged, escalated, resolved, a step fired, a role,
 *   an alert firing or resolving, and event types this version does not know, such as a severity
 *   change): the message is updated in place, from the incident as it is now, and the event is a
 *   short line in the message's thread. People's lines (acknowledged, resolved, roles, notes) also
 *   go to the incident channel. Page events stay out of chat except `page.failed`; step 1 of round
 *   1 gets no thread line (the message shows who is paged).
 * - `incident.resolved`: the incident channel is archived `archiveAfterMs` later, by the sweep
 *   (`sweepArchives`, run every few seconds in worker processes) over a Redis sorted set: a restart
 *   loses no archive.
 *
 * At least once: what was posted is recorded in Redis (`keys.chatIncident`) step by step, so a
 * redelivered or retried event updates the message rather than posting it again, does not repeat
 * a thread line (the last event threaded is recorded by stream id), and finds the channel it
 * created (a create after a crash finds it by name). A crash between a post and its record can
 * still post a line twice; nothing can post the channel twice.
 *
 * Failures: a retryable `ChatError` (rate-limited, unavailable) is thrown, and the runner retries
 * the event (after the rate limit's Retry-After); a permanent one (not-found, not-in-channel, auth,
 * refused) is logged and that step skipped, so one bad channel never blocks the stream. Pages never
 * wait for chat: they go out from the escalation worker, not from here.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { formatDuration } from '../config/duration.js';
import type { Config, IncidentChannelPolicy } from '../config/types.js';
import { resolveStep } from '../escalation/targets.js';
import { EVENT_TYPES, type TimelineEvent, type TimelineEventType } from '../events/schema.js';
import type { StreamEvent, Subscriber } from '../events/subscriber.js';
import { describeEvent } from '../incidents/describe.js';
import { actorName, INCIDENT_ROLES, runbookLink, type Incident } from '../incidents/model.js';
import type { EscalationView } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { Keys } from '../redis/keys.js';
import { CLAIM_ARCHIVES } from '../redis/scripts/chat.js';
import type { ScheduleRegistry } from '../schedules/registry.js';
import {
  ChatError,
  incidentChannelName,
  type ChannelRef,
  type ChatPerson,
  type ChatProvider,
  type IncidentMessage,
  type MessageRef,
} from './provider.js';

/** Where a service's incidents go in the chat system. */
export interface ChatTarget {
  /** The service channel (an ID or `#name`); null: no service message. */
  readonly channel: string | null;
  readonly incidentChannels: IncidentChannelPolicy;
}

export interface ChatAnnouncerDeps {
  /** Names the subscriber (its consumer group) and the provider's Redis keys: `slack`. */
  readonly name: string;
  /** The provider for the running config; null: this chat system is off. */
  readonly provider: () => ChatProvider | null;
  /** A service's settings for the running config; null: this chat system is off. */
  readonly target: (service: string) => ChatTarget | null;
  /** A person's user ID in this chat system; null: they have none. */
  readonly chatUser: (person: string) => string | null;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: {
    get(id: number, withTimeline?: boolean): Promise<Incident | null>;
    escalationView(id: number): Promise<EscalationView | null>;
  };
  readonly config: () => Config;
  readonly schedules: () => ScheduleRegistry;
  /** Base of links to Hark, no trailing slash; null: no links. */
  readonly publicUrl: () => string | null;
  /** The clock archives are due on (ms). */
  readonly now: () => number;
  readonly log: Logger;
}

export interface ChatAnnouncer extends Subscriber {
  /** Archives the incident channels that are due; how many were archived. */
  sweepArchives(): Promise<number>;
}

/** Page events (and the sweep's catch-up) are not shown in chat, except a failed page. */
const QUIET: ReadonlySet<string> = new Set<TimelineEventType>([
  'page.queued',
  'page.sent',
  'page.delivered',
  'page.throttled',
  'page.bundled',
  'escalation.caught-up',
  'alert.renotified',
]);

/** Known events that change nothing the message shows. */
const NO_UPDATE: ReadonlySet<string> = new Set<TimelineEventType>([
  'note.added',
  'page.failed',
  'escalation.exhausted',
]);

/** Events whose line also goes to the incident channel (people's doings; unknown types too). */
const ROOM_LINES: ReadonlySet<string> = new Set<TimelineEventType>([
  'incident.acknowledged',
  'incident.unacknowledged',
  'incident.resolved',
  'role.assigned',
  'note.added',
]);

/** Events after which the incident pages from step 1 again. */
const CYCLE_STARTS: ReadonlySet<string> = new Set<TimelineEventType>([
  'incident.opened',
  'incident.unacknowledged',
  'incident.ack-timeout',
]);

/** Every event type this version knows (a newer process may write others). */
const KNOWN: ReadonlySet<string> = new Set<string>(EVENT_TYPES);

/** How long a claimed archive waits before another sweep retries it (a sweeper that died). */
const ARCHIVE_CLAIM_MS = 60_000;
/** When archiving failed and the chat system said not when to retry. */
const ARCHIVE_RETRY_MS = 30_000;
const ARCHIVE_BATCH = 50;

/** The incident's record in Redis (`keys.chatIncident`), as read. */
interface ChatRecord {
  /** The service-channel message. */
  readonly message: MessageRef | null;
  /** The incident's own channel. */
  readonly room: ChannelRef | null;
  readonly summary: MessageRef | null;
  readonly pinned: boolean;
  /** Chat users invited to the room (or refused). */
  readonly invited: readonly string[];
  /** The stream id of the last event put in the message's thread / the room. */
  readonly threaded: string | null;
  readonly roomLined: string | null;
  /** The fingerprint of what the message shows now (`fingerprint`). */
  readonly shown: string | null;
}

function readRecord(h: Record<string, string>): ChatRecord {
  const ref = (channel?: string, id?: string): MessageRef | null => (channel && id ? { channel, id } : null);
  let invited: string[] = [];
  try {
    const v: unknown = h.invited ? JSON.parse(h.invited) : [];
    if (Array.isArray(v)) invited = v.filter((u): u is string => typeof u === 'string');
  } catch {
    invited = [];
  }
  return {
    message: ref(h.msgChannel, h.msgId),
    room: h.roomId ? { id: h.roomId, name: h.roomName ?? h.roomId } : null,
    summary: ref(h.roomId, h.summaryId),
    pinned: h.pinned === '1',
    invited,
    threaded: h.threaded ?? null,
    roomLined: h.roomLined ?? null,
    shown: h.shown ?? null,
  };
}

/** Whether stream id `a` comes after `b` (null: nothing yet). */
export function streamIdAfter(a: string, b: string | null): boolean {
  if (b === null) return true;
  const [am, as] = a.split('-').map((x) => BigInt(x)) as [bigint, bigint];
  const [bm, bs] = b.split('-').map((x) => BigInt(x)) as [bigint, bigint];
  return am > bm || (am === bm && as > bs);
}

/**
 * What an incident message shows, as a hash: the same for the same incident state, people and
 * channel, so an update that would change nothing is not sent (Slack's chat.update is rate limited).
 */
function fingerprint(m: IncidentMessage): string {
  const data = [
    { ...m.incident, timeline: null },
    m.publicUrl,
    m.paged,
    [...m.people.entries()],
    m.incidentChannel,
  ];
  return createHash('sha256').update(JSON.stringify(data)).digest('base64url').slice(0, 22);
}

/** The person a `step.fired` entry names: `alice (schedule:platform/primary)` → `alice`. */
function personOfStepEntry(entry: string): string {
  return entry.replace(/\s+\(.*\)$/, '');
}

export function chatAnnouncer(deps: ChatAnnouncerDeps): ChatAnnouncer {
  const log = deps.log.child({ component: 'chat', provider: deps.name });
  const recordKey = (id: number) => deps.keys.chatIncident(deps.name, id);
  const archiveKey = deps.keys.chatArchiveDue(deps.name);
  const claimArchives = CLAIM_ARCHIVES.on(deps.redis);

  /**
   * Runs one chat call: its value; null when the chat system refused it for good (logged: the
   * step is skipped). A retryable failure is thrown, for the runner to retry the event.
   */
  async function attempt<T>(what: string, incident: number, run: () => Promise<T>): Promise<T | null> {
    try {
      return await run();
    } catch (e) {
      if (e instanceof ChatError && !e.retryable) {
        log.warn({ incident, kind: e.kind, code: e.code }, `chat: could not ${what}; skipped`);
        return null;
      }
      throw e;
    }
  }

  const person = (name: string): ChatPerson => ({
    name,
    displayName: deps.config().people.get(name)?.displayName ?? name,
    chatUser: deps.chatUser(name),
  });

  /** An actor as a line shows them: a person's display name, a token's or integration's name. */
  const who = (actor: string): string => {
    if (actor === 'hark') return 'Hark';
    if (actor.startsWith('person:')) return person(actorName(actor)).displayName;
    return actorName(actor);
  };

  /** The people the incident names: acknowledged by, resolved by, commander, roles. */
  function namedPeople(incident: Incident): string[] {
    const names = [incident.acknowledgedBy, incident.resolvedBy]
      .filter((a): a is string => a !== null && a.startsWith('person:'))
      .map(actorName);
    if (incident.commander) names.push(incident.commander);
    for (const role of INCIDENT_ROLES) {
      const holder = incident.roles[role];
      if (holder) names.push(holder);
    }
    return [...new Set(names)];
  }

  /**
   * Who is being paged: the people of the current cycle's last step fired; before any step fired,
   * the people step 1 of the incident's policy pages now.
   */
  async function paged(incident: Incident): Promise<string[]> {
    const timeline = incident.timeline ?? [];
    let fired: TimelineEvent | null = null;
    for (let i = timeline.length - 1; i >= 0; i--) {
      const e = timeline[i]!;
      if (e.type === 'step.fired') {
        fired = e;
        break;
      }
      if (CYCLE_STARTS.has(e.type)) break;
    }
    if (fired?.type === 'step.fired') return [...new Set(fired.people.map(personOfStepEntry))];
    if (incident.state !== 'triggered') return [];
    const view = await deps.store.escalationView(incident.id).catch(() => null);
    const step = view?.policy.steps[0];
    if (!step) return [];
    const schedules = deps.schedules();
    await schedules.refresh();
    return resolveStep(step, schedules, deps.now()).map((t) => t.person);
  }

  function incidentMessage(
    incident: Incident,
    pagedNames: readonly string[],
    room: ChannelRef | null,
  ): IncidentMessage {
    const people = new Map<string, ChatPerson>();
    for (const name of [...namedPeople(incident), ...pagedNames]) people.set(name, person(name));
    const base = deps.publicUrl();
    return {
      incident,
      publicUrl: base ? base.replace(/\/+$/, '') : null,
      paged: pagedNames.map(person),
      people,
      incidentChannel: room,
    };
  }

  /** The incident channel's summary (plain text, pinned). */
  function summaryText(incident: Incident, pagedNames: readonly string[]): string {
    const base = deps.publicUrl()?.replace(/\/+$/, '') ?? '';
    const lines = [
      `${incident.severity} #${incident.id} ${incident.service}: ${incident.title || '(no title)'}`,
    ];
    const runbook = runbookLink(incident.runbook, base);
    lines.push(
      `Runbook: ${runbook && /^https?:\/\//.test(runbook) ? runbook : (incident.runbook ?? 'none')}`,
    );
    if (base) lines.push(`In Hark: ${base}/i/${incident.id}`);
    const roles: string[] = [];
    const commander = incident.commander ?? incident.roles.commander ?? null;
    if (commander) roles.push(`commander ${person(commander).displayName}`);
    for (const role of INCIDENT_ROLES) {
      const holder = incident.roles[role];
      if (role !== 'commander' && holder) roles.push(`${role} ${person(holder).displayName}`);
    }
    lines.push(`Roles: ${roles.length > 0 ? roles.join(', ') : 'none yet'}`);
    lines.push(
      `Paged: ${pagedNames.length > 0 ? pagedNames.map((n) => person(n).displayName).join(', ') : 'nobody'}`,
    );
    return lines.join('\n');
  }

  /** The event as a line of the message's thread; null: none. */
  function threadLine(e: TimelineEvent): string | null {
    switch (e.type) {
      case 'incident.opened':
        return null;
      case 'incident.acknowledged':
        return `Acknowledged by ${who(e.actor)}`;
      case 'incident.unacknowledged':
        return `Unacknowledged by ${who(e.actor)}: paging again from step 1`;
      case 'incident.ack-timeout':
        return `Acknowledgement timed out: ${e.note}`;
      case 'incident.escalated':
        return `Escalated by ${who(e.actor)}`;
      case 'incident.resolved':
        return e.reason ? `Resolved by ${who(e.actor)} (${e.reason})` : `Resolved by ${who(e.actor)}`;
      case 'note.added':
        return `Note from ${who(e.actor)}: ${e.text}`;
      case 'role.assigned':
        return `${person(e.person).displayName} is now ${e.role} (by ${who(e.actor)})`;
      case 'step.fired': {
        if (e.step === 1 && e.loop === 1) return null; // the message says who is paged
        const names = [...new Set(e.people.map(personOfStepEntry))].map((n) => person(n).displayName);
        return `Step ${e.step}${e.loop > 1 ? ` (round ${e.loop})` : ''}: paging ${names.join(', ') || 'nobody'}`;
      }
      case 'escalation.exhausted':
        return `Escalation ran out: ${e.note}`;
      case 'alert.firing':
        return `Alert firing: ${e.summary}`;
      case 'alert.resolved':
        return `Alert resolved: ${e.summary}`;
      case 'page.failed': {
        const why = e.error ?? e.status ?? e.errorCode ?? null;
        return `Page to ${person(e.person).displayName} by ${e.channel} failed${why ? `: ${why}` : ''}`;
      }
      default: {
        if (QUIET.has(e.type)) return null;
        // A type this version does not know (a severity change, a new kind of event).
        const type = String((e as { type: unknown }).type);
        const detail = describeEvent(e);
        return `${type}${detail ? `: ${detail}` : ''} (by ${who(String((e as { actor?: unknown }).actor ?? 'hark'))})`;
      }
    }
  }

  /** Invites the people the incident involves who have a chat user and were not invited yet. */
  async function inviteNew(
    incident: Incident,
    rec: ChatRecord,
    room: ChannelRef,
    pagedNames: readonly string[],
  ): Promise<void> {
    const wanted = [...new Set([...pagedNames, ...namedPeople(incident)])]
      .map((n) => deps.chatUser(n))
      .filter((u): u is string => u !== null && !rec.invited.includes(u));
    if (wanted.length === 0) return;
    await attempt('invite people to the incident channel', incident.id, () =>
      deps.provider()!.invite(room.id, wanted),
    );
    // Invited, or refused for good: not asked again.
    await deps.redis.hset(recordKey(incident.id), 'invited', JSON.stringify([...rec.invited, ...wanted]));
  }

  async function opened(e: StreamEvent, incident: Incident, target: ChatTarget, rec: ChatRecord) {
    const provider = deps.provider()!;
    const key = recordKey(incident.id);
    const pagedNames = await paged(incident);
    let room = rec.room;
    if (!room && target.incidentChannels.severities.includes(incident.severity)) {
      const made = await attempt('create the incident channel', incident.id, () =>
        provider.createChannel(incidentChannelName(incident)),
      );
      if (made) {
        room = made.channel;
        await deps.redis.hset(key, 'roomId', room.id, 'roomName', room.name);
        log.info({ incident: incident.id, channel: room.name, created: made.created }, 'incident channel');
      }
    }
    if (room) {
      await inviteNew(incident, rec, room, pagedNames);
      let summary = rec.summary;
      if (!summary) {
        summary = await attempt('post the incident channel summary', incident.id, () =>
          provider.postText(room!.id, summaryText(incident, pagedNames)),
        );
        if (summary) await deps.redis.hset(key, 'summaryId', summary.id);
      }
      if (summary && !rec.pinned) {
        await attempt('pin the summary', incident.id, () => provider.pin(summary!));
        await deps.redis.hset(key, 'pinned', '1');
      }
    }
    if (!target.channel) return;
    const message = incidentMessage(incident, pagedNames, room);
    if (rec.message) {
      // A redelivery: the message is there; show the incident as it is now.
      await update(incident.id, rec, message);
      return;
    }
    const ref = await attempt(`post the incident message to ${target.channel}`, incident.id, () =>
      provider.postIncident(target.channel!, message),
    );
    if (ref) {
      await deps.redis.hset(key, 'msgChannel', ref.channel, 'msgId', ref.id, 'shown', fingerprint(message));
    }
  }

  /** Updates the message in place, unless it shows this already (a redelivery, a step of the same people). */
  async function update(id: number, rec: ChatRecord, message: IncidentMessage): Promise<void> {
    const shown = fingerprint(message);
    if (!rec.message || rec.shown === shown) return;
    await attempt('update the incident message', id, () =>
      deps.provider()!.updateIncident(rec.message!, message),
    );
    await deps.redis.hset(recordKey(id), 'shown', shown);
  }

  async function changed(e: StreamEvent, incident: Incident, target: ChatTarget, rec: ChatRecord) {
    const provider = deps.provider()!;
    const key = recordKey(incident.id);
    const type = e.event.type;
    if (!rec.message && !rec.room) return; // never posted (opened before chat was on, or refused)
    const needsUpdate = rec.message !== null && !NO_UPDATE.has(type);
    const pagedNames = needsUpdate || rec.room ? await paged(incident) : [];
    if (rec.room) await inviteNew(incident, rec, rec.room, pagedNames);
    if (needsUpdate) await update(incident.id, rec, incidentMessage(incident, pagedNames, rec.room));
    const line = threadLine(e.event);
    if (line && rec.message && streamIdAfter(e.id, rec.threaded)) {
      await attempt('post in the incident thread', incident.id, () =>
        provider.postInThread(rec.message!, line),
      );
      await deps.redis.hset(key, 'threaded', e.id);
    }
    const inRoom = ROOM_LINES.has(type) || !KNOWN.has(type);
    if (line && inRoom && rec.room && streamIdAfter(e.id, rec.roomLined)) {
      const after = target.incidentChannels.archiveAfterMs;
      const text =
        type === 'incident.resolved' && after !== null
          ? `${line}. This channel will be archived in ${formatDuration(after)}.`
          : line;
      await attempt('post in the incident channel', incident.id, () => provider.postText(rec.room!.id, text));
      await deps.redis.hset(key, 'roomLined', e.id);
    }
    if (type === 'incident.resolved') {
      const after = target.incidentChannels.archiveAfterMs;
      if (rec.room && after !== null) {
        const member = JSON.stringify({ incident: incident.id, channel: rec.room.id });
        await deps.redis.zadd(archiveKey, 'NX', deps.now() + after, member);
      }
      // Kept as long as the incident is (and its channel until archived).
      const ttl = deps.config().settings.retentionMs + (after ?? 0);
      if (Number.isFinite(ttl) && ttl > 0) await deps.redis.pexpire(key, Math.min(ttl, 2 ** 31 * 1000));
    }
  }

  return {
    name: deps.name,

    async handle(e: StreamEvent): Promise<void> {
      if (QUIET.has(e.event.type)) return;
      if (!deps.provider()) return;
      const incident = await deps.store.get(e.incident, true);
      if (!incident) return;
      const target = deps.target(incident.service);
      if (!target) return;
      const rec = readRecord(await deps.redis.hgetall(recordKey(e.incident)));
      if (e.event.type === 'incident.opened') await opened(e, incident, target, rec);
      else await changed(e, incident, target, rec);
    },

    async sweepArchives(): Promise<number> {
      const provider = deps.provider();
      if (!provider) return 0;
      const now = deps.now();
      const due = await claimArchives([archiveKey], [now, now + ARCHIVE_CLAIM_MS, ARCHIVE_BATCH]);
      let archived = 0;
      for (const member of due) {
        let parsed: { incident?: unknown; channel?: unknown } = {};
        try {
          parsed = JSON.parse(member) as typeof parsed;
        } catch {
          // dropped below
        }
        if (typeof parsed.channel !== 'string') {
          await deps.redis.zrem(archiveKey, member);
          continue;
        }
        try {
          await provider.archive(parsed.channel);
          await deps.redis.zrem(archiveKey, member);
          archived++;
          log.info({ incident: parsed.incident, channel: parsed.channel }, 'incident channel archived');
        } catch (e) {
          if (e instanceof ChatError && !e.retryable) {
            log.warn(
              { incident: parsed.incident, channel: parsed.channel, kind: e.kind, code: e.code },
              'chat: could not archive the incident channel; given up',
            );
            await deps.redis.zrem(archiveKey, member);
            continue;
          }
          const retryMs =
            e instanceof ChatError && e.retryAfterMs !== null ? e.retryAfterMs : ARCHIVE_RETRY_MS;
          await deps.redis.zadd(archiveKey, 'XX', deps.now() + retryMs, member);
          log.warn(
            {
              incident: parsed.incident,
              channel: parsed.channel,
              retryInMs: retryMs,
              err: (e as Error).message,
            },
            'chat: archiving failed; retried later',
          );
          break; // rate limited or down: the rest waits for the next sweep
        }
      }
      return archived;
    },
  };
}

export interface ArchiveSweeper {
  stop(): Promise<void>;
}

/** Runs `sweepArchives` every `everyMs` (one at a time) until stopped. */
export function startArchiveSweeper(announcer: ChatAnnouncer, everyMs: number, log: Logger): ArchiveSweeper {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = announcer
      .sweepArchives()
      .then(
        () => {},
        (e: unknown) => {
          log.warn({ subscriber: announcer.name, err: (e as Error).message }, 'chat archive sweep failed');
        },
      )
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
