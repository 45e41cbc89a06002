/**
 * Email page limits and bundles end to end: a real Hark (real Redis, BullMQ, HTTP) sending email
 * through the SMTP transport to a real SMTP server, the mails parsed back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyActionToken } from '../../src/pages/action-token.js';
import { consoleTransports } from '../../src/pages/console.js';
import { createSmtpTransport } from '../../src/pages/email.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';

const GENERIC = 'generic-token-for-email-bundle-tests';
const SECRET = 'email-bundle-test-secret';
const EVE = 'eve@example.com';

let smtp: TestSmtpServer;
let hark: TestHark | null = null;
let closeSmtpTransport: (() => Promise<void>) | null = null;

beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterEach(async () => {
  await hark?.close();
  await closeSmtpTransport?.();
  hark = null;
});
afterAll(async () => {
  await smtp.close();
  cleanupTmpConfigs();
});

/** A Hark paging eve by email only; `settings` lines go under `settings:`. */
async function start(settings: readonly string[] = []): Promise<TestHark> {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      `  eve: {email: ${EVE}, notify: {high: [{email: 0s}]}}`,
      'services:',
      '  - {name: shop, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      ...(settings.length > 0 ? ['settings:', ...settings.map((l) => `  ${l}`)] : []),
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{person: eve}]', '    escalate_after: 1h'),
  });
  const email = createSmtpTransport(smtp.url, 'Hark <hark@example.com>');
  closeSmtpTransport = () => email.close();
  hark = await startTestHark(dir, {
    escalation: {
      transports: { ...consoleTransports(() => {}), email },
      formats: createPageFormats(SECRET),
    },
  });
  return hark;
}

async function fire(summary: string, extra: Record<string, unknown> = {}): Promise<number> {
  const res = await fetch(`${hark!.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary, ...extra }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

const mailsTo = (to: string) =>
  smtp.mails.filter((m) => [m.to ?? []].flat().some((a) => a.value.some((v) => v.address === to)));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const types = async (id: number) => (await hark!.store.get(id))!.timeline!.map((e) => e.type);

describe('email page limits', () => {
  it('by default a storm sends one email at once and holds the rest for a bundle', async () => {
    await start();
    const before = mailsTo(EVE).length;
    const ids: number[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await fire(`Storm ${i}`));
    await smtp.waitFor((m) => m.subject?.endsWith(`#${ids[0]} shop: Storm 1`) ?? false);
    for (const id of ids.slice(1)) {
      await until(`#${id} to be held`, async () => (await types(id)).includes('page.throttled'));
    }
    expect(mailsTo(EVE).length - before).toBe(1);
    // 1 a minute: the bundle goes out a minute after the first email.
    const held = (await hark!.store.get(ids[1]!))!.timeline!.find((e) => e.type === 'page.throttled');
    expect(held).toMatchObject({ channel: 'email', person: 'eve' });
    const sent = Date.parse(
      (await hark!.store.get(ids[0]!))!.timeline!.find((e) => e.type === 'page.sent')!.at,
    );
    expect(Date.parse(String(held!.until)) - sent).toBeGreaterThanOrEqual(59_000);
  });

  it('sends what was held as one email listing every incident with its links and its own buttons', async () => {
    await start(['page_limits: {email: [{count: 1, per: 2s}]}']);
    const first = await fire('First');
    await smtp.waitFor((m) => m.subject?.includes(`#${first} shop: First`) ?? false);
    const ids = [
      await fire('Disk full', {
        links: [{ href: 'https://grafana.example.com/d/disk', text: 'Disk dashboard' }],
      }),
      await fire('Queue slow', { runbook_url: 'https://wiki.example.com/queue' }),
      await fire('Cache <cold>'),
    ];
    const bundle = await smtp.waitFor((m) => /^\[Hark\] \d+ new incidents: /.test(m.subject ?? ''), 15_000);
    expect(bundle.subject).toBe(`[Hark] 3 new incidents: ${ids.map((id) => `#${id}`).join(' ')} (shop)`);
    const text = bundle.text ?? '';
    const html = typeof bundle.html === 'string' ? bundle.html : '';
    for (const [id, title] of [
      [ids[0], 'Disk full'],
      [ids[1], 'Queue slow'],
      [ids[2], 'Cache <cold>'],
    ] as const) {
      expect(text).toContain(`#${id} shop: ${title}`);
      expect(text).toContain(`${hark!.url}/i/${id}`);
    }
    expect(text).toContain('Disk dashboard: https://grafana.example.com/d/disk');
    expect(text).toContain('Runbook:     https://wiki.example.com/queue');
    expect(html).toContain('Cache &lt;cold&gt;');
    expect(html).toContain('href="https://grafana.example.com/d/disk"');

    // One Acknowledge and one Resolve link per incident, signed for eve and that incident only.
    const tokens = [...text.matchAll(new RegExp(`${hark!.url}/a/([A-Za-z0-9_.-]+)`, 'g'))].map((m) => m[1]!);
    const actions = tokens.map((t) => {
      const r = verifyActionToken(t, SECRET, Date.now());
      if (!r.ok) throw new Error(`bad token: ${r.reason}`);
      return `${r.payload.incident}:${r.payload.action}:${r.payload.person}`;
    });
    expect(actions.sort()).toEqual(
      ids.flatMap((id) => [`${id}:acknowledge:eve`, `${id}:resolve:eve`]).sort(),
    );
    expect(html.match(/>Acknowledge</g)).toHaveLength(3);
    expect(html.match(/>Resolve</g)).toHaveLength(3);

    for (const id of ids) {
      await until(`#${id} bundled`, async () => (await types(id)).includes('page.bundled'));
      expect((await hark!.store.get(id))!.timeline!.find((e) => e.type === 'page.bundled')).toMatchObject({
        channel: 'email',
        incidents: ids,
      });
    }
  });

  it('[] turns the email limit off: every page goes out at once', async () => {
    await start(['page_limits: {email: []}']);
    const before = mailsTo(EVE).length;
    const ids = [await fire('Off 1'), await fire('Off 2'), await fire('Off 3')];
    for (const id of ids) await smtp.waitFor((m) => m.subject?.includes(`#${id} shop: Off`) ?? false);
    expect(mailsTo(EVE).length - before).toBe(3);
    for (const id of ids) expect(await types(id)).not.toContain('page.throttled');
  });
});
