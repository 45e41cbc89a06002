/**
 * Slack's Request URLs (docs/slack.md): `POST /v1/slack/commands` (the `/hark` slash command) and
 * `POST /v1/slack/interactivity` (the buttons of incident messages, in a channel or a DM). Both are
 * Slack-signed (./slack-auth.ts: 404 without `slack:`, 401 for a bad, stale or replayed signature,
 * nothing changed) and act through src/answers/chat-answers.ts.
 *
 * Slack wants an answer within 3 seconds. A command is answered in the HTTP response (JSON:
 * `ephemeral`, or `in_channel` for a done incident action). A button press is answered 200 (empty)
 * as soon as its action is stored; what it did is then told to whoever pressed it alone, in the
 * background: `chat.postEphemeral` in the message's channel, or, when that fails (a public channel
 * the user is not a member of) or no channel is known, a POST to the request's `response_url`.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import {
  answerButton,
  answerCommand,
  personOfSlackUser,
  unknownSlackUserText,
} from '../../answers/chat-answers.js';
import type { ChatAnswerDeps } from '../../answers/chat-answers.js';
import type { SmsHandoffs } from '../../answers/replies.js';
import {
  parseInteraction,
  parseSlashRequest,
  SLASH_HELP_TEXT,
  type ButtonPress,
} from '../../chat/commands.js';
import type { ChatProvider } from '../../chat/provider.js';
import { slackPlainText } from '../../chat/slack/client.js';
import type { Logger } from '../../log.js';
import { errorBody } from '../errors.js';
import { noteRequest } from '../request-log.js';
import { Api } from './route.js';
import { slackAuth, type SlackAuthDeps, type SlackSigned } from './slack-auth.js';

export interface SlackApiDeps extends SlackAuthDeps, Omit<ChatAnswerDeps, 'handoffs'> {
  readonly handoffs?: SmsHandoffs | null;
  /** The process's Slack client (null: no `slack:`), for ephemeral answers to button presses. */
  readonly slack?: () => ChatProvider | null;
  readonly log: Logger;
}

/** How long a POST to a `response_url` may take. */
const RESPONSE_URL_TIMEOUT_MS = 5_000;

const slashForm = z
  .looseObject({
    command: z.string().describe('The command typed, such as `/hark`.'),
    text: z.string().describe('What follows it: `ack 42`, `oncall platform`, ...'),
    user_id: z.string(),
    channel_id: z.string(),
    team_id: z.string(),
    response_url: z.string(),
  })
  .meta({
    id: 'SlackSlashCommandForm',
    description: 'Slack’s slash command request (more fields are sent).',
  });

const interactionForm = z
  .object({ payload: z.string().describe('JSON of Slack’s `block_actions` payload.') })
  .meta({ id: 'SlackInteractionForm' });

const slashAnswer = z
  .object({
    response_type: z.enum(['ephemeral', 'in_channel']),
    text: z.string().describe('mrkdwn, escaped: no mention or link comes from an alert.'),
  })
  .meta({ id: 'SlackCommandAnswer' });

const form = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': schema },
});

/** A refusal of the payload, naming the field (`actions[0].value`, `user_id`). */
const badPayload = (c: Context, field: string, message: string): Response =>
  c.json(errorBody('invalid_body', `${field}: ${message}`, field), 400);

export function slackApi(deps: SlackApiDeps): Api<SlackSigned> {
  const answers: ChatAnswerDeps = { ...deps, handoffs: deps.handoffs ?? null };
  const api = new Api<SlackSigned>('slack', slackAuth(deps));

  /** Tells the presser what their button did, without holding up the HTTP answer. */
  const tellPresser = async (press: ButtonPress, text: string): Promise<void> => {
    const chat = deps.slack?.() ?? null;
    if (chat && press.channel) {
      try {
        await chat.postEphemeral(press.channel, press.user, text);
        return;
      } catch (e) {
        if (!press.responseUrl) throw e;
        // A public channel the user is not a member of, a DM the bot cannot post in: the response URL.
      }
    }
    if (!press.responseUrl) throw new Error('no channel and no response_url to answer in');
    const url = new URL(press.responseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('response_url is not http(s)');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        response_type: 'ephemeral',
        replace_original: false,
        text: slackPlainText(text),
      }),
      signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`response_url answered HTTP ${res.status}`);
  };

  const commandAnswer = (c: Context, text: string, shown: 'ephemeral' | 'in_channel' = 'ephemeral') => {
    noteRequest(c, { reply: text });
    return c.json({ response_type: shown, text: slackPlainText(text) } satisfies z.input<typeof slashAnswer>);
  };

  return api
    .route({
      method: 'post',
      path: '/slack/commands',
      operationId: 'slackCommand',
      summary: 'The /hark slash command',
      description:
        'Set as the slash command’s Request URL. The commands are in docs/slack.md; they act as the ' +
        'Hark person whose `slack:` is the sender’s user ID.',
      requestBody: form(slashForm),
      responses: {
        200: {
          description: 'What was done (`in_channel`), or an answer only the sender sees (`ephemeral`).',
          json: slashAnswer,
        },
        400: 'BadRequest',
      },
      handler: async (c, { auth }) => {
        const request = parseSlashRequest(auth.rawBody);
        if ('kind' in request) return badPayload(c, request.field, request.message);
        const parsed = request.parsed;
        const person = personOfSlackUser(deps.config(), request.user);
        noteRequest(c, {
          msg: 'answer received',
          channel: 'slack',
          person: person?.name ?? null,
          command: parsed.kind,
          ...('incident' in parsed ? { incident: parsed.incident } : {}),
        });
        if (parsed.kind === 'error') return commandAnswer(c, parsed.message);
        if (parsed.kind === 'help') return commandAnswer(c, SLASH_HELP_TEXT);
        if (!person) return commandAnswer(c, unknownSlackUserText(request.user));
        const answer = await answerCommand(answers, parsed, person);
        return commandAnswer(c, answer.text, answer.public ? 'in_channel' : 'ephemeral');
      },
    })
    .route({
      method: 'post',
      path: '/slack/interactivity',
      operationId: 'slackInteraction',
      summary: 'A button of an incident message (Acknowledge, Resolve, Escalate now)',
      description:
        'Set as the app’s Interactivity Request URL. Answered as soon as the action is stored; what ' +
        'it did (or why nothing was done) is posted so that only the presser sees it.',
      requestBody: form(interactionForm),
      responses: {
        200: { description: 'Taken (or not Hark’s to take: another app’s interaction). Empty.' },
        400: 'BadRequest',
      },
      handler: async (c, { auth }) => {
        const press = parseInteraction(auth.rawBody);
        if (press.kind === 'bad') return badPayload(c, press.field, press.message);
        if (press.kind === 'ignored') {
          noteRequest(c, { msg: 'slack interaction ignored', reason: press.reason });
          return c.body(null, 200);
        }
        const person = personOfSlackUser(deps.config(), press.user);
        noteRequest(c, {
          msg: 'answer received',
          channel: 'slack',
          person: person?.name ?? null,
          command: press.action,
          incident: press.incident,
        });
        const text = person
          ? (await answerButton(answers, press, person)).text
          : unknownSlackUserText(press.user);
        noteRequest(c, { reply: text });
        void tellPresser(press, text).catch((e: unknown) =>
          deps.log.warn(
            { incident: press.incident, user: press.user, err: e instanceof Error ? e.message : String(e) },
            'could not tell a Slack user what their button did',
          ),
        );
        return c.body(null, 200);
      },
    });
}
