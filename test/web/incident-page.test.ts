/**
 * What the incident page and the dashboard cards tell a responder, in a real Chromium: every
 * alert's links, description and values as the email has them (Alertmanager, Grafana, Datadog,
 * PagerDuty payloads from their docs), "Next" naming the people the next step pages, and cards
 * saying who was paged or who acknowledged. Also `hark incident 42`'s step and page rows.
 *
 * The schedule has one member from 2026-01-01, so who is on call does not depend on the date.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleTransports } from '../../src/pages/console.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { runCli } from '../support/cli.js';
import { testFormats } from '../support/formats.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { PageLog } from '../support/page-log.js';

const API = 'web-page-token-0123456789abcdef';
const AM = 'am-token-incident-page-0123456789';
const GRAFANA = 'grafana-token-incident-page-0123';
const DD = 'dd-token-incident-page-01234567';
const PD = 'R0UT1NGK3Y-secret-value';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FIXTURES = join(import.meta.dirname, '../alerts/fixtures');
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

const formats = testFormats;

let dir: string;
let hark: TestHark;
let log: PageLog;
let browser: Browser;

beforeAll(async () => {
  dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {name: Alice Adams, timezone: UTC, sms: "+15555550401", notify: {high: [{sms: 0s}]}}',
      '  bob: {name: Bob Brown, sms: "+15555550402", notify: {high: [{sms: 0s}]}}',
      'services:',
      '  - {name: web, escalation_policy: main}',
      'integrations:',
      `  - {name: prometheus, type: alertmanager, token: "${AM}"}`,
      `  - {name: grafana, type: grafana, token: "${GRAFANA}"}`,
      `  - {name: datadog, type: datadog, token: "${DD}"}`,
      `  - {name: legacy, type: pagerduty, token: "${PD}"}`,
      'api_tokens:',
      `  - {name: alice-phone, token: "${API}", person: alice}`,
      'settings:',
      '  page_limits: {sms: [], voice: []}',
    ),
    'schedules/main.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: weekly, members: [alice], start: 2026-01-01T00:00, handoff: FREQ=WEEKLY}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: main}]',
      '    escalate_after: 1h',
      '  - notify: [{person: bob}]',
      '    escalate_after: 1h',
    ),
  });
  log = new PageLog();
  hark = await startTestHark(dir, { escalation: { transports: consoleTransports(log.write), formats } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await hark?.close();
  cleanupTmpConfigs();
});

const txt = async (l: Locator): Promise<string> =>
  ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

async function post(path: string, body: unknown, token: string | null): Promise<number[]> {
  const res = await fetch(`${hark.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents.map((i) => i.id);
}

async function signIn(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${hark.url}/login`);
  await page.fill('#token', API);
  await page.click('button[type=submit]');
  await page.waitForURL(`${hark.url}/`);
  return page;
}

/** The hrefs of the links shown for the incident's alerts. */
async function alertLinks(page: Page): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const a of await page.locator('.alert .links a').all()) {
    out[await txt(a)] = (await a.getAttribute('href')) ?? '';
  }
  return out;
}

describe('the incident page shows what the email shows', () => {
  it("shows every alert's links, description and values, and names who the next step pages", async () => {
    const [am] = await post('/v1/alerts/prometheus', fixture('alertmanager-firing.json'), AM);
    const [gf] = await post('/v1/alerts/grafana', fixture('grafana-firing.json'), GRAFANA);
    const [dd] = await post('/v1/alerts/datadog', fixture('datadog-triggered.json'), DD);
    const [pd] = await post('/v2/enqueue', fixture('pagerduty-trigger.json'), null);
    // step 1 pages alice for each
    for (const id of [am, gf, dd, pd]) await log.waitFor(new RegExp(`#${id} `));

    const ctx = await browser.newContext();
    try {
      const page = await signIn(ctx);

      await page.goto(`${hark.url}/i/${am}`);
      expect(await alertLinks(page)).toMatchObject({
        Source: 'https://prometheus.example.com/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
        Runbook: 'https://runbooks.example.com/instance-down',
      });
      expect(await txt(page.locator('.alert pre.details').first())).toContain(
        'db-1:9100 of job node has been down for more than 5 minutes.',
      );
      // "Next" names the person the next step pages, not only the target
      const next = page.locator('[data-next-step]');
      expect(await next.getAttribute('data-next-step')).toBe('2');
      expect(await txt(next)).toMatch(/^step 2 of 2: Bob Brown \(person bob\), at .+ \(in (59m|1h)\)$/);

      await page.goto(`${hark.url}/i/${gf}`);
      expect(await alertLinks(page)).toMatchObject({
        Source: 'https://grafana.example.com/alerting/grafana/1afz29v7z/view',
        Dashboard: 'https://grafana.example.com/d/abcd1234',
        Panel: 'https://grafana.example.com/d/abcd1234?viewPanel=3',
        Silence:
          'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHigh+memory+usage',
      });
      const grafanaDetails = await txt(page.locator('.alert pre.details').first());
      expect(grafanaDetails).toContain('The system has high memory usage');
      expect(grafanaDetails).toContain('Values: B=44.23943737541908, C=1');

      await page.goto(`${hark.url}/i/${dd}`);
      expect(await alertLinks(page)).toMatchObject({
        Datadog: 'https://app.datadoghq.com/event/event?id=7391582915032190462',
      });
      expect(await txt(page.locator('.alert pre.details'))).toContain(
        'CPU above 90% on web-1 for 5 minutes.',
      );

      await page.goto(`${hark.url}/i/${pd}`);
      expect(Object.values(await alertLinks(page))).toContain('https://example.com/');
      expect(await txt(page.locator('.alert pre.details'))).toContain('"ping time": "1500ms"');

      // The dashboard's cards say who was paged, and who acknowledged.
      await hark.ops.acknowledge(dd!, 'person:bob', 'bob', new Date());
      await page.goto(`${hark.url}/`);
      const card = (id: number) => page.locator(`article[data-incident="${id}"]`);
      expect(await card(am!).locator('.paged').getAttribute('data-paged')).toBe('alice');
      expect(await txt(card(am!).locator('.paged'))).toBe('Paged Alice Adams (sms)');
      expect(await txt(card(dd!))).toContain('ack Bob Brown');
      expect(await card(dd!).locator('.paged').count()).toBe(0);
    } finally {
      await ctx.close();
    }

    // `hark incident` names the person and channel on step and page rows.
    const out = await runCli(
      ['incident', String(am), '--server', hark.url, '--token', API, '--config', dir],
      {
        env: {},
      },
    );
    expect(out.code).toBe(0);
    const rows = out.stdout.split('\n');
    expect(rows.find((r) => r.includes('step.fired'))).toMatch(
      /step\.fired +hark +step 1; people: alice \(schedule:main\/primary\)$/,
    );
    expect(rows.find((r) => r.includes('page.sent'))).toMatch(
      /page\.sent +hark +person: alice; channel: sms$/,
    );
  });
});
