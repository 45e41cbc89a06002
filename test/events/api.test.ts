/** GET /v1/events: the stream paged by id, behind an API token, with its query validated. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { serverTestConfig, TOKENS } from '../server/config.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { note, writeEvents } from './support.js';

let hark: TestHark;
beforeAll(async () => {
  hark = await startTestHark(serverTestConfig());
  await writeEvents(
    hark.redis,
    hark.keys,
    Array.from({ length: 7 }, (_, i) => ({ incident: i + 1, event: note(i) })),
  );
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

interface Page {
  events: { id: string; incident: number; event: { type: string; text: string } }[];
  next: string;
}

const get = (query: string, token: string | null = TOKENS.api) =>
  fetch(`${hark.url}/v1/events${query}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

describe('GET /v1/events', () => {
  it('pages through the events, oldest first', async () => {
    const texts: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await get(`?limit=3${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page;
      if (page.events.length === 0) {
        expect(page.next).toBe(after);
        break;
      }
      for (const e of page.events) {
        expect(e).toMatchObject({ incident: Number(e.event.text) + 1, event: { type: 'note.added' } });
        texts.push(e.event.text);
      }
      expect(page.next).toBe(page.events.at(-1)!.id);
      after = page.next;
    }
    expect(texts).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    const all = (await (await get('')).json()) as Page;
    expect(all.events).toHaveLength(7); // default limit 100
    const largest = '18446744073709551615-18446744073709551615';
    expect(await (await get(`?after=${largest}`)).json()).toEqual({ events: [], next: largest });
  });

  it('wants an API token, before looking at the query', async () => {
    for (const [query, token] of [
      ['', null],
      ['', 'wrong-token'],
      ['?after=nonsense', null],
      ['?limit=0', TOKENS.generic], // an integration's token is not an API token
    ] as const) {
      const res = await get(query, token);
      expect(res.status, `${query} ${token}`).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('refuses a bad after or limit with 400 naming the field', async () => {
    for (const [query, field] of [
      ['?after=abc', 'after'],
      ['?after=1-2-3', 'after'],
      ['?after=12', 'after'],
      ['?after=-1-0', 'after'],
      ['?after=99999999999999999999999-0', 'after'],
      ['?after=', 'after'],
      ['?limit=0', 'limit'],
      ['?limit=1001', 'limit'],
      ['?limit=2.5', 'limit'],
      ['?limit=ten', 'limit'],
      ['?from=1-0', '(body)'],
    ] as const) {
      const res = await get(query);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; field: string; message: string } };
      expect(body.error, query).toMatchObject({ code: 'invalid_query' });
      if (field !== '(body)') expect(body.error.field, query).toBe(field);
    }
    const res = await get('?after=abc');
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      'must be an event id such as 1764082800000-0',
    );
  });
});
