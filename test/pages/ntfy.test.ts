/**
 * The ntfy transport (src/pages/ntfy.ts) and the notification texts (src/pages/ntfy-format.ts)
 * against the strict fake ntfy server: what is POSTed, and what each kind of failure becomes (a
 * page that moves on, one retried with backoff, one retried after Retry-After).
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNtfyTransport, DEFAULT_NTFY_RETRY_AFTER_MS, retryAfterMs } from '../../src/pages/ntfy.js';
import { bundleNtfyFor, ntfyFor } from '../../src/pages/ntfy-format.js';
import type { EmailLinks } from '../../src/pages/format.js';
import { ProviderError, type NtfyMessage } from '../../src/pages/types.js';
import { startFakeNtfy, type FakeNtfy } from '../support/fake-ntfy.js';
import { incident } from '../chat/fixtures.js';

let ntfy: FakeNtfy;

beforeAll(async () => {
  ntfy = await startFakeNtfy();
});
afterAll(() => ntfy.close());
beforeEach(() => ntfy.reset());

const links = (id: number): EmailLinks => ({
  incident: `https://hark.example.com/i/${id}`,
  runbook: 'https://wiki.example.com/checkout',
  acknowledge: `https://hark.example.com/a/ack-token-${id}`,
  resolve: `https://hark.example.com/a/resolve-token-${id}`,
});

const message = (over: Partial<NtfyMessage> = {}): NtfyMessage => ({
  topic: 'hark-alice',
  ...ntfyFor(incident(), links(42)),
  ...over,
});

const transport = (token: string | null = ntfy.token, timeoutMs = 2_000) =>
  createNtfyTransport(() => ({ url: ntfy.url, token }), { timeoutMs });

async function failure(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProviderError) return e;
    throw e;
  }
  throw new Error('expected a ProviderError, but the publish succeeded');
}

describe('the notification', () => {
  it('high urgency: priority 5, the title, Acknowledge / Resolve as signed POSTs, the runbook', () => {
    const n = ntfyFor(incident(), links(42));
    expect(n).toEqual({
      title: 'SEV-1 #42 checkout: Checkout p99 > 2s',
      message: 'Checkout p99 > 2s\n1 alert firing · high urgency\nRunbook: https://wiki.example.com/checkout',
      priority: 5,
      tags: ['rotating_light'],
      click: 'https://hark.example.com/i/42',
      actions: [
        {
          action: 'http',
          label: 'Acknowledge',
          url: 'https://hark.example.com/a/ack-token-42',
          method: 'POST',
          clear: true,
        },
        {
          action: 'http',
          label: 'Resolve',
          url: 'https://hark.example.com/a/resolve-token-42',
          method: 'POST',
          clear: true,
        },
        { action: 'view', label: 'Runbook', url: 'https://wiki.example.com/checkout' },
      ],
    });
  });

  it('low urgency: priority 3; no runbook, no runbook button; a hostile title stays one line and short', () => {
    const n = ntfyFor(
      incident({ urgency: 'low', severity: 'SEV-3', title: `Disk\nfull ${'x'.repeat(10_000)}` }),
      { ...links(7), runbook: null },
    );
    expect(n.priority).toBe(3);
    expect(n.tags).toEqual(['warning']);
    expect(n.actions.map((a) => a.label)).toEqual(['Acknowledge', 'Resolve']);
    expect(n.title).not.toContain('\n');
    expect([...n.title].length).toBeLessThanOrEqual(250);
    expect(Buffer.byteLength(n.message)).toBeLessThanOrEqual(3500);
    // A link that is not http(s) (no public URL) gives no button rather than one ntfy refuses.
    expect(
      ntfyFor(incident(), { ...links(1), acknowledge: '/a/x', runbook: 'javascript:alert(1)' }).actions,
    ).toEqual([
      {
        action: 'http',
        label: 'Resolve',
        url: 'https://hark.example.com/a/resolve-token-1',
        method: 'POST',
        clear: true,
      },
    ]);
  });

  it('a bundle: a line per incident; an Acknowledge each for up to 3, else two and Open Hark', () => {
    const items = [43, 44, 45, 46].map((id) => ({ incident: incident({ id }), links: links(id) }));
    const three = bundleNtfyFor(items.slice(0, 3), 'https://hark.example.com/');
    expect(three.title).toBe('3 new incidents: #43 #44 #45');
    expect(three.message.split('\n')).toHaveLength(3);
    expect(three.actions.map((a) => [a.label, a.url])).toEqual([
      ['Acknowledge #43', 'https://hark.example.com/a/ack-token-43'],
      ['Acknowledge #44', 'https://hark.example.com/a/ack-token-44'],
      ['Acknowledge #45', 'https://hark.example.com/a/ack-token-45'],
    ]);
    const four = bundleNtfyFor(items, 'https://hark.example.com/');
    expect(four.actions.map((a) => a.label)).toEqual(['Acknowledge #43', 'Acknowledge #44', 'All 4 in Hark']);
    expect(four.priority).toBe(5);
  });
});

describe('publishing', () => {
  it('POSTs the JSON to the server root with the bearer token; ntfy takes it', async () => {
    const receipt = await transport().sendNtfy(message());
    const [m] = ntfy.messages;
    expect(receipt).toEqual({ providerId: m!.id, via: 'ntfy' });
    expect(ntfy.requests[0]).toMatchObject({
      method: 'POST',
      path: '/',
      auth: 'ok',
      contentType: 'application/json',
    });
    expect(m!.json).toEqual({
      topic: 'hark-alice',
      title: 'SEV-1 #42 checkout: Checkout p99 > 2s',
      message: 'Checkout p99 > 2s\n1 alert firing · high urgency\nRunbook: https://wiki.example.com/checkout',
      priority: 5,
      tags: ['rotating_light'],
      click: 'https://hark.example.com/i/42',
      actions: [
        {
          action: 'http',
          label: 'Acknowledge',
          url: 'https://hark.example.com/a/ack-token-42',
          method: 'POST',
          clear: true,
        },
        {
          action: 'http',
          label: 'Resolve',
          url: 'https://hark.example.com/a/resolve-token-42',
          method: 'POST',
          clear: true,
        },
        { action: 'view', label: 'Runbook', url: 'https://wiki.example.com/checkout' },
      ],
    });
    expect(ntfy.unexpected).toEqual([]);
  });

  it('a missing or wrong token, a refused message: fails for good (the person moves on), no token in the text', async () => {
    const none = await failure(transport(null).sendNtfy(message()));
    expect(none).toMatchObject({ retryable: false, status: 403, retryAfterMs: null });
    expect(none.message).toBe('ntfy publish failed: HTTP 403, ntfy error 40301: forbidden');
    const wrong = await failure(transport('tk_wrongwrongwrongwrongwrongwrong').sendNtfy(message()));
    expect(wrong).toMatchObject({ retryable: false, status: 401 });
    expect(wrong.message).toContain('40101: unauthorized');
    const topic = await failure(transport().sendNtfy(message({ topic: 'no spaces allowed' })));
    expect(topic).toMatchObject({ retryable: false, status: 400 });
    expect(topic.message).toContain('40009');
    for (const e of [none, wrong, topic]) expect(e.message).not.toContain(ntfy.token!);
    expect(ntfy.messages).toEqual([]);
  });

  it('5xx, a reset connection, a hang: retryable (with backoff)', async () => {
    ntfy.failNext(1, { status: 502 });
    expect(await failure(transport().sendNtfy(message()))).toMatchObject({
      retryable: true,
      status: 502,
      retryAfterMs: null,
    });
    ntfy.failNext(1, 'reset');
    expect(await failure(transport().sendNtfy(message()))).toMatchObject({ retryable: true, status: null });
    ntfy.failNext(1, 'hang');
    const hung = await failure(transport(ntfy.token, 300).sendNtfy(message()));
    expect(hung).toMatchObject({ retryable: true, status: null });
    expect(hung.message).toBe('ntfy publish failed: timed out after 300 ms');
    // Then it goes through.
    await transport().sendNtfy(message());
    expect(ntfy.messages).toHaveLength(1);
  });

  it('nothing listening: retryable', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address() as { port: number };
    await new Promise<void>((r) => s.close(() => r()));
    const down = createNtfyTransport(() => ({ url: `http://127.0.0.1:${port}`, token: null }));
    expect(await failure(down.sendNtfy(message()))).toMatchObject({
      retryable: true,
      message: 'ntfy publish failed: ECONNREFUSED',
    });
  });

  it('429: retried after its Retry-After, or after the default when ntfy sends none', async () => {
    ntfy.failNext(1, { ratelimited: 7 });
    expect(await failure(transport().sendNtfy(message()))).toMatchObject({
      retryable: true,
      status: 429,
      retryAfterMs: 7_000,
    });
    ntfy.failNext(1, { ratelimited: null });
    const e = await failure(transport().sendNtfy(message()));
    expect(e.retryAfterMs).toBe(DEFAULT_NTFY_RETRY_AFTER_MS);
    expect(e.message).toBe(
      'ntfy publish failed: HTTP 429, ntfy error 42901: limit reached: too many requests',
    );
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(
      5_000,
    );
    expect(retryAfterMs('86400')).toBe(300_000); // capped: a page must not wait a day
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('a 2xx that is not ntfy (a web page at the URL) fails for good rather than count as sent', async () => {
    const web = createServer((sock) => {
      sock.once('data', () =>
        sock.end(
          'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>',
        ),
      );
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const { port } = web.address() as { port: number };
    try {
      const e = await failure(
        createNtfyTransport(() => ({ url: `http://127.0.0.1:${port}`, token: null })).sendNtfy(message()),
      );
      expect(e).toMatchObject({ retryable: false, status: 200 });
      expect(e.message).toContain("the answer is not ntfy's");
    } finally {
      await new Promise<void>((r) => web.close(() => r()));
    }
  });

  it('the fake is strict: unknown fields, more than 3 actions, a bad priority or action are refused', async () => {
    const raw = async (body: unknown) =>
      fetch(`${ntfy.url}/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${ntfy.token}` },
        body: JSON.stringify(body),
      });
    const a = { action: 'view', label: 'x', url: 'https://example.com' };
    expect((await raw({ topic: 't', mesage: 'typo' })).status).toBe(400);
    expect((await raw({ topic: 't', actions: [a, a, a, a] })).status).toBe(400);
    expect((await raw({ topic: 't', priority: 6 })).status).toBe(400);
    expect((await raw({ topic: 't', actions: [{ ...a, method: 'POST' }] })).status).toBe(400);
    expect((await raw({ topic: 't', actions: [{ action: 'http', label: 'x' }] })).status).toBe(400);
    expect((await fetch(`${ntfy.url}/t`, { method: 'POST', body: 'plain text publish' })).status).toBe(404);
    expect(ntfy.unexpected).toHaveLength(1);
    expect(ntfy.messages).toEqual([]);
  });
});
