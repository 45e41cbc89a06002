import { describe, expect, it } from 'vitest';
import { FeedCache } from '../../src/server/api/feeds.js';

describe('FeedCache', () => {
  it('answers from the cache only while every input is the same object', () => {
    const cache = new FeedCache();
    const config = {};
    const view = {};
    let made = 0;
    const make = () => `body ${++made}`;
    expect(cache.get('schedule:a:0:1', [config, view], make)).toBe('body 1');
    expect(cache.get('schedule:a:0:1', [config, view], make)).toBe('body 1');
    expect(cache.get('schedule:a:0:2', [config, view], make)).toBe('body 2');
    expect(cache.get('schedule:a:0:1', [config, {}], make)).toBe('body 3');
    expect(cache.get('schedule:a:0:1', [{}, view], make)).toBe('body 4');
    expect(cache.get('schedule:a:0:1', [config], make)).toBe('body 5');
  });

  it('forgets the least recently used feed past its size', () => {
    const cache = new FeedCache(2);
    const inputs = [{}];
    let made = 0;
    const make = () => `body ${++made}`;
    cache.get('a', inputs, make); // 1
    cache.get('b', inputs, make); // 2
    cache.get('a', inputs, make); // a is used again, b is now the oldest
    cache.get('c', inputs, make); // 3: b goes
    expect(cache.get('a', inputs, make)).toBe('body 1');
    expect(cache.get('b', inputs, make)).toBe('body 4');
  });
});
