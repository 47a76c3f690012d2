/** VerdictCache on Redis (ioredis): `<prefix>verdict:<fingerprint>` → `{status,reason,checkedAt}`. */
import type { Redis } from 'ioredis';
import { VERIFICATION_STATUSES } from './statuses.js';
import type { Verification } from '../core/index.js';
import type { VerdictCache } from './verdict-cache.js';

export class RedisVerdictCache implements VerdictCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'upstash-guard:verify:',
  ) {}

  async get(fingerprint: string): Promise<Verification | undefined> {
    const raw = await this.redis.get(`${this.prefix}verdict:${fingerprint}`);
    if (!raw) return undefined;
    // Parse at the boundary: a value we did not write is a miss, not a verdict.
    try {
      const v = JSON.parse(raw) as Partial<Verification>;
      if (!VERIFICATION_STATUSES.includes(v.status as never)) return undefined;
      return {
        status: v.status!,
        ...(typeof v.reason === 'string' ? { reason: v.reason } : {}),
        ...(typeof v.checkedAt === 'string' ? { checkedAt: v.checkedAt } : {}),
      };
    } catch {
      return undefined;
    }
  }

  async set(fingerprint: string, v: Verification, ttlMs: number): Promise<void> {
    const value = JSON.stringify({ status: v.status, reason: v.reason, checkedAt: v.checkedAt });
    await this.redis.set(`${this.prefix}verdict:${fingerprint}`, value, 'PX', Math.max(1, ttlMs));
  }
}
