/**
 * Per-installation probe budget (fixed window): one installation cannot make us hammer Upstash or
 * burn its databases' command quota (each Redis probe is one billed command).
 */
import type { Redis } from 'ioredis';

export interface RateLimiter {
  /** Counts one probe for `scope`; false when this window's budget is spent. */
  take(scope: string): Promise<boolean>;
}

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { limit: 300, windowMs: 60_000 };

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { index: number; count: number }>();
  constructor(
    private readonly rate: RateLimit = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  take(scope: string): Promise<boolean> {
    const index = Math.floor(this.now() / this.rate.windowMs);
    const w = this.windows.get(scope);
    if (!w || w.index !== index) {
      this.windows.set(scope, { index, count: 1 });
      return Promise.resolve(this.rate.limit >= 1);
    }
    w.count += 1;
    return Promise.resolve(w.count <= this.rate.limit);
  }
}

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly rate: RateLimit = DEFAULT_RATE_LIMIT,
    private readonly prefix = 'upstash-guard:verify:',
    private readonly now: () => number = Date.now,
  ) {}

  async take(scope: string): Promise<boolean> {
    const index = Math.floor(this.now() / this.rate.windowMs);
    const key = `${this.prefix}rate:${scope}:${index}`;
    // INCR and PEXPIRE in one round trip; the key outlives its window by at most one window.
    const res = await this.redis
      .multi()
      .incr(key)
      .pexpire(key, this.rate.windowMs * 2)
      .exec();
    const count = Number(res?.[0]?.[1] ?? Number.POSITIVE_INFINITY);
    return count <= this.rate.limit;
  }
}
