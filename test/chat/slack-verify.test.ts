/**
 * Slack's v0 request signatures: Slack's own documented example, then every way a request is
 * refused. The expected digests are computed here with node:crypto from Slack's documented base
 * string, not taken from the module under test.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SLACK_MAX_SKEW_SECONDS,
  slackSignature,
  verifySlackHeaders,
  verifySlackRequest,
} from '../../src/chat/slack/verify.js';

// "Verifying requests from Slack": the worked example's signing secret, timestamp, body and signature.
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const DOC_NOW = Number(DOC_TIMESTAMP) * 1000;

/** Slack's algorithm, written out independently of the module under test. */
function independent(secret: string, timestamp: string, body: string | Buffer): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;
}

const check = (
  over: Partial<{ timestamp: string | null; signature: string | null; rawBody: string | Buffer }>,
  now = DOC_NOW,
  secret = DOC_SECRET,
) =>
  verifySlackRequest(
    secret,
    { timestamp: DOC_TIMESTAMP, signature: DOC_SIGNATURE, rawBody: DOC_BODY, ...over },
    now,
  );

describe("Slack's documented example", () => {
  it('gives the documented signature, and verifies', () => {
    expect(independent(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
    expect(check({})).toEqual({ ok: true });
  });

  it('is the same over the body as bytes or as text, also beyond ASCII', () => {
    expect(check({ rawBody: Buffer.from(DOC_BODY) })).toEqual({ ok: true });
    const body = 'payload=%7B%22text%22%3A%22caf%C3%A9%22%7D&note=café ✓';
    const sig = independent(DOC_SECRET, DOC_TIMESTAMP, Buffer.from(body, 'utf8'));
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, body)).toBe(sig);
    expect(check({ rawBody: Buffer.from(body, 'utf8'), signature: sig })).toEqual({ ok: true });
  });
});

describe('refused', () => {
  it('a body changed by one character, another secret, another timestamp', () => {
    expect(check({ rawBody: DOC_BODY.replace('text=&', 'text=x&') })).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(check({ rawBody: `${DOC_BODY} ` })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(check({}, DOC_NOW, `${DOC_SECRET.slice(0, -1)}6`)).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    // The timestamp is signed: moving it (to pass the age check) breaks the signature.
    expect(check({ timestamp: String(Number(DOC_TIMESTAMP) + 60) })).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    // One hex digit off, same length.
    const off = DOC_SIGNATURE.slice(0, -1) + (DOC_SIGNATURE.endsWith('3') ? '4' : '3');
    expect(check({ signature: off })).toEqual({
      ok: false,
      reason: 'mismatch',
      message: 'X-Slack-Signature does not match the body: check the signing secret',
    });
  });

  it('a timestamp more than 5 minutes from now, in the past (a replay) or the future', () => {
    const s = SLACK_MAX_SKEW_SECONDS * 1000;
    expect(SLACK_MAX_SKEW_SECONDS).toBe(300);
    expect(check({}, DOC_NOW + s)).toEqual({ ok: true });
    expect(check({}, DOC_NOW - s)).toEqual({ ok: true });
    expect(check({}, DOC_NOW + s + 1000)).toEqual({
      ok: false,
      reason: 'stale',
      message: 'X-Slack-Request-Timestamp is 301 s from now (at most 300 s): refused as a possible replay',
    });
    expect(check({}, DOC_NOW - s - 1000)).toMatchObject({ ok: false, reason: 'stale' });
    expect(check({}, Date.now())).toMatchObject({ ok: false, reason: 'stale' });
  });

  it('missing headers', () => {
    expect(check({ signature: null })).toEqual({
      ok: false,
      reason: 'missing',
      message: 'no X-Slack-Signature header: not a request from Slack',
    });
    expect(check({ timestamp: '' })).toMatchObject({ ok: false, reason: 'missing' });
  });

  it('headers not of the form Slack sends', () => {
    for (const timestamp of ['1531420618.0', ' 1531420618', '+1531420618', '0x5B47A2CA', '1e9', '-1']) {
      expect(check({ timestamp }), timestamp).toMatchObject({ ok: false, reason: 'malformed' });
    }
    for (const signature of [
      DOC_SIGNATURE.toUpperCase(),
      DOC_SIGNATURE.replace('v0=', 'v1='),
      DOC_SIGNATURE.slice(3),
      `${DOC_SIGNATURE}00`,
      `${DOC_SIGNATURE},v0=${'0'.repeat(64)}`,
    ]) {
      expect(check({ signature }), signature).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });

  it('never puts the secret or the expected signature in its message', () => {
    const r = check({ signature: `v0=${'0'.repeat(64)}` });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(DOC_SECRET);
    expect(JSON.stringify(r)).not.toContain(DOC_SIGNATURE.slice(3));
  });
});

describe('verifySlackHeaders', () => {
  it('reads the two headers in any case', () => {
    const headers = new Headers({
      'X-Slack-Request-Timestamp': DOC_TIMESTAMP,
      'X-SLACK-SIGNATURE': DOC_SIGNATURE,
    });
    expect(verifySlackHeaders(DOC_SECRET, headers, DOC_BODY, DOC_NOW)).toEqual({ ok: true });
    expect(verifySlackHeaders(DOC_SECRET, new Headers(), DOC_BODY, DOC_NOW)).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });
});
