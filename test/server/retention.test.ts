/**
 * settings.retention (SPEC 1.1): a resolved incident is kept this long, then its keys expire and
 * it leaves the incident index; open incidents never expire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const GENERIC = 'generic-token-retention-0123';
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
      'settings:',
      '  retention: 2h',
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
const keysOf = (id: number) => [
  hark.keys.incident(id),
  hark.keys.incidentAlerts(id),
  hark.keys.incidentAlertStatus(id),
  hark.keys.incidentTimeline(id),
];
const ttls = (id: number) => Promise.all(keysOf(id).map((k) => hark.redis.pttl(k)));
const HOURS_2 = 2 * 3600_000;

describe('retention', () => {
  it('keeps open incidents, and expires resolved ones after settings.retention', async () => {
    const open = (await alert('stays-open', 'firing'))!;
    const byHand = (await alert('resolved-by-hand', 'firing'))!;
    const byAlert = (await alert('resolved-by-alert', 'firing'))!;
    await hark.ops.acknowledge(open, 'person:alice', 'alice', new Date());
    expect(await ttls(open)).toEqual([-1, -1, -1, -1]);

    expect((await hark.ops.resolve(byHand, 'person:alice', new Date())).ok).toBe(true);
    expect(await alert('resolved-by-alert', 'resolved')).toBe(byAlert);
    for (const id of [byHand, byAlert]) {
      for (const ttl of await ttls(id)) {
        expect(ttl).toBeGreaterThan(HOURS_2 - 60_000);
        expect(ttl).toBeLessThanOrEqual(HOURS_2);
      }
    }
    // A note after the resolve keeps the expiry.
    await hark.ops.addNote(byHand, 'person:alice', 'post-mortem on Friday', new Date());
    expect(await hark.redis.pttl(hark.keys.incidentTimeline(byHand))).toBeGreaterThan(0);
    expect(await ttls(open)).toEqual([-1, -1, -1, -1]);
  });

  it('drops expired incidents from the index when listing', async () => {
    const id = (await alert('expires', 'firing'))!;
    await hark.ops.resolve(id, 'person:alice', new Date());
    expect((await hark.store.list({ limit: 500 })).map((i) => i.id)).toContain(id);
    // Retention is over: the keys are gone (as PEXPIRE would have it).
    await hark.redis.del(...keysOf(id));
    expect(await hark.redis.zscore(hark.keys.incidents, String(id))).not.toBeNull();
    expect((await hark.store.list({ state: 'resolved' })).map((i) => i.id)).not.toContain(id);
    expect(await hark.redis.zscore(hark.keys.incidents, String(id))).toBeNull();
  });
});
