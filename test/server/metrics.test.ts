/** /metrics changes as alerts, pages and acknowledgements happen, in Prometheus text format. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleTransports } from '../../src/pages/console.js';
import { createPageFormats } from '../../src/pages/page-formats.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { PageLog } from '../support/page-log.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { serverTestConfig, TOKENS } from './config.js';

let hark: TestHark;
const log = new PageLog();
beforeAll(async () => {
  hark = await startTestHark(serverTestConfig(), {
    escalation: { transports: consoleTransports(log.write), formats: createPageFormats('s') },
  });
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

/** The metric samples as `name{labels}` → value. */
async function scrape(): Promise<Map<string, number>> {
  const res = await fetch(`${hark.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('/metrics', () => {
  it('counts alerts, incidents, pages and times to acknowledge and resolve', async () => {
    const before = await scrape();
    const post = (token: string) =>
      fetch(`${hark.url}/v1/alerts/scripts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ status: 'firing', summary: 'Metered', labels: { team: 'web' } }),
      });
    const res = await post(TOKENS.generic);
    const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
    expect((await post('wrong-token')).status).toBe(401);
    await log.waitFor(new RegExp(`#${id} `));
    // The page is counted once it is recorded, just after the console prints it.
    for (
      let i = 0;
      i < 100 && !(await hark.store.get(id))!.timeline!.some((e) => e.type === 'page.sent');
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const act = (action: string) =>
      fetch(`${hark.url}/v1/incidents/${id}/${action}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKENS.api}` },
      });
    await act('acknowledge');
    await act('resolve');
    const after = await scrape();
    const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    expect(delta('hark_alerts_received_total{integration="scripts",outcome="accepted"}')).toBe(1);
    expect(delta('hark_alerts_received_total{integration="scripts",outcome="rejected"}')).toBe(1);
    expect(delta('hark_incidents_opened_total{service="web",severity="SEV-1"}')).toBe(1);
    expect(delta('hark_pages_total{channel="sms",status="sent"}')).toBeGreaterThanOrEqual(1);
    expect(delta('hark_time_to_acknowledge_seconds_count')).toBe(1);
    expect(delta('hark_time_to_resolve_seconds_count')).toBe(1);
    expect(after.get('hark_escalation_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(after.has('hark_queue_jobs{state="delayed"}')).toBe(true);
  });

  it('is valid Prometheus text exposition: every family has HELP and TYPE, histograms are cumulative', async () => {
    const text = await (await fetch(`${hark.url}/metrics`)).text();
    const families = parsePrometheusTextFormat(text);
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const [name, type] of [
      ['hark_alerts_received_total', 'COUNTER'],
      ['hark_incidents_opened_total', 'COUNTER'],
      ['hark_pages_total', 'COUNTER'],
      ['hark_time_to_acknowledge_seconds', 'HISTOGRAM'],
      ['hark_time_to_resolve_seconds', 'HISTOGRAM'],
      ['hark_escalation_lag_seconds', 'HISTOGRAM'],
      ['hark_sweep_catchups_total', 'COUNTER'],
      ['hark_queue_jobs', 'GAUGE'],
      ['hark_config_reloads_total', 'COUNTER'],
    ] as const) {
      const family = byName.get(name);
      expect(family, name).toBeDefined();
      expect(family!.type, name).toBe(type);
      expect(family!.help, name).not.toBe('');
    }
    for (const family of families.filter((f) => f.type === 'HISTOGRAM')) {
      for (const metric of family.metrics as { buckets: Record<string, string>; count: string }[]) {
        const counts = Object.entries(metric.buckets)
          .sort(([a], [b]) => (a === '+Inf' ? 1 : b === '+Inf' ? -1 : Number(a) - Number(b)))
          .map(([, v]) => Number(v));
        for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
        expect(counts.at(-1)).toBe(Number(metric.count));
      }
    }
  });
});
