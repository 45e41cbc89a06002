/** `hark events`: the stream from Redis or through a server, as lines or JSON, and --follow. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TimelineEvent } from '../../src/events/schema.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { serverTestConfig, TOKENS } from '../server/config.js';
import { runCli } from '../support/cli.js';
import { startTestHark, type TestHark } from '../support/harness.js';
import { note, writeEvents } from './support.js';

const ROOT = resolve(import.meta.dirname, '../..');
const AT = '2026-03-04T12:00:00.000Z';

const LIFE: { incident: number; event: TimelineEvent }[] = [
  {
    incident: 42,
    event: {
      type: 'incident.opened',
      at: AT,
      actor: 'integration:scripts',
      alert: 'scripts/disk',
      summary: 'Disk full on db-1',
      service: 'web',
      severity: 'SEV-1',
    },
  },
  {
    incident: 42,
    event: { type: 'incident.acknowledged', at: '2026-03-04T12:01:30.250Z', actor: 'person:bob' },
  },
  {
    incident: 42,
    event: {
      type: 'role.assigned',
      at: '2026-03-04T12:02:00.000Z',
      actor: 'person:bob',
      role: 'scribe',
      person: 'alice',
    },
  },
  {
    incident: 7,
    event: { type: 'note.added', at: '2026-03-04T12:03:00.000Z', actor: 'token:robot', text: 'on it' },
  },
];

let hark: TestHark;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];
beforeAll(async () => {
  hark = await startTestHark(serverTestConfig());
  await writeEvents(hark.redis, hark.keys, LIFE);
  env = { REDIS_URL: inject('redisUrl'), HARK_REDIS_PREFIX: hark.keys.prefix };
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

const cli = (argv: string[], extra: NodeJS.ProcessEnv = {}) =>
  runCli(['events', ...argv], { env: { ...env, ...extra }, now: () => Date.parse(AT), lines: true });

const EXPECTED = [
  '2026-03-04T12:00:00Z  #42    incident.opened          scripts      summary: Disk full on db-1',
  '2026-03-04T12:01:30Z  #42    incident.acknowledged    bob',
  '2026-03-04T12:02:00Z  #42    role.assigned            bob          scribe → alice',
  '2026-03-04T12:03:00Z  #7     note.added               robot        “on it”',
];

describe('hark events', () => {
  it('prints one line per event, oldest first, straight from Redis', async () => {
    const r = await cli([]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trimEnd().split('\n')).toEqual(EXPECTED);
  });

  it('prints JSON lines with ids, and --after takes one', async () => {
    const r = await cli(['--json']);
    expect(r.code).toBe(0);
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; incident: number; event: TimelineEvent });
    expect(events.map((e) => [e.incident, e.event])).toEqual(LIFE.map((e) => [e.incident, e.event]));
    const after = await cli(['--after', events[1]!.id]);
    expect(after.stdout.trimEnd().split('\n')).toEqual(EXPECTED.slice(2));
    const bad = await cli(['--after', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid --after "yesterday": use an event id such as 1764082800000-0');
  });

  it('reads through a server with an API token', async () => {
    const r = await cli(['--server', hark.url, '--token', TOKENS.api]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trimEnd().split('\n')).toEqual(EXPECTED);
    const refused = await cli(['--server', hark.url, '--token', 'wrong-token']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('hark: send an API token from hark.yaml');
    expect((await cli(['--server', hark.url], { HARK_API_TOKEN: '' })).code).toBe(2);
  });

  // bin/hark runs dist/ (npm test builds it first).
  for (const mode of ['redis', 'server'] as const) {
    it(`--follow prints new events as they come (${mode})`, async () => {
      const ids = JSON.parse(`[${(await cli(['--json'])).stdout.trimEnd().split('\n').join(',')}]`) as {
        id: string;
      }[];
      const args = ['events', '--follow', '--after', ids[2]!.id];
      if (mode === 'server') args.push('--server', hark.url, '--token', TOKENS.api);
      const child = spawn(process.execPath, [join(ROOT, 'bin/hark'), ...args], {
        env: { PATH: process.env.PATH, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(new RegExp(`^${EXPECTED[3]}\n`));
      await writeEvents(hark.redis, hark.keys, [{ incident: 8, event: note(`follow ${mode}`) }]);
      await expect
        .poll(() => out, { timeout: 10_000 })
        .toMatch(
          new RegExp(
            `\\n2026-03-04T12:00:00Z  #8     note.added               alice        “follow ${mode}”\\n$`,
          ),
        );
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    });
  }
});
