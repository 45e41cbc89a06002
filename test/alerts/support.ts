/** Helpers for the alert normalization tests: fixtures, integrations, unwrapping results. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Integration, IntegrationType } from '../../src/config/types.js';
import { normalize } from '../../src/alerts/normalize.js';
import type { BadInput, NormalizedAlert } from '../../src/alerts/types.js';

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as unknown;
}

/** A fresh, mutable copy of a fixture as a plain record, for tests that break one field. */
export function fixtureObject(name: string): Record<string, unknown> {
  return fixture(name) as Record<string, unknown>;
}

export function integration(type: IntegrationType, name = `${type}-prod`): Integration {
  return { name, type, token: 'integration-secret-token', rateLimit: { requests: 1, perMs: 1000 } };
}

export function alertsOf(type: IntegrationType, body: unknown): readonly NormalizedAlert[] {
  const r = normalize(integration(type), body);
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.alerts;
}

export function errorOf(type: IntegrationType, body: unknown): BadInput {
  const r = normalize(integration(type), body);
  if (r.ok) throw new Error(`expected a BadInput, got ${r.alerts.length} alert(s)`);
  return r.error;
}

/** Asserts the exact 400 `{field, message}`. */
export function expectBad(type: IntegrationType, body: unknown, field: string, message: string): void {
  expect(errorOf(type, body)).toEqual({ field, message });
}
