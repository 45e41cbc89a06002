/**
 * Answers in from chat (issue 12): what a button press on an incident message or a `/hark`
 * command does, and the sentence it is answered with. Whichever chat system it came from (Slack
 * now), it acts through the same incident operations as SMS replies, the API and the web UI, with
 * the same words (src/incidents/outcomes.ts: "Acknowledged #42 …", "#42 is already resolved by
 * bob"), and `take` / `handoff` / `oncall` go to the same runtime override store as SMS
 * (src/answers/sms-handoffs.ts). The HTTP side (signatures, payloads, how the answer is shown) is
 * the chat system's route module (src/server/api/slack.ts).
 *
 * A chat user acts as the Hark person whose `slack:` is their user ID; anyone else is refused and
 * nothing is done. Unlike an SMS reply, a button or a command may act on any incident, not only on
 * one paged to the person: incident messages are posted to the team's channel for the team.
 */
import type { ChatCommand, PersonRef } from '../chat/commands.js';
import type { SlackAction } from '../chat/slack/blocks.js';
import type { Config, Person } from '../config/types.js';
import type { IncidentOperations } from '../incidents/operations.js';
import { doneSentence, refusalSentence } from '../incidents/outcomes.js';
import type { ScheduleRegistry } from '../schedules/registry.js';
import { humanTime } from '../time/format.js';
import type { SmsHandoffs } from './replies.js';

export interface ChatAnswerDeps {
  readonly config: () => Config;
  readonly ops: IncidentOperations;
  readonly schedules: () => ScheduleRegistry;
  /** The runtime overrides behind `take`, `handoff` and `oncall` (null: not available). */
  readonly handoffs: SmsHandoffs | null;
  readonly now: () => Date;
}

/** What to tell whoever pressed or typed, and whether the channel may see it too. */
export interface ChatAnswer {
  readonly text: string;
  /** Shown to the channel (a done incident action); else only to the sender. */
  readonly public: boolean;
}

/** How the override store's reason names chat (`taken by Slack`). */
const VIA = 'Slack';

/** The Hark person a Slack user acts as, or null (no person has that `slack:`). */
export function personOfSlackUser(config: Config, user: string): Person | null {
  const name = config.slack?.people.get(user);
  return (name !== undefined ? config.people.get(name) : undefined) ?? null;
}

/** The refusal for a Slack user who is no Hark person. */
export function unknownSlackUserText(user: string): string {
  return (
    `Nothing was done: your Slack account (${user}) is not linked to a Hark person. ` +
    `Ask whoever runs Hark to add \`slack: ${user}\` to your entry under people: in hark.yaml.`
  );
}

const private_ = (text: string): ChatAnswer => ({ text, public: false });

type IncidentAction = 'acknowledge' | 'resolve' | 'escalate';

/** Acknowledges, resolves or escalates `id` as `person`: the done sentence, or the refusal. */
async function act(
  deps: ChatAnswerDeps,
  action: IncidentAction,
  id: number,
  person: Person,
): Promise<ChatAnswer> {
  const now = deps.now();
  const actor = `person:${person.name}`;
  const r =
    action === 'escalate'
      ? await deps.ops.escalate(id, actor, now)
      : action === 'acknowledge'
        ? await deps.ops.acknowledge(id, actor, person.name, now)
        : await deps.ops.resolve(id, actor, now);
  return r.ok ? { text: doneSentence(action, r.incident), public: true } : private_(refusalSentence(id, r));
}

const BUTTON_ACTIONS: Readonly<Record<SlackAction, IncidentAction>> = {
  ack: 'acknowledge',
  resolve: 'resolve',
  escalate: 'escalate',
};

/** A button of an incident message, pressed by `person`. */
export function answerButton(
  deps: ChatAnswerDeps,
  press: { readonly action: SlackAction; readonly incident: number },
  person: Person,
): Promise<ChatAnswer> {
  return act(deps, BUTTON_ACTIONS[press.action], press.incident, person);
}

/** The person a command names: a Slack user linked to one, or a person name of hark.yaml. */
function named(config: Config, ref: PersonRef): Person | string {
  if (ref.kind === 'slack') {
    return (
      personOfSlackUser(config, ref.user) ??
      `that Slack user (${ref.user}) is not linked to a Hark person: name a person of hark.yaml instead.`
    );
  }
  return config.people.get(ref.name) ?? `there is no person "${ref.name}" in hark.yaml.`;
}

/** `platform: primary carol until Mon 12 Jan 2026 09:00 UTC, secondary nobody`. */
async function oncallOn(deps: ChatAnswerDeps, schedule: string): Promise<string> {
  const registry = deps.schedules();
  await registry.refresh();
  const view = registry.view(schedule);
  if (!view) {
    const names = registry.names();
    return `There is no schedule "${schedule}".${names.length > 0 ? ` The schedules: ${names.join(', ')}.` : ''}`;
  }
  const zone = deps.config().schedules.get(schedule)?.timezone ?? 'UTC';
  const t = deps.now().getTime();
  const roles = view.roles.map((role) => {
    const h = view.holding(role, t);
    if (h.person === null) return `${role} nobody`;
    return `${role} ${h.person}${h.until === null ? '' : ` until ${humanTime(h.until, zone)}`}`;
  });
  return `${schedule}: ${roles.join(', ')}`;
}

/**
 * A `/hark` command of `person` (help and refusals of the text are the caller's: they need no
 * person). Done incident actions are public; everything else only for the sender.
 */
export async function answerCommand(
  deps: ChatAnswerDeps,
  command: Exclude<ChatCommand, { kind: 'help' }>,
  person: Person,
): Promise<ChatAnswer> {
  const config = deps.config();
  const now = deps.now();
  const actor = `person:${person.name}`;
  const handoffs = deps.handoffs;
  switch (command.kind) {
    case 'ack':
      return act(deps, 'acknowledge', command.incident, person);
    case 'resolve':
      return act(deps, 'resolve', command.incident, person);
    case 'escalate':
      return act(deps, 'escalate', command.incident, person);
    case 'oncall':
      if (command.schedule !== null) return private_(await oncallOn(deps, command.schedule));
      return private_(
        handoffs ? await handoffs.oncall(person.name, now) : 'On-call lookup is not available.',
      );
    case 'take':
      if (!handoffs) return private_('Taking a shift is not available.');
      return private_(await handoffs.take(command.schedule, person.name, command.durationMs, now, VIA));
    case 'handoff': {
      if (!handoffs) return private_('Handing off is not available.');
      const to = named(config, command.to);
      if (typeof to === 'string') return private_(`Not done: ${to}`);
      return private_(
        await handoffs.handoff(command.schedule, person.name, to.name, command.durationMs, now, VIA),
      );
    }
    case 'role': {
      const to = named(config, command.to);
      if (typeof to === 'string') return private_(`Not done: ${to}`);
      const r = await deps.ops.assignRole(command.incident, actor, command.role, to.name, now);
      if (!r.ok) return private_(refusalSentence(command.incident, r));
      return { text: `${doneSentence('role', r.incident)} (${command.role}: ${to.name})`, public: true };
    }
    case 'note': {
      const r = await deps.ops.addNote(command.incident, actor, command.text, now);
      if (!r.ok) return private_(refusalSentence(command.incident, r));
      return { text: doneSentence('note', r.incident), public: true };
    }
  }
}
