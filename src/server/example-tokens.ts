/**
 * The example config's tokens are public (they are in Hark's repository): `hark serve` refuses to
 * start with one of them unless only this machine can reach it — bound to a loopback address, with
 * no public URL beyond localhost. `npm start` binds to 127.0.0.1, so the quick start still runs on
 * the example config; `docker compose up` and any other exposed `hark serve` need real tokens.
 */
import { isIP } from 'node:net';
import type { Config } from '../config/types.js';

/** Each example token of hark.yaml (`${AM_TOKEN:-example-alertmanager-token}`) and the variable that replaces it. */
export const EXAMPLE_TOKENS: ReadonlyMap<string, string> = new Map([
  ['example-api-token-change-me', 'HARK_API_TOKEN'],
  ['example-alertmanager-token', 'AM_TOKEN'],
  ['example-grafana-token', 'GRAFANA_TOKEN'],
  ['example-datadog-token', 'DD_TOKEN'],
  ['example-pagerduty-key-0123456789', 'PD_ROUTING_KEY'],
  ['example-generic-token', 'GENERIC_TOKEN'],
]);

/** Hark refuses to start: it would serve a public example token beyond this machine. */
export class ExampleTokenError extends Error {
  override readonly name = 'ExampleTokenError';
}

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h === '::1') return true;
  return /^::ffff:127\./.test(h);
}

function isLocalUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Throws ExampleTokenError (one line: what and what to do) when an example token would be exposed. */
export function refuseExposedExampleTokens(
  config: Config,
  where: { readonly host: string; readonly publicUrl: string | null },
): void {
  const apiTokens: string[] = [];
  const integrations: string[] = [];
  const variables = new Set<string>();
  for (const t of config.apiTokens) {
    const v = EXAMPLE_TOKENS.get(t.token);
    if (v) {
      apiTokens.push(`"${t.name}"`);
      variables.add(v);
    }
  }
  for (const i of config.integrations) {
    const v = i.token === null ? undefined : EXAMPLE_TOKENS.get(i.token);
    if (v) {
      integrations.push(`"${i.name}"`);
      variables.add(v);
    }
  }
  const used = [
    ...(apiTokens.length > 0 ? [`API token${apiTokens.length > 1 ? 's' : ''} ${apiTokens.join(', ')}`] : []),
    ...(integrations.length > 0
      ? [`integration${integrations.length > 1 ? 's' : ''} ${integrations.join(', ')}`]
      : []),
  ];
  if (used.length === 0) return;
  const reach = !isLoopbackHost(where.host)
    ? `Hark would listen on ${where.host}`
    : where.publicUrl && !isLocalUrl(where.publicUrl)
      ? `the public URL is ${where.publicUrl}`
      : null;
  if (reach === null) return;
  throw new ExampleTokenError(
    `refusing to start: the tokens of ${used.join(' and ')} are the example ones, which are public, and ${reach}: ` +
      `set ${[...variables].join(', ')} to secrets of your own (openssl rand -hex 16 makes one), ` +
      `or use HOST=127.0.0.1 and no public URL to try Hark on this machine only`,
  );
}
