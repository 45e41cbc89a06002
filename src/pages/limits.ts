/**
 * Per person and channel page limits (SPEC section 4), checked and recorded atomically in Redis
 * so that every worker process shares them (the script: src/redis/scripts/limits.ts).
 */
import type { Redis } from 'ioredis';
import type { PageLimit } from '../config/types.js';
import { TAKE_PAGE } from '../redis/scripts/limits.js';

export class PageLimiter {
  private readonly take: ReturnType<typeof TAKE_PAGE.on>;
  private seq = 0;

  constructor(private readonly redis: Redis) {
    this.take = TAKE_PAGE.on(redis);
  }

  /**
   * Records a page and returns null if the limits allow it now, else when they will. `page`: the
   * page's key, so that its retry — after a provider error, or a worker killed mid-send — is not
   * held back by its own earlier attempt (absent: a bundle, counted on its own).
   */
  async tryTake(
    key: string,
    limits: readonly PageLimit[],
    now: number,
    page?: string,
  ): Promise<number | null> {
    if (limits.length === 0) return null;
    const member =
      page !== undefined
        ? `page:${page}`
        : `${now}-${process.pid}-${this.seq++}-${Math.random().toString(36).slice(2, 8)}`;
    const args = limits.flatMap((l) => [l.count, l.perMs]);
    const at = Number(await this.take([key], [now, member, ...args]));
    return at === 0 ? null : at;
  }
}
