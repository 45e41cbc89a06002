/**
 * Every page and form of the web UI needs a session: walked from the routes the app registers
 * (not a list kept by hand), each one without a session cookie is sent to the sign-in page and
 * changes nothing; only the sign-in page itself and the style sheet answer without one.
 */
import type { Hono } from 'hono';
import type * as AppModule from '../../src/server/app.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isWebPath } from '../../src/web/routes.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { serverTestConfig, TOKENS } from '../server/config.js';
import { startTestHark, type TestHark } from '../support/harness.js';

const built = vi.hoisted(() => [] as Hono[]);
vi.mock('../../src/server/app.js', async (importOriginal) => {
  const mod = await importOriginal<typeof AppModule>();
  return {
    ...mod,
    createApp: (...args: Parameters<typeof mod.createApp>) => {
      const app = mod.createApp(...args);
      built.push(app);
      return app;
    },
  };
});

/** Answer without a session, on purpose. */
const PUBLIC = new Set(['GET /login', 'POST /login', 'GET /static/hark.css']);

let hark: TestHark;
let incident: number;
beforeAll(async () => {
  hark = await startTestHark(serverTestConfig());
  const res = await fetch(`${hark.url}/v1/alerts/scripts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKENS.generic}` },
    body: JSON.stringify({ status: 'firing', summary: 'web auth', labels: { team: 'web' } }),
  });
  incident = ((await res.json()) as { incidents: { id: number }[] }).incidents[0]!.id;
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

/** A concrete path for a route pattern: `/i/:id/:action{a|b}` → `/i/<incident>/a`. */
function concrete(pattern: string): string {
  return pattern
    .replace(/:action\{([a-z]+)[^}]*\}/, '$1')
    .replace(/:id(?=\/|$)/, String(incident))
    .replace(/:[A-Za-z]+(\{[^}]*\})?/g, 'main');
}

describe('the web UI', () => {
  it('sends every page and form without a session to the sign-in page, changing nothing', async () => {
    const app = built[0]!;
    const routes = [
      ...new Set(
        app.routes
          .filter((r) => r.method !== 'ALL' && (isWebPath(r.path) || r.path.startsWith('/static/')))
          .map((r) => `${r.method} ${r.path}`),
      ),
    ];
    const guarded = routes.filter((r) => !PUBLIC.has(r));
    expect(guarded.length).toBeGreaterThan(8);
    for (const p of PUBLIC) expect(routes, p).toContain(p);
    // The install's secret is made on the first request that needs it: not a change of state.
    await (await fetch(`${hark.url}/`, { redirect: 'manual' })).text();
    const before = await hark.snapshot();
    for (const route of guarded) {
      const [method, pattern] = route.split(' ') as [string, string];
      const res = await fetch(`${hark.url}${concrete(pattern)}`, {
        method,
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        ...(method === 'POST' ? { body: 'csrf=x&text=hello&person=alice&role=commander' } : {}),
      });
      expect(res.status, route).toBe(303);
      expect(res.headers.get('location'), route).toMatch(/^\/login\?next=/);
      await res.text();
    }
    expect(await hark.snapshot()).toEqual(before);
  });
});
