/**
 * Notices outside incidents (shift changes, role changes) on Slack and ntfy: they go to the
 * person's first notify channel that carries text, once per notice, through the real transports
 * against the fake Slack and the fake ntfy server.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createSlackProvider } from '../../src/chat/slack/client.js';
import { composeStores } from '../../src/compose.js';
import { loadConfig } from '../../src/config/load.js';
import { consoleTransports } from '../../src/pages/console.js';
import { createNtfyTransport } from '../../src/pages/ntfy.js';
import { Pager } from '../../src/pages/pager.js';
import { slackDmTransport } from '../../src/pages/slack-dm.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys } from '../../src/redis/keys.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startFakeNtfy, type FakeNtfy } from '../support/fake-ntfy.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { testFormats } from '../support/formats.js';
import { PageLog } from '../support/page-log.js';

let slack: FakeSlack;
let ntfy: FakeNtfy;
let redis: Redis;
let pager: Pager;
const log = new PageLog();

beforeAll(async () => {
  slack = await startFakeSlack();
  slack.addUser('U0ALICE01');
  ntfy = await startFakeNtfy();
  redis = connectRedis(inject('redisUrl'));
  redis.on('error', () => {});
  await whenReady(redis);
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101", slack: U0ALICE01, notify: {high: [{voice: 0m}, {slack: 0m}, {sms: 1m}]}, voice: "+15555550101"}',
      '  carol: {sms: "+15555550103", ntfy: hark-carol, notify: {high: [{ntfy: 0m}, {sms: 1m}]}}',
      '  erin: {sms: "+15555550105", slack: U0ERIN005, notify: {high: [{sms: 0m}]}}',
      'slack: {bot_token: "${SLACK_BOT_TOKEN}", signing_secret: "${SLACK_SIGNING_SECRET}"}',
      `ntfy: {url: "${ntfy.url}", token: "\${NTFY_TOKEN}"}`,
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{person: alice}]'),
  });
  const { config } = loadConfig(dir, {
    env: {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      NTFY_TOKEN: ntfy.token!,
    },
  });
  const keys = makeKeys(`{test-${randomUUID().slice(0, 8)}}:`);
  const stores = composeStores({ redis, keys, config: () => config, now: () => Date.now() });
  const silent = pino({ level: 'silent' });
  const provider = createSlackProvider({ botToken: slack.botToken, apiUrl: slack.url, logger: silent });
  pager = new Pager({
    redis,
    keys,
    store: stores.store,
    pages: stores.pages,
    config: () => config,
    transports: {
      ...consoleTransports(log.write),
      slack: slackDmTransport(() => provider),
      ntfy: createNtfyTransport(() => config.ntfy),
    },
    formats: testFormats,
    publicUrl: () => 'https://hark.example.com',
    log: silent,
    now: () => Date.now(),
  });
});
afterAll(async () => {
  await slack.close();
  await ntfy.close();
  redis.disconnect();
  cleanupTmpConfigs();
});

describe('notices on chat and push channels', () => {
  it('go to the first text channel of the person, once: ntfy, or a Slack DM past a voice rule', async () => {
    const text = 'carol is now primary on platform until Mon 09:00 UTC';
    expect(await pager.sendNotice('carol', text, 'shift:1:carol')).toBe(true);
    expect(await pager.sendNotice('carol', text, 'shift:1:carol')).toBe(false);
    expect(ntfy.messages.map((m) => [m.topic, m.title, m.message, m.priority, m.actions])).toEqual([
      ['hark-carol', 'Hark', text, 3, []],
    ]);

    // Alice's first rule is a call (never for a notice): the DM comes next.
    expect(await pager.sendNotice('alice', 'alice is now commander of #42', 'role:42:alice')).toBe(true);
    const dm = await slack.waitForCall('chat.postMessage');
    expect(dm.args.text).toBe('alice is now commander of #42');
    expect(log.pages).toEqual([]);

    // A Slack user ID alone does not make Slack a notice channel: erin's rules say SMS.
    expect(await pager.sendNotice('erin', 'erin is now primary', 'shift:1:erin')).toBe(true);
    await log.waitFor(/^\[page\] SMS to \+15555550105: erin is now primary$/);
  });

  it('a notice the provider refused may be sent again (its once-key is released)', async () => {
    ntfy.failNext(1, { status: 503 });
    await expect(pager.sendNotice('carol', 'second notice', 'shift:2:carol')).rejects.toThrow(
      'ntfy publish failed: HTTP 503',
    );
    expect(await pager.sendNotice('carol', 'second notice', 'shift:2:carol')).toBe(true);
    expect(ntfy.messages.filter((m) => m.message === 'second notice')).toHaveLength(1);
  });
});
