/** The config the server tests run against. */
import { lines, tmpConfig } from '../config/tmpconfig.js';

/** The fields SPEC 7 says an Incident has at least. */
export const SPEC_INCIDENT_FIELDS = [
  'id',
  'key',
  'state',
  'service',
  'severity',
  'urgency',
  'title',
  'runbook',
  'alerts',
  'createdAt',
  'acknowledgedAt',
  'acknowledgedBy',
  'resolvedAt',
  'commander',
] as const;

export const TOKENS = {
  am: 'am-token-0123456789',
  grafana: 'grafana-token-0123456789',
  datadog: 'dd-token-0123456789',
  pagerduty: 'R0UT1NGK3Y-secret-value',
  generic: 'generic-token-0123456789',
  limited: 'limited-token-0123456789',
  api: 'api-token-for-tests-0123456789',
  apiAnon: 'api-token-anonymous-0123456789',
} as const;

export function serverTestConfig(opts: { catchAll?: boolean; maxBody?: string } = {}): string {
  const catchAll = opts.catchAll ?? true;
  return tmpConfig({
    'hark.yaml': lines(
      'people:',
      '  alice: {sms: "+15555550101", email: alice@example.com}',
      '  bob: {sms: "+15555550102", email: bob@example.com}',
      'services:',
      '  - name: nodes',
      '    match: {labels: {job: node}}',
      '    escalation_policy: main',
      '    group_by: [alertname]',
      '  - name: web',
      '    match: {labels: {team: web}}',
      '    escalation_policy: main',
      ...(catchAll ? ['  - name: other', '    escalation_policy: main', '    runbook: generic-runbook'] : []),
      'integrations:',
      `  - {name: am, type: alertmanager, token: "${TOKENS.am}"}`,
      `  - {name: grafana, type: grafana, token: "${TOKENS.grafana}"}`,
      `  - {name: datadog, type: datadog, token: "${TOKENS.datadog}"}`,
      `  - {name: pd, type: pagerduty, token: "${TOKENS.pagerduty}"}`,
      `  - {name: scripts, type: generic, token: "${TOKENS.generic}"}`,
      `  - {name: limited, type: generic, token: "${TOKENS.limited}", rate_limit: {requests: 2, per: 1m}}`,
      'api_tokens:',
      `  - {name: cli, token: "${TOKENS.api}", person: alice}`,
      `  - {name: robot, token: "${TOKENS.apiAnon}"}`,
      'settings:',
      `  max_body: ${opts.maxBody ?? '16KiB'}`,
    ),
    'schedules/main.yaml': lines(
      'timezone: UTC',
      'rotations:',
      '  - {name: weekly, members: [alice, bob], start: 2026-01-05T09:00, handoff: FREQ=WEEKLY}',
    ),
    'escalation-policies/main.yaml': lines(
      'steps:',
      '  - notify: [{schedule: main}]',
      '    escalate_after: 5m',
    ),
    'runbooks/generic-runbook.md': lines('# What to do', 'Look at it.'),
  });
}
