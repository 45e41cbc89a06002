/**
 * Config reload (SPEC 7): `POST /v1/config/reload` and `RunningServer.reload()` (SIGHUP) on the
 * real `startServer` assembly, against the test run's Redis and the fake Twilio. A bad config is
 * refused and the old one keeps serving; a good one applies to new work at once and reaches other
 * processes on the same Redis; a running escalation keeps the policy its incident fixed.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { startFakeTwilio, type FakeTwilio, type RecordedMessage } from '../support/fake-twilio.js';

const API = 'api-token-reload-0123456789';
const GENERIC = 'generic-token-reload-0123456789';
const PHONES = { alice: '+15555550201', bob: '+15555550202', carol: '+15555550203' } as const;

const hark = (policyStep2: string) =>
  lines(
    'people:',
    ...Object.entries(PHONES).map(([p, n]) => `  ${p}: {sms: "${n}", notify: {high: [{sms: 0m}]}}`),
    'services:',
    '  - {name: web, escalation_policy: main}',
    'integrations:',
    `  - {name: scripts, type: generic, token: "${GENERIC}"}`,
    'api_tokens:',
    `  - {name: cli, token: "${API}", person: alice}`,
    `# step 2: ${policyStep2}`,
  );
const schedule = (members: string) =>
  lines(
    'timezone: UTC',
    'rotations:',
    `  - {name: weekly, members: [${members}], start: 2026-01-05T09:00, handoff: FREQ=WEEKLY}`,
  );
const policy = (step2: string) =>
  lines(
    'repeat: 0',
    'steps:',
    '  - notify: [{person: alice}]',
    '    escalate_after: 1s',
    `  - notify: [{person: ${step2}}]`,
    '    escalate_after: 10m',
  );

let twilio: FakeTwilio;
const running: RunningServer[] = [];

beforeAll(async () => {
  twilio = await startFakeTwilio();
});
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
  twilio.reset();
});
afterAll(async () => {
  await twilio.close();
  cleanupTmpConfigs();
});

function configDir(): string {
  return tmpConfig({
    'hark.yaml': hark('bob'),
    'schedules/main.yaml': schedule('alice, bob'),
    'escalation-policies/main.yaml': policy('bob'),
  });
}

async function start(dir: string, prefix: string, api = true, worker = true): Promise<RunningServer> {
  const r = await startServer({
    configDir: dir,
    env: {
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: '+15555550100',
      TWILIO_API_URL: twilio.url,
    },
    api,
    worker,
    log: pino({ level: process.env.HARK_TEST_LOG ?? 'silent' }),
  });
  running.push(r);
  return r;
}

const post = (r: RunningServer, path: string, body?: unknown, token = API) =>
  fetch(`${r.listening}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
/** Who holds `main` at `at` (an instant the test fixes: never today's date). */
const oncallPerson = async (r: RunningServer, at: string): Promise<string> => {
  const res = await fetch(`${r.listening}/v1/oncall?schedule=main&at=${at}`, {
    headers: { authorization: `Bearer ${API}` },
  });
  const body = (await res.json()) as { oncall: { person: string }[] };
  return body.oncall[0]!.person;
};
const fire = (r: RunningServer, summary: string) =>
  post(r, '/v1/alerts/scripts', { status: 'firing', summary, severity: 'critical' }, GENERIC);
const smsTo = (who: keyof typeof PHONES, incident: number) =>
  twilio.waitFor(
    (m): m is RecordedMessage =>
      m.kind === 'message' && m.to === PHONES[who] && m.body.includes(`#${incident} `),
    8000,
  );

describe('config reload', () => {
  // The weekly rotation hands off Mondays 09:00 UTC from 2026-01-05: alice holds the even weeks
  // since then, bob the odd ones. Reversing the members changes the holder in both.
  it.each([
    { week: 'an odd week', at: '2026-12-03T12:00:00Z', before: 'bob', after: 'alice' },
    { week: 'an even week', at: '2026-12-07T09:00:00Z', before: 'alice', after: 'bob' },
  ])('applies a valid config at once and says what changed ($week)', async ({ at, before, after }) => {
    const dir = configDir();
    const r = await start(dir, `{reload-${randomUUID().slice(0, 8)}}:`, true, false);
    expect(await oncallPerson(r, at)).toBe(before);
    writeFileSync(join(dir, 'schedules/main.yaml'), schedule('bob, alice'));

    const res = await post(r, '/v1/config/reload');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { reloaded: boolean; changed: Record<string, unknown> };
    expect(body.reloaded).toBe(true);
    expect(body.changed.schedules).toEqual({ added: [], removed: [], changed: ['main'] });
    expect(body.changed.people).toEqual({ added: [], removed: [], changed: [] });
    expect(await oncallPerson(r, at)).toBe(after);
    expect(r.config.schedules.get('main')!.rotations[0]).toMatchObject({ members: ['bob', 'alice'] });
  });

  it('refuses a broken config with its errors and keeps serving the old one', async () => {
    const dir = configDir();
    const r = await start(dir, `{reload-${randomUUID().slice(0, 8)}}:`, true, false);
    expect(await oncallPerson(r, '2026-12-03T12:00:00Z')).toBe('bob');
    const config = r.config;
    writeFileSync(join(dir, 'schedules/main.yaml'), schedule('alice, bbo'));

    const res = await post(r, '/v1/config/reload');
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; errors: { file: string; line: number }[] } };
    expect(body.error.code).toBe('invalid_config');
    expect(body.error.errors).toEqual([
      expect.objectContaining({
        file: 'schedules/main.yaml',
        line: 3,
        message: expect.stringContaining('"bbo"'),
      }),
    ]);
    expect(r.config).toBe(config);
    expect(await oncallPerson(r, '2026-12-03T12:00:00Z')).toBe('bob');
    expect((await fire(r, 'still taking alerts')).status).toBe(202);

    // SIGHUP's path refuses it the same way.
    const again = r.reload();
    expect(again.ok).toBe(false);
    expect(r.config).toBe(config);
  });

  it('needs an API token', async () => {
    const r = await start(configDir(), `{reload-${randomUUID().slice(0, 8)}}:`, true, false);
    const config = r.config;
    expect((await post(r, '/v1/config/reload', undefined, 'wrong')).status).toBe(401);
    expect(r.config).toBe(config);
  });

  it('reaches every process on the Redis; running escalations keep their policy', async () => {
    const dir = configDir();
    const prefix = `{reload-${randomUUID().slice(0, 8)}}:`;
    const api = await start(dir, prefix, true, false);
    const worker = await start(dir, prefix, false, true);

    // #1 opens under the old policy (step 2: bob) and step 1 pages alice.
    expect((await fire(api, 'one')).status).toBe(202);
    await smsTo('alice', 1);

    writeFileSync(join(dir, 'escalation-policies/main.yaml'), policy('carol'));
    const workerConfig = worker.config;
    const res = await post(api, '/v1/config/reload');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { changed: { policies: unknown } }).changed.policies).toEqual({
      added: [],
      removed: [],
      changed: ['main'],
    });
    // The worker hears the reload on Redis pub/sub and reads its own copy of the directory.
    await expect.poll(() => worker.config, { timeout: 5000 }).not.toBe(workerConfig);
    expect(worker.config.policies.get('main')!.steps[1]!.notify[0]).toEqual({
      kind: 'person',
      person: 'carol',
    });

    // #1's step 2 still pages bob (its snapshot); #2, opened after the reload, escalates to carol.
    expect((await fire(api, 'two')).status).toBe(202);
    await smsTo('bob', 1);
    await smsTo('carol', 2);
    expect(twilio.messages.filter((m) => m.to === PHONES.carol && m.body.includes('#1 '))).toEqual([]);
    expect(twilio.messages.filter((m) => m.to === PHONES.bob && m.body.includes('#2 '))).toEqual([]);
  });
});
