import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ACTION_TOKEN_TTL_MS,
  signActionToken,
  verifyActionToken,
  type ActionTokenPayload,
} from '../../src/pages/action-token.js';

const SECRET = 'test-secret-0123456789abcdef';
const NOW = Date.parse('2026-01-12T13:03:00Z');
const payload: ActionTokenPayload = {
  incident: 42,
  person: 'alice',
  action: 'acknowledge',
  expiresAt: NOW + ACTION_TOKEN_TTL_MS,
};

/** Re-encodes the payload part of `token` after `edit`, keeping the original MAC. */
function editPayload(token: string, edit: (text: string) => string): string {
  const [body, mac] = token.split('.') as [string, string];
  const text = Buffer.from(body, 'base64url').toString('utf8');
  return `${Buffer.from(edit(text), 'utf8').toString('base64url')}.${mac}`;
}

describe('action tokens', () => {
  it('suggests a 24 hour lifetime', () => {
    expect(ACTION_TOKEN_TTL_MS).toBe(86_400_000);
  });

  it('round-trips incident, person, action and expiry', () => {
    const token = signActionToken(payload, SECRET);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(token.length).toBeLessThan(120);
    expect(verifyActionToken(token, SECRET, NOW)).toEqual({ ok: true, payload });
    expect(verifyActionToken(token, SECRET, new Date(NOW))).toEqual({ ok: true, payload });

    const resolve: ActionTokenPayload = {
      incident: 7,
      person: 'bob_on-call',
      action: 'resolve',
      expiresAt: NOW + 1,
    };
    expect(verifyActionToken(signActionToken(resolve, SECRET), SECRET, NOW)).toEqual({
      ok: true,
      payload: resolve,
    });
  });

  it('round-trips any person name and instant (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.string({ minLength: 1, maxLength: 63, unit: 'grapheme' }),
        fc.constantFrom('acknowledge' as const, 'resolve' as const),
        fc.integer({ min: 1, max: 4_102_444_800_000 }),
        (incident, person, action, expiresAt) => {
          const p = { incident, person, action, expiresAt };
          const result = verifyActionToken(signActionToken(p, SECRET), SECRET, expiresAt - 1);
          expect(result).toEqual({ ok: true, payload: p });
        },
      ),
    );
  });

  it('is bound to the incident, person and action: any edit breaks the signature', () => {
    const token = signActionToken(payload, SECRET);
    expect(editPayload(token, (t) => t)).toBe(token);
    const edits = [
      (t: string) => t.replace('.42.', '.43.'),
      (t: string) => t.replace(/alice$/, 'mallory'),
      (t: string) => t.replace('.a.', '.r.'),
      (t: string) => t.replace(/\.(\d+)\.alice$/, (_, ms: string) => `.${Number(ms) + 86_400_000}.alice`),
    ];
    for (const edit of edits) {
      const forged = editPayload(token, edit);
      expect(forged).not.toBe(token);
      expect(verifyActionToken(forged, SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    }
  });

  it('refuses a token with any single character changed', () => {
    const token = signActionToken(payload, SECRET);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const other = alphabet[(alphabet.indexOf(token[i]!) + 1) % alphabet.length]!;
      const changed = token.slice(0, i) + other + token.slice(i + 1);
      const result = verifyActionToken(changed, SECRET, NOW);
      expect(result.ok).toBe(false);
      expect(['bad-signature', 'malformed']).toContain(result.ok ? null : result.reason);
    }
  });

  it('refuses a token signed with another secret', () => {
    const token = signActionToken(payload, 'another-secret');
    expect(verifyActionToken(token, SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyActionToken(signActionToken(payload, Buffer.from(SECRET)), SECRET, NOW).ok).toBe(true);
  });

  it('expires at expiresAt', () => {
    const token = signActionToken(payload, SECRET);
    expect(verifyActionToken(token, SECRET, payload.expiresAt - 1).ok).toBe(true);
    expect(verifyActionToken(token, SECRET, payload.expiresAt)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyActionToken(token, SECRET, payload.expiresAt + 365 * 86_400_000)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('checks the signature before the expiry (a forged token is never just "expired")', () => {
    const expired = signActionToken({ ...payload, expiresAt: NOW - 1 }, 'another-secret');
    expect(verifyActionToken(expired, SECRET, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('reports garbage as malformed and never throws', () => {
    const token = signActionToken(payload, SECRET);
    const [body, mac] = token.split('.') as [string, string];
    const garbage: unknown[] = [
      '',
      '.',
      '..',
      'abc',
      'abc.def',
      `${body}.`,
      `.${mac}`,
      `${body}.${mac}.x`,
      `${body}.${mac.slice(0, -1)}`,
      `${body}.${mac}A`,
      `${body}=.${mac}`,
      `${body}.${mac.slice(0, -2)}==`,
      `${body}+.${mac}`,
      `${body} .${mac}`,
      'x'.repeat(100_000),
      '%00.%00',
      '\u0000.\u0000',
      '🔥.🔥',
      null,
      undefined,
      42,
      {},
    ];
    for (const g of garbage) {
      expect(verifyActionToken(g as string, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const r = verifyActionToken(s, SECRET, NOW);
        expect(r.ok).toBe(false);
      }),
    );
  });

  it('reports a correctly signed payload of the wrong shape as malformed', () => {
    const forge = (text: string) => {
      const bytes = Buffer.from(text, 'utf8');
      const mac = createHmac('sha256', SECRET).update('hark action token v1\n').update(bytes).digest();
      return `${bytes.toString('base64url')}.${mac.toString('base64url')}`;
    };
    // sanity: the format is what the module documents
    expect(forge(`1.42.a.${payload.expiresAt}.alice`)).toBe(signActionToken(payload, SECRET));
    for (const text of [
      '2.42.a.1.alice',
      '1.0.a.1.alice',
      '1.42.x.1.alice',
      '1.42.a.soon.alice',
      '1.42.a.1.',
      '1.042.a.1.bob',
    ]) {
      expect(verifyActionToken(forge(text), SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('refuses to sign nonsense, and refuses an empty secret', () => {
    const bad: ActionTokenPayload[] = [
      { ...payload, incident: 0 },
      { ...payload, incident: 1.5 },
      { ...payload, person: '' },
      { ...payload, action: 'escalate' as ActionTokenPayload['action'] },
      { ...payload, expiresAt: Number.NaN },
    ];
    for (const p of bad) expect(() => signActionToken(p, SECRET)).toThrow(RangeError);
    expect(() => signActionToken(payload, '')).toThrow(/secret/);
    expect(() => verifyActionToken('a.b', '', NOW)).toThrow(/secret/);
  });
});
