import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import type { Incident } from '../../src/incidents/model.js';
import { bySeverity, initials } from '../../src/web/dashboard.js';

const config = { severities: [{ name: 'SEV-1' }, { name: 'SEV-2' }, { name: 'SEV-3' }] } as unknown as Config;
const inc = (id: number, state: Incident['state'], severity: string) => ({ id, state, severity }) as Incident;

describe('the dashboard', () => {
  it('lists triggered before acknowledged, then by severity, then newest first', () => {
    const sorted = bySeverity(
      [
        inc(1, 'triggered', 'SEV-3'),
        inc(2, 'acknowledged', 'SEV-1'),
        inc(3, 'triggered', 'SEV-1'),
        inc(4, 'triggered', 'SEV-3'),
        inc(5, 'triggered', 'custom'),
        inc(6, 'triggered', 'SEV-1'),
      ],
      config,
    );
    expect(sorted.map((i) => i.id)).toEqual([6, 3, 4, 1, 5, 2]);
  });

  it('shortens names to initials for narrow timeline segments', () => {
    expect(initials('Alice Example')).toBe('AE');
    expect(initials('bob')).toBe('bo');
    expect(initials('Mary Ann de Vries')).toBe('MAD');
  });
});
