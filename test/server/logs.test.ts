/**
 * What operators see in the log: one structured line per HTTP request, saying what happened (an
 * alert rejected and why, a bad Twilio signature, an answer received), plus the pages sent or
 * failed and the acknowledgements — never a token, a signature or an Authorization header.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { consoleTransports } from '../../src/pages/console.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { ProviderError, type Transports } from '../../src/pages/types.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { signTwilio } from '../support/fake-twilio.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { serverTestConfig, TOKENS } from './config.js';

const TWILIO_AUTH = 'twilio-auth-token-for-log-tests';
const NUMBERS: Record<string, string> = { alice: '+15555550101', bob: '+15555550102' };

type Line = Record<string, unknown> & { msg: string; level: number };

/** A Hark whose log (the production logger: redaction included) is captured line by line. */
class CapturedLog {
  readonly raw: string[] = [];
  readonly logger = createLogger('debug', { write: (s: string) => void this.raw.push(s) });
  lines(): Line[] {
    return this.raw.map((s) => JSON.parse(s) as Line);
  }
  with(msg: string): Line[] {
    return this.lines().filter((l) => l.msg === msg);
  }
  /** The lines of the requests to `path` (the request log's `req.path`). */
  ofPath(path: string): Line[] {
    return this.lines().filter((l) => (l['req'] as { path?: string } | undefined)?.path === path);
  }
}

let hark: TestHark | null = null;
afterEach(async () => {
  await hark?.close();
  hark = null;
});
afterAll(() => cleanupTmpConfigs());

function postJson(path: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${hark!.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
}

async function twilioPost(path: string, params: Record<string, string>, signature: string | null) {
  return fetch(`${hark!.url}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'X-Twilio-Signature': signature }),
    },
    body: new URLSearchParams(params).toString(),
  });
}

describe('the log', () => {
  it('has one line per rejected alert with status, integration and reason, and never the token', async () => {
    const log = new CapturedLog();
    hark = await startTestHark(serverTestConfig(), { log: log.logger });
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const alert = JSON.stringify({ status: 'firing', summary: 'logged', labels: { team: 'web' } });
    const cases: {
      path: string;
      send: () => Promise<Response>;
      status: number;
      integration: string | null;
      reason: RegExp;
    }[] = [
      {
        path: '/v1/alerts/datadg',
        send: () => postJson('/v1/alerts/datadg', alert, bearer(TOKENS.datadog)),
        status: 404,
        integration: 'datadg',
        reason: /unknown_integration: no integration named "datadg"/,
      },
      {
        path: '/v1/alerts/scripts',
        send: () => postJson('/v1/alerts/scripts', alert, bearer('wrong-secret-in-the-header')),
        status: 401,
        integration: 'scripts',
        reason: /unauthorized: missing or wrong token/,
      },
      {
        path: '/v1/alerts/grafana',
        send: () => postJson('/v1/alerts/grafana', '{"not json', bearer(TOKENS.grafana)),
        status: 400,
        integration: 'grafana',
        reason: /invalid_json/,
      },
      {
        path: '/v1/alerts/pd',
        send: () => postJson('/v1/alerts/pd', JSON.stringify({ routing_key: 'wrong-routing-key-value' }), {}),
        status: 401,
        integration: 'pd',
        reason: /unauthorized: missing or wrong routing_key/,
      },
      {
        path: '/v2/enqueue',
        send: () => postJson('/v2/enqueue', JSON.stringify({ routing_key: 'stray-routing-key-value' }), {}),
        status: 401,
        integration: null,
        reason: /no pagerduty integration takes this routing_key/,
      },
    ];
    for (const c of cases) {
      expect((await c.send()).status).toBe(c.status);
      // The line is written once the answer has gone out.
      await expect.poll(() => log.ofPath(c.path).length).toBe(1);
      const [line] = log.ofPath(c.path);
      expect(line).toMatchObject({
        msg: 'alert rejected',
        level: 40,
        status: c.status,
        integration: c.integration,
      });
      expect(line!['reason']).toMatch(c.reason);
      log.raw.splice(0);
    }
    const accepted = await postJson('/v1/alerts/scripts', alert, bearer(TOKENS.generic));
    expect(accepted.status).toBe(202);
    await expect.poll(() => log.ofPath('/v1/alerts/scripts').length).toBe(1);
    expect(log.ofPath('/v1/alerts/scripts')[0]).toMatchObject({
      msg: 'alerts received',
      integration: 'scripts',
      alerts: 1,
      res: { statusCode: 202 },
    });
    expect(log.with('alert rejected')).toEqual([]);
  });

  it('never logs a token, a routing_key or an Authorization header', async () => {
    const log = new CapturedLog();
    hark = await startTestHark(serverTestConfig(), { log: log.logger });
    const secrets = [
      'wrong-secret-in-the-header',
      TOKENS.generic,
      'stray-routing-key-value',
      TOKENS.pagerduty,
    ];
    await postJson('/v1/alerts/scripts', '{}', { Authorization: `Bearer ${secrets[0]}` });
    await postJson('/v1/alerts/scripts', '{"status":"burning"}', { Authorization: `Bearer ${secrets[1]}` });
    await postJson('/v1/alerts/scripts', '{"status":"burning"}', { 'X-Hark-Token': secrets[1]! });
    await postJson('/v2/enqueue', JSON.stringify({ routing_key: secrets[2] }), {});
    await postJson('/v2/enqueue', JSON.stringify({ routing_key: secrets[3], event_action: 'nope' }), {});
    await fetch(`${hark.url}/a/some-action-token-value`);
    await expect.poll(() => log.lines().filter((l) => l['req']).length).toBe(6);
    const text = log.raw.join('');
    for (const secret of [
      ...secrets,
      'some-action-token-value',
      Buffer.from(`:${secrets[1]}`).toString('base64'),
    ])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/authorization|x-hark-token/i);
  });

  it('logs a bad Twilio signature once per request, without the signature', async () => {
    const log = new CapturedLog();
    hark = await startTestHark(serverTestConfig(), { log: log.logger, twilioAuthToken: TWILIO_AUTH });
    const forged = 'Zm9yZ2VkLXNpZ25hdHVyZQ==';
    for (const [path, webhook] of [
      ['/v1/twilio/status', 'status'],
      ['/v1/twilio/sms', 'sms'],
      ['/v1/twilio/voice/1/gather', 'gather'],
      ['/v1/twilio/voice/1', 'voice'],
    ] as const) {
      expect((await twilioPost(path, { From: NUMBERS.alice!, Body: '1a' }, forged)).status).toBe(403);
      expect((await twilioPost(path, { From: NUMBERS.alice!, Body: '1a' }, null)).status).toBe(403);
      await expect.poll(() => log.ofPath(path).length).toBe(2);
      expect(log.ofPath(path)).toMatchObject([
        {
          msg: 'twilio signature rejected',
          level: 40,
          webhook,
          signature: 'invalid',
          twilioConfigured: true,
        },
        {
          msg: 'twilio signature rejected',
          level: 40,
          webhook,
          signature: 'missing',
          twilioConfigured: true,
        },
      ]);
    }
    expect(log.raw.join('')).not.toContain(forged);
    expect(log.raw.join('')).not.toContain(TWILIO_AUTH);
  });

  it('logs the page sent, the answer received and the acknowledgement', async () => {
    const log = new CapturedLog();
    hark = await startTestHark(serverTestConfig(), {
      log: log.logger,
      twilioAuthToken: TWILIO_AUTH,
      escalation: { transports: consoleTransports(() => {}), formats: createPageFormats('s') },
    });
    const res = await postJson(
      '/v1/alerts/scripts',
      JSON.stringify({ status: 'firing', summary: 'Page me', labels: { team: 'web' } }),
      { Authorization: `Bearer ${TOKENS.generic}` },
    );
    const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
    await expect.poll(() => log.with('page sent').filter((l) => l['channel'] === 'sms').length).toBe(1);
    const sent = log.with('page sent').find((l) => l['channel'] === 'sms')!;
    expect(sent).toMatchObject({
      level: 30,
      incident: id,
      via: 'console',
      page: expect.stringMatching(`^${id}-`),
    });
    const person = sent['person'] as string;
    expect(Object.keys(NUMBERS)).toContain(person);

    const url = `${hark.url}/v1/twilio/sms`;
    const params = {
      From: NUMBERS[person]!,
      To: '+15555550100',
      Body: `${id}a`,
      MessageSid: `SM${'1'.repeat(32)}`,
    };
    const answer = await twilioPost('/v1/twilio/sms', params, signTwilio(TWILIO_AUTH, url, params));
    expect(answer.status).toBe(200);
    await expect.poll(() => log.ofPath('/v1/twilio/sms').length).toBe(1);
    expect(log.ofPath('/v1/twilio/sms')[0]).toMatchObject({
      msg: 'answer received',
      level: 30,
      channel: 'sms',
      person,
      command: 'ack',
      incident: id,
      reply: `Acknowledged #${id} web: Page me`,
    });
    expect(log.with('incident acknowledged')).toMatchObject([
      { incident: id, actor: `person:${person}`, person },
    ]);
  });

  it('logs a page that failed for good', async () => {
    const log = new CapturedLog();
    const console = consoleTransports(() => {});
    const transports: Transports = {
      ...console,
      sms: {
        sendSms: () => Promise.reject(new ProviderError('the number is not a mobile number', false, 400)),
      },
    };
    hark = await startTestHark(serverTestConfig(), {
      log: log.logger,
      escalation: { transports, formats: createPageFormats('s') },
    });
    const res = await postJson(
      '/v1/alerts/scripts',
      JSON.stringify({ status: 'firing', summary: 'Cannot text', labels: { team: 'web' } }),
      { Authorization: `Bearer ${TOKENS.generic}` },
    );
    const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
    await expect.poll(() => log.with('page failed').length, { timeout: 5000 }).toBe(1);
    expect(log.with('page failed')[0]).toMatchObject({
      level: 40,
      incident: id,
      channel: 'sms',
      error: 'the number is not a mobile number',
    });
  });
});
