/**
 * A heartbeat as the API (`GET /v1/heartbeats`, a ping's answer), the CLI (`hark heartbeats`), the
 * dashboard and /metrics show it: one zod schema, so the OpenAPI component comes from it.
 */
import { z } from 'zod';

const instant = z.iso.datetime({ offset: true });

export const HEARTBEAT_STATUSES = ['new', 'up', 'missed'] as const;
export type HeartbeatStatus = (typeof HEARTBEAT_STATUSES)[number];

export const heartbeatViewSchema = z
  .object({
    name: z.string(),
    kind: z
      .enum(['ping', 'watchdog'])
      .describe(
        '`ping`: pinged over HTTP (`heartbeats:`); `watchdog`: by an integration’s always-firing alert.',
      ),
    integration: z.string().nullable().describe('Watchdog mode: the integration whose alert pings it.'),
    alertname: z.string().nullable().describe('Watchdog mode: the alert that pings it.'),
    intervalSeconds: z.number().int().min(1),
    graceSeconds: z.number().int().min(0),
    service: z.string().nullable().describe('null: routed like any alert (Watchdog without service).'),
    status: z
      .enum(HEARTBEAT_STATUSES)
      .describe(
        '`new`: never pinged, within its first interval; `up`: pinged in time; `missed`: no ping within interval + grace.',
      ),
    lastPingAt: instant.nullable(),
    secondsSinceLastPing: z.number().int().min(0).nullable(),
    pings: z.number().int().min(0).describe('Pings counted since Hark first watched it.'),
    dueAt: instant
      .nullable()
      .describe('When it counts as missed without another ping (null: not watched yet).'),
    missedSince: instant.nullable().describe('When the missed ping was expected (status missed).'),
    incident: z
      .number()
      .int()
      .min(1)
      .nullable()
      .describe('The incident opened for the miss (status missed).'),
  })
  .readonly()
  .meta({ id: 'Heartbeat', description: 'A heartbeat and its state (docs/senders.md).' });

export type HeartbeatView = z.infer<typeof heartbeatViewSchema>;
