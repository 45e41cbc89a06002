import { describe, expect, it } from 'vitest';
import type { ApiToken, Config } from '../../src/config/types.js';
import {
  csrfToken,
  csrfValid,
  findToken,
  readSession,
  safeNext,
  sameOrigin,
  SESSION_MS,
  sessionCookieValue,
} from '../../src/web/session.js';

const alice: ApiToken = {
  name: 'alice-phone',
  token: 'secret-token-alice-0123456789',
  person: 'alice',
} as ApiToken;
const robot: ApiToken = { name: 'robot', token: 'secret-token-robot-0123456789', person: null } as ApiToken;
const config = (...apiTokens: ApiToken[]) => ({ apiTokens }) as unknown as Config;
const SECRET = 'install-secret';
const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('web sessions', () => {
  it('round-trips a session and never puts the token in the cookie', () => {
    const value = sessionCookieValue(SECRET, alice, NOW);
    expect(value).not.toContain(alice.token);
    const s = readSession(config(alice, robot), SECRET, value, NOW + 1000);
    expect(s).toMatchObject({ person: 'alice', expiresAt: NOW + SESSION_MS });
    expect(s!.token.name).toBe('alice-phone');
  });

  it('refuses expired, forged, other-secret and rotated-token sessions', () => {
    const value = sessionCookieValue(SECRET, alice, NOW);
    expect(readSession(config(alice), SECRET, value, NOW + SESSION_MS)).toBeNull();
    expect(readSession(config(alice), 'other-secret', value, NOW)).toBeNull();
    const rotated = { ...alice, token: 'a-new-token-0123456789' } as ApiToken;
    expect(readSession(config(rotated), SECRET, value, NOW)).toBeNull();
    expect(readSession(config(robot), SECRET, value, NOW)).toBeNull();
    const [v, name, exp, mac] = value.split('.');
    expect(
      readSession(config(alice), SECRET, [v, name, String(Number(exp) + 1), mac].join('.'), NOW),
    ).toBeNull();
    expect(readSession(config(alice, robot), SECRET, [v, 'robot', exp, mac].join('.'), NOW)).toBeNull();
    expect(readSession(config(alice), SECRET, undefined, NOW)).toBeNull();
    expect(readSession(config(alice), SECRET, 'garbage', NOW)).toBeNull();
  });

  it('finds tokens exactly and derives a CSRF token per session', () => {
    expect(findToken(config(alice, robot), ` ${robot.token} `)).toBe(robot);
    expect(findToken(config(alice), alice.token.slice(0, -1))).toBeNull();
    expect(findToken(config(alice), '')).toBeNull();
    const a = readSession(config(alice), SECRET, sessionCookieValue(SECRET, alice, NOW), NOW)!;
    const b = readSession(config(alice), SECRET, sessionCookieValue(SECRET, alice, NOW + 1), NOW)!;
    expect(csrfValid(SECRET, a, csrfToken(SECRET, a))).toBe(true);
    expect(csrfValid(SECRET, a, csrfToken(SECRET, b))).toBe(false);
    expect(csrfValid(SECRET, a, undefined)).toBe(false);
  });

  it('keeps redirects on this site and checks Origin', () => {
    expect(safeNext('/i/42')).toBe('/i/42');
    expect(safeNext('/i/42?x=1')).toBe('/i/42?x=1');
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'i/42',
      '',
      undefined,
      42,
    ]) {
      expect(safeNext(bad)).toBe('/');
    }
    expect(sameOrigin(undefined, 'http://127.0.0.1:8080/i/1', '')).toBe(true);
    expect(sameOrigin('http://127.0.0.1:8080', 'http://127.0.0.1:8080/i/1', '')).toBe(true);
    expect(
      sameOrigin('https://hark.example.com', 'http://10.0.0.5:8080/i/1', 'https://hark.example.com'),
    ).toBe(true);
    expect(sameOrigin('https://evil.example', 'http://127.0.0.1:8080/i/1', 'https://hark.example.com')).toBe(
      false,
    );
    expect(sameOrigin('null', 'http://127.0.0.1:8080/i/1', '')).toBe(false);
  });
});
