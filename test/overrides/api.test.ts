/**
 * The overrides API (SPEC 7) on a real server and Redis: create, list, delete, auth and 400s, and
 * that /v1/oncall, shifts and escalation steps see runtime overrides at once. The servers' clock
 * starts at a fixed instant (never today's date), mid-week and hours from any handoff.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleTransports } from '../../src/pages/console.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { clockFrom } from '../support/clock.js';
import { testFormats } from '../support/formats.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { API_TOKEN, GENERIC_TOKEN, HOUR, ROBOT_TOKEN, overrideTestConfig } from './support.js';

/** Wed 4 Mar 2026 12:00 UTC: carol holds platform's primary until Mon 9 Mar 09:00, alice the secondary. */
const now = clockFrom('2026-03-04T12:00:00Z');
let hark: TestHark;
let dir: string;
beforeAll(async () => {
  dir = overrideTestConfig();
  hark = await startTestHark(dir, { now });
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

type Body = Record<string, unknown>;
interface OverrideBody {
  id: string;
  schedule: string;
  role: string;
  person: string;
  from: string;
  to: string;
  createdAt: string;
  createdBy: string | null;
  reason: string | null;
}
interface WhoRow {
  schedule: string;
  role: string;
  person: string | null;
  since: string | null;
  until: string | null;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = API_TOKEN,
  url = () => hark.url,
) {
  const res = await fetch(`${url()}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

const OVERRIDES = '/v1/schedules/platform/overrides';

async function create(body: Body, token = API_TOKEN): Promise<OverrideBody> {
  const r = await call('POST', OVERRIDES, body, token);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.override as OverrideBody;
}

async function holder(role = 'primary', atIso?: string): Promise<WhoRow> {
  const r = await call('GET', `/v1/oncall?schedule=platform${atIso ? `&at=${atIso}` : ''}`);
  expect(r.status).toBe(200);
  return (r.body.oncall as WhoRow[]).find((row) => row.role === role)!;
}

async function removeAll(): Promise<void> {
  const list = (await call('GET', OVERRIDES)).body.overrides as OverrideBody[];
  for (const o of list) expect((await call('DELETE', `${OVERRIDES}/${o.id}`)).status).toBe(200);
}

/** Someone other than these (from the config's people). */
const other = (...not: (string | null)[]) =>
  ['alice', 'bob', 'carol', 'dave', 'erin'].find((p) => !not.includes(p))!;

describe('overrides API', () => {
  it('needs an API token and a known schedule', async () => {
    for (const [method, path] of [
      ['GET', OVERRIDES],
      ['POST', OVERRIDES],
      ['DELETE', `${OVERRIDES}/o1`],
    ] as const) {
      const r = await call(method, path, method === 'POST' ? { person: 'bob' } : undefined, null);
      expect(r.status).toBe(401);
      expect((r.body.error as Body).code).toBe('unauthorized');
      expect((await call(method, path, undefined, GENERIC_TOKEN)).status).toBe(401);
    }
    const missing = await call('GET', '/v1/schedules/nope/overrides');
    expect(missing).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: 'there is no schedule "nope"' } },
    });
    expect((await call('POST', '/v1/schedules/nope/overrides', { person: 'bob' })).status).toBe(404);
  });

  it('creates, lists and deletes; who made it is the token’s actor (or `as`)', async () => {
    const before = now();
    const o = await create({ person: 'bob', duration: '2h', reason: 'swap with carol' });
    expect(o).toMatchObject({
      schedule: 'platform',
      role: 'primary',
      person: 'bob',
      createdBy: 'person:alice',
      reason: 'swap with carol',
    });
    expect(o.id).toMatch(/^o[0-9a-z]+$/);
    const from = Date.parse(o.from);
    expect(from).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(o.to) - from).toBe(2 * HOUR);
    expect(o.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);

    const robot = await create({ role: 'secondary', person: 'dave', duration: '30m' }, ROBOT_TOKEN);
    expect(robot.createdBy).toBe('token:robot');
    const as = await create({ person: 'erin', duration: '1h', as: 'carol' });
    expect(as.createdBy).toBe('person:carol');

    const list = await call('GET', OVERRIDES);
    expect(list.status).toBe(200);
    expect((list.body.overrides as OverrideBody[]).map((x) => x.id).sort()).toEqual(
      [o.id, robot.id, as.id].sort(),
    );
    expect((list.body.overrides as OverrideBody[]).find((x) => x.id === o.id)).toEqual(o);
    expect((await call('GET', '/v1/schedules/other/overrides')).body).toEqual({ overrides: [] });

    // Only through its own schedule.
    expect((await call('DELETE', `/v1/schedules/other/overrides/${o.id}`)).status).toBe(404);
    const del = await call('DELETE', `${OVERRIDES}/${o.id}`);
    expect(del).toEqual({ status: 200, body: { override: o } });
    expect(await call('DELETE', `${OVERRIDES}/${o.id}`)).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: `schedule "platform" has no override "${o.id}"` } },
    });
    await removeAll();
    expect((await call('GET', OVERRIDES)).body).toEqual({ overrides: [] });
  });

  it('takes from/to as ISO 8601, local to the schedule without an offset', async () => {
    const other = await call('POST', '/v1/schedules/other/overrides', {
      role: 'lead',
      person: 'alice',
      from: '2030-01-10T09:00', // America/New_York: 14:00Z
      to: '2030-01-10T17:00-05:00',
    });
    expect(other.status).toBe(201);
    expect(other.body.override).toMatchObject({ from: '2030-01-10T14:00:00Z', to: '2030-01-10T22:00:00Z' });
    const id = (other.body.override as OverrideBody).id;
    expect((await call('DELETE', `/v1/schedules/other/overrides/${id}`)).status).toBe(200);
  });

  it('answers 400 naming the field', async () => {
    const cases: [unknown, string, string][] = [
      [{ person: 'bbo', duration: '1h' }, 'person', 'unknown person "bbo" (did you mean "bob"?)'],
      [
        { role: 'tertiary', person: 'bob', duration: '1h' },
        'role',
        'schedule "platform" has no role "tertiary" (roles: primary, secondary)',
      ],
      [
        { person: 'bob', duration: 'soon' },
        'duration',
        'invalid duration: use 30s, 5m, 2h, 1d or a combination such as 1h30m',
      ],
      [
        { person: 'bob', duration: '0' },
        'duration',
        'invalid duration: use 30s, 5m, 2h, 1d or a combination such as 1h30m',
      ],
      [
        { person: 'bob', to: '2099-01-01T00:00Z', duration: '1h' },
        'duration',
        'give to or duration, not both',
      ],
      [
        { person: 'bob', from: 'tomorrow', duration: '1h' },
        'from',
        'invalid from: use ISO 8601 such as 2026-03-08T01:30 (local to the schedule), 2026-03-08T06:30Z, or now',
      ],
      [{ person: 'bob', from: '2030-01-02T00:00Z', to: '2030-01-01T00:00Z' }, 'to', 'to must be after from'],
      [{ person: 'bob', duration: '91d' }, 'to', 'an override lasts at most 90 days'],
      [
        { person: 'bob', from: '2020-01-01T00:00Z', to: '2020-01-01T01:00Z' },
        'to',
        'the override would already be over: to must be in the future',
      ],
      [{ person: 'bob', duration: '1h', as: 'zed' }, 'as', 'unknown person "zed"'],
      [{ duration: '1h' }, 'person', 'expected string'],
      [{ person: 'bob', until: 'later' }, '(body)', 'unknown field until'],
      ['{"person": ', '(body)', 'the body is not valid JSON'],
    ];
    for (const [body, field, message] of cases) {
      const r = await call('POST', OVERRIDES, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((r.body.error as Body).field, JSON.stringify(body)).toBe(field);
      expect((r.body.error as Body).message, JSON.stringify(body)).toBe(message);
    }
    expect((await call('GET', OVERRIDES)).body).toEqual({ overrides: [] });
  });

  it('/v1/oncall sees an override at once; a newer one beats an older; deleting restores', async () => {
    const base = await holder();
    expect(base).toMatchObject({ person: 'carol', until: '2026-03-09T09:00:00Z' });
    const first = other(base.person);
    const older = await create({ person: first, duration: '3h' });
    const row = await holder();
    expect(row.person).toBe(first);
    expect(row.until).toBe(older.to.replace('.000Z', 'Z'));

    const second = other(base.person, first);
    const newer = await create({ person: second, duration: '1h' });
    expect((await holder()).person).toBe(second);
    // When the newer one ends, the older one still holds.
    expect((await holder('primary', newer.to)).person).toBe(first);

    await call('DELETE', `${OVERRIDES}/${newer.id}`);
    expect((await holder()).person).toBe(first);
    await call('DELETE', `${OVERRIDES}/${older.id}`);
    expect(await holder()).toEqual(base);
  });

  it('without to or duration: until the end of the current holder’s interval (a handoff)', async () => {
    const base = await holder();
    const o = await create({ person: other(base.person) });
    expect(o.to).toBe(base.until);
    await removeAll();
  });

  it('runtime overrides beat git overrides, in /v1/oncall and shifts', async () => {
    const at = '2030-06-01T12:00:00Z'; // git: dave holds primary 06-01 09:00 → 06-02 09:00
    expect((await holder('primary', at)).person).toBe('dave');
    const o = await create({ person: 'erin', from: '2030-06-01T10:00Z', to: '2030-06-01T14:00Z' });
    expect(await holder('primary', at)).toEqual({
      schedule: 'platform',
      role: 'primary',
      person: 'erin',
      since: '2030-06-01T10:00:00Z',
      until: '2030-06-01T14:00:00Z',
    });
    const shifts = await call(
      'GET',
      '/v1/schedules/platform/shifts?from=2030-06-01T08:00Z&to=2030-06-01T16:00Z',
    );
    expect(shifts.status).toBe(200);
    expect((shifts.body.shifts as Body[]).filter((s) => s.role === 'primary')).toEqual([
      {
        role: 'primary',
        person: expect.any(String),
        start: '2030-06-01T08:00:00Z',
        end: '2030-06-01T09:00:00Z',
        source: 'rotation:weekly',
      },
      {
        role: 'primary',
        person: 'dave',
        start: '2030-06-01T09:00:00Z',
        end: '2030-06-01T10:00:00Z',
        source: 'override:git:1',
      },
      {
        role: 'primary',
        person: 'erin',
        start: '2030-06-01T10:00:00Z',
        end: '2030-06-01T14:00:00Z',
        source: `override:${o.id}`,
      },
      {
        role: 'primary',
        person: 'dave',
        start: '2030-06-01T14:00:00Z',
        end: '2030-06-01T16:00:00Z',
        source: 'override:git:1',
      },
    ]);
    await removeAll();
  });
});

describe('escalation with runtime overrides', () => {
  const formats = testFormats;
  const PHONES: Record<string, string> = {
    alice: '+15555550101',
    bob: '+15555550102',
    carol: '+15555550103',
    dave: '+15555550104',
    erin: '+15555550105',
  };

  it('a step fired after an override pages the override’s person', async () => {
    const pages: string[] = [];
    const paging = await startTestHark(dir, {
      escalation: { transports: consoleTransports((line) => pages.push(line)), formats },
      now,
    });
    try {
      const base = (await holder('primary', undefined)).person;
      const secondary = (await holder('secondary', undefined)).person;
      const takeover = other(base, secondary);
      const r = await call(
        'POST',
        OVERRIDES,
        { person: takeover, duration: '1h' },
        API_TOKEN,
        () => paging.url,
      );
      expect(r.status).toBe(201);
      const res = await fetch(`${paging.url}/v1/alerts/scripts`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${GENERIC_TOKEN}` },
        body: JSON.stringify({ status: 'firing', summary: 'Disk full' }),
      });
      expect(res.status).toBe(202);
      const id = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
      const deadline = Date.now() + 10_000;
      while (!pages.some((p) => p.includes(`#${id} `)) && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(pages.filter((p) => p.includes(`#${id} `))).toEqual([
        `[page] SMS to ${PHONES[takeover]}: #${id} Disk full`,
      ]);
      const fired = (await paging.store.get(id))!.timeline!.find((e) => e.type === 'step.fired');
      expect(fired).toMatchObject({ people: [`${takeover} (schedule:platform/primary)`] });
    } finally {
      await paging.close();
    }
  });
});
