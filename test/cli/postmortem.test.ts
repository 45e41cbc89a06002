import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { cleanupTmpConfigs } from '../config/tmpconfig.js';
import { serverTestConfig, TOKENS } from '../server/config.js';
import { startTestHark, type TestHark } from '../support/harness.js';

let hark: TestHark;
let dir: string;
beforeAll(async () => {
  dir = serverTestConfig();
  hark = await startTestHark(dir);
});
afterAll(async () => {
  await hark.close();
  cleanupTmpConfigs();
});

const cli = (argv: string[]) =>
  runCli(argv, {
    env: {
      HARK_CONFIG: dir,
      REDIS_URL: inject('redisUrl'),
      HARK_REDIS_PREFIX: hark.keys.prefix,
      HARK_PUBLIC_URL: 'https://hark.example.com',
    },
  });

async function post(path: string, body: unknown, token: string) {
  const res = await fetch(`${hark.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { incidents?: { id: number }[] };
}

describe('hark postmortem', () => {
  it('drafts a blameless post-mortem from the timeline', async () => {
    const opened = await post(
      '/v1/alerts/scripts',
      { status: 'firing', summary: 'Checkout p99 > 2s' },
      TOKENS.generic,
    );
    const id = opened.incidents![0]!.id;
    await post(`/v1/incidents/${id}/acknowledge`, {}, TOKENS.api);
    await post(`/v1/incidents/${id}/notes`, { text: 'rolled back v2.3 | cache' }, TOKENS.api);
    await post(`/v1/incidents/${id}/roles`, { role: 'comms', person: 'bob' }, TOKENS.api);
    await post(`/v1/incidents/${id}/resolve`, {}, TOKENS.api);
    const r = await cli(['postmortem', String(id)]);
    expect(r.code).toBe(0);
    const md = r.stdout;
    expect(md.split('\n')[0]).toBe(`# Post-mortem: #${id} other: Checkout p99 > 2s`);
    expect(md).toContain('- **Incident:** #' + id + ', SEV-1 (high urgency), service other');
    // Acknowledged and resolved within the same second: under a minute each.
    expect(md).toContain('- **Time to acknowledge:** 0m');
    expect(md).toContain('- **Time to resolve:** 0m');
    expect(md).toContain('- **Commander:** alice');
    expect(md).toContain('- **Other roles:** comms: bob');
    expect(md).toContain('- **Runbook:** https://hark.example.com/runbooks/generic-runbook');
    expect(md).toContain('| incident.acknowledged | alice |');
    expect(md).toContain('“rolled back v2.3 \\| cache”');
    for (const section of [
      '## Timeline',
      '## Root cause',
      '## What went well',
      "## What didn't go well",
      '## Action items',
      '| action | owner | due date |',
    ]) {
      expect(md).toContain(section);
    }
    const file = join(mkdtempSync(join(tmpdir(), 'hark-pm-')), 'pm.md');
    expect((await cli(['postmortem', String(id), '-o', file])).stdout).toBe(`wrote ${file}\n`);
    expect(readFileSync(file, 'utf8')).toBe(md);
    expect((await cli(['postmortem', '99999'])).code).toBe(1);
  });
});
