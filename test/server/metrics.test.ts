/** /metrics changes as alerts, pages and acknowledgements happen, in Prometheus text format. */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics.js';
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

/** Posts JSON to an integration (a name) or a path (`/v2/enqueue`), with a bearer token if given. */
function post(where: string, token: string | null, body: unknown): Promise<Response> {
  return fetch(where.startsWith('/') ? `${hark.url}${where}` : `${hark.url}/v1/alerts/${where}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
}

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
    expect(delta('hark_alert_requests_total{integration="scripts",outcome="accepted",code="202"}')).toBe(1);
    expect(delta('hark_alert_requests_total{integration="scripts",outcome="rejected",code="401"}')).toBe(1);
    expect(delta('hark_alerts_received_total{integration="scripts",status="firing"}')).toBe(1);
    expect(delta('hark_incidents_opened_total{service="web",severity="SEV-1"}')).toBe(1);
    expect(delta('hark_pages_total{channel="sms",status="sent"}')).toBeGreaterThanOrEqual(1);
    expect(delta('hark_time_to_acknowledge_seconds_count')).toBe(1);
    expect(delta('hark_time_to_resolve_seconds_count')).toBe(1);
    expect(after.get('hark_escalation_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(after.has('hark_queue_jobs{state="delayed"}')).toBe(true);
  });

  it('counts alerts per alert and requests per request: an Alertmanager batch of 5 is 5 alerts, 1 request', async () => {
    const before = await scrape();
    const alerts = [1, 2, 3, 4, 5].map((n) => ({
      status: 'firing',
      labels: { alertname: `Batch${n}`, team: 'web', instance: `web-${n}` },
      annotations: { summary: `batch alert ${n}` },
    }));
    const res = await post('am', TOKENS.am, { version: '4', status: 'firing', alerts });
    expect(res.status).toBe(202);
    const after = await scrape();
    const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    expect(delta('hark_alerts_received_total{integration="am",status="firing"}')).toBe(5);
    expect(delta('hark_alert_requests_total{integration="am",outcome="accepted",code="202"}')).toBe(1);
  });

  it('takes no label value from the URL: a mistyped integration is counted as "unknown"', async () => {
    const before = await scrape();
    for (const name of ['datadg', 'datadgo', 'x'.repeat(200)]) {
      expect((await post(name, TOKENS.datadog, { title: 'typo' })).status).toBe(404);
    }
    const after = await scrape();
    expect(
      (after.get('hark_alert_requests_total{integration="unknown",outcome="rejected",code="404"}') ?? 0) -
        (before.get('hark_alert_requests_total{integration="unknown",outcome="rejected",code="404"}') ?? 0),
    ).toBe(3);
    const labels = [...after.keys()].flatMap((k) =>
      [...k.matchAll(/integration="([^"]*)"/g)].map((m) => m[1]),
    );
    const known = new Set([...hark.config.integrations.map((i) => i.name), 'unknown']);
    expect(labels.filter((l) => !known.has(l!))).toEqual([]);
  });

  it('counts /v2/enqueue under the integration its routing_key resolved to', async () => {
    const before = await scrape();
    const event = {
      routing_key: TOKENS.pagerduty,
      event_action: 'trigger',
      dedup_key: `enqueue-metrics-${Date.now()}`,
      payload: { summary: 'via v2 enqueue', source: 'test', severity: 'critical' },
    };
    expect((await post('/v2/enqueue', null, event)).status).toBe(202);
    expect((await post('/v2/enqueue', null, { ...event, event_action: 'acknowledge' })).status).toBe(202);
    expect((await post('/v2/enqueue', null, { ...event, routing_key: 'not-a-key' })).status).toBe(401);
    const after = await scrape();
    const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    expect(delta('hark_alert_requests_total{integration="pd",outcome="accepted",code="202"}')).toBe(2);
    expect(delta('hark_alerts_received_total{integration="pd",status="firing"}')).toBe(1);
    expect(delta('hark_alerts_received_total{integration="pd",status="acknowledge"}')).toBe(1);
    // Acknowledged by its source: the time to acknowledge counts it too.
    expect(delta('hark_time_to_acknowledge_seconds_count')).toBe(1);
    expect(delta('hark_alert_requests_total{integration="unknown",outcome="rejected",code="401"}')).toBe(1);
    expect([...after.keys()].some((k) => k.includes('v2/enqueue'))).toBe(false);
  });

  it('observes the time to resolve of an incident resolved by its alerts (auto-resolve)', async () => {
    const before = await scrape();
    const alert = {
      dedup_key: `auto-resolve-${Date.now()}`,
      summary: 'resolves itself',
      labels: { team: 'web' },
    };
    const fired = await post('scripts', TOKENS.generic, { ...alert, status: 'firing' });
    const id = ((await fired.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
    expect((await post('scripts', TOKENS.generic, { ...alert, status: 'resolved' })).status).toBe(202);
    expect((await hark.store.get(id, false))!.state).toBe('resolved');
    const after = await scrape();
    const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    expect(delta('hark_time_to_resolve_seconds_count')).toBe(1);
    expect(delta('hark_alerts_received_total{integration="scripts",status="resolved"}')).toBe(1);
  });

  it('times HTTP requests per method, route pattern and status, never per path', async () => {
    const before = await scrape();
    const get = (path: string, token: string | null = TOKENS.api) =>
      fetch(`${hark.url}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    expect((await get('/v1/incidents/987654')).status).toBe(404);
    expect((await get('/v1/incidents/987655', null)).status).toBe(401);
    expect((await get('/v1/no/such/route-31337')).status).toBe(404);
    const after = await scrape();
    const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
    const series = (route: string, status: number) =>
      `hark_http_request_duration_seconds_count{method="GET",route="${route}",status="${status}"}`;
    expect(delta(series('/v1/incidents/:id', 404))).toBe(1);
    expect(delta(series('/v1/incidents/:id', 401))).toBe(1);
    expect(delta(series('unmatched', 404))).toBe(1);
    expect([...after.keys()].filter((k) => /987654|987655|31337/.test(k))).toEqual([]);
  });

  it('names the default process metrics with one prefix', async () => {
    const text = await new Metrics().registry.metrics();
    expect(text).toMatch(/^hark_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^hark_nodejs_eventloop_lag_seconds \d/m);
    expect(text).not.toContain('hark_process_process_');
    expect(text).not.toContain('hark_process_nodejs_');
  });

  it('is valid Prometheus text exposition: every family has HELP and TYPE, histograms are cumulative', async () => {
    const text = await (await fetch(`${hark.url}/metrics`)).text();
    const families = parsePrometheusTextFormat(text);
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const [name, type] of [
      ['hark_alert_requests_total', 'COUNTER'],
      ['hark_alerts_received_total', 'COUNTER'],
      ['hark_incidents_opened_total', 'COUNTER'],
      ['hark_pages_total', 'COUNTER'],
      ['hark_time_to_acknowledge_seconds', 'HISTOGRAM'],
      ['hark_time_to_resolve_seconds', 'HISTOGRAM'],
      ['hark_escalation_lag_seconds', 'HISTOGRAM'],
      ['hark_sweep_catchups_total', 'COUNTER'],
      ['hark_queue_jobs', 'GAUGE'],
      ['hark_config_reloads_total', 'COUNTER'],
      ['hark_http_request_duration_seconds', 'HISTOGRAM'],
    ] as const) {
      const family = byName.get(name);
      expect(family, name).toBeDefined();
      expect(family!.type, name).toBe(type);
      expect(family!.help, name).not.toBe('');
    }
    // Each series of each histogram, one per label set (the parser above merges the series of a
    // labelled histogram into one, without its count: they are read from the text here).
    const histograms = families.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name);
    expect(histograms).toContain('hark_http_request_duration_seconds');
    const series = new Map<string, { buckets: [number, number][]; count?: number }>();
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+?)(_bucket|_count)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m || !histograms.includes(m[1]!)) continue;
      const labels = (m[3] ?? '').split(/,(?=[a-z_]+=")/).filter((l) => l !== '' && !l.startsWith('le='));
      const key = `${m[1]}{${labels.join(',')}}`;
      const s = series.get(key) ?? { buckets: [] };
      series.set(key, s);
      if (m[2] === '_count') s.count = Number(m[4]);
      else {
        const le = /(?:^|,)le="([^"]+)"/.exec(m[3] ?? '')![1]!;
        s.buckets.push([le === '+Inf' ? Infinity : Number(le), Number(m[4])]);
      }
    }
    expect([...series.keys()].some((k) => k.startsWith('hark_http_request_duration_seconds{method='))).toBe(
      true,
    );
    for (const [key, s] of series) {
      const counts = s.buckets.sort(([a], [b]) => a - b).map(([, v]) => v);
      expect(counts.length, key).toBeGreaterThan(1);
      for (let i = 1; i < counts.length; i++) expect(counts[i], key).toBeGreaterThanOrEqual(counts[i - 1]!);
      expect(counts.at(-1), key).toBe(s.count);
    }
  });
});
