import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.js';

let twilio: FakeTwilio;
let dir: string;
beforeAll(async () => {
  twilio = await startFakeTwilio();
  dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {name: Alice A, sms: "+15555550101", voice: "+15555550101", email: alice@example.com}',
      '  bob: {email: bob@example.com}',
    ),
  });
});
afterAll(async () => {
  await twilio.close();
  cleanupTmpConfigs();
});

function pageTest(args: string[], twilioEnv = true) {
  const env: NodeJS.ProcessEnv = {
    HARK_CONFIG: dir,
    ...(twilioEnv
      ? {
          TWILIO_ACCOUNT_SID: twilio.accountSid,
          TWILIO_AUTH_TOKEN: twilio.authToken,
          TWILIO_FROM: '+15555550100',
          TWILIO_API_URL: twilio.url,
        }
      : {}),
  };
  return runCli(['page-test', ...args], { env });
}

describe('hark page-test', () => {
  it('sends a test SMS and a test call through Twilio', async () => {
    const sms = await pageTest(['alice', '--channel', 'sms']);
    expect(sms.code).toBe(0);
    expect(sms.stdout).toMatch(/^test sms page to alice sent via twilio \(SM[0-9a-f]{32}\)\n$/);
    expect(twilio.messages.at(-1)).toMatchObject({ to: '+15555550101', from: '+15555550100' });
    expect(twilio.messages.at(-1)!.body).toContain('Alice A');
    const call = await pageTest(['alice', '--channel', 'voice']);
    expect(call.code).toBe(0);
    expect(String(twilio.calls.at(-1)!.params.Twiml)).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Say>Hark test page for Alice A/,
    );
  });

  it('prints to the console without a provider, and refuses what cannot be sent', async () => {
    const email = await pageTest(['bob', '--channel', 'email'], false);
    expect(email.code).toBe(0);
    expect(email.stdout).toContain('test email page to bob printed (no provider configured)');
    expect(await pageTest(['bob', '--channel', 'sms'])).toMatchObject({
      code: 1,
      stderr: 'hark: bob has no sms number',
    });
    expect((await pageTest(['zed', '--channel', 'sms'])).code).toBe(2);
    expect((await pageTest(['alice', '--channel', 'pigeon'])).code).toBe(2);
    twilio.failNext(1, 500);
    const failed = await pageTest(['alice', '--channel', 'sms']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('hark: the test page failed: Twilio SMS failed: HTTP 500');
    expect(failed.stderr).not.toContain(twilio.authToken);
  });
});
