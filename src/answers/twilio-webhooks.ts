/**
 * Twilio webhooks (SPEC sections 4 and 5): delivery status callbacks and the TwiML a page call plays.
 *
 * Every request must carry a valid `X-Twilio-Signature` for the URL Twilio was given — the PUBLIC
 * URL (`publicUrl()` + the path and query as received), not the one this process listens on — and
 * every posted form parameter. A missing or wrong signature, or Twilio not being configured at all,
 * answers 403 and changes nothing.
 *
 * `POST /v1/twilio/status`: finds the page by its SID (src/pages/store.ts), records the provider's
 * status on the page record, and puts the page's outcome on the incident timeline once:
 * `page.delivered` (SMS delivered or read; a call answered by a person) or `page.failed` (SMS failed,
 * undelivered or canceled; a call busy, not answered, failed, canceled, or answered by a machine or a
 * fax). A failed page moves the person on to their next notify rule at once (the escalation port's `movePersonOn`). Twilio may
 * repeat a callback or send them out of order: a repeat changes nothing, an older status never
 * overwrites a newer one, and the outcome is decided once — atomically, in one Lua script, so two
 * Hark instances receiving the same callback write one timeline event. A bundle (one SMS for the
 * pages a rate limit held) maps its SID to all of its pages, and a report applies to each. A SID
 * not recorded yet is waited for a moment (Twilio can call back before the send is recorded); a SID
 * still unknown then is answered 200 and ignored.
 *
 * `GET|POST /v1/twilio/voice/:incident?person=<name>`: the page call's TwiML (voiceTwiml), whose
 * `<Gather>` posts the key to `/v1/twilio/voice/:incident/gather?person=<name>`. A call answered by
 * a machine (or a fax) is hung up at once and, as Twilio reports AnsweredBy on this request for
 * certain, the page is marked failed and the person moved on right here (the status callbacks that
 * follow repeat it harmlessly). With `&bundle=<id>` the call is a bundle of held pages: its TwiML
 * names every incident of the bundle and its gather acts on all of them (./bundle-call.ts).
 */
import type { Context } from 'hono';
import type { Redis } from 'ioredis';
import type { Config } from '../config/types.js';
import type { TimelineEvent } from '../events/schema.js';
import type { EscalationPort } from '../escalation/port.js';
import { bundleCallTwiml } from './bundle-call.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import { voiceTwiml } from '../pages/format.js';
import { emptyTwiml, hangUpTwiml, sayTwiml } from '../pages/twiml.js';
import type { PageStore } from '../pages/store.js';
import { validTwilioSignature } from '../pages/twilio.js';
import type { Keys } from '../redis/keys.js';
import { noteRequest } from '../server/request-log.js';
import type { Api } from '../server/api/route.js';
import {
  form,
  twilioStatusForm,
  twilioVoiceForm,
  twiml as twimlDoc,
  voiceParams,
  voiceQuery,
} from './twilio-forms.js';

export interface TwilioRoutesDeps {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly store: IncidentStore;
  readonly config: () => Config;
  /** The escalation, for moving a person on after a failed page; null: failed pages only logged. */
  readonly escalations: EscalationPort | null;
  /** The page records the callbacks apply to. */
  readonly pages: PageStore;
  /** TWILIO_AUTH_TOKEN; null or empty: Twilio is not configured and every webhook answers 403. */
  readonly twilioAuthToken: string | null;
  /** The external base URL Twilio was given (HARK_PUBLIC_URL / settings.public_url). */
  readonly publicUrl: () => string;
  readonly log: Logger;
  readonly now: () => Date;
}

/**
 * Twilio can report on a message before the request that sent it has returned and Hark has
 * recorded its SID; such a callback waits this long for the record before it is ignored.
 */
const EARLY_CALLBACK_WAIT_MS = 2000;

export type Params = Record<string, string | string[]>;

/** A TwiML document (./../pages/twiml.ts) as Twilio's answer. */
export function twimlResponse(c: Context, body: string): Response {
  return c.body(body, 200, { 'Content-Type': 'text/xml; charset=utf-8' });
}

// ------------------------------------------------------------------------------------------------
// Statuses

export type DeliveryOutcome = 'delivered' | 'failed';

/** Twilio's message statuses, ranked by how far along they are (a lower rank never overwrites a higher). */
const SMS_RANK: Readonly<Record<string, number>> = {
  accepted: 1,
  scheduled: 1,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  canceled: 4,
  partially_delivered: 4,
  read: 5,
};

/** Twilio's call statuses, ranked the same way. */
const CALL_RANK: Readonly<Record<string, number>> = {
  queued: 1,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
};

/** `AnsweredBy` from answering machine detection: a machine (or a fax) is not an answer. */
export function answeredByMachine(answeredBy: string | null): boolean {
  return answeredBy !== null && (answeredBy.startsWith('machine_') || answeredBy === 'fax');
}

export interface StatusReading {
  readonly status: string;
  readonly rank: number;
  readonly outcome: DeliveryOutcome | null;
  /** Why a failed page failed, for the timeline. */
  readonly reason: string | null;
}

/** What a callback's status means for a page of `channel`; null when it is not one Twilio sends. */
export function readStatus(
  channel: string,
  status: string,
  answeredBy: string | null,
  errorCode: string | null,
): StatusReading | null {
  const error = errorCode ? ` (Twilio error ${errorCode})` : '';
  if (channel === 'sms') {
    const rank = SMS_RANK[status];
    if (rank === undefined) return null;
    if (status === 'delivered' || status === 'read')
      return { status, rank, outcome: 'delivered', reason: null };
    if (status === 'failed' || status === 'undelivered' || status === 'canceled') {
      return { status, rank, outcome: 'failed', reason: `the SMS was ${status}${error}` };
    }
    return { status, rank, outcome: null, reason: null };
  }
  if (channel === 'voice') {
    const rank = CALL_RANK[status];
    if (rank === undefined) return null;
    if (answeredByMachine(answeredBy)) {
      return {
        status,
        rank,
        outcome: 'failed',
        reason: `the call was answered by ${answeredBy === 'fax' ? 'a fax' : 'a machine'} (${answeredBy})`,
      };
    }
    switch (status) {
      case 'busy':
        return { status, rank, outcome: 'failed', reason: `the line was busy${error}` };
      case 'no-answer':
        return { status, rank, outcome: 'failed', reason: `nobody answered${error}` };
      case 'failed':
        return { status, rank, outcome: 'failed', reason: `the call failed${error}` };
      case 'canceled':
        return { status, rank, outcome: 'failed', reason: `the call was canceled${error}` };
      case 'completed':
        return { status, rank, outcome: 'delivered', reason: null };
      case 'in-progress':
        // Answered; by a person only when detection says so (else wait for `completed`).
        return { status, rank, outcome: answeredBy === 'human' ? 'delivered' : null, reason: null };
      default:
        return { status, rank, outcome: null, reason: null };
    }
  }
  return null;
}

// ------------------------------------------------------------------------------------------------
// Requests

/** The posted form parameters (a repeated name gives an array); {} for anything but a form. */
async function formParams(c: Context): Promise<Params> {
  if (c.req.method !== 'POST') return {};
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) return {};
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(await c.req.text())) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function one(params: Params, name: string): string | null {
  const v = params[name];
  if (v === undefined) return null;
  return typeof v === 'string' ? v : (v[0] ?? null);
}

/**
 * Checks a Twilio webhook: resolves with its form parameters when the `X-Twilio-Signature` is
 * Twilio's for the public URL of the request (path and query as received), else null.
 */
export function twilioVerifier(deps: {
  readonly twilioAuthToken: string | null;
  readonly publicUrl: () => string;
}): (c: Context) => Promise<Params | null> {
  return async (c) => {
    const token = deps.twilioAuthToken;
    const params = await formParams(c);
    if (!token) return null;
    const received = new URL(c.req.url);
    const url = `${deps.publicUrl().replace(/\/+$/, '')}${received.pathname}${received.search}`;
    return validTwilioSignature(token, c.req.header('x-twilio-signature'), url, params) ? params : null;
  };
}

/**
 * The 403 for a webhook whose `X-Twilio-Signature` is missing or wrong (or Twilio is not
 * configured), noted on the request's log line as `twilio signature rejected`.
 */
export function refuseUnsigned(
  c: Context,
  deps: { readonly twilioAuthToken: string | null },
  webhook: string,
): Response {
  noteRequest(c, {
    msg: 'twilio signature rejected',
    level: 'warn',
    webhook,
    signature: c.req.header('x-twilio-signature') === undefined ? 'missing' : 'invalid',
    // Without TWILIO_AUTH_TOKEN no signature can be checked: every webhook is refused.
    twilioConfigured: Boolean(deps.twilioAuthToken),
  });
  return c.text('invalid or missing X-Twilio-Signature', 403);
}

/** A form parameter's first value. */
export function formValue(params: Params, name: string): string | null {
  return one(params, name);
}

/** Twilio's status callbacks and page calls, on an Api that checks Twilio's signature first. */
export function twilioRoutes(api: Api<Params>, deps: TwilioRoutesDeps): void {
  const { log } = deps;
  const pageStore = deps.pages;

  /**
   * Applies what Twilio reported about the message or call `sid` (a status callback, or the TwiML
   * request of a call a machine answered) to its page: status, timeline, move-on.
   */
  const report = async (
    sid: string | null,
    statusOf: (channel: string) => string | null,
    answeredByParam: string | null,
    errorCode: string | null,
  ): Promise<void> => {
    const pages = sid ? await pagesOf(sid) : null;
    if (!sid || !pages) {
      log.info({ sid }, 'Twilio reported on an unknown message or call: ignored');
      return;
    }
    // A bundle is one message for several pages: the report applies to each.
    for (const pageKey of pages) await reportPage(sid, pageKey, statusOf, answeredByParam, errorCode);
  };

  /**
   * The page keys of a provider message. Twilio may call back before Hark has recorded the SID it
   * got from the same request (a fast failure): then wait a little for the record.
   */
  const pagesOf = async (sid: string): Promise<string[] | null> => {
    const deadline = Date.now() + EARLY_CALLBACK_WAIT_MS;
    for (;;) {
      const pages = await pageStore.pagesOfProvider(sid);
      if (pages || Date.now() >= deadline) return pages;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const reportPage = async (
    sid: string,
    pageKey: string,
    statusOf: (channel: string) => string | null,
    answeredByParam: string | null,
    errorCode: string | null,
  ): Promise<void> => {
    const page = await pageStore.record(pageKey);
    if (!page) {
      log.warn({ sid, page: pageKey }, 'Twilio reported on a page without its record: ignored');
      return;
    }
    const { channel, person, incident } = page;
    const status = statusOf(channel);
    const answeredBy = channel === 'voice' ? answeredByParam : null;
    const reading = status ? readStatus(channel, status, answeredBy, errorCode) : null;
    if (!reading) {
      log.warn({ sid, page: pageKey, channel, status }, 'Twilio reported an unknown status: ignored');
      return;
    }
    const at = deps.now().toISOString();
    // On the timeline only when this report decides the page's outcome.
    const event: TimelineEvent | null = reading.outcome && {
      at,
      type: `page.${reading.outcome}`,
      actor: 'hark',
      person,
      channel,
      via: 'twilio',
      providerId: sid,
      status: reading.status,
      ...(errorCode ? { errorCode } : {}),
      ...(answeredBy ? { answeredBy } : {}),
      ...(reading.reason ? { error: reading.reason } : {}),
      page: pageKey,
    };
    const { what, outcome } = await pageStore.applyReport(
      page,
      {
        status: reading.status,
        rank: reading.rank,
        outcome: reading.outcome,
        answeredBy,
        errorCode,
        at,
      },
      event,
    );
    const logged = { sid, incident, person, channel, page: pageKey, status: reading.status, answeredBy };
    if (what === 'decided' && outcome === 'failed')
      log.warn({ ...logged, error: reading.reason }, 'page failed');
    else if (what === 'decided') log.info(logged, 'page delivered');
    else log.debug({ ...logged, what, outcome }, 'Twilio page status');
    // A failure moves the person on. Also on a repeated failure: moving on only promotes a still-delayed
    // next rule, so a repeat is harmless, and a crash after the script is made good by the next such report.
    if (reading.outcome !== 'failed' || outcome !== 'failed') return;
    if (!deps.escalations) {
      log.warn({ page: pageKey }, 'a page failed but this process has no escalation queue to move on with');
      return;
    }
    if (await deps.escalations.movePersonOn(page)) {
      log.info({ page: pageKey, person }, 'page not delivered: the next notify rule fires now');
    }
  };

  api.route({
    method: 'post',
    path: '/twilio/status',
    operationId: 'twilioStatus',
    summary: 'Delivery status callback',
    description:
      'Hark sets it on every SMS and call it sends. A failed SMS or unanswered call moves the ' +
      'person on to their next notify rule. Unknown SIDs are answered 200 and ignored.',
    requestBody: form(twilioStatusForm),
    responses: { 200: twimlDoc('An empty `<Response>`.'), 413: 'TwilioTooLarge' },
    handler: (c, { auth: params }) => status(c, params),
  });

  const status = async (c: Context, params: Params): Promise<Response> => {
    await report(
      one(params, 'MessageSid') ?? one(params, 'SmsSid') ?? one(params, 'CallSid'),
      (channel) =>
        channel === 'sms'
          ? (one(params, 'MessageStatus') ?? one(params, 'SmsStatus'))
          : channel === 'voice'
            ? one(params, 'CallStatus')
            : null,
      one(params, 'AnsweredBy'),
      one(params, 'ErrorCode') || null,
    );
    return twimlResponse(c, emptyTwiml());
  };

  const voice = async (c: Context, params: Params): Promise<Response> => {
    // Twilio sends its parameters in the query for a GET and in the form for a POST.
    const field = (name: string): string | null => one(params, name) ?? c.req.query(name) ?? null;
    const answeredBy = field('AnsweredBy');
    if (answeredByMachine(answeredBy)) {
      // Synchronous detection reports AnsweredBy here for certain (status callbacks may not carry it):
      // the page is not delivered and the person moves on now; the callbacks that follow repeat it.
      await report(
        field('CallSid'),
        (channel) => (channel === 'voice' ? (field('CallStatus') ?? 'in-progress') : null),
        answeredBy,
        null,
      );
      return twimlResponse(c, hangUpTwiml());
    }
    const bundle = c.req.query('bundle');
    if (bundle !== undefined) {
      // A bundled call (src/answers/bundle-call.ts): every incident the call limit held back.
      const xml = await bundleCallTwiml(deps, bundle, c.req.query('person'));
      return twimlResponse(c, xml ?? sayTwiml('This is Hark. This call has expired. Goodbye.'));
    }
    const raw = c.req.param('incident') ?? '';
    const id = /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null;
    const incident = id === null ? null : await deps.store.get(id, false);
    if (!incident) {
      const which = id === null ? 'such incident' : `incident ${raw.split('').join(' ')}`;
      return twimlResponse(c, sayTwiml(`This is Hark. There is no ${which}. Goodbye.`));
    }
    const person = c.req.query('person');
    const base = deps.publicUrl().replace(/\/+$/, '');
    const gather =
      `${base}/v1/twilio/voice/${incident.id}/gather` +
      (person !== undefined ? `?person=${encodeURIComponent(person)}` : '');
    return twimlResponse(c, voiceTwiml(incident, gather));
  };
  const call = twimlDoc('What the call says, with a `<Gather>` of one key; a hang-up for a machine.');
  api
    .route({
      method: 'get',
      path: '/twilio/voice/:incident',
      operationId: 'twilioVoiceGet',
      summary: 'TwiML for a page call',
      description: 'Twilio sends its parameters in the query for a GET.',
      params: voiceParams,
      query: voiceQuery.extend(twilioVoiceForm.shape),
      responses: { 200: call },
      handler: (c, { auth: params }) => voice(c, params),
    })
    .route({
      method: 'post',
      path: '/twilio/voice/:incident',
      operationId: 'twilioVoice',
      summary: 'TwiML for a page call',
      description: 'The URL Hark gives Twilio for each page call.',
      params: voiceParams,
      query: voiceQuery,
      requestBody: form(twilioVoiceForm),
      responses: { 200: call, 413: 'TwilioTooLarge' },
      handler: (c, { auth: params }) => voice(c, params),
    });
}
