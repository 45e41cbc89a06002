/**
 * What the Slack request tests share: a config with three Slack-linked people, a service channel and
 * a two-step policy, a Hark with escalation (fake Twilio) and the fake Slack, and helpers to open an
 * incident and post its message (with the buttons) to Slack.
 */
import type { IncidentMessage, MessageRef } from '../../src/chat/provider.js';
import type { Incident } from '../../src/incidents/model.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { lines, tmpConfig } from '../config/tmpconfig.js';
import type { FakeSlack, FakeSlackMessage } from '../support/fake-slack.js';
import { fakeTwilioTransports, type FakeTwilio } from '../support/fake-twilio.js';
import { startTestHark, type TestHark } from '../support/harness.js';

export const GENERIC = 'generic-token-for-slack-request-tests';
export const PHONE = { alice: '+15555550601', bob: '+15555550602', carol: '+15555550603' } as const;
export const SLACK_USER = { alice: 'U0ALICE01', bob: 'U0BOB0002', carol: 'U0CAROL03' } as const;
/** In the workspace, but no Hark person has this ID. */
export const STRANGER = 'U0STRANGE9';

/**
 * alice, bob and carol, each with an SMS number and a Slack ID; `web` pages alice, then bob after
 * `escalateAfter`; the platform schedule: alice primary, bob secondary.
 */
export function slackConfig(opts: { slack?: boolean; escalateAfter?: string } = {}): string {
  const slack = opts.slack ?? true;
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      ...(['alice', 'bob', 'carol'] as const).map(
        (n) =>
          `  ${n}: {sms: "${PHONE[n]}",${slack ? ` slack: ${SLACK_USER[n]},` : ''} notify: {high: [{sms: 0s}]}}`,
      ),
      'services:',
      `  - {name: web, escalation_policy: main${slack ? ', slack_channel: web-alerts' : ''}}`,
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'settings:',
      '  page_limits: {sms: [], voice: []}',
      ...(slack
        ? [
            'slack:',
            '  bot_token: "${SLACK_BOT_TOKEN}"',
            '  signing_secret: "${SLACK_SIGNING_SECRET}"',
            '  incident_channels: false',
          ]
        : []),
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{person: alice}]',
      `    escalate_after: ${opts.escalateAfter ?? '1h'}`,
      '  - notify: [{person: bob}]',
      '    escalate_after: 1h',
    ),
    'schedules/platform.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: day, role: primary, members: [alice], start: 2020-01-06T00:00}',
      '  - {name: backup, role: secondary, members: [bob], start: 2020-01-06T00:00}',
    ),
  });
}

/** Hark on `dir` with escalation through the fake Twilio and Slack at the fake Slack. */
export function startSlackHark(dir: string, twilio: FakeTwilio, slack: FakeSlack): Promise<TestHark> {
  return startTestHark(dir, {
    env: { SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret },
    slackApiUrl: slack.url,
    escalation: {
      transports: fakeTwilioTransports(twilio, undefined, '+15555550600'),
      formats: createPageFormats('unused-here'),
    },
  });
}

/** The workspace: the three people and the stranger; #web-alerts with all but carol in it. */
export function slackWorkspace(slack: FakeSlack): { channel: string } {
  for (const [name, id] of Object.entries(SLACK_USER)) slack.addUser(id, name);
  slack.addUser(STRANGER, 'stranger');
  const c = slack.addChannel('web-alerts', { members: [SLACK_USER.alice, SLACK_USER.bob, STRANGER] });
  return { channel: c.id };
}

/** Fires an alert (it opens an incident of `web` and pages alice) and answers the incident. */
export async function openIncident(h: TestHark, summary: string): Promise<Incident> {
  const res = await fetch(`${h.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary }),
  });
  if (res.status !== 202) throw new Error(`alert answered ${res.status}: ${await res.text()}`);
  const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
  return (await h.store.get(id))!;
}

function messageOf(incident: Incident): IncidentMessage {
  return { incident, publicUrl: null, paged: [], people: new Map(), incidentChannel: null };
}

/** The fake's record of a message Hark posted. */
export function posted(slack: FakeSlack, ref: MessageRef): FakeSlackMessage {
  const m = slack.messages.find((x) => x.channel === ref.channel && x.ts === ref.id);
  if (!m) throw new Error(`fake Slack has no message ${ref.id} in ${ref.channel}`);
  return m;
}

/** Posts the incident's message (with its buttons) to `channel` through Hark's Slack client. */
export async function postMessage(
  h: TestHark,
  slack: FakeSlack,
  channel: string,
  incident: Incident,
): Promise<FakeSlackMessage> {
  return posted(slack, await h.parts.slack()!.postIncident(channel, messageOf(incident)));
}

/** Sends the incident's message with its buttons to `user` as a DM. */
export async function dmMessage(
  h: TestHark,
  slack: FakeSlack,
  user: string,
  incident: Incident,
): Promise<FakeSlackMessage> {
  return posted(slack, await h.parts.slack()!.directMessage(user, messageOf(incident)));
}

/** The snapshot's keys that differ between two snapshots. */
export function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k]).sort();
}

/** Polls `check` until it is true, failing after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The snapshot once the background work of what came before (the page of a new incident, the
 * shift planner's first announcement) is done: the same twice, 150 ms apart.
 */
export async function settledSnapshot(h: TestHark, timeoutMs = 5000): Promise<Record<string, string>> {
  const end = Date.now() + timeoutMs;
  let last = await h.snapshot();
  for (;;) {
    await new Promise((r) => setTimeout(r, 150));
    const now = await h.snapshot();
    if (changedKeys(last, now).length === 0) return now;
    if (Date.now() > end) throw new Error(`still changing: ${changedKeys(last, now).join(', ')}`);
    last = now;
  }
}
