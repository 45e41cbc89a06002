import { describe, expect, it } from 'vitest';
import {
  bulkRefusal,
  doneSentence,
  refusalError,
  refusalSentence,
  type Refusal,
} from '../../src/incidents/outcomes.js';

const resolvedByBob: Refusal = { ok: false, reason: 'state', state: 'resolved', by: 'person:bob' };
const missing: Refusal = { ok: false, reason: 'missing' };
const acked: Refusal = { ok: false, reason: 'not-triggered', state: 'acknowledged' };
const ranOut: Refusal = { ok: false, reason: 'nothing-pending' };
const incident = { id: 42, service: 'checkout', title: 'Checkout p99 > 2s' };

describe('the outcome vocabulary', () => {
  it('tells a person in a sentence, by text or spoken digit by digit', () => {
    expect(refusalSentence(42, resolvedByBob)).toBe('#42 is already resolved by bob.');
    expect(refusalSentence(42, resolvedByBob, { spoken: true })).toBe(
      'Incident 4 2 is already resolved by bob.',
    );
    expect(refusalSentence(42, missing)).toBe('There is no incident #42.');
    expect(refusalSentence(42, missing, { spoken: true })).toBe('There is no incident 4 2.');
    expect(refusalSentence(42, acked)).toBe('#42 is acknowledged; only a triggered incident escalates.');
    expect(refusalSentence(42, ranOut)).toBe('#42: no further step is pending (the policy has run out).');
    expect(refusalSentence(7, { ok: false, reason: 'state', state: 'acknowledged', by: null })).toBe(
      '#7 is already acknowledged.',
    );
  });

  it('gives the API and CLI an error clause naming the action', () => {
    expect(refusalError(42, 'acknowledge', resolvedByBob)).toBe(
      'cannot acknowledge #42: it is already resolved by bob',
    );
    expect(refusalError(42, 'unacknowledge', resolvedByBob)).toMatch(/^cannot un-acknowledge #42:/);
    expect(refusalError(42, 'role', resolvedByBob)).toMatch(/^cannot assign a role on #42:/);
    expect(refusalError(42, 'resolve', missing)).toBe('there is no incident #42');
    expect(refusalError(42, 'escalate', acked)).toBe(
      'cannot escalate #42: it is acknowledged; only a triggered incident escalates',
    );
    expect(refusalError(42, 'escalate', ranOut)).toBe(
      'cannot escalate #42: no further step is pending (the policy has run out)',
    );
  });

  it('says what was done', () => {
    expect(doneSentence('acknowledge', incident)).toBe('Acknowledged #42 checkout: Checkout p99 > 2s');
    expect(doneSentence('resolve', incident, { spoken: true })).toBe('Incident 4 2 is resolved.');
    expect(doneSentence('escalate', incident, { spoken: true })).toBe(
      'Incident 4 2 is escalated to the next step.',
    );
  });

  it('reads a bulk outcome as the same refusal', () => {
    const base = { id: 9, createdAt: null, acknowledgedAt: null };
    expect(bulkRefusal({ ...base, outcome: 'ok', by: 'person:vic' })).toBeNull();
    expect(bulkRefusal({ ...base, outcome: 'missing', by: null })).toEqual(missing);
    expect(bulkRefusal({ ...base, outcome: 'resolved', by: 'person:bob' })).toEqual(resolvedByBob);
  });
});
