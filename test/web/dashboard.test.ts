/**
 * The web dashboard in a real browser: Debian's Chromium driven by playwright-core, against a
 * real Hark HTTP server and the test run's Redis. Sign in, read the on-call table and the 14-day
 * timeline, acknowledge with the button, see it on the incident's timeline. A phone-sized
 * screenshot goes to test-artifacts/ (ignored by git) for people to look at.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { clockFrom } from '../support/clock.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const API = 'web-token-alice-0123456789abcdef';
const ROBOT = 'web-token-robot-0123456789abcdef';
const GENERIC = 'generic-token-web-0123456789';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
/** Debian's package; CHROMIUM_PATH for elsewhere. .ci/run installs it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The server's clock starts at a fixed instant, Wednesday 4 March 2026 12:00 UTC (never today):
// the primary rotation started on the Monday two weeks before, so alice (members[0]) holds this
// week; carol has a git override from tomorrow 09:00 for a day; the secondary covers weekdays
// 09:00–17:00 only, so its timeline has gaps (and bob holds it now, at noon on a weekday).
const NOW = DateTime.fromISO('2026-03-04T12:00:00Z', { zone: 'utc' });
const now = clockFrom(NOW.toISO()!);
const monday = NOW.startOf('week').minus({ weeks: 2 });
const tomorrow = NOW.startOf('day').plus({ days: 1 });
const local = (d: DateTime) => d.toFormat("yyyy-LL-dd'T'HH:mm");

let hark: TestHark;
let browser: Browser;

beforeAll(async () => {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {name: Alice Adams, timezone: UTC, sms: "+15555550301"}',
      '  bob: {name: Bob Brown, sms: "+15555550302"}',
      '  carol: {name: Carol Chen, sms: "+15555550303"}',
      'services:',
      '  - {name: web, escalation_policy: main, runbook: web-down}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
      'api_tokens:',
      `  - {name: alice-phone, token: "${API}", person: alice}`,
      `  - {name: robot, token: "${ROBOT}"}`,
    ),
    'schedules/main.yaml': lines(
      'timezone: UTC',
      'rotations:',
      `  - {name: weekly, members: [alice, bob], start: ${local(monday)}, handoff: FREQ=WEEKLY}`,
      `  - name: office`,
      `    role: secondary`,
      `    members: [bob]`,
      `    start: ${local(monday)}`,
      `    handoff: FREQ=WEEKLY`,
      `    coverage: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}]`,
      'overrides:',
      `  - {role: primary, person: carol, from: ${local(tomorrow.plus({ hours: 9 }))}, to: ${local(tomorrow.plus({ hours: 33 }))}}`,
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: main}]',
      '    escalate_after: 5m',
    ),
    'runbooks/web-down.md': lines(
      '---',
      'title: Web is down',
      '---',
      '1. Check the **load balancer**.',
      '2. <script>alert(1)</script> is shown, not run.',
    ),
  });
  hark = await startTestHark(dir, { now });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await hark?.close();
  cleanupTmpConfigs();
});

/** The element's text as written (textContent: not changed by CSS text-transform), trimmed. */
const txt = async (l: Locator): Promise<string> =>
  ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function fire(summary: string): Promise<number> {
  const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ status: 'firing', summary, severity: 'critical' }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
}

async function signIn(ctx: BrowserContext, next = '/'): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${hark.url}${next}`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('#token', API);
  await page.click('button[type=submit]');
  await page.waitForURL(`${hark.url}${next}`);
  return page;
}

describe('web dashboard (Chromium)', () => {
  it('signs in, shows who is on call and the timeline, and acknowledges with the button', async () => {
    const id = await fire('Checkout returns 502');
    const ctx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await ctx.newPage();
      // Not signed in: the sign-in page, and a wrong token is refused there.
      await page.goto(`${hark.url}/`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.fill('#token', 'not-a-token');
      await page.click('button[type=submit]');
      expect(await txt(page.locator('.flash.error'))).toBe('That is not one of the API tokens in hark.yaml.');
      await page.fill('#token', API);
      await page.click('button[type=submit]');
      await page.waitForURL(`${hark.url}/`);

      const cookie = (await ctx.cookies()).find((c) => c.name === 'hark_session')!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(cookie.value).not.toContain(API);
      expect(await txt(page.locator('header .who'))).toBe('Alice Adams');

      // On call now: alice holds primary this week, bob the secondary (office hours).
      const primary = page.locator('tr[data-schedule=main][data-role=primary]');
      expect(await txt(primary.locator('td').nth(1))).toBe('Alice Adams');
      // Until carol's override tomorrow 09:00, which comes before the week's handoff on Monday.
      expect(await txt(primary.locator('td').nth(2))).toContain('Thu 5 Mar 09:00');
      // The line about the signed-in person.
      expect(await txt(page.locator('#you'))).toBe('You are on call: main primary until Thu 5 Mar 09:00.');
      const secondary = page.locator('tr[data-schedule=main][data-role=secondary] td').nth(1);
      expect(await txt(secondary)).toBe('Bob Brown');

      // The timeline: carol's override is drawn as one, and the secondary has gaps.
      const timeline = page.locator('[data-timeline=main]');
      const override = timeline.locator('.seg.override');
      expect(await override.count()).toBe(1);
      expect(await txt(override)).toBe('Carol Chen');
      expect(await timeline.locator('.seg.gap').count()).toBeGreaterThan(5);
      expect(await timeline.locator('.seg.rotation[data-person=bob]').count()).toBeGreaterThan(5);
      // Nothing sticks out sideways on a phone.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

      // The open incident, acknowledged with its button.
      const card = page.locator(`article[data-incident="${id}"]`);
      expect(await txt(card.locator('.title'))).toBe('Checkout returns 502');
      expect(await txt(card.locator('.state'))).toBe('triggered');
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
      await card.locator('button[data-action=acknowledge]').click();
      await page.waitForURL(`${hark.url}/`);
      expect(await txt(page.locator('.flash'))).toBe(`Acknowledged #${id} web: Checkout returns 502`);
      expect(await txt(card.locator('.state'))).toBe('acknowledged');
      expect(await card.locator('button[data-action=acknowledge]').count()).toBe(0);
      expect(await txt(card)).toContain('ack Alice Adams');

      const stored = await hark.store.get(id);
      expect(stored).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'person:alice' });

      // The incident page (the link in every SMS): the acknowledgement is on its timeline.
      await card.locator('.title a').click();
      await page.waitForURL(`${hark.url}/i/${id}`);
      const ack = page.locator('ol.timeline li[data-type="incident.acknowledged"]');
      expect(await ack.count()).toBe(1);
      expect(await txt(ack)).toContain('Acknowledged');
      expect(await txt(ack)).toContain('Alice Adams');
      await page.fill('#note', 'Rolled back deploy 1234');
      await page.click('form[action$="/notes"] button');
      expect(await txt(page.locator('ol.timeline li[data-type="note.added"]'))).toContain(
        'Rolled back deploy 1234',
      );
      await page.screenshot({ path: join(ARTIFACTS, 'incident-phone.png'), fullPage: true });
      // The post-mortem draft, as `hark postmortem` writes it.
      const draft = await page.request.get(`${hark.url}/i/${id}/postmortem.md`);
      expect(draft.status()).toBe(200);
      expect(draft.headers()['content-type']).toContain('text/markdown');
      const markdown = await draft.text();
      expect(markdown).toContain(`# Post-mortem: #${id} web: Checkout returns 502`);
      expect(markdown).toContain('Rolled back deploy 1234');
      expect(markdown).toContain(`${hark.url}/runbooks/web-down`);

      // Resolve from the incident page; a second resolve is refused with the reason.
      await page.click('button[data-action=resolve]');
      expect(await txt(page.locator('.flash'))).toBe(`Resolved #${id} web: Checkout returns 502`);
      expect((await hark.store.get(id))!.state).toBe('resolved');
      expect(await page.locator('button[data-action]').count()).toBe(0);
      // Back on the dashboard it is under "Resolved in the last 24 hours".
      await page.click('a[href="/"]');
      await page.click('#resolved summary');
      expect(await txt(page.locator(`#resolved a[href="/i/${id}"]`))).toBe(`#${id} Checkout returns 502`);
      expect(await txt(page.locator('#resolved li').first())).toContain('by Alice Adams');

      // Sign out: the session is gone.
      await page.click('header button');
      await page.waitForURL(/\/login$/);
      await page.goto(`${hark.url}/`);
      expect(new URL(page.url()).pathname).toBe('/login');
    } finally {
      await ctx.close();
    }
  });

  it('takes a person from an SMS link to the incident after signing in', async () => {
    const id = await fire('Link from an SMS');
    const ctx = await browser.newContext();
    try {
      const page = await signIn(ctx, `/i/${id}`);
      expect(await txt(page.locator('h1.title'))).toBe('Link from an SMS');
      // What the escalation does next (the first step is due as the incident opens).
      expect(await txt(page.locator('[data-next-step]'))).toMatch(
        /^step 1 of 1: Alice Adams \(schedule main\/primary\), at .+ \(due now\)$/,
      );
      // Hand the comms role to bob.
      await page.click('text=Hand over an incident role');
      await page.selectOption('form[action$="/roles"] select[name=role]', 'comms');
      await page.selectOption('form[action$="/roles"] select[name=person]', 'bob');
      await page.click('form[action$="/roles"] button');
      await page.waitForURL(`${hark.url}/i/${id}`);
      expect(await txt(page.locator('.flash'))).toBe(`Bob Brown is now comms of #${id}; they are told.`);
      expect((await hark.store.get(id))!.roles).toMatchObject({ comms: 'bob' });
      expect(await txt(page.locator('dl.facts'))).toContain('comms: Bob Brown');
      await page.click('a[href="/runbooks/web-down"]');
      expect(await txt(page.locator('h1'))).toBe('Web is down');
      expect(await txt(page.locator('.runbook strong'))).toBe('load balancer');
      expect(await txt(page.locator('.runbook'))).toContain('<script>alert(1)</script> is shown, not run.');
      expect(await page.locator('.runbook script').count()).toBe(0);
      await page.goto(`${hark.url}/i/99999`);
      expect(await txt(page.locator('main h1'))).toBe('Not found');
      // A mistyped link gets a page too, not JSON; the API keeps its JSON 404.
      const missing = await page.goto(`${hark.url}/nope`);
      expect(missing!.status()).toBe(404);
      expect(await txt(page.locator('main h1'))).toBe('Not found');
      const api = await fetch(`${hark.url}/v1/nope`, { headers: { accept: 'text/html' } });
      expect(api.headers.get('content-type')).toContain('application/json');
    } finally {
      await ctx.close();
    }
  });
});

describe('runtime overrides from the dashboard', () => {
  it('puts a person on call for a while and removes the override again', async () => {
    const ctx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const page = await signIn(ctx);
      const secondary = page.locator('tr[data-schedule=main][data-role=secondary] td').nth(1);
      const before = await txt(secondary);
      const card = page.locator('[data-timeline=main]');
      await card.locator('details.take summary').click();
      await card.locator('select[name=person]').selectOption('carol');
      await card.locator('select[name=role]').selectOption('secondary');
      await card.locator('select[name=duration]').selectOption('1h');
      await card.locator('input[name=reason]').fill('covering for bob');
      await card.locator('.override-form button[type=submit]').click();
      await page.waitForURL(`${hark.url}/#shifts`);
      expect(await txt(page.locator('.flash'))).toMatch(
        /^Carol Chen is secondary on call for main until .+ \(o\w+\)\.$/,
      );
      expect(await txt(secondary)).toBe('Carol Chen');
      const listed = card.locator('.overrides li');
      expect(await listed.count()).toBe(1);
      expect(await txt(listed)).toContain('covering for bob');
      expect(await txt(listed)).toContain('by alice');
      // The timeline draws it as an override now.
      expect(await card.locator('.seg.override[data-person=carol]').count()).toBe(2);

      await listed.locator('button[data-remove]').click();
      await page.waitForURL(`${hark.url}/#shifts`);
      expect(await txt(page.locator('.flash'))).toMatch(/^Removed override o\w+\.$/);
      expect(await txt(secondary)).toBe(before);
      expect(await card.locator('.overrides li').count()).toBe(0);
    } finally {
      await ctx.close();
    }
  });
});

describe('web forms are CSRF-safe', () => {
  async function session(): Promise<{ cookie: string; csrf: string }> {
    const res = await fetch(`${hark.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: API, next: '/' }),
    });
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${hark.url}/`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    return { cookie, csrf };
  }
  const post = (path: string, cookie: string, form: Record<string, string>, origin?: string) =>
    fetch(`${hark.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(origin ? { Origin: origin } : {}),
      },
      body: new URLSearchParams(form),
    });

  it('refuses a POST without the form token, from another origin, or without a session', async () => {
    const id = await fire('CSRF target');
    const { cookie, csrf } = await session();
    const before = await hark.snapshot();
    expect((await post(`/i/${id}/resolve`, cookie, {})).status).toBe(403);
    expect(
      (
        await post(`/i/${id}/resolve`, cookie, {
          csrf: `${csrf.slice(0, -1)}${csrf.endsWith('x') ? 'y' : 'x'}`,
        })
      ).status,
    ).toBe(403);
    expect((await post(`/i/${id}/resolve`, cookie, { csrf }, 'https://evil.example')).status).toBe(403);
    const anonymous = await post(`/i/${id}/resolve`, '', { csrf });
    expect(anonymous.status).toBe(303);
    // After signing in, back to the incident's page, not to the form's action.
    expect(anonymous.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`/i/${id}`)}`);
    expect(await hark.snapshot()).toEqual(before);

    const ok = await post(`/i/${id}/resolve`, cookie, { csrf, back: '//evil.example/x' }, hark.url);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/');
    expect((await hark.store.get(id))!.state).toBe('resolved');
  });

  it('reloads itself for a wall display only when asked, within bounds', async () => {
    const { cookie } = await session();
    const html = async (q: string) => (await fetch(`${hark.url}/${q}`, { headers: { cookie } })).text();
    expect(await html('?refresh=30')).toContain('<meta http-equiv="refresh" content="30"/>');
    for (const q of ['', '?refresh=5', '?refresh=99999', '?refresh=abc']) {
      expect(await html(q)).not.toContain('http-equiv="refresh"');
    }
  });

  it('refuses forged session cookies and serves strict headers', async () => {
    const forged = await fetch(`${hark.url}/`, {
      redirect: 'manual',
      headers: { cookie: `hark_session=v1.alice-phone.${now() + 1e9}.${'A'.repeat(43)}` },
    });
    expect(forged.status).toBe(303);
    const { cookie } = await session();
    const page = await fetch(`${hark.url}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('lets a token without a person act under the token name', async () => {
    const id = await fire('Robot ack');
    const res = await fetch(`${hark.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ROBOT }),
    });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const html = await (await fetch(`${hark.url}/`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    expect((await post(`/i/${id}/acknowledge`, cookie, { csrf })).status).toBe(303);
    expect(await hark.store.get(id)).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'token:robot' });
  });
});
