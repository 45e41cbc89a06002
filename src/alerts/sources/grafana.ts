/**
 * Grafana unified alerting webhook contact point (SPEC section 2): the Alertmanager message shape
 * plus `title`, `state`, `message`, `orgId` and per alert `values`, `valueString`, `silenceURL`,
 * `dashboardURL`, `panelURL`, `imageURL`.
 *
 * Choices where the spec is silent (everything else is as for Alertmanager, see alertmanager.ts):
 * - `version` is not checked (Grafana sends "1"); `title`, `state`, `message` describe the whole
 *   notification and are not read: each alert has its own status, labels and annotations.
 * - Key: `fingerprint`, else (older Grafana, hand-made test payloads) the hash of the sorted labels.
 * - Details: the description, then `Values: B=44.2, C=1` from `values` (any JSON values, shown as
 *   text; at most 32 levels of objects and arrays), or `valueString` when there are no `values`.
 * - Links, each only if an absolute http(s) URL: generatorURL ("Source"), dashboardURL
 *   ("Dashboard"), panelURL ("Panel"), silenceURL ("Silence"), imageURL ("Image"). Grafana sends ""
 *   for the ones it does not have.
 */
import { z } from 'zod';
import type { Integration } from '../../config/types.js';
import type { NormalizeResult } from '../types.js';
import { alertsArray, amAlertShape, amAlertToNormalized } from './alertmanager.js';
import { bodyObject, kindOf, linkIf, parse, shallow } from './common.js';

const grafanaAlert = z.object({
  ...amAlertShape,
  values: shallow(
    z.record(z.string(), z.unknown(), {
      error: (iss) =>
        iss.code === 'invalid_type'
          ? `expected an object (ref ID: value), got ${kindOf(iss.input)}`
          : undefined,
    }),
  ).nullish(),
  valueString: z.string().nullish(),
  silenceURL: z.string().nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
  imageURL: z.string().nullish(),
});

/** The body of a `grafana` integration (also the OpenAPI document's). */
export const grafanaBody = bodyObject(
  { alerts: alertsArray(grafanaAlert) },
  'a Grafana webhook message',
).meta({
  id: 'GrafanaWebhook',
  description:
    'Grafana unified alerting webhook contact point (`type: grafana`): the Alertmanager shape; ' +
    '`title`, `state`, `message`, `orgId` and `version` are accepted and not read.',
});
const message = grafanaBody;

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
}

export function normalizeGrafana(integration: Integration, body: unknown): NormalizeResult {
  const r = parse(message, body);
  if (!r.ok) return r;
  const alerts = r.data.alerts.map((a) => {
    const values = Object.entries(a.values ?? {});
    const valueDetails =
      values.length > 0
        ? [`Values: ${values.map(([k, v]) => `${k}=${valueText(v)}`).join(', ')}`]
        : a.valueString && a.valueString.trim() !== ''
          ? [`Values: ${a.valueString.trim()}`]
          : [];
    return amAlertToNormalized(integration, a, {
      details: valueDetails,
      links: [
        ...linkIf(a.dashboardURL, 'Dashboard'),
        ...linkIf(a.panelURL, 'Panel'),
        ...linkIf(a.silenceURL, 'Silence'),
        ...linkIf(a.imageURL, 'Image'),
      ],
    });
  });
  return { ok: true, alerts, generatedKey: null };
}
