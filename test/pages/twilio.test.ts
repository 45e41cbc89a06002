import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTwilioTransports,
  twilioSignature,
  validTwilioSignature,
  type TwilioOptions,
} from '../../src/pages/twilio.js';
import { ProviderError } from '../../src/pages/types.js';
import { signTwilio, startFakeTwilio, type FakeTwilio, type Params } from '../support/fake-twilio.js';

const FROM = '+15005550006';
const TO = '+15551230001';

/** A stand-in for Hark's webhook endpoints: records what Twilio's callbacks deliver. */
interface Receiver {
  readonly url: string;
  readonly received: { url: string; headers: IncomingMessage['headers']; params: Params }[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params: Record<string, string> = {};
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) params[k] = v;
      received.push({ url: `${base}${req.url ?? ''}`, headers: req.headers, params });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => {
      throw new Error('expected a ProviderError');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

let fake: FakeTwilio;
let receiver: Receiver;
/** Every ProviderError any test saw: none may carry the auth token anywhere. */
const seen: ProviderError[] = [];

const options = (over: Partial<TwilioOptions> = {}): TwilioOptions => ({
  accountSid: fake.accountSid,
  authToken: fake.authToken,
  from: FROM,
  apiUrl: fake.url,
  ...over,
});

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  const err = await providerError(p);
  seen.push(err);
  return err;
}

beforeAll(async () => {
  fake = await startFakeTwilio();
  receiver = await startReceiver();
});
afterEach(() => {
  expect(fake.unexpected).toEqual([]);
  fake.reset();
  receiver.received.length = 0;
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});

describe('createTwilioTransports: requests as sent', () => {
  it('sends an SMS with To, From, Body and StatusCallback, authenticated, and returns the SID', async () => {
    const t = createTwilioTransports(options());
    const body = 'SEV-1 #42 checkout: Checkout p99 > 2s (3 alerts) https://hark.example/i/42 Reply 42a ack';
    const statusCallback = 'https://hark.example/v1/twilio/status?page=p%2F42&x=1';
    const receipt = await t.sendSms({ to: TO, body, statusCallback });

    expect(fake.messages).toHaveLength(1);
    const [msg] = fake.messages;
    expect(receipt).toEqual({ providerId: msg!.sid, via: 'twilio' });
    expect(msg!.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(msg!.params).toEqual({ To: TO, From: FROM, Body: body, StatusCallback: statusCallback });
    expect(fake.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['POST', `/2010-04-01/Accounts/${fake.accountSid}/Messages.json`, 201],
    ]);
  });

  it('leaves StatusCallback out when there is none', async () => {
    const t = createTwilioTransports(options());
    await t.sendSms({ to: TO, body: 'hello', statusCallback: null });
    expect(fake.messages[0]!.params).toEqual({ To: TO, From: FROM, Body: 'hello' });
  });

  it('places a call with Url, StatusCallback, every progress event and machine detection', async () => {
    const t = createTwilioTransports(options());
    const twimlUrl = 'https://hark.example/v1/twilio/voice/page?p=abc';
    const statusCallback = 'https://hark.example/v1/twilio/status?p=abc';
    const receipt = await t.call({ to: TO, twimlUrl, statusCallback });

    const call = await fake.waitFor((r) => r.kind === 'call' && r.to === TO);
    expect(receipt).toEqual({ providerId: call.sid, via: 'twilio' });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.params).toEqual({
      To: TO,
      From: FROM,
      Url: twimlUrl,
      StatusCallback: statusCallback,
      StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      MachineDetection: 'Enable',
    });
  });

  it('places a call without StatusCallback (and so without events) when there is none', async () => {
    const t = createTwilioTransports(options());
    await t.call({ to: TO, twimlUrl: 'https://hark.example/v', statusCallback: null });
    expect(fake.calls[0]!.params).toEqual({
      To: TO,
      From: FROM,
      Url: 'https://hark.example/v',
      MachineDetection: 'Enable',
    });
  });

  it('sends concurrent pages each once', async () => {
    const t = createTwilioTransports(options());
    const numbers = ['+15551230011', '+15551230012', '+15551230013'];
    const sending = Promise.all(
      numbers.map((to) => t.sendSms({ to, body: `to ${to}`, statusCallback: null })),
    );
    const last = await fake.waitFor((r) => r.kind === 'message' && r.to === numbers[2]);
    expect(last.kind === 'message' && last.body).toBe(`to ${numbers[2]}`);
    const receipts = await sending;
    expect(fake.messages.map((m) => m.to).sort()).toEqual(numbers);
    expect(new Set(receipts.map((r) => r.providerId)).size).toBe(3);
  });

  it('honours a TWILIO_API_URL with a path prefix and a trailing slash (a gateway)', async () => {
    const gateway = await startFakeTwilio({ basePath: '/twilio/v1' });
    try {
      const t = createTwilioTransports({
        accountSid: gateway.accountSid,
        authToken: gateway.authToken,
        from: FROM,
        apiUrl: `${gateway.url}/`,
      });
      await t.sendSms({ to: TO, body: 'via gateway', statusCallback: null });
      expect(gateway.requests.map((r) => r.path)).toEqual([
        `/twilio/v1/2010-04-01/Accounts/${gateway.accountSid}/Messages.json`,
      ]);
      expect(gateway.unexpected).toEqual([]);
    } finally {
      await gateway.close();
    }
  });

  it('still goes to TWILIO_API_URL when TWILIO_REGION and TWILIO_EDGE are set in the environment', async () => {
    const saved = { region: process.env.TWILIO_REGION, edge: process.env.TWILIO_EDGE };
    process.env.TWILIO_REGION = 'ie1';
    process.env.TWILIO_EDGE = 'dublin';
    try {
      const t = createTwilioTransports(options());
      await t.sendSms({ to: TO, body: 'regional', statusCallback: null });
      expect(fake.messages).toHaveLength(1);
    } finally {
      for (const [k, v] of [
        ['TWILIO_REGION', saved.region],
        ['TWILIO_EDGE', saved.edge],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('refuses a TWILIO_API_URL that is not an http(s) URL, without echoing it', () => {
    expect(() => createTwilioTransports(options({ apiUrl: 'not a url' }))).toThrow(/TWILIO_API_URL/);
    expect(() => createTwilioTransports(options({ apiUrl: 'ftp://user:pw@host/' }))).toThrow(
      /^TWILIO_API_URL must be an http/,
    );
    expect(() => createTwilioTransports(options({ accountSid: 'SK123' }))).toThrow(/AC/);
  });
});

describe('createTwilioTransports: errors', () => {
  it('5xx is retryable, and the retry goes through', async () => {
    const t = createTwilioTransports(options());
    fake.failNext(1, 500);
    const err = await failure(t.sendSms({ to: TO, body: 'x', statusCallback: null }));
    expect(err.retryable).toBe(true);
    expect(err.status).toBe(500);
    expect(err.message).toMatch(/HTTP 500.*20500/);
    expect(fake.messages).toHaveLength(0);

    await t.sendSms({ to: TO, body: 'x', statusCallback: null });
    expect(fake.messages).toHaveLength(1);
  });

  it('503 and 429 are retryable, for calls too', async () => {
    const t = createTwilioTransports(options());
    fake.failNext(1, 503);
    fake.failNext(1, 429);
    const call = { to: TO, twimlUrl: 'https://hark.example/v', statusCallback: null };
    const e503 = await failure(t.call(call));
    const e429 = await failure(t.call(call));
    expect([e503.retryable, e503.status]).toEqual([true, 503]);
    expect([e429.retryable, e429.status]).toEqual([true, 429]);
    expect(e429.message).toContain('20429');
    expect(fake.calls).toHaveLength(0);
  });

  it('a 400 with a Twilio code is final, and says the code and message', async () => {
    const t = createTwilioTransports(options());
    fake.failTo('+15551239999', 400);
    const err = await failure(t.sendSms({ to: '+15551239999', body: 'x', statusCallback: null }));
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(400);
    expect(err.message).toBe(
      "Twilio SMS failed: HTTP 400, Twilio error 21211: Invalid 'To' Phone Number: +15551239999",
    );

    fake.failTo('+15551239998', 400, { code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    const stop = await failure(t.sendSms({ to: '+15551239998', body: 'x', statusCallback: null }));
    expect([stop.retryable, stop.status]).toEqual([false, 400]);
    expect(stop.message).toContain('21610');
  });

  it('a number Twilio rejects for a call is final (the fake validates like Twilio)', async () => {
    const t = createTwilioTransports(options());
    const err = await failure(
      t.call({ to: '555-0100', twimlUrl: 'https://hark.example/v', statusCallback: null }),
    );
    expect([err.retryable, err.status]).toEqual([false, 400]);
    expect(err.message).toContain('21211');
    expect(fake.calls).toHaveLength(0);
  });

  it('bad credentials: 401, final, and the message has no token', async () => {
    const wrong = 'wrong-token-0123456789abcdef';
    const t = createTwilioTransports(options({ authToken: wrong }));
    const err = await failure(t.sendSms({ to: TO, body: 'x', statusCallback: null }));
    expect([err.retryable, err.status]).toEqual([false, 401]);
    expect(err.message).toBe('Twilio SMS failed: HTTP 401, Twilio error 20003: Authenticate');
    expect(inspect(err, { depth: 10 })).not.toContain(wrong);
    expect(fake.requests.map((r) => r.status)).toEqual([401]);
  });

  it('a refused connection is retryable', async () => {
    const t = createTwilioTransports(options({ apiUrl: `http://127.0.0.1:${await closedPort()}` }));
    const err = await failure(t.sendSms({ to: TO, body: 'x', statusCallback: null }));
    expect([err.retryable, err.status]).toEqual([true, null]);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('a dropped connection is retryable', async () => {
    const t = createTwilioTransports(options());
    fake.failNext(1, 'reset');
    const err = await failure(t.call({ to: TO, twimlUrl: 'https://hark.example/v', statusCallback: null }));
    expect([err.retryable, err.status]).toEqual([true, null]);
  });

  it('a timeout is retryable', async () => {
    const t = createTwilioTransports(options({ timeoutMs: 200 }));
    fake.failNext(1, 'hang');
    const started = Date.now();
    const err = await failure(t.sendSms({ to: TO, body: 'x', statusCallback: null }));
    expect([err.retryable, err.status]).toEqual([true, null]);
    expect(err.message).toMatch(/timeout|ECONNABORTED|ETIMEDOUT/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('no error carries the auth token or the basic-auth string, in its message or anywhere in it', () => {
    expect(seen.length).toBeGreaterThanOrEqual(8);
    const secrets = [
      fake.authToken,
      Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64'),
      'wrong-token-0123456789abcdef',
    ];
    for (const err of seen) {
      const everything = [err.message, err.stack ?? '', inspect(err, { depth: 10, showHidden: true })];
      expect(err.cause).toBeUndefined();
      for (const s of secrets) for (const text of everything) expect(text).not.toContain(s);
    }
  });
});

describe('Twilio signatures', () => {
  // Twilio's documented example (twilio-php docs/usage/validation.rst; the RequestValidator tests of
  // twilio-php and twilio-csharp): auth token 12345, this URL and these POST parameters.
  const token = '12345';
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  };
  const documented = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

  it("computes Twilio's documented example signature", () => {
    expect(twilioSignature(token, url, params)).toBe(documented);
    expect(signTwilio(token, url, params)).toBe(documented); // the fake's own implementation
  });

  it('accepts the documented signature and rejects any change', () => {
    expect(validTwilioSignature(token, documented, url, params)).toBe(true);
    expect(validTwilioSignature(token, documented, url, { ...params, Digits: '1235' })).toBe(false);
    expect(validTwilioSignature(token, documented, url, { ...params, Extra: '' })).toBe(false);
    expect(validTwilioSignature(token, documented, `${url}&baz=3`, params)).toBe(false);
    expect(validTwilioSignature('12346', documented, url, params)).toBe(false);
    expect(validTwilioSignature(token, documented.replace('R', 'S'), url, params)).toBe(false);
  });

  it('rejects a missing, empty or malformed header, and a token-less check, without throwing', () => {
    expect(validTwilioSignature(token, undefined, url, params)).toBe(false);
    expect(validTwilioSignature(token, null, url, params)).toBe(false);
    expect(validTwilioSignature(token, '', url, params)).toBe(false);
    expect(validTwilioSignature(token, 'not base64 at all ✗', url, params)).toBe(false);
    expect(validTwilioSignature('', twilioSignature('', url, params), url, params)).toBe(false);
    expect(validTwilioSignature(token, documented, 'not a url', params)).toBe(false);
  });

  it("accepts the fake's SMS status callbacks, as delivered, and nothing signed with another token", async () => {
    const t = createTwilioTransports(options());
    const statusCallback = `${receiver.url}/v1/twilio/status?page=42%3A1%3A0&kind=sms`;
    const { providerId } = await t.sendSms({ to: TO, body: 'x', statusCallback });

    const sent = await fake.sendStatus(providerId!, 'delivered');
    expect(sent.status).toBe(204);
    const [got] = receiver.received;
    expect(got!.url).toBe(statusCallback);
    expect(got!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(got!.params).toMatchObject({
      MessageSid: providerId,
      MessageStatus: 'delivered',
      AccountSid: fake.accountSid,
      To: TO,
      From: FROM,
    });
    const signature = got!.headers['x-twilio-signature'] as string;
    expect(validTwilioSignature(fake.authToken, signature, got!.url, got!.params)).toBe(true);
    expect(validTwilioSignature('another-token', signature, got!.url, got!.params)).toBe(false);
    expect(
      validTwilioSignature(fake.authToken, signature, got!.url, { ...got!.params, MessageStatus: 'failed' }),
    ).toBe(false);

    await fake.sendStatus(providerId!, 'undelivered', { ErrorCode: '30005' });
    const failed = receiver.received[1]!;
    expect(failed.params).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: '30005' });
    expect(
      validTwilioSignature(
        fake.authToken,
        failed.headers['x-twilio-signature'] as string,
        failed.url,
        failed.params,
      ),
    ).toBe(true);
  });

  it("accepts the fake's call status callbacks, AnsweredBy included", async () => {
    const t = createTwilioTransports(options());
    const statusCallback = `${receiver.url}/v1/twilio/status?kind=voice`;
    const { providerId } = await t.call({ to: TO, twimlUrl: 'https://hark.example/v', statusCallback });

    await fake.sendStatus(providerId!, 'ringing');
    await fake.sendStatus(providerId!, 'in-progress', { AnsweredBy: 'machine_start' });
    await fake.sendStatus(providerId!, 'completed', { CallDuration: '12' });
    expect(receiver.received.map((r) => [r.params.CallStatus, r.params.SequenceNumber])).toEqual([
      ['ringing', '0'],
      ['in-progress', '1'],
      ['completed', '2'],
    ]);
    expect(receiver.received[1]!.params).toMatchObject({ CallSid: providerId, AnsweredBy: 'machine_start' });
    for (const r of receiver.received) {
      expect(
        validTwilioSignature(fake.authToken, r.headers['x-twilio-signature'] as string, r.url, r.params),
      ).toBe(true);
    }
  });
});

describe('the fake Twilio is strict', () => {
  const auth = (sid: string, token: string) => `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`;
  const post = (
    path: string,
    form: Record<string, string>,
    authorization = auth(fake.accountSid, fake.authToken),
  ) =>
    fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  const messagesPath = () => `/2010-04-01/Accounts/${fake.accountSid}/Messages.json`;

  it("answers missing parameters with 400 and Twilio's error shape", async () => {
    const res = await post(messagesPath(), { To: TO, From: FROM });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 21602,
      message: 'Message body is required.',
      more_info: 'https://www.twilio.com/docs/errors/21602',
      status: 400,
    });
    const call = await post(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`, { To: TO, From: FROM });
    expect(call.status).toBe(400);
    expect(((await call.json()) as { code: number }).code).toBe(21205);
    expect(fake.messages).toHaveLength(0);
    expect(fake.calls).toHaveLength(0);
  });

  it('answers 401 to wrong credentials and to another account’s path', async () => {
    expect(
      (await post(messagesPath(), { To: TO, From: FROM, Body: 'x' }, auth(fake.accountSid, 'nope'))).status,
    ).toBe(401);
    const other = `AC${'0'.repeat(32)}`;
    expect(
      (await post(`/2010-04-01/Accounts/${other}/Messages.json`, { To: TO, From: FROM, Body: 'x' })).status,
    ).toBe(401);
    expect((await post(messagesPath(), { To: TO, From: FROM, Body: 'x' }, 'Bearer x')).status).toBe(401);
    expect(fake.messages).toHaveLength(0);
  });

  it('records anything else as unexpected, with a 404', async () => {
    const res = await post('/2010-04-01/Accounts/whatever/Faxes.json', {});
    expect(res.status).toBe(404);
    const get = await fetch(`${fake.url}${messagesPath()}`);
    expect(get.status).toBe(404);
    expect(fake.unexpected.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/2010-04-01/Accounts/whatever/Faxes.json'],
      ['GET', messagesPath()],
    ]);
    fake.reset(); // these were on purpose
  });

  it('waitFor rejects when nothing comes', async () => {
    await expect(fake.waitFor((r) => r.to === '+19999999999', 50)).rejects.toThrow(/nothing matched/);
  });

  it('refuses to send a callback Twilio would not send', async () => {
    const t = createTwilioTransports(options());
    const sms = await t.sendSms({ to: TO, body: 'x', statusCallback: null });
    await expect(fake.sendStatus(sms.providerId!, 'delivered')).rejects.toThrow(/no StatusCallback/);
    await expect(fake.sendStatus('SMnope', 'delivered')).rejects.toThrow(/no message or call/);
    const call = await t.call({
      to: TO,
      twimlUrl: 'https://hark.example/v',
      statusCallback: `${receiver.url}/s`,
    });
    await expect(fake.sendStatus(call.providerId!, 'answered')).rejects.toThrow(/no call status/);
    expect(receiver.received).toHaveLength(0);
  });
});
