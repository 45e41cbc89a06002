import { describe, expect, it } from 'vitest';
import { requestToken } from '../../../src/server/api/alert-auth.js';

/** Node-style headers: lowercase names, nothing else. */
const lower = (h: Record<string, string>) => ({ get: (name: string) => h[name] });
/** Fetch-style headers: case-insensitive. */
const fetchHeaders = (h: Record<string, string>) => new Headers(h);
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('requestToken', () => {
  it('reads Authorization: Bearer, whatever the scheme’s case and surrounding blanks', () => {
    expect(requestToken('alertmanager', lower({ authorization: 'Bearer s3cr3t' }), {})).toBe('s3cr3t');
    expect(requestToken('grafana', lower({ authorization: '  bearer   s3cr3t  ' }), {})).toBe('s3cr3t');
    expect(requestToken('generic', fetchHeaders({ Authorization: 'BEARER abc.def' }), {})).toBe('abc.def');
  });

  it('reads the basic-auth password and ignores the user name', () => {
    expect(requestToken('grafana', lower({ authorization: basic('grafana', 'pw-1') }), {})).toBe('pw-1');
    expect(requestToken('grafana', lower({ authorization: basic('anyone-else', 'pw-1') }), {})).toBe('pw-1');
    expect(requestToken('alertmanager', lower({ authorization: basic('', 'pw-2') }), {})).toBe('pw-2');
    expect(requestToken('generic', lower({ authorization: basic('u', 'with:colons') }), {})).toBe(
      'with:colons',
    );
  });

  it('reads X-Hark-Token (Datadog custom headers)', () => {
    expect(requestToken('datadog', lower({ 'x-hark-token': 'dd-token' }), {})).toBe('dd-token');
    expect(requestToken('datadog', fetchHeaders({ 'X-Hark-Token': ' dd-token ' }), {})).toBe('dd-token');
  });

  it('prefers Authorization, and falls through to X-Hark-Token for another scheme or no token', () => {
    expect(requestToken('generic', lower({ authorization: 'Bearer a', 'x-hark-token': 'b' }), {})).toBe('a');
    expect(requestToken('generic', lower({ authorization: 'Token a', 'x-hark-token': 'b' }), {})).toBe('b');
    expect(requestToken('generic', lower({ authorization: 'Bearer', 'x-hark-token': 'b' }), {})).toBe('b');
    expect(
      requestToken('generic', lower({ authorization: basic('user', ''), 'x-hark-token': 'b' }), {}),
    ).toBe('b');
  });

  it('is null without a usable token', () => {
    expect(requestToken('alertmanager', lower({}), {})).toBeNull();
    expect(requestToken('alertmanager', lower({ authorization: 'Bearer ' }), {})).toBeNull();
    expect(requestToken('alertmanager', lower({ authorization: 'Basic bm9jb2xvbg==' }), {})).toBeNull();
    expect(requestToken('alertmanager', lower({ authorization: 'Basic !!!' }), {})).toBeNull();
    expect(requestToken('datadog', lower({ 'x-hark-token': '   ' }), {})).toBeNull();
  });

  it('takes the routing_key from the body for pagerduty, and only that', () => {
    const headers = lower({ authorization: 'Bearer header-token', 'x-hark-token': 'x' });
    expect(requestToken('pagerduty', headers, { routing_key: 'rk-1', event_action: 'trigger' })).toBe('rk-1');
    expect(requestToken('pagerduty', headers, { event_action: 'trigger' })).toBeNull();
    expect(requestToken('pagerduty', headers, { routing_key: 42 })).toBeNull();
    expect(requestToken('pagerduty', headers, { routing_key: '' })).toBeNull();
    expect(requestToken('pagerduty', headers, [{ routing_key: 'rk-1' }])).toBeNull();
    expect(requestToken('pagerduty', headers, null)).toBeNull();
  });

  it('ignores a routing_key in the body for the other types', () => {
    expect(requestToken('generic', lower({}), { routing_key: 'rk-1' })).toBeNull();
  });
});
