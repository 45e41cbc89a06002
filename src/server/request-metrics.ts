/**
 * `hark_http_request_duration_seconds{method,route,status}`: every request, timed from the first
 * middleware to the answer. `route` is the pattern of the route that answered (`/v1/incidents/:id`,
 * `/i/:id`), never the path a client sent, so a scan of random URLs adds no series: a request no
 * route takes is `unmatched`, a method Hono does not route is `OTHER`.
 */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Metrics } from '../metrics.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export interface RequestMetricsOptions {
  /** Route patterns not observed here (they have metrics of their own). */
  readonly skip?: ReadonlySet<string>;
}

export function requestMetrics(metrics: Metrics, opts: RequestMetricsOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      // The route that answered (its handler or one of its middleware), else the one that would
      // have (a body refused by a global middleware first), else none.
      const matched = matchedRoutes(c);
      const here = matched[c.req.routeIndex];
      const route =
        here && here.method !== 'ALL'
          ? here.path
          : (matched.find((r) => r.method !== 'ALL')?.path ?? 'unmatched');
      if (!opts.skip?.has(route)) {
        metrics.httpRequestDuration.observe(
          { method: METHODS.has(c.req.method) ? c.req.method : 'OTHER', route, status: String(c.res.status) },
          (performance.now() - start) / 1000,
        );
      }
    }
  };
}
