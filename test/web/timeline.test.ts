import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ScheduleRegistry } from '../../src/schedules/registry.js';
import { dayTicks, roleBars } from '../../src/web/timeline.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';
import { afterAll } from 'vitest';

afterAll(cleanupTmpConfigs);

const t = (iso: string) => Date.parse(iso);

describe('dashboard timeline', () => {
  const dir = tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {email: a@example.com}',
      '  bob: {email: b@example.com}',
      '  carol: {email: c@example.com}',
    ),
    'schedules/s.yaml': lines(
      'timezone: Europe/London',
      'rotations:',
      '  - {name: days, members: [alice, bob], start: 2026-03-02T09:00, handoff: FREQ=DAILY,',
      '     coverage: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}]}',
      'overrides:',
      '  - {role: primary, person: carol, from: 2026-03-03T12:00, to: 2026-03-03T15:00}',
    ),
  });
  const registry = new ScheduleRegistry(loadConfig(dir, { env: {} }).config);
  const view = registry.view('s')!;

  it('covers the window exactly with rotation, override and gap segments', () => {
    const from = t('2026-03-02T00:00:00Z');
    const to = t('2026-03-04T00:00:00Z');
    const [bar] = roleBars(view, ['primary'], from, to);
    expect(
      bar!.segments.map((s) => [s.kind, s.person, new Date(s.start).toISOString().slice(5, 16)]),
    ).toEqual([
      ['gap', null, '03-02T00:00'],
      ['rotation', 'alice', '03-02T09:00'],
      ['gap', null, '03-02T17:00'],
      ['rotation', 'bob', '03-03T09:00'],
      ['override', 'carol', '03-03T12:00'],
      ['rotation', 'bob', '03-03T15:00'],
      ['gap', null, '03-03T17:00'],
    ]);
    const segs = bar!.segments;
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.start).toBe(segs[i - 1]!.end);
    expect(segs[0]!.left).toBe(0);
    expect(segs.reduce((n, s) => n + s.width, 0)).toBeCloseTo(100, 5);
    expect(segs[1]).toMatchObject({ left: 18.75, width: 16.67 });
  });

  it('ticks local midnights, including across a clock change', () => {
    const ticks = dayTicks(t('2026-03-28T12:00:00Z'), t('2026-03-31T12:00:00Z'), 'Europe/London');
    expect(ticks.map((x) => x.label)).toEqual(['Sun 29', 'Mon 30', 'Tue 31']);
    expect(ticks.map((x) => x.major)).toEqual([true, true, false]);
    // Sunday 29 March is 23 hours long in London.
    expect(ticks[1]!.left - ticks[0]!.left).toBeCloseTo((23 / 72) * 100, 1);
  });
});
