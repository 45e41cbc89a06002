import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeBase64url, sameText, sign } from '../src/signing.js';
import { feedToken } from '../src/schedules/feed-token.js';

describe('the signed-token helper', () => {
  it('separates purposes: the same body signs differently for each', () => {
    const macs = (['action', 'feed', 'session', 'csrf'] as const).map((p) => sign('s3cret', p, 'body'));
    expect(new Set(macs).size).toBe(4);
  });

  it('keeps the released formats, so feed URLs and links already handed out stay valid', () => {
    const before = createHmac('sha256', 's3cret').update('feed:schedule:platform').digest('base64url');
    expect(feedToken('s3cret', 'schedule', 'platform')).toBe(before.slice(0, 32));
    const session = createHmac('sha256', 'k').update('session\nops\n5\nh').digest('base64url');
    expect(sign('k', 'session', 'ops\n5\nh')).toBe(session);
  });

  it('refuses an empty secret, compares in constant time, decodes only canonical base64url', () => {
    expect(() => sign('', 'feed', 'x')).toThrow(/secret is empty/);
    expect(sameText('abc', 'abc')).toBe(true);
    expect(sameText('abc', 'abd')).toBe(false);
    expect(sameText('abc', 'abcd')).toBe(false);
    expect(decodeBase64url('AQI')?.toString('hex')).toBe('0102');
    expect(decodeBase64url('AQJ')).toBeNull();
    expect(decodeBase64url('AQ==')).toBeNull();
  });
});
