/**
 * The open-incidents index: the dashboard and `list({state})` read the open incidents from it, so
 * they cost the open ones, not every stored one. Written by the incident scripts with the state;
 * built once from the incident index for incidents stored before it existed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { IncidentStore } from '../../src/incidents/store.js';

const GENERIC = 'generic-token-open-index-0123';
let hark: TestHark;

beforeAll(async () => {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550401"}',
      'services:',
      '  - {name: web, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
    ),
    'schedules/main.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: r, members: [alice], start: 2026-01-05T09:00}',
    ),
    'escalation-policies/main.yaml': lines('steps:', '  - notify: [{schedule: main}]'),
  });
  hark = await startTestHark(dir);
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

const alert = async (key: string, status: 'firing' | 'resolved') => {
  const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC}` },
    body: JSON.stringify({ dedup_key: key, status, summary: key }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: { id: number }[] }).incidents[0]?.id ?? null;
};
const act = async (id: number, action: 'acknowledge' | 'resolve' | 'unacknowledge') => {
  const r =
    action === 'acknowledge'
      ? await hark.ops.acknowledge(id, 'person:alice', 'alice', new Date())
      : action === 'resolve'
        ? await hark.ops.resolve(id, 'person:alice', new Date())
        : await hark.ops.unacknowledge(id, 'person:alice', new Date());
  expect(r.ok).toBe(true);
};
const indexed = async () => (await hark.redis.zrange(hark.keys.openIncidents, '0', '-1')).map(Number);
const ids = (list: { id: number }[]) => list.map((i) => i.id);

describe('the open-incidents index', () => {
  it('holds exactly the triggered and acknowledged incidents through their lives', async () => {
    const a = (await alert('a', 'firing'))!;
    const b = (await alert('b', 'firing'))!;
    const c = (await alert('c', 'firing'))!;
    const d = (await alert('d', 'firing'))!;
    expect(await indexed()).toEqual(expect.arrayContaining([a, b, c, d]));
    await act(a, 'acknowledge');
    await act(b, 'resolve'); // by hand
    expect(await alert('c', 'resolved')).toBe(c); // by its alert (auto-resolve)
    await act(d, 'acknowledge');
    await act(d, 'unacknowledge');
    const open = await indexed();
    expect(open).toContain(a);
    expect(open).toContain(d);
    expect(open).not.toContain(b);
    expect(open).not.toContain(c);
    expect(ids(await hark.store.list({ state: 'acknowledged' }))).toContain(a);
    expect(ids(await hark.store.list({ state: 'triggered' }))).toContain(d);
    expect(ids(await hark.store.list({ state: 'triggered' }))).not.toContain(a);
    expect(ids(await hark.store.list({ state: 'resolved' }))).toEqual(expect.arrayContaining([b, c]));
  });

  it('a refused action leaves the index as it was', async () => {
    const e = (await alert('e', 'firing'))!;
    await act(e, 'resolve');
    const before = await indexed();
    const again = await hark.ops.acknowledge(e, 'person:alice', 'alice', new Date());
    expect(again.ok).toBe(false);
    expect(await indexed()).toEqual(before);
  });

  it('is built once from the stored incidents when a Hark from before the index starts', async () => {
    const open1 = (await alert('old-open-1', 'firing'))!;
    const open2 = (await alert('old-open-2', 'firing'))!;
    await act(open2, 'acknowledge');
    const gone = (await alert('old-resolved', 'firing'))!;
    await act(gone, 'resolve');
    // As a Hark from before the index left Redis: no index, no marker.
    await hark.redis.del(hark.keys.openIncidents, hark.keys.openIncidentsIndexed);
    const store = new IncidentStore(hark.redis, hark.keys, () => hark.config.settings.retentionMs);
    // Until it is built, lists read every stored incident (nothing open is missed).
    expect(ids(await store.list({ state: 'triggered' }))).toContain(open1);
    await store.indexOpenIncidents();
    expect(await hark.redis.get(hark.keys.openIncidentsIndexed)).toBe('1');
    const open = await indexed();
    expect(open).toEqual(expect.arrayContaining([open1, open2]));
    expect(open).not.toContain(gone);
    expect(ids(await store.list({ state: 'acknowledged' }))).toContain(open2);
    expect(ids(await store.list({ state: 'triggered' }))).toContain(open1);
    // Running it again changes nothing.
    await store.indexOpenIncidents();
    expect(await indexed()).toEqual(open);
  });
});
