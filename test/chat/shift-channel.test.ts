/**
 * Shift-change notices in a schedule's Slack channel (`slack.shift_notices`): every change of a
 * role's holder is posted there once, beside the SMS notices to the people — a second job for the
 * same change posts nothing, and a post Slack refused for a while (rate limit) goes out once it
 * takes it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ShiftChannelJob } from '../../src/escalation/engine.js';
import { channelNoticeText } from '../../src/escalation/jobs/shift-channel.js';
import { loadConfig } from '../../src/config/load.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { ScheduleRegistry } from '../../src/schedules/registry.js';
import { humanTime } from '../../src/time/format.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startFakeSlack, type FakeSlack, type RecordedSlackCall } from '../support/fake-slack.js';
import { fakeTwilioTransports, startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.js';
import { shiftNoticesSettled, startTestHark, type TestHark } from '../support/harness.js';

const ALICE = '+15555550701';
const CAROL = '+15555550703';
let twilio: FakeTwilio;
let slack: FakeSlack;
let hark: TestHark | null = null;

beforeAll(async () => {
  twilio = await startFakeTwilio();
  slack = await startFakeSlack();
});
afterEach(async () => {
  await hark?.close();
  hark = null;
  twilio.reset();
  slack.reset();
});
afterAll(async () => {
  await twilio.close();
  await slack.close();
  cleanupTmpConfigs();
});

function config(): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      `  alice: {sms: "${ALICE}", slack: U0ALICE01, notify: {high: [{sms: 0s}]}}`,
      `  carol: {sms: "${CAROL}", notify: {high: [{sms: 0s}]}}`,
      'services:',
      '  - {name: web, escalation_policy: main}',
      'settings:',
      '  page_limits: {sms: [], voice: []}',
      'slack:',
      '  bot_token: "${SLACK_BOT_TOKEN}"',
      '  signing_secret: "${SLACK_SIGNING_SECRET}"',
      '  incident_channels: false',
      '  shift_notices:',
      '    platform: platform-oncall',
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{schedule: platform}]'),
    'schedules/platform.yaml': lines(
      'timezone: America/New_York',
      'rotations:',
      '  - {name: day, role: primary, members: [alice], start: 2020-01-06T00:00}',
    ),
  });
}

async function start(): Promise<TestHark> {
  hark = await startTestHark(config(), {
    env: { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret },
    slackApiUrl: slack.url,
    // Planned when an override changes (within a second), not every 300 ms: shiftNoticesSettled.
    shiftPlanEveryMs: 5 * 60_000,
    escalation: {
      transports: fakeTwilioTransports(twilio, undefined, '+15555550700'),
      formats: createPageFormats('unused-here'),
    },
  });
  return hark;
}

/** The posts that went to the channel (Hark names it as the config does). */
const posts = (channel: string): RecordedSlackCall[] =>
  slack.okCallsTo('chat.postMessage').filter((c) => c.args.channel === slack.channels.get(channel)?.name);

describe('shift notices in a channel', () => {
  it('posts each change of holder once, and retries a post Slack refused for a while', async () => {
    const h = await start();
    const channel = slack.addChannel('platform-oncall').id;
    // carol takes platform for an hour (a runtime override, as the API, SMS or /hark take make).
    const now = Date.now();
    const o = await h.parts.overrides.create({
      schedule: 'platform',
      person: 'carol',
      from: now,
      to: now + 3_600_000,
      createdBy: 'person:carol',
      reason: 'test',
    });
    const post = await slack.waitForCall('chat.postMessage', (c) => c.outcome === 'ok', 10_000);
    expect(post.args.channel).toBe('platform-oncall');
    expect(post.args.text).toBe(
      `carol is now primary on platform until ${humanTime(o.to, 'America/New_York')} (after alice).`,
    );
    expect(post.args.text).toMatch(/ E[SD]T \(after alice\)\.$/);
    // The people are told by SMS as before.
    await twilio.waitFor(
      (m) => m.kind === 'message' && m.to === CAROL && m.body.startsWith('You are now primary'),
    );
    await shiftNoticesSettled(h);
    expect(posts(channel)).toHaveLength(1);

    // A second job for the same change (a re-added job, a retry after success) posts nothing.
    const queue = h.escalation!.escalations.queue;
    const done = (await queue.getJobs(['completed'], 0, -1)).filter(
      (j) => (j.data as { kind: string }).kind === 'shift-channel',
    );
    expect(done).toHaveLength(1);
    const data = done[0]!.data as ShiftChannelJob;
    expect(data).toMatchObject({ schedule: 'platform', role: 'primary', from: 'alice', to: 'carol' });
    const again = await queue.add('shift-channel', data);
    await shiftNoticesSettled(h);
    expect(await again.getState()).toBe('completed');
    expect(posts(channel)).toHaveLength(1);

    // carol's override is removed: alice is back. Slack rate-limits the first post; it goes later.
    slack.failNext(1, { ratelimited: 0 }, 'chat.postMessage');
    await h.parts.overrides.remove(o.id);
    const back = await slack.waitForCall(
      'chat.postMessage',
      (c) => c.outcome === 'ok' && c.args.text !== post.args.text,
      15_000,
    );
    expect(back.args.text).toBe('alice is now primary on platform (after carol).');
    await shiftNoticesSettled(h);
    expect(slack.callsTo('chat.postMessage').map((c) => c.outcome)).toEqual(['ok', 'ratelimited', 'ok']);
    expect(posts(channel)).toHaveLength(2);
  });

  it('says when nobody holds the role now', () => {
    const env = { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret };
    const { config: loaded } = loadConfig(config(), { env });
    const change = {
      schedule: 'platform',
      role: 'primary',
      at: Date.parse('2026-03-08T07:30:00Z'),
      from: 'carol',
      to: null,
    };
    expect(channelNoticeText(change, loaded, new ScheduleRegistry(loaded))).toBe(
      "Nobody is primary on platform now (carol's shift has ended).",
    );
  });
});
