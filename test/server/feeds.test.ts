/**
 * The iCal feeds on a real server and Redis (SPEC section 7): `GET /v1/schedules/:name.ics` and
 * `GET /v1/people/:name.ics` with the feed token in the query — the events are the final shifts
 * of the shifts API (runtime overrides included), each token opens only its own feed, and
 * `hark feed-url` prints a URL that opens it.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { actionSecret } from '../../src/pages/page-formats.js';
import { CompiledSchedule } from '../../src/schedules/engine.js';
import { feedToken } from '../../src/schedules/feed-token.js';
import { defaultFeedRange } from '../../src/schedules/ical.js';
import { OverrideStore } from '../../src/schedules/override-store.js';
import { shiftRows, type ShiftRow } from '../../src/schedules/report.js';
import { isoUtc } from '../../src/time/format.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { clockFrom } from '../support/clock.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { asRows, feedTestConfig, parseFeed } from '../support/ical.js';

const API_TOKEN = 'api-token-for-feed-tests-0123456789';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The server's clock (and the overrides'): from a fixed instant, so feed ranges never depend on today. */
const clock = clockFrom('2026-03-04T12:00:00Z');

let hark: TestHark;
let dir: string;
let secret: string;
beforeAll(async () => {
  dir = feedTestConfig(API_TOKEN);
  hark = await startTestHark(dir, { now: clock });
  secret = await actionSecret(hark.redis, hark.keys);
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

async function get(path: string, headers: Record<string, string> = {}, base = () => hark.url) {
  const res = await fetch(`${base()}${path}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const errorOf = (text: string) => (JSON.parse(text) as { error: Record<string, string> }).error;

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

function expectedRows(
  name: string,
  from: number,
  to: number,
  overrides: Awaited<ReturnType<OverrideStore['list']>>,
) {
  const schedule = new CompiledSchedule(hark.config.schedules.get(name)!);
  return shiftRows(schedule, from, to, schedule.withOverrides(overrides.filter((o) => o.schedule === name)));
}

describe('GET /v1/schedules/:name.ics', () => {
  it('has the shifts of the shifts API for the same range: rotation, coverage gaps, git override', async () => {
    const range = { from: '2026-02-26T00:00', to: '2026-03-12T00:00' }; // local to New York
    const res = await get(
      `/v1/schedules/platform.ics?${q({ token: feedToken(secret, 'schedule', 'platform'), ...range })}`,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('private, max-age=300');
    const feed = parseFeed(res.text);
    expect(feed.name).toBe('Hark: platform');

    const api = await get(`/v1/schedules/platform/shifts?${q(range)}`, {
      Authorization: `Bearer ${API_TOKEN}`,
    });
    expect(api.status, api.text).toBe(200);
    const shifts = (JSON.parse(api.text) as { shifts: ShiftRow[] }).shifts;
    expect(asRows(feed.events)).toEqual(shifts);
    expect(shifts).toEqual(
      expectedRows('platform', Date.parse('2026-02-26T05:00Z'), Date.parse('2026-03-12T04:00Z'), []),
    );
    // Weekday 09:00–17:00 windows only (gaps left out), and dave's git override.
    expect(
      shifts
        .filter((s) => s.role === 'primary')
        .every((s) => Date.parse(s.end) - Date.parse(s.start) <= 8 * HOUR),
    ).toBe(true);
    expect(feed.events).toContainEqual(
      expect.objectContaining({
        summary: 'platform primary: dave',
        start: '2026-03-03T15:00:00Z',
        end: '2026-03-03T17:00:00Z',
        source: 'override:git:0',
      }),
    );
    expect(feed.events.find((e) => e.person === 'bob')!.summary).toBe('platform primary: Bob Builder');
    for (const e of feed.events) {
      expect(e.utc).toBe(true);
      expect(e.description).toContain('Schedule time zone: America/New_York');
    }
  });

  it('shows 7 days back to 90 days ahead by default, with runtime overrides', async () => {
    const store = new OverrideStore(hark.redis, hark.keys, () => hark.config, clock);
    const now = Math.floor(clock() / 1000) * 1000; // iCal times have whole seconds
    const o = await store.create({
      schedule: 'payments',
      role: 'primary',
      person: 'erin',
      from: now + 2 * HOUR,
      to: now + 5 * HOUR,
      createdBy: null,
      reason: 'dentist',
    });
    const res = await get(`/v1/schedules/payments.ics?token=${feedToken(secret, 'schedule', 'payments')}`);
    expect(res.status, res.text).toBe(200);
    const events = parseFeed(res.text).events;
    const range = defaultFeedRange(now);
    expect(events[0]!.start).toBe(isoUtc(range.from));
    expect(events.at(-1)!.end).toBe(isoUtc(range.to));
    expect(asRows(events)).toEqual(expectedRows('payments', range.from, range.to, await store.list()));
    expect(events).toContainEqual(
      expect.objectContaining({
        person: 'erin',
        source: `override:${o.id}`,
        start: isoUtc(o.from),
        end: isoUtc(o.to),
      }),
    );
    await store.remove(o.id);
    const after = parseFeed(
      (await get(`/v1/schedules/payments.ics?token=${feedToken(secret, 'schedule', 'payments')}`)).text,
    );
    expect(after.events.some((e) => e.person === 'erin')).toBe(false);
  });

  it('refuses a missing or wrong token with 401, whatever the name', async () => {
    const token = feedToken(secret, 'schedule', 'platform');
    for (const path of [
      '/v1/schedules/platform.ics',
      '/v1/schedules/platform.ics?token=',
      `/v1/schedules/platform.ics?token=${'A'.repeat(32)}`,
      `/v1/schedules/platform.ics?token=${token.slice(0, 31)}`,
      `/v1/schedules/platform.ics?token=${token}x`,
      `/v1/schedules/payments.ics?token=${token}`, // another schedule's token
      `/v1/people/alice.ics?token=${token}`, // a schedule token on a person feed
      `/v1/schedules/alice.ics?token=${feedToken(secret, 'person', 'alice')}`, // a person token on a schedule feed
      `/v1/schedules/no-such.ics?token=${token}`, // unknown names are not told apart without their token
      '/v1/people/no-such.ics',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(401);
      expect(errorOf(res.text)).toMatchObject({ code: 'unauthorized', field: 'token' });
      expect(res.text).not.toContain('no-such');
    }
    // An API token does not open a feed: feeds authenticate by their own token only.
    const bearer = await get('/v1/schedules/platform.ics', { Authorization: `Bearer ${API_TOKEN}` });
    expect(bearer.status).toBe(401);
  });

  it('answers 404 for an unknown name with the token derived for it', async () => {
    const res = await get(`/v1/schedules/gone.ics?token=${feedToken(secret, 'schedule', 'gone')}`);
    expect(res.status).toBe(404);
    expect(errorOf(res.text)).toMatchObject({ code: 'not_found', message: 'there is no schedule "gone"' });
    const person = await get(`/v1/people/zed.ics?token=${feedToken(secret, 'person', 'zed')}`);
    expect(person.status).toBe(404);
    expect(errorOf(person.text)).toMatchObject({ code: 'not_found', message: 'there is no person "zed"' });
  });

  it('answers 400 naming the field for a bad range', async () => {
    const token = feedToken(secret, 'schedule', 'platform');
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ from: 'yesterday' }, 'from', /invalid from/],
      [{ from: '2026-03-01', to: '2026-13-01T00:00' }, 'to', /invalid to/],
      [{ from: '2026-03-02T00:00Z', to: '2026-03-01T00:00Z' }, 'to', /after from/],
      [{ from: '2026-01-01T00:00Z', to: '2027-02-05T00:00:01Z' }, 'to', /at most 400 days/],
    ];
    for (const [params, field, message] of cases) {
      const res = await get(`/v1/schedules/platform.ics?${q({ token, ...params })}`);
      expect(res.status, JSON.stringify(params)).toBe(400);
      const error = errorOf(res.text);
      expect(error).toMatchObject({ code: 'invalid_query', field });
      expect(error.message).toMatch(message);
    }
    // 400 days exactly is fine; one bound alone keeps the default 97-day length.
    const longest = q({ token, from: '2026-01-01T00:00Z', to: '2027-02-05T00:00Z' });
    expect((await get(`/v1/schedules/platform.ics?${longest}`)).status).toBe(200);
    const one = parseFeed(
      (await get(`/v1/schedules/platform.ics?${q({ token, from: '2026-03-01T00:00Z' })}`)).text,
    );
    expect(asRows(one.events)).toEqual(
      expectedRows(
        'platform',
        Date.parse('2026-03-01T00:00Z'),
        Date.parse('2026-03-01T00:00Z') + 97 * DAY,
        [],
      ),
    );
  });

  it('leaves the other /v1/schedules routes alone', async () => {
    const auth = { Authorization: `Bearer ${API_TOKEN}` };
    expect(
      (await get(`/v1/schedules/platform/shifts?${q({ from: 'now', to: '2027-01-01T00:00Z' })}`, auth))
        .status,
    ).toBe(200);
    expect((await get('/v1/schedules/platform/overrides', auth)).status).toBe(200);
    expect((await get('/v1/schedules/platform.json')).status).toBe(404);
  });
});

describe('GET /v1/people/:name.ics', () => {
  it("has the person's shifts across every schedule and role, runtime overrides included", async () => {
    const store = new OverrideStore(hark.redis, hark.keys, () => hark.config, clock);
    const now = Math.floor(clock() / 1000) * 1000; // iCal times have whole seconds
    const taken = await store.create({
      schedule: 'payments',
      role: 'primary',
      person: 'alice',
      from: now + 30 * HOUR,
      to: now + 32 * HOUR,
      createdBy: 'person:alice',
      reason: null,
    });
    const given = await store.create({
      schedule: 'platform',
      role: 'secondary',
      person: 'erin',
      from: now + HOUR,
      to: now + 6 * DAY,
      createdBy: null,
      reason: null,
    });
    const from = now - 3 * DAY;
    const to = now + 30 * DAY;
    const res = await get(
      `/v1/people/alice.ics?${q({ token: feedToken(secret, 'person', 'alice'), from: isoUtc(from), to: isoUtc(to) })}`,
    );
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const feed = parseFeed(res.text);
    expect(feed.name).toBe('Hark: alice on call');

    const overrides = await store.list();
    const expected = ['platform', 'payments'].flatMap((name) =>
      expectedRows(name, from, to, overrides)
        .filter((r) => r.person === 'alice')
        .map((r) => ({ schedule: name, ...r })),
    );
    const got = feed.events.map((e) => ({ schedule: e.schedule, ...asRows([e])[0]! }));
    const key = (r: { schedule: string; role: string; start: string }) =>
      `${r.start} ${r.schedule} ${r.role}`;
    expect([...got].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...expected].sort((a, b) => key(a).localeCompare(key(b))),
    );
    expect(new Set(got.map((r) => r.schedule))).toEqual(new Set(['platform', 'payments']));
    expect(got).toContainEqual(
      expect.objectContaining({
        schedule: 'payments',
        source: `override:${taken.id}`,
        start: isoUtc(taken.from),
        end: isoUtc(taken.to),
      }),
    );
    // Erin's override took alice's secondary shifts in its span out of her feed.
    expect(
      got.some(
        (r) => r.role === 'secondary' && Date.parse(r.start) < given.to && Date.parse(r.end) > given.from,
      ),
    ).toBe(false);
    for (const e of feed.events) expect(e.summary).toBe(`On call: ${e.schedule} ${e.role}`);
    await store.remove(taken.id);
    await store.remove(given.id);
  });

  it("does not open with another person's token", async () => {
    const res = await get(`/v1/people/alice.ics?token=${feedToken(secret, 'person', 'bob')}`);
    expect(res.status).toBe(401);
  });
});

describe('hark feed-url', () => {
  let fresh: TestHark;
  beforeAll(async () => {
    fresh = await startTestHark(dir); // a new prefix: no secret yet, the CLI makes it
  });
  afterAll(async () => {
    await fresh.close();
  });

  const hark = (argv: string[]) =>
    runCli(argv, {
      env: {
        HARK_CONFIG: dir,
        REDIS_URL: inject('redisUrl'),
        HARK_REDIS_PREFIX: fresh.keys.prefix,
        HARK_PUBLIC_URL: `${fresh.url}/`,
      },
    });

  it('prints a URL whose token opens the feed', async () => {
    const r = await hark(['feed-url', 'schedule', 'platform']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(new RegExp(`^${fresh.url}/v1/schedules/platform\\.ics\\?token=[A-Za-z0-9_-]{32}$`));
    const res = await get(url.slice(fresh.url.length), {}, () => fresh.url);
    expect(res.status, res.text).toBe(200);
    expect(parseFeed(res.text).name).toBe('Hark: platform');

    const person = await hark(['feed-url', 'person', 'alice', '--json']);
    expect(person.code).toBe(0);
    const body = JSON.parse(person.stdout) as { kind: string; name: string; url: string };
    expect(body).toMatchObject({ kind: 'person', name: 'alice' });
    expect(body.url.startsWith(`${fresh.url}/v1/people/alice.ics?token=`)).toBe(true);
    expect((await get(body.url.slice(fresh.url.length), {}, () => fresh.url)).status).toBe(200);
    // A token printed for one install does not open another's feeds (its own secret).
    expect((await get(url.slice(fresh.url.length))).status).toBe(401);
  });

  it('refuses an unknown kind or name (exit 2)', async () => {
    expect(await hark(['feed-url', 'team', 'platform'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/use schedule or person/),
    });
    expect(await hark(['feed-url', 'schedule', 'nope'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown schedule "nope"/),
    });
    expect(await hark(['feed-url', 'person', 'platform'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown person "platform"/),
    });
  });
});
