/**
 * Per-integration request limits (SPEC section 2: 429 with Retry-After). Fixed windows counted in
 * this process: with several API processes behind a load balancer, each enforces the limit.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { window: number; count: number }>();

  /** Counts a request; returns the seconds to wait when over the limit, else null. */
  hit(
    name: string,
    limit: { readonly requests: number; readonly perMs: number },
    nowMs: number,
  ): number | null {
    const window = Math.floor(nowMs / limit.perMs);
    let w = this.windows.get(name);
    if (!w || w.window !== window) {
      w = { window, count: 0 };
      this.windows.set(name, w);
    }
    w.count++;
    if (w.count <= limit.requests) return null;
    return Math.max(1, Math.ceil(((window + 1) * limit.perMs - nowMs) / 1000));
  }
}
