/** Incident roles: `hark incident 42 comms vic` hands the role over, and vic is told. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { fakeTwilioTransports, startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const GENERIC = 'generic-token-for-role-tests';
let fake: FakeTwilio;
let hark: TestHark;
let dir: string;

beforeAll(async () => {
  fake = await startFakeTwilio();
  dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  sam: {sms: "+15555550501", notify: {high: [{sms: 0s}]}}',
      '  vic: {sms: "+15555550502", notify: {high: [{sms: 0s}]}}',
      'services:',
      '  - {name: web, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{person: sam}]', '    escalate_after: 1h'),
  });
  hark = await startTestHark(dir, {
    escalation: {
      transports: fakeTwilioTransports(fake, undefined, '+15555550500'),
      formats: createPageFormats('s'),
    },
  });
});
afterAll(async () => {
  await hark.close();
  await fake.close();
  cleanupTmpConfigs();
});

const cli = (argv: string[]) =>
  runCli(argv, {
    env: { HARK_CONFIG: dir, REDIS_URL: inject('redisUrl'), HARK_REDIS_PREFIX: hark.keys.prefix },
  });

describe('incident roles', () => {
  it('hands a role over from the CLI, puts it on the timeline and tells the new holder', async () => {
    const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
      body: JSON.stringify({ status: 'firing', summary: 'Needs comms' }),
    });
    const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
    const r = await cli(['incident', String(id), 'comms', 'vic', '--as', 'sam']);
    expect(r).toMatchObject({ code: 0, stdout: `vic is now comms of #${id} web: Needs comms\n` });
    const told = await fake.waitFor((m) => m.kind === 'message' && m.to === '+15555550502');
    expect(told.kind === 'message' && told.body).toBe(`You are now comms of #${id} web: Needs comms`);
    const incident = (await hark.store.get(id))!;
    expect(incident.roles).toEqual({ comms: 'vic' });
    expect(incident.timeline!.find((e) => e.type === 'role.assigned')).toMatchObject({
      type: 'role.assigned',
      actor: 'person:sam',
      role: 'comms',
      person: 'vic',
    });
    expect((await cli(['incident', String(id), 'boss', 'vic'])).code).toBe(2);
    expect((await cli(['incident', String(id), 'comms'])).code).toBe(2);
  });
});
