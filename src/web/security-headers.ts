/**
 * The headers of every HTML answer Hark gives (the web UI, the email action pages, the sign-in, the
 * 404 and error pages, the "Redis is down" page): one strict Content-Security-Policy — no script
 * at all, styles and images from Hark only, forms post only to Hark, no framing, no <base> — and
 * no MIME sniffing. Set by one middleware on every response whose type is text/html, so that no
 * page (a new one, an error one) can go out without it.
 */
import type { MiddlewareHandler } from 'hono';

export const STRICT_CSP =
  "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function htmlSecurityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!/^text\/html\b/i.test(c.res.headers.get('content-type') ?? '')) return;
    c.res.headers.set('Content-Security-Policy', STRICT_CSP);
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    // Pages set their own (the action pages: no-referrer, their URL holds a token); else this.
    if (!c.res.headers.has('Referrer-Policy')) c.res.headers.set('Referrer-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  };
}
