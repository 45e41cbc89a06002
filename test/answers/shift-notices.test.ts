/** Shift-change notices: a change seconds away tells the incoming and outgoing person, once. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { fakeTwilioTransports, startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const SAM = '+15555550401';
const VIC = '+15555550402';
const GENERIC = 'generic-token-for-notice-tests';
let fake: FakeTwilio;
let hark: TestHark | null = null;

beforeAll(async () => {
  fake = await startFakeTwilio();
});
afterEach(async () => {
  await hark?.close();
  fake.reset();
});
afterAll(async () => {
  await fake.close();
  cleanupTmpConfigs();
});

/** `YYYY-MM-DDTHH:MM:SS` in UTC for an instant. */
const local = (t: number) => new Date(t).toISOString().slice(0, 19);

describe('shift-change notices', () => {
  it('tells the incoming person (with open incidents) and the outgoing one, once each, and reminds ahead', async () => {
    const change = Math.ceil((Date.now() + 3000) / 1000) * 1000;
    const dir = tmpConfig({
      'hark.yaml': lines(
        'people:',
        `  sam: {sms: "${SAM}", notify: {high: [{sms: 0s}]}}`,
        `  vic: {sms: "${VIC}", notify: {high: [{sms: 0s}]}, remind_before: 2s}`,
        'services:',
        '  - {name: web, escalation_policy: main}',
        'integrations:',
        `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
        'settings:',
        '  page_limits: {sms: [], voice: []}',
      ),
      'schedules/platform.yaml': lines(
        'timezone: UTC',
        'rotations:',
        '  - {name: weekly, role: primary, members: [sam], start: 2026-01-01T00:00}',
        'overrides:',
        `  - {role: primary, person: vic, from: ${local(change)}, to: ${local(change + 3_600_000)}}`,
      ),
      'escalation-policies/main.yaml': lines(
        'steps:',
        '  - notify: [{schedule: platform}]',
        '    escalate_after: 1h',
      ),
    });
    hark = await startTestHark(dir, {
      escalation: {
        transports: fakeTwilioTransports(fake, undefined, '+15555550400'),
        formats: createPageFormats('secret'),
      },
    });
    const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
      body: JSON.stringify({ status: 'firing', summary: 'Open during handoff' }),
    });
    const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;

    const reminder = await fake.waitFor(
      (r) => r.kind === 'message' && r.to === VIC && r.body.startsWith('Reminder:'),
    );
    expect(reminder.kind === 'message' && reminder.body).toMatch(
      /^Reminder: you are primary on call for platform from .+\.$/,
    );
    expect(reminder.at.getTime()).toBeLessThan(change);
    const incoming = await fake.waitFor(
      (r) => r.kind === 'message' && r.to === VIC && r.body.startsWith('You are now'),
    );
    expect(incoming.kind === 'message' && incoming.body).toMatch(
      new RegExp(`^You are now primary on call for platform until .+\\. Open: #${id}$`),
    );
    expect(incoming.at.getTime()).toBeGreaterThanOrEqual(change);
    const outgoing = await fake.waitFor(
      (r) => r.kind === 'message' && r.to === SAM && r.body.includes('took over'),
    );
    expect(outgoing.kind === 'message' && outgoing.body).toBe(
      'vic took over primary on call for platform from you.',
    );
    // Planning goes on every 300 ms; nobody is told twice.
    await new Promise((r) => setTimeout(r, 1000));
    const notices = fake.messages.filter(
      (m) => !m.body.includes(`#${id} `) || m.body.startsWith('You are now'),
    );
    expect(notices.filter((m) => m.to === VIC)).toHaveLength(2);
    expect(notices.filter((m) => m.to === SAM)).toHaveLength(1);
  });
});
