import { describe, expect, it } from 'vitest';
import { DURATION_HELP, formatDuration, parseDuration } from '../../src/config/duration.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['30s', 30 * S],
    ['5m', 5 * M],
    ['2h', 2 * H],
    ['1d', D],
    ['1h30m', H + 30 * M],
    ['1d2h3m4s', D + 2 * H + 3 * M + 4 * S],
    ['90m', 90 * M],
    ['01m', M],
    [' 5m ', 5 * M],
    ['0s', 0],
    ['0', 0],
    [0, 0],
  ])('%j is %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['90', 'a bare number other than 0 has no unit'],
    [5, 'a YAML number other than 0'],
    ['5M', 'units are lowercase'],
    ['1.5h', 'no fractions'],
    ['-5m', 'no negative durations'],
    ['1s1m', 'units out of order'],
    ['1h 30m', 'no spaces between parts'],
    ['5 minutes', 'no words'],
    ['1w', 'no weeks'],
    [null, 'null'],
    [undefined, 'undefined'],
  ])('%j is not a duration (%s)', (input, _why) => {
    expect(parseDuration(input)).toBeNull();
  });

  it('has a help text listing the accepted forms', () => {
    expect(DURATION_HELP).toBe('use 30s, 5m, 2h, 1d or a combination such as 1h30m');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [S, '1s'],
    [90 * S, '1m30s'],
    [H + 30 * M, '1h30m'],
    [D + H + M + S, '1d1h1m1s'],
    [2 * D, '2d'],
    [500, '500ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const text of ['30s', '5m', '2h', '1d', '1h30m', '1d2h3m4s']) {
      expect(formatDuration(parseDuration(text)!)).toBe(text);
    }
  });
});
