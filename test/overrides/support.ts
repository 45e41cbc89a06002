/** The config and Redis the override tests share (each test file uses its own key prefixes). */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { connectRedis, whenReady } from '../../src/redis/connect.js';
import { keys as makeKeys, type Keys } from '../../src/redis/keys.js';
import { lines, tmpConfig } from '../config/tmpconfig.js';

export const API_TOKEN = 'api-token-for-override-tests-0123';
export const ROBOT_TOKEN = 'robot-token-for-override-tests-0123';
export const GENERIC_TOKEN = 'generic-token-for-override-tests';

/**
 * `platform` (UTC): primary rotates weekly alice → bob → carol from Mon 2026-01-05 09:00;
 * secondary follows it; git overrides give primary to dave on 2026-03-01 09:00 → 03-02 09:00 and
 * 2030-06-01 09:00 → 06-02 09:00 (after the fixed instants the tests' clocks start from).
 * `other`: only a `lead` role, erin forever.
 */
export function overrideTestConfig(): string {
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101", notify: {high: [{sms: 0s}]}}',
      '  bob: {sms: "+15555550102", notify: {high: [{sms: 0s}]}}',
      '  carol: {sms: "+15555550103", notify: {high: [{sms: 0s}]}}',
      '  dave: {sms: "+15555550104", notify: {high: [{sms: 0s}]}}',
      '  erin: {sms: "+15555550105", notify: {high: [{sms: 0s}]}}',
      'services:',
      '  - {name: main, escalation_policy: main}',
      'integrations:',
      `  - {name: scripts, type: generic, token: "${GENERIC_TOKEN}"}`,
      'api_tokens:',
      `  - {name: cli, token: "${API_TOKEN}", person: alice}`,
      `  - {name: robot, token: "${ROBOT_TOKEN}"}`,
    ),
    'schedules/platform.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: weekly, members: [alice, bob, carol], start: 2026-01-05T09:00, handoff: FREQ=WEEKLY}',
      '  - {name: backup, role: secondary, follows: weekly}',
      'overrides:',
      '  - {role: primary, person: dave, from: 2026-03-01T09:00, to: 2026-03-02T09:00}',
      '  - {role: primary, person: dave, from: 2030-06-01T09:00, to: 2030-06-02T09:00}',
    ),
    'schedules/other.yaml': lines(
      'timezone: America/New_York',
      'rotations:',
      '  - {name: leads, role: lead, members: [erin], start: 2026-01-01T00:00}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: platform}]',
      '    escalate_after: 30m',
    ),
  });
}

export function loadTestConfig(dir: string): Config {
  return loadConfig(dir, { env: {} }).config;
}

export async function testRedis(): Promise<Redis> {
  const redis = connectRedis(inject('redisUrl'));
  redis.on('error', () => {});
  await whenReady(redis);
  return redis;
}

export function freshPrefix(): string {
  return `{test-ov-${randomUUID().slice(0, 8)}}:`;
}

export function freshKeys(): Keys {
  return makeKeys(freshPrefix());
}

export const HOUR = 3_600_000;
export const DAY_MS = 24 * HOUR;
export const at = (iso: string): number => Date.parse(iso);
