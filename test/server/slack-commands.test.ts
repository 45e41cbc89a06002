/**
 * The `/hark` slash command (`POST /v1/slack/commands`): each command's happy path and a refusal,
 * acting as the Slack user's Hark person through the incident operations and the runtime override
 * store (the same as SMS replies). Done incident actions are answered to the channel
 * (`in_channel`), everything else only to the sender (`ephemeral`); an unknown Slack user, a
 * forged signature or a replay changes nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DECLARE_REFUSAL, SLASH_HELP_TEXT } from '../../src/chat/commands.js';
import { slackPlainText } from '../../src/chat/slack/client.js';
import type { Incident } from '../../src/incidents/model.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { startFakeSlack, type FakeSlack, type SignOptions } from '../support/fake-slack.js';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.js';
import type { TestHark } from '../support/harness.js';
import {
  changedKeys,
  openIncident,
  PHONE,
  settledSnapshot,
  SLACK_USER,
  slackConfig,
  slackWorkspace,
  startSlackHark,
  STRANGER,
} from './slack-support.js';

let twilio: FakeTwilio;
let slack: FakeSlack;
let hark: TestHark;
let channel: string;

beforeAll(async () => {
  twilio = await startFakeTwilio();
  slack = await startFakeSlack();
  hark = await startSlackHark(slackConfig(), twilio, slack);
  ({ channel } = slackWorkspace(slack));
});
beforeEach(async () => {
  // Each test starts with the schedule as its files say it.
  for (const o of await hark.parts.overrides.list()) await hark.parts.overrides.remove(o.id);
});
afterAll(async () => {
  await hark.close();
  await twilio.close();
  await slack.close();
  cleanupTmpConfigs();
});

interface Answer {
  readonly status: number;
  readonly response_type: string;
  readonly text: string;
  readonly signature: string;
}

/** `/hark <text>` typed by `user` in #web-alerts: Hark's answer. */
async function hark_(user: string, text: string, sign?: SignOptions): Promise<Answer> {
  const d = await slack.sendSlashCommand(`${hark.url}/v1/slack/commands`, { user, text, channel }, sign);
  const body = d.status === 200 ? (JSON.parse(d.body) as { response_type: string; text: string }) : null;
  if (d.status === 200) expect(d.contentType).toMatch(/^application\/json/);
  return {
    status: d.status,
    response_type: body?.response_type ?? '',
    text: body?.text ?? d.body,
    signature: d.signature,
  };
}
const alice = (text: string) => hark_(SLACK_USER.alice, text);
const bob = (text: string) => hark_(SLACK_USER.bob, text);
const carol = (text: string) => hark_(SLACK_USER.carol, text);

const publicly = (text: string) => ({ status: 200, response_type: 'in_channel', text });
const privately = (text: string) => ({ status: 200, response_type: 'ephemeral', text });

/** An incident with its first page sent (so nothing more happens in the background). */
async function incident(summary: string): Promise<Incident> {
  const i = await openIncident(hark, summary);
  await twilio.waitFor((m) => m.kind === 'message' && m.to === PHONE.alice && m.body.includes(`#${i.id}`));
  return i;
}

const state = async (id: number) => (await hark.store.get(id, false))!;

describe('/hark on incidents', () => {
  it('ack: acknowledges as the sender, said to the channel; a missing incident is refused to the sender', async () => {
    const i = await incident('Checkout <p99> & more');
    expect(await alice(`ack ${i.id}`)).toMatchObject(
      publicly(`Acknowledged #${i.id} web: Checkout &lt;p99&gt; &amp; more`),
    );
    expect(await state(i.id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'person:alice' });
    // Again, in the SMS form: what the state refuses, with the same words.
    expect(await bob(`${i.id}a`)).toMatchObject(privately(`#${i.id} is already acknowledged by alice.`));
    expect(await alice('ack 99999')).toMatchObject(privately('There is no incident #99999.'));
  });

  it('resolve: resolves; resolving again says by whom', async () => {
    const i = await incident('To resolve');
    expect(await bob(`resolve #${i.id}`)).toMatchObject(publicly(`Resolved #${i.id} web: To resolve`));
    expect(await state(i.id)).toMatchObject({ state: 'resolved', resolvedBy: 'person:bob' });
    expect(await alice(`resolve ${i.id}`)).toMatchObject(privately(`#${i.id} is already resolved by bob.`));
  });

  it('esc: fires the next step now; an acknowledged incident does not escalate', async () => {
    const i = await incident('To escalate');
    expect(await alice(`esc ${i.id}`)).toMatchObject(publicly(`Escalated #${i.id} web: To escalate`));
    await twilio.waitFor((m) => m.kind === 'message' && m.to === PHONE.bob && m.body.includes(`#${i.id}`));
    await bob(`ack ${i.id}`);
    expect(await alice(`esc ${i.id}`)).toMatchObject(
      privately(`#${i.id} is acknowledged; only a triggered incident escalates.`),
    );
  });

  it('role: gives a person (by Slack mention) a role; an unlinked Slack user is refused', async () => {
    const i = await incident('Needs comms');
    expect(await alice(`role ${i.id} comms <@${SLACK_USER.bob}|bob>`)).toMatchObject(
      publicly(`Assigned a role on #${i.id} web: Needs comms (comms: bob)`),
    );
    expect((await state(i.id)).roles).toMatchObject({ comms: 'bob' });
    // bob is told by SMS, as for a role given in the API.
    await twilio.waitFor((m) => m.kind === 'message' && m.to === PHONE.bob && /comms/.test(m.body));
    const before = await settledSnapshot(hark);
    const refused = await alice(`role ${i.id} scribe <@${STRANGER}|stranger>`);
    expect(refused).toMatchObject(
      privately(
        `Not done: that Slack user (${STRANGER}) is not linked to a Hark person: name a person of hark.yaml instead.`,
      ),
    );
    const nobody = await alice(`role ${i.id} scribe nobody`);
    expect(nobody).toMatchObject(privately('Not done: there is no person "nobody" in hark.yaml.'));
    expect((await state(i.id)).roles).toEqual({ comms: 'bob' });
    // Only the two requests' replay marks were written.
    const marks = [refused, nobody].map((a) => hark.keys.slackRequest(a.signature.slice(3))).sort();
    expect(changedKeys(before, await hark.snapshot())).toEqual(marks);
  });

  it('note: adds the text as written to the timeline; a note for a missing incident is refused', async () => {
    const i = await incident('Noted');
    expect(
      await carol(
        `note ${i.id} Rolled back <https://deploy.example.com/42|deploy 42>, see <@${SLACK_USER.bob}|bob>`,
      ),
    ).toMatchObject(publicly(`Noted on #${i.id} web: Noted`));
    const notes = (await hark.store.get(i.id))!.timeline!.filter((e) => e.type === 'note.added');
    expect(notes).toMatchObject([
      { actor: 'person:carol', text: 'Rolled back https://deploy.example.com/42, see @bob' },
    ]);
    expect(await carol('note 99999 hello')).toMatchObject(privately('There is no incident #99999.'));
  });
});

describe('/hark on schedules', () => {
  it('oncall: lists the holders of a schedule, and of the sender’s schedules; an unknown schedule is refused', async () => {
    expect(await bob('oncall platform')).toMatchObject(privately('platform: primary alice, secondary bob'));
    expect(await alice('oncall')).toMatchObject(privately('platform: primary alice, secondary bob'));
    expect(await carol('who')).toMatchObject(privately('You are on none of the schedules.'));
    expect(await alice('oncall nope')).toMatchObject(
      privately('There is no schedule "nope". The schedules: platform.'),
    );
  });

  it('take: the sender takes the primary role (an override "taken by Slack"); an unknown schedule is refused', async () => {
    const a = await carol('take platform 2h');
    expect(a).toMatchObject({ status: 200, response_type: 'ephemeral' });
    expect(a.text).toMatch(/^You are primary on call for platform until .+ \(o\d+\)\.$/);
    const overrides = await hark.parts.overrides.list();
    expect(overrides).toMatchObject([
      { schedule: 'platform', role: 'primary', person: 'carol', reason: 'taken by Slack' },
    ]);
    expect(overrides[0]!.to - overrides[0]!.from).toBe(2 * 3_600_000);
    const now = await bob('oncall platform');
    expect(now.response_type).toBe('ephemeral');
    expect(now.text).toMatch(/^platform: primary carol until .+ UTC, secondary bob$/);

    const refused = await carol('take nowhere');
    expect(refused).toMatchObject({ status: 200, response_type: 'ephemeral' });
    expect(refused.text).toMatch(/^Not done: .*nowhere/);
    expect(await hark.parts.overrides.list()).toHaveLength(1);
  });

  it('handoff: the holder hands their role to a mentioned person; someone not on call is refused', async () => {
    const a = await alice(`handoff platform <@${SLACK_USER.carol}|carol> 4h`);
    expect(a.response_type).toBe('ephemeral');
    expect(a.text).toMatch(/^carol is now primary on call for platform until .+ \(o\d+\)\.$/);
    expect(await hark.parts.overrides.list()).toMatchObject([
      { role: 'primary', person: 'carol', createdBy: 'person:alice', reason: 'handed off by Slack' },
    ]);
    expect(await alice('handoff platform bob')).toMatchObject(
      privately('Not done: you are not on call on platform now.'),
    );
    expect(await hark.parts.overrides.list()).toHaveLength(1);
  });
});

describe('/hark otherwise', () => {
  it('help, an empty command, declare, and text it does not understand are answered to the sender', async () => {
    expect(await alice('help')).toMatchObject(privately(slackPlainText(SLASH_HELP_TEXT)));
    expect(await alice('')).toMatchObject(privately(slackPlainText(SLASH_HELP_TEXT)));
    // help needs no Hark person.
    expect(await hark_(STRANGER, 'help')).toMatchObject(privately(slackPlainText(SLASH_HELP_TEXT)));
    expect(await alice('declare web SEV-1 Checkout down')).toMatchObject(privately(DECLARE_REFUSAL));
    const garbled = await alice('aa');
    expect(garbled).toMatchObject({ status: 200, response_type: 'ephemeral' });
    expect(garbled.text).toMatch(/^Say which incident: `\/hark ack 42`/);
  });

  it('refuses an unknown Slack user and changes nothing', async () => {
    const i = await incident('Not yours');
    const before = await settledSnapshot(hark);
    const a = await hark_(STRANGER, `resolve ${i.id}`);
    expect(a).toMatchObject(
      privately(
        `Nothing was done: your Slack account (${STRANGER}) is not linked to a Hark person. Ask whoever runs Hark to add \`slack: ${STRANGER}\` to your entry under people: in hark.yaml.`,
      ),
    );
    expect(changedKeys(before, await hark.snapshot())).toEqual([
      hark.keys.slackRequest(a.signature.slice(3)),
    ]);
    expect((await state(i.id)).state).toBe('triggered');
  });

  it('a forged, stale or replayed command is 401 and changes nothing', async () => {
    const i = await incident('Guarded command');
    const before = await settledSnapshot(hark);
    const forged = await hark_(SLACK_USER.alice, `ack ${i.id}`, { secret: 'guessed' });
    expect(forged.status).toBe(401);
    const stale = await hark_(SLACK_USER.alice, `ack ${i.id}`, {
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(stale.status).toBe(401);
    expect(await hark.snapshot()).toEqual(before);
    expect((await state(i.id)).state).toBe('triggered');

    const first = slack.deliveries.length;
    const taken = await hark_(SLACK_USER.alice, `ack ${i.id}`);
    expect(taken.response_type).toBe('in_channel');
    await hark.ops.unacknowledge(i.id, 'person:bob', new Date());
    const d = slack.deliveries[first]!;
    const afterFirst = await settledSnapshot(hark);
    const replay = await slack.sendSigned(d.url, d.rawBody, {
      timestamp: Number(d.timestamp),
      signature: d.signature,
    });
    expect(replay.status).toBe(401);
    expect(await hark.snapshot()).toEqual(afterFirst);
    expect((await state(i.id)).state).toBe('triggered');
  });

  it('refuses a body that is not a slash command with 400 naming the field', async () => {
    const url = `${hark.url}/v1/slack/commands`;
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const base = {
      command: '/hark',
      text: 'help',
      user_id: SLACK_USER.alice,
      channel_id: channel,
      team_id: slack.teamId,
    };
    const noUser = await slack.sendSigned(url, form({ ...base, user_id: 'alice' }));
    expect(noUser.status).toBe(400);
    expect(JSON.parse(noUser.body)).toMatchObject({ error: { code: 'invalid_body', field: 'user_id' } });
    const noText: Record<string, string> = { ...base };
    delete noText.text;
    const missing = await slack.sendSigned(url, form(noText));
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 'invalid_body', field: 'text' } });
  });
});
