/**
 * Answers in by phone (SPEC section 5): SMS replies (`POST /v1/twilio/sms`) and the keys pressed on
 * a page call (`POST /v1/twilio/voice/:incident/gather`). Both are Twilio-signed (403 otherwise, no
 * state change) and act through the same incident operations as the API and the CLI.
 */
import type { Context } from 'hono';
import type { Redis } from 'ioredis';
import type { Config, Person } from '../config/types.js';
import type { IncidentOperations } from '../incidents/operations.js';
import type { Incident } from '../incidents/model.js';
import type { Logger } from '../log.js';
import { toGsm7 } from '../pages/format.js';
import { messageTwiml, redirectTwiml, sayTwiml } from '../pages/twiml.js';
import { doneSentence, refusalSentence } from '../incidents/outcomes.js';
import type { PageStore } from '../pages/store.js';
import type { Keys } from '../redis/keys.js';
import { answerBundleCall } from './bundle-call.js';
import {
  bulkDoneText,
  bulkStartedText,
  runBulkAnswer,
  SYNC_LIMIT,
  type BulkAnswerJob,
  type BulkAnswers,
} from './bulk-answers.js';
import { parseSmsReply, SMS_HELP_TEXT, type SmsCommand } from './sms-grammar.js';
import { noteRequest } from '../server/request-log.js';
import type { Api } from '../server/api/route.js';
import { form, twilioGatherForm, twilioSmsForm, twiml, voiceParams, voiceQuery } from './twilio-forms.js';
import { formValue, twimlResponse, type Params } from './twilio-webhooks.js';
import { answerOnce } from './webhook-replay.js';

/** Runtime overrides for `take` and `handoff` (src/schedules/override-store.ts). */
export interface SmsHandoffs {
  /** `via`: how it was asked, for the override's reason (`taken by SMS`, the default; `Slack`). */
  take(schedule: string, person: string, durationMs: number, now: Date, via?: string): Promise<string>;
  handoff(
    schedule: string,
    from: string,
    to: string,
    durationMs: number | null,
    now: Date,
    via?: string,
  ): Promise<string>;
  oncall(person: string, now: Date): Promise<string>;
}

export interface ReplyDeps {
  readonly config: () => Config;
  readonly ops: IncidentOperations;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly log: Logger;
  readonly now: () => Date;
  readonly twilioAuthToken: string | null;
  readonly publicUrl: () => string;
  readonly handoffs: SmsHandoffs | null;
  /** The queue `aa` / `rr` over more than SYNC_LIMIT incidents go to (null: they run in the request). */
  readonly bulk: BulkAnswers | null;
  readonly pages: PageStore;
}

/** Where an SMS came from: the number (answers go back to it) and its MessageSid. */
interface SmsOrigin {
  readonly from: string;
  readonly sid: string | null;
}

/** Unparseable replies answered per number per 10 minutes; beyond, silence (no loops with bots). */
const GARBAGE_LIMIT = 3;
const GARBAGE_WINDOW_MS = 10 * 60_000;

/** The answer's reply, also on the request's log line (`answer received`). */
function replyMessage(c: Context, text: string | null): Response {
  noteRequest(c, { reply: text });
  return twimlResponse(c, messageTwiml(text));
}

function replySay(c: Context, text: string): Response {
  noteRequest(c, { reply: text });
  return twimlResponse(c, sayTwiml(text));
}

/** `***1234`: a phone number as logged. */
function maskNumber(number: string | null): string | null {
  return number === null ? null : `***${number.slice(-4)}`;
}

const SPOKEN = { spoken: true } as const;

/** One line for an SMS: `#42 checkout: Checkout p99 > 2s`, GSM-7, cut to fit. */
function label(incident: Pick<Incident, 'id' | 'service' | 'title'>): string {
  const text = toGsm7(`#${incident.id} ${incident.service}: ${incident.title}`);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** SMS replies and the keys pressed on a call, on an Api that checks Twilio's signature first. */
export function replyRoutes(api: Api<Params>, deps: ReplyDeps): void {
  const { pages } = deps;

  /** The person whose phone number sent the message, if any. */
  const personByNumber = (number: string | null): Person | null => {
    if (!number) return null;
    for (const p of deps.config().people.values()) if (p.sms === number || p.voice === number) return p;
    return null;
  };

  /** Every incident paged to a person that is still open (triggered only: `aa`), newest page first. */
  const pagedOpen = async (person: string, triggeredOnly: boolean): Promise<number[]> => {
    const ids = await pages.pagedIncidents(person);
    const states = await deps.ops.store.states(ids);
    return ids.filter(
      (_id, i) => states[i] === 'triggered' || (!triggeredOnly && states[i] === 'acknowledged'),
    );
  };

  const wasPaged = (person: string, id: number) => pages.wasPaged(person, id);

  const act = async (person: Person, command: SmsCommand, origin: SmsOrigin): Promise<string> => {
    const now = deps.now();
    const actor = `person:${person.name}`;
    switch (command.kind) {
      case 'ack':
      case 'resolve':
      case 'escalate': {
        const id = command.incident;
        if (!(await wasPaged(person.name, id))) {
          const exists = await deps.ops.store.get(id, false);
          return exists ? `#${id} was not paged to you; nothing done.` : `There is no incident #${id}.`;
        }
        if (command.kind === 'escalate') {
          const r = await deps.ops.escalate(id, actor, now);
          return r.ok ? `Escalated ${label(r.incident)}` : refusalSentence(id, r);
        }
        const r =
          command.kind === 'ack'
            ? await deps.ops.acknowledge(id, actor, person.name, now)
            : await deps.ops.resolve(id, actor, now);
        if (!r.ok) return refusalSentence(id, r);
        return `${command.kind === 'ack' ? 'Acknowledged' : 'Resolved'} ${label(r.incident)}`;
      }
      case 'ack-last': {
        // The incident of the latest page to the sender's phone, whatever its state now: one that
        // someone else acknowledged is answered with that, never swapped for an older page.
        const last = await pages.latestPhonePage(person.name);
        if (!last) return 'Nothing was paged to your phone.';
        const { latest, together } = last;
        if (together.length > 1) {
          // A bundle: which one is meant is a guess, and a wrong acknowledgement is worse than asking.
          const shown = together.slice(0, 5).map((id) => `#${id}`);
          const more = together.length > 5 ? ` and ${together.length - 5} more` : '';
          return (
            `Your latest page had ${together.length} incidents (${shown.join(' ')}${more}). ` +
            `Reply e.g. ${together[together.length - 1]}a for one, aa for all.`
          );
        }
        const id = latest;
        const r = await deps.ops.acknowledge(id, actor, person.name, now);
        return r.ok ? `Acknowledged ${label(r.incident)}` : refusalSentence(id, r);
      }
      case 'ack-all':
      case 'resolve-all': {
        const action = command.kind === 'ack-all' ? 'acknowledge' : 'resolve';
        // A snapshot: what is open and was paged to the sender now, not what is paged later.
        const ids = await pagedOpen(person.name, action === 'acknowledge');
        if (ids.length === 0) return 'Nothing paged to you is open.';
        const job: BulkAnswerJob = { action, person: person.name, to: origin.from, ids };
        if (ids.length > SYNC_LIMIT && deps.bulk) {
          await deps.bulk.enqueue(job, origin.sid);
          deps.log.info({ person: person.name, action, incidents: ids.length }, 'bulk answer queued');
          return bulkStartedText(action, ids.length);
        }
        const results = await runBulkAnswer(deps.ops, job, now);
        if (ids.length > SYNC_LIMIT) return bulkDoneText(action, results, actor);
        const done = results.filter((r) => r.outcome === 'ok').map((r) => `#${r.id}`);
        const verb = action === 'acknowledge' ? 'Acknowledged' : 'Resolved';
        return done.length === 0 ? 'Nothing changed.' : `${verb} ${done.join(' ')}`;
      }
      case 'oncall':
        return deps.handoffs ? deps.handoffs.oncall(person.name, now) : 'On-call lookup is not available.';
      case 'take':
        if (!deps.handoffs) return 'Taking a shift by SMS is not available.';
        return deps.handoffs.take(command.schedule, person.name, command.durationMs, now);
      case 'handoff':
        if (!deps.handoffs) return 'Handing off by SMS is not available.';
        return deps.handoffs.handoff(command.schedule, person.name, command.person, command.durationMs, now);
      case 'help':
        return SMS_HELP_TEXT;
      case 'carrier-keyword':
        return '';
    }
  };

  // A replayed or retried webhook gets its first answer and acts on nothing (webhook-replay.ts).
  const smsOnce = answerOnce(deps, (params) => {
    const sid = formValue(params, 'MessageSid') ?? formValue(params, 'SmsSid');
    return sid ? `sms:${sid}` : null;
  });
  const keysOnce = answerOnce(deps, (params, c) => {
    const sid = formValue(params, 'CallSid');
    const url = new URL(c.req.url);
    return sid
      ? `call:${sid}:${url.pathname}${url.search}:${(formValue(params, 'Digits') ?? '').trim()}`
      : null;
  });

  api.route({
    method: 'post',
    path: '/twilio/sms',
    operationId: 'twilioSms',
    summary: 'Incoming SMS (replies to pages)',
    description:
      'Set as the number’s “A message comes in” webhook. The reply grammar is in SPEC section 5; ' +
      'every reply from a known person is answered in the TwiML, texts from unknown numbers get none.',
    requestBody: form(twilioSmsForm),
    responses: {
      200: twiml('`<Response>` with the answer as `<Message>`, or empty.'),
      413: 'TwilioTooLarge',
    },
    use: [smsOnce],
    handler: (c, { auth: params }) => sms(c, params),
  });
  api.route({
    method: 'post',
    path: '/twilio/voice/:incident/gather',
    operationId: 'twilioGather',
    summary: 'The key pressed on a page call',
    params: voiceParams,
    query: voiceQuery,
    requestBody: form(twilioGatherForm),
    responses: {
      200: twiml('What was done, spoken, then a hang-up; `*` redirects to the message again.'),
      413: 'TwilioTooLarge',
    },
    use: [keysOnce],
    handler: (c, { auth: params }) => gather(c, params),
  });

  const sms = async (c: Context, params: Params): Promise<Response> => {
    const from = formValue(params, 'From');
    const person = personByNumber(from);
    if (!person) {
      // Only the number's last digits: enough to recognise it, not to collect it.
      noteRequest(c, { msg: 'answer received', channel: 'sms', person: null, from: maskNumber(from) });
      return replyMessage(c, null);
    }
    const command = parseSmsReply(formValue(params, 'Body') ?? '');
    noteRequest(c, {
      msg: 'answer received',
      channel: 'sms',
      person: person.name,
      command: command.kind,
      ...('incident' in command ? { incident: command.incident } : {}),
    });
    if (command.kind === 'error') {
      const window = Math.floor(deps.now().getTime() / GARBAGE_WINDOW_MS);
      const key = deps.keys.smsGarbage(from!, window);
      const count = await deps.redis
        .multi()
        .incr(key)
        .pexpire(key, GARBAGE_WINDOW_MS * 2)
        .exec();
      if (Number(count?.[0]?.[1] ?? 0) > GARBAGE_LIMIT) return replyMessage(c, null);
      return replyMessage(c, command.message);
    }
    const text = await act(person, command, {
      from: from!,
      sid: formValue(params, 'MessageSid') ?? formValue(params, 'SmsSid'),
    });
    return replyMessage(c, text === '' ? null : text);
  };

  const gather = async (c: Context, params: Params): Promise<Response> => {
    const id = Number(c.req.param('incident'));
    const person = deps.config().people.get(c.req.query('person') ?? '');
    const digit = (formValue(params, 'Digits') ?? '').trim();
    noteRequest(c, {
      msg: 'answer received',
      channel: 'voice',
      person: person?.name ?? null,
      incident: Number.isInteger(id) ? id : null,
      digits: digit,
    });
    if (!person || !Number.isInteger(id)) return replySay(c, 'This call is not for a known person. Goodbye.');
    const actor = `person:${person.name}`;
    const now = deps.now();
    const bundle = c.req.query('bundle');
    if (bundle !== undefined) {
      // A bundled call: the key acts on every incident it carries (./bundle-call.ts).
      const answer = await answerBundleCall({ ...deps, pages }, bundle, person, digit, now);
      if ('say' in answer) return replySay(c, answer.say);
      return twimlResponse(c, redirectTwiml(answer.redirect));
    }
    if (digit === '*') {
      const again = `${deps.publicUrl().replace(/\/+$/, '')}/v1/twilio/voice/${id}?person=${encodeURIComponent(person.name)}`;
      return twimlResponse(c, redirectTwiml(again));
    }
    if (digit === '4' || digit === '6') {
      const r =
        digit === '4'
          ? await deps.ops.acknowledge(id, actor, person.name, now)
          : await deps.ops.resolve(id, actor, now);
      const action = digit === '4' ? 'acknowledge' : 'resolve';
      const said = r.ok ? doneSentence(action, r.incident, SPOKEN) : refusalSentence(id, r, SPOKEN);
      return replySay(c, `${said} Goodbye.`);
    }
    if (digit === '5') {
      const r = await deps.ops.escalate(id, actor, now);
      const said = r.ok ? doneSentence('escalate', r.incident, SPOKEN) : refusalSentence(id, r, SPOKEN);
      return replySay(c, `${said} Goodbye.`);
    }
    return replySay(
      c,
      'That key does nothing. Press 4 to acknowledge, 6 to resolve, 5 to escalate. Goodbye.',
    );
  };
}
