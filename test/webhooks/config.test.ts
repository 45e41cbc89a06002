/** `webhooks:` in hark.yaml: what is checked, with the `file:line:col` a user sees. */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { cleanupTmpConfigs, lines, tmpConfig } from '../config/tmpconfig.js';

afterAll(cleanupTmpConfigs);

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OTHER = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

/** hark.yaml lines 1–10; webhooks start on line 11. */
const HEAD = lines(
  'people:',
  '  alice: {sms: "+15555550101"}',
  'services:',
  '  - {name: checkout, match: {labels: {team: payments}}, escalation_policy: main}',
  '  - {name: edge, escalation_policy: main}',
  'integrations:',
  '  - {name: prom, type: alertmanager, token: "${PROM_TOKEN:-prom-token-0123456789}"}',
  'api_tokens:',
  '  - {name: ops, token: "${API_TOKEN:-ops-token-0123456789}"}',
  'webhooks:',
);

const POLICY = lines('steps:', '  - notify:', '      - {person: alice}');

function load(webhooks: string, env: NodeJS.ProcessEnv = { HOOK_SECRET: SECRET }, unsetEnv?: 'warning') {
  const dir = tmpConfig({ 'hark.yaml': HEAD + webhooks, 'escalation-policies/main.yaml': POLICY });
  return loadConfig(dir, { env, unsetEnv });
}

function errors(webhooks: string, env?: NodeJS.ProcessEnv): string[] {
  try {
    load(webhooks, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('expected the config to be rejected, but it loaded');
}

const hook = (...rows: string[]) => lines('  - name: ops-bus', ...rows);
const URL_ = '    url: https://hooks.example.com/hark';
const EVENTS = '    events: [incident.opened, incident.resolved]';
const SECRET_REF = '    secret: "${HOOK_SECRET}"';

describe('a valid webhook', () => {
  it('loads with its filters, its secret from the environment and a 10 s timeout', () => {
    const { config } = load(
      hook(URL_, EVENTS, '    services: [checkout]', '    severities: [SEV-1, SEV-2]', SECRET_REF),
    );
    expect(config.webhooks).toEqual([
      {
        name: 'ops-bus',
        url: 'https://hooks.example.com/hark',
        events: ['incident.opened', 'incident.resolved'],
        services: ['checkout'],
        severities: ['SEV-1', 'SEV-2'],
        secret: SECRET,
        secretEnv: 'HOOK_SECRET',
        timeoutMs: 10_000,
      },
    ]);
  });

  it('takes "*", a group such as page.*, and a timeout', () => {
    const { config } = load(
      hook('    url: http://127.0.0.1:9000/in', '    events: ["*", "page.*"]', SECRET_REF, '    timeout: 3s'),
    );
    expect(config.webhooks[0]).toMatchObject({ events: ['*', 'page.*'], services: null, timeoutMs: 3000 });
  });

  it('with hark validate --no-env, an unset secret is a warning and the rest is still checked', () => {
    const { config, warnings } = load(hook(URL_, EVENTS, SECRET_REF), {}, 'warning');
    expect(config.webhooks).toHaveLength(1);
    expect(warnings.map(formatIssue)).toEqual([
      'hark.yaml:14:13: warning: environment variable HOOK_SECRET is not set (used as ${HOOK_SECRET}): the value is not checked',
    ]);
    expect(() => load(hook('    url: ftp://x', EVENTS, SECRET_REF), {}, 'warning')).toThrow(/invalid url/);
  });
});

describe('refused, naming file:line:col', () => {
  it('a URL that is not http(s), or carries a user and password', () => {
    expect(errors(hook('    url: ftp://files.example.com/in', EVENTS, SECRET_REF))).toEqual([
      'hark.yaml:12:10: invalid url: expected an http:// or https:// URL with a host and no user or password',
    ]);
    expect(errors(hook('    url: https://u:p@hooks.example.com/', EVENTS, SECRET_REF))).toEqual([
      'hark.yaml:12:10: invalid url: expected an http:// or https:// URL with a host and no user or password',
    ]);
  });

  it('an unknown event type, with did-you-mean', () => {
    expect(errors(hook(URL_, '    events: [incident.opened, incident.acknowleged]', SECRET_REF))).toEqual([
      expect.stringMatching(
        /^hark\.yaml:13:31: unknown event type "incident\.acknowleged" in webhook "ops-bus" \(did you mean "incident\.acknowledged"\?\) \(event types: incident\.opened, /,
      ),
    ]);
    expect(errors(hook(URL_, '    events: []', SECRET_REF))[0]).toMatch(
      /^hark\.yaml:13:13: list at least one event/,
    );
  });

  it('an unknown service or severity', () => {
    expect(
      errors(hook(URL_, EVENTS, '    services: [chekout]', '    severities: [SEV-9]', SECRET_REF)),
    ).toEqual([
      'hark.yaml:14:16: unknown service "chekout" in webhook "ops-bus" (did you mean "checkout"?) (services: checkout, edge)',
      'hark.yaml:15:18: unknown severity "SEV-9" in webhook "ops-bus" (did you mean "SEV-1"?) (severities: SEV-1, SEV-2, SEV-3)',
    ]);
  });

  it('a secret written in the file, or with a default, or with more around it', () => {
    const msg =
      'the secret of webhook "ops-bus" must come from the environment alone: write secret: "${HARK_WEBHOOK_OPS_BUS_SECRET}" (no default, nothing around it) and set HARK_WEBHOOK_OPS_BUS_SECRET';
    expect(errors(hook(URL_, EVENTS, `    secret: ${SECRET}`))).toEqual([`hark.yaml:14:13: ${msg}`]);
    expect(errors(hook(URL_, EVENTS, `    secret: "\${HOOK_SECRET:-${SECRET}}"`), {})).toEqual([
      `hark.yaml:14:13: ${msg}`,
    ]);
    expect(errors(hook(URL_, EVENTS, '    secret: "whsec_${HOOK_SECRET}"'))).toEqual([
      `hark.yaml:14:13: ${msg}`,
    ]);
    // The value is never in a message.
    expect(errors(hook(URL_, EVENTS, `    secret: ${SECRET}`)).join('\n')).not.toContain(SECRET.slice(6));
  });

  it('a secret that is not a Standard Webhooks secret (whsec_ and base64 of 24 to 64 bytes), without showing it', () => {
    const short = `whsec_${Buffer.alloc(16, 1).toString('base64')}`;
    for (const value of ['correct-horse-battery-staple-0123456789', short, 'whsec_not base64!']) {
      const e = errors(hook(URL_, EVENTS, SECRET_REF), { HOOK_SECRET: value });
      expect(e).toEqual([
        'hark.yaml:14:13: HOOK_SECRET is not a Standard Webhooks secret: it must be whsec_ followed by the base64 of 24 to 64 random bytes (make one with: hark webhooks secret)',
      ]);
    }
  });

  it('${...} anywhere else in a webhook: no other secret of the config can reach a receiver', () => {
    expect(
      errors(hook('    url: "https://hooks.example.com/?t=${PROM_TOKEN}"', EVENTS, SECRET_REF), {
        HOOK_SECRET: SECRET,
        PROM_TOKEN: 'prom-token-0123456789',
      }),
    ).toEqual([
      "hark.yaml:12:10: ${...} is not allowed in a webhook's url: only its secret comes from the environment (so no other part's secret can reach a receiver); write the value itself",
    ]);
    // Unset, the same: the ${...} itself is the problem.
    expect(
      errors(hook('    url: "https://${HOOK_HOST}/in"', '    events: ["${EVENT:-*}"]', SECRET_REF)),
    ).toEqual([
      'hark.yaml:12:10: environment variable HOOK_HOST is not set (used as ${HOOK_HOST}); set it or write ${HOOK_HOST:-default}',
      "hark.yaml:12:10: ${...} is not allowed in a webhook's url: only its secret comes from the environment (so no other part's secret can reach a receiver); write the value itself",
      "hark.yaml:13:14: ${...} is not allowed in a webhook's events.0: only its secret comes from the environment (so no other part's secret can reach a receiver); write the value itself",
    ]);
  });

  it("a secret that is another part's: a variable used elsewhere, one Hark reads, or the same value", () => {
    expect(errors(hook(URL_, EVENTS, '    secret: "${PROM_TOKEN}"'), { PROM_TOKEN: SECRET })).toEqual([
      'hark.yaml:14:13: webhook "ops-bus" cannot use PROM_TOKEN as its secret: it is also used at hark.yaml:7:45; give the webhook a variable of its own',
    ]);
    expect(
      errors(hook(URL_, EVENTS, '    secret: "${TWILIO_AUTH_TOKEN}"'), { TWILIO_AUTH_TOKEN: SECRET }),
    ).toEqual([
      'hark.yaml:14:13: webhook "ops-bus" cannot use TWILIO_AUTH_TOKEN as its secret: Hark uses it for something else; give the webhook a variable of its own',
    ]);
    expect(errors(hook(URL_, EVENTS, SECRET_REF), { HOOK_SECRET: SECRET, API_TOKEN: SECRET })).toEqual([
      'hark.yaml:14:13: the secret of webhook "ops-bus" (HOOK_SECRET) is the same as API token "ops": give each webhook a secret of its own',
    ]);
    expect(errors(hook(URL_, EVENTS, SECRET_REF), { HOOK_SECRET: SECRET, SMTP_URL: SECRET })).toEqual([
      'hark.yaml:14:13: the secret of webhook "ops-bus" (HOOK_SECRET) is the same as SMTP_URL: give each webhook a secret of its own',
    ]);
    const two =
      hook(URL_, EVENTS, SECRET_REF) +
      lines('  - name: audit', URL_, EVENTS, '    secret: "${AUDIT_SECRET}"');
    expect(errors(two, { HOOK_SECRET: SECRET, AUDIT_SECRET: SECRET })).toEqual([
      'hark.yaml:18:13: the secret of webhook "audit" (AUDIT_SECRET) is the same as the secret of webhook "ops-bus": give each webhook a secret of its own',
    ]);
    expect(load(two, { HOOK_SECRET: SECRET, AUDIT_SECRET: OTHER }).config.webhooks).toHaveLength(2);
  });

  it('a duplicate name, a bad name, an unknown key, a timeout out of range', () => {
    expect(
      errors(
        hook(URL_, EVENTS, SECRET_REF) +
          lines(
            '  - name: Ops Bus',
            URL_,
            EVENTS,
            '    secret: "${HOOK_SECRET2}"',
            '    timeout: 2m',
            '    headers: {x: y}',
          ) +
          lines('  - name: ops-bus', URL_, EVENTS, '    secret: "${HOOK_SECRET3}"'),
        {
          HOOK_SECRET: SECRET,
          HOOK_SECRET2: OTHER,
          HOOK_SECRET3: `whsec_${Buffer.alloc(40, 3).toString('base64')}`,
        },
      ),
    ).toEqual([
      expect.stringMatching(/^hark\.yaml:15:11: invalid webhook name "Ops Bus"/),
      'hark.yaml:19:14: timeout must be from 1s to 60s',
      expect.stringMatching(
        /^hark\.yaml:20:5: unknown key "headers" \(allowed: name, url, events, services, severities, secret, timeout\)/,
      ),
      'hark.yaml:21:11: duplicate webhook "ops-bus" (first defined at hark.yaml:11:11)',
    ]);
  });
});
