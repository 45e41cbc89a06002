/** The provider-neutral parts of the chat layer: channel names and errors. */
import { describe, expect, it } from 'vitest';
import { ChatError, incidentChannelName, MAX_CHANNEL_NAME } from '../../src/chat/provider.js';
import { incident } from './fixtures.js';

describe('incidentChannelName', () => {
  it('is inc-<id>-<service>-<title words>, without leading words that repeat the service', () => {
    expect(incidentChannelName(incident())).toBe('inc-42-checkout-p99-2s');
    expect(incidentChannelName(incident({ id: 7, service: 'db_main', title: 'Disk 95% full on db-1' }))).toBe(
      'inc-7-db-main-disk-95-full-on-db-1',
    );
  });

  it('keeps only lowercase ASCII letters, digits and single hyphens', () => {
    const name = incidentChannelName(incident({ title: 'Ünïcödé — «Latency» >>> 2s!!  (EU/WEST) 日本' }));
    expect(name).toBe('inc-42-checkout-unicode-latency-2s-eu-west');
    expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('is cut at a word boundary to the longest name Slack takes, or a shorter one', () => {
    const long = incidentChannelName(incident({ title: 'word '.repeat(40) }));
    expect(long.length).toBeLessThanOrEqual(MAX_CHANNEL_NAME);
    expect(long).toMatch(/^inc-42-checkout(-word)+$/);
    const short = incidentChannelName(incident({ title: 'alpha beta gamma' }), 26);
    expect(short).toBe('inc-42-checkout-alpha-beta');
    expect(incidentChannelName(incident({ title: '' }))).toBe('inc-42-checkout');
  });
});

describe('ChatError', () => {
  it('says whether the same call may succeed later', () => {
    expect(new ChatError('rate-limited', 'ratelimited', 'slow down', 30_000).retryable).toBe(true);
    expect(new ChatError('unavailable', 'http_503', 'down').retryable).toBe(true);
    for (const kind of ['not-found', 'not-in-channel', 'auth', 'refused'] as const) {
      expect(new ChatError(kind, 'x', 'no').retryable).toBe(false);
    }
    const e = new ChatError('not-found', 'channel_not_found', 'no channel');
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.kind, e.code, e.message, e.retryAfterMs]).toEqual([
      'ChatError',
      'not-found',
      'channel_not_found',
      'no channel',
      null,
    ]);
  });
});
