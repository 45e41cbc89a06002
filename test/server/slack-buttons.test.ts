/**
 * Slack's interactivity Request URL (`POST /v1/slack/interactivity`): the buttons of an incident
 * message act as the Slack user's Hark person through the incident operations — Acknowledge stops
 * the SMS escalation — and say what they did only to the presser; an unknown Slack user, or an
 * incident already resolved, changes nothing. Every request is Slack-signed: a forged, old,
 * unsigned or replayed one is 401 and changes nothing; without `slack:` the URL is 404.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stepJobId } from '../../src/escalation/engine.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.js';
import type { TestHark } from '../support/harness.js';
import {
  changedKeys,
  dmMessage,
  openIncident,
  PHONE,
  postMessage,
  settledSnapshot,
  SLACK_USER,
  slackConfig,
  slackWorkspace,
  startSlackHark,
  STRANGER,
  until,
} from './slack-support.js';

let twilio: FakeTwilio;
let slack: FakeSlack;
let hark: TestHark;
let channel: string;
let url: string;

beforeAll(async () => {
  twilio = await startFakeTwilio();
  slack = await startFakeSlack();
});
afterEach(async () => {
  await hark?.close();
  twilio.reset();
  slack.reset();
});
afterAll(async () => {
  await twilio.close();
  await slack.close();
  cleanupTmpConfigs();
});

async function start(escalateAfter?: string): Promise<void> {
  hark = await startSlackHark(slackConfig({ escalateAfter }), twilio, slack);
  ({ channel } = slackWorkspace(slack));
  url = `${hark.url}/v1/slack/interactivity`;
}

const smsTo = (number: string, id: number) =>
  twilio.messages.filter((m) => m.to === number && m.body.includes(`#${id}`));

/** The replay mark the request's signature leaves (the one key a taken request writes by itself). */
const replayMark = (signature: string) => hark.keys.slackRequest(signature.slice(3));

describe('buttons', () => {
  it('Acknowledge acknowledges as the Slack user’s person and stops the SMS escalation', async () => {
    await start('3s');
    const incident = await openIncident(hark, 'Checkout p99 > 2s');
    // A second incident, not acknowledged: its second step's SMS to bob says when ours was due.
    const control = await openIncident(hark, 'Control');
    await twilio.waitFor(
      (r) => r.kind === 'message' && r.to === PHONE.alice && r.body.includes(`#${incident.id}`),
    );
    const message = await postMessage(hark, slack, channel, incident);

    const t0 = Date.now();
    const d = await slack.pressButton(url, { user: SLACK_USER.alice, message, actionId: 'hark_ack' });
    expect(d.status).toBe(200);
    expect(d.body).toBe('');
    expect(Date.now() - t0).toBeLessThan(3000);
    // Done before the answer: the incident is acknowledged by alice, its next step is gone.
    const acked = (await hark.store.get(incident.id))!;
    expect(acked.state).toBe('acknowledged');
    expect(acked.acknowledgedBy).toBe('person:alice');
    const timeline = acked.timeline!.map((e) => `${e.type} ${e.actor ?? ''}`);
    expect(timeline).toContain('incident.acknowledged person:alice');
    const queue = hark.escalation!.escalations.queue;
    expect(
      await queue.getJob(stepJobId({ incident: incident.id, cycle: 0, loop: 0, step: 1 })),
    ).toBeUndefined();
    // Only alice is told, with the outcome's words.
    const told = await slack.waitForCall('chat.postEphemeral');
    expect(told.args).toMatchObject({ channel, user: SLACK_USER.alice });
    expect(told.args.text).toBe(`Acknowledged #${incident.id} web: Checkout p99 &gt; 2s`);

    // The control incident's second step pages bob; ours never does.
    await twilio.waitFor(
      (r) => r.kind === 'message' && r.to === PHONE.bob && r.body.includes(`#${control.id}`),
    );
    expect(smsTo(PHONE.bob, incident.id)).toEqual([]);
    expect(smsTo(PHONE.alice, incident.id)).toHaveLength(1);
  });

  it('Resolve and Escalate now act too, from a DM message as from a channel', async () => {
    await start();
    const one = await openIncident(hark, 'First');
    const dm = await dmMessage(hark, slack, SLACK_USER.bob, one);
    const r = await slack.pressButton(url, { user: SLACK_USER.bob, message: dm, actionId: 'hark_resolve' });
    expect(r.status).toBe(200);
    const resolved = (await hark.store.get(one.id, false))!;
    expect(resolved.state).toBe('resolved');
    expect(resolved.resolvedBy).toBe('person:bob');
    const inDm = await slack.waitForCall('chat.postEphemeral');
    expect(inDm.args).toMatchObject({
      channel: dm.channel,
      user: SLACK_USER.bob,
      text: `Resolved #${one.id} web: First`,
    });

    const two = await openIncident(hark, 'Second');
    await twilio.waitFor(
      (m) => m.kind === 'message' && m.to === PHONE.alice && m.body.includes(`#${two.id}`),
    );
    const message = await postMessage(hark, slack, channel, two);
    const e = await slack.pressButton(url, { user: SLACK_USER.alice, message, actionId: 'hark_escalate' });
    expect(e.status).toBe(200);
    // The next step (bob) fires now instead of in an hour.
    await twilio.waitFor((m) => m.kind === 'message' && m.to === PHONE.bob && m.body.includes(`#${two.id}`));
    const escalated = (await hark.store.get(two.id))!;
    expect(escalated.timeline!.map((x) => `${x.type} ${x.actor ?? ''}`)).toContain(
      'incident.escalated person:alice',
    );
    await until(() => slack.okCallsTo('chat.postEphemeral').length === 2, 'the second ephemeral answer');
    expect(slack.okCallsTo('chat.postEphemeral')[1]!.args.text).toBe(`Escalated #${two.id} web: Second`);
  });

  it('refuses an unknown Slack user ephemerally and changes nothing', async () => {
    await start();
    const incident = await openIncident(hark, 'Nobody may touch');
    const message = await postMessage(hark, slack, channel, incident);
    const before = await settledSnapshot(hark);
    const d = await slack.pressButton(url, { user: STRANGER, message, actionId: 'hark_resolve' });
    expect(d.status).toBe(200);
    const told = await slack.waitForCall('chat.postEphemeral');
    expect(told.args).toMatchObject({ channel, user: STRANGER });
    expect(told.args.text).toBe(
      `Nothing was done: your Slack account (${STRANGER}) is not linked to a Hark person. Ask whoever runs Hark to add \`slack: ${STRANGER}\` to your entry under people: in hark.yaml.`,
    );
    // Only the replay mark of the request itself was written.
    expect(changedKeys(before, await hark.snapshot())).toEqual([replayMark(d.signature)]);
    expect((await hark.store.get(incident.id, false))!.state).toBe('triggered');
  });

  it('refuses what the incident’s state refuses ("already resolved by bob"), changing nothing', async () => {
    await start();
    const incident = await openIncident(hark, 'Over already');
    const message = await postMessage(hark, slack, channel, incident);
    await hark.ops.resolve(incident.id, 'person:bob', new Date());
    const before = await settledSnapshot(hark);
    const d = await slack.pressButton(url, { user: SLACK_USER.alice, message, actionId: 'hark_ack' });
    expect(d.status).toBe(200);
    const told = await slack.waitForCall('chat.postEphemeral');
    expect(told.args).toMatchObject({
      user: SLACK_USER.alice,
      text: `#${incident.id} is already resolved by bob.`,
    });
    expect(changedKeys(before, await hark.snapshot())).toEqual([replayMark(d.signature)]);
  });

  it('answers through the response_url when the presser cannot get an ephemeral message in the channel', async () => {
    await start();
    const incident = await openIncident(hark, 'Seen from outside');
    const message = await postMessage(hark, slack, channel, incident);
    // carol is a Hark person but not a member of #web-alerts (a public channel she is viewing).
    const d = await slack.pressButton(url, { user: SLACK_USER.carol, message, actionId: 'hark_ack' });
    expect(d.status).toBe(200);
    expect((await hark.store.get(incident.id, false))!.acknowledgedBy).toBe('person:carol');
    await until(() => slack.responses.length === 1, 'the response_url answer');
    expect(slack.callsTo('chat.postEphemeral').map((c) => c.outcome)).toEqual(['user_not_in_channel']);
    expect(slack.responses[0]!.path).toMatch(/^\/actions\//);
    expect(slack.responses[0]!.body).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: `Acknowledged #${incident.id} web: Seen from outside`,
    });
  });

  it('refuses a payload it cannot read with 400 naming the field, and ignores other interactions', async () => {
    await start();
    const incident = await openIncident(hark, 'Bad payloads');
    const before = await settledSnapshot(hark);
    const send = (payload: unknown) =>
      slack.sendSigned(
        url,
        new URLSearchParams({
          payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
        }).toString(),
      );
    const bodyOf = (d: { body: string }) => JSON.parse(d.body) as { error: { code: string; field: string } };
    const press = (value: unknown) => ({
      type: 'block_actions',
      user: { id: SLACK_USER.alice },
      actions: [{ action_id: 'hark_ack', type: 'button', value }],
    });

    const notJson = await send('{"type": "block_actions"');
    expect(notJson.status).toBe(400);
    expect(bodyOf(notJson).error).toMatchObject({ code: 'invalid_body', field: 'payload' });
    const badValue = await send(press('forty-two'));
    expect(badValue.status).toBe(400);
    expect(bodyOf(badValue).error.field).toBe('actions[0].value');
    const noUser = await send({ ...press(String(incident.id)), user: { id: 'alice' } });
    expect(noUser.status).toBe(400);
    expect(bodyOf(noUser).error.field).toBe('user.id');
    const noForm = await slack.sendSigned(url, 'nothing=here');
    expect(noForm.status).toBe(400);
    expect(bodyOf(noForm).error.field).toBe('payload');
    const other = await send({ type: 'view_submission', user: { id: SLACK_USER.alice } });
    expect(other.status).toBe(200);
    const foreign = await send({
      ...press(String(incident.id)),
      actions: [{ action_id: 'theirs', type: 'button' }],
    });
    expect(foreign.status).toBe(200);

    const marks = [notJson, badValue, noUser, noForm, other, foreign]
      .map((d) => replayMark(d.signature))
      .sort();
    expect(changedKeys(before, await hark.snapshot())).toEqual(marks);
    expect((await hark.store.get(incident.id, false))!.state).toBe('triggered');
    expect(slack.callsTo('chat.postEphemeral')).toEqual([]);
  });
});

describe('signatures', () => {
  it('a forged, old, future, unsigned or malformed request is 401 and changes nothing', async () => {
    await start();
    const incident = await openIncident(hark, 'Guarded');
    const message = await postMessage(hark, slack, channel, incident);
    const press = { user: SLACK_USER.alice, message, actionId: 'hark_ack' };
    const before = await settledSnapshot(hark);
    const now = Math.floor(Date.now() / 1000);
    for (const sign of [
      { secret: 'not-the-signing-secret' },
      { timestamp: now - 305 },
      { timestamp: now + 305 },
      { unsigned: true },
      { signature: 'v0=abc' },
      { signature: `v1=${'0'.repeat(64)}` },
    ]) {
      const d = await slack.pressButton(url, press, sign);
      expect(d.status, JSON.stringify(sign)).toBe(401);
      expect((JSON.parse(d.body) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
    // A body changed after signing (the incident number) is as forged.
    const good = await slack.pressButton(`${hark.url}/v1/slack/nowhere`, press);
    expect(good.status).toBe(404);
    const payload = JSON.parse(new URLSearchParams(good.rawBody).get('payload')!) as {
      actions: { value: string }[];
    };
    payload.actions[0]!.value = String(incident.id + 1000);
    const tampered = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const t = await slack.sendSigned(url, tampered, {
      timestamp: Number(good.timestamp),
      signature: good.signature,
    });
    expect(t.status).toBe(401);

    expect(await hark.snapshot()).toEqual(before);
    expect(slack.callsTo('chat.postEphemeral')).toEqual([]);
    expect((await hark.store.get(incident.id, false))!.state).toBe('triggered');
  });

  it('an exact replay of a request taken before is 401 and acts on nothing', async () => {
    await start();
    const incident = await openIncident(hark, 'Replayed');
    const message = await postMessage(hark, slack, channel, incident);
    const first = await slack.pressButton(url, { user: SLACK_USER.alice, message, actionId: 'hark_ack' });
    expect(first.status).toBe(200);
    await slack.waitForCall('chat.postEphemeral');
    // Un-acknowledged since: a replay that acted would acknowledge it again.
    await hark.ops.unacknowledge(incident.id, 'person:bob', new Date());
    const before = await settledSnapshot(hark);
    const replay = await slack.sendSigned(url, first.rawBody, {
      timestamp: Number(first.timestamp),
      signature: first.signature,
    });
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.body)).toMatchObject({
      error: { code: 'unauthorized', message: expect.stringMatching(/replay/) },
    });
    expect(await hark.snapshot()).toEqual(before);
    expect((await hark.store.get(incident.id, false))!.state).toBe('triggered');
    // The mark lasts as long as the timestamp is accepted (10 minutes) and a little more.
    const ttl = await hark.redis.pttl(replayMark(first.signature));
    expect(ttl).toBeGreaterThan(600_000);
    expect(ttl).toBeLessThanOrEqual(660_000);
  });

  it('is 404 when hark.yaml has no slack: section, whatever the request', async () => {
    hark = await startSlackHark(slackConfig({ slack: false }), twilio, slack);
    const before = await settledSnapshot(hark);
    for (const path of ['/v1/slack/interactivity', '/v1/slack/commands']) {
      const d = await slack.sendSigned(`${hark.url}${path}`, 'payload=%7B%7D');
      expect(d.status, path).toBe(404);
      expect((JSON.parse(d.body) as { error: { code: string } }).error.code).toBe('not_found');
    }
    expect(await hark.snapshot()).toEqual(before);
  });
});
