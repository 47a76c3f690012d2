import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisHost, redisTokenParts } from '../helpers/synthetic.js';
import { UpstashDouble } from '../helpers/upstash-double.js';
import { verifyFindings, type VerifyOptions } from '../../src/verify/verify-findings.js';
import { MemoryVerdictCache } from '../../src/verify/verdict-cache.js';
import { RedisVerdictCache } from '../../src/verify/redis-verdict-cache.js';
import { MemoryRateLimiter, RedisRateLimiter } from '../../src/verify/rate-limiter.js';
import { findingOf } from './findings.js';
import { testRedisUrl } from '../setup/test-redis.js';

const double = new UpstashDouble();
const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
const prefix = `upstash-guard-test:${randomUUID()}:`;

beforeAll(() => double.start().then(() => undefined));
afterAll(async () => {
  await double.stop();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});
beforeEach(() => {
  double.requests.length = 0;
});

function liveRedisFinding() {
  const p = redisTokenParts();
  const host = redisHost(p.dbId);
  double.accept(host, `Bearer ${p.token}`);
  return () => findingOf('upstash-redis-token', { secret: p.token, endpoint: `https://${host}` });
}

function base(extra: Partial<VerifyOptions>): VerifyOptions {
  return {
    hostPolicy: double.policy(),
    rateLimiter: new MemoryRateLimiter({ limit: 1000, windowMs: 60_000 }),
    ...extra,
  };
}

describe('verdict cache', () => {
  it('Redis: a second verification of the same fingerprint makes no probe; the value holds no secret', async () => {
    const make = liveRedisFinding();
    const cache = new RedisVerdictCache(redis, prefix);
    const a = make();
    await verifyFindings([a], base({ cache }));
    expect(double.requests).toHaveLength(1);
    const b = make();
    await verifyFindings([b], base({ cache }));
    expect(double.requests).toHaveLength(1);
    expect(b.verification).toEqual(a.verification);
    expect(b.verification?.status).toBe('live');
    expect(b.severity).toBe('critical');
    const raw = await redis.get(`${prefix}verdict:${a.fingerprint}`);
    expect(JSON.parse(raw!)).toEqual({ status: 'live', checkedAt: a.verification!.checkedAt });
    const ttl = await redis.pttl(`${prefix}verdict:${a.fingerprint}`);
    expect(ttl).toBeGreaterThan(3_500_000);
  });

  it('Redis: a value that is not a verdict is a miss', async () => {
    const make = liveRedisFinding();
    const f = make();
    await redis.set(`${prefix}verdict:${f.fingerprint}`, '{"status":"pwned"}');
    await verifyFindings([f], base({ cache: new RedisVerdictCache(redis, prefix) }));
    expect(double.requests).toHaveLength(1);
    expect(f.verification?.status).toBe('live');
  });

  it('memory: probes again after the TTL; unknown verdicts are not cached', async () => {
    let now = 1_000_000;
    const cache = new MemoryVerdictCache(() => now);
    const make = liveRedisFinding();
    await verifyFindings([make()], base({ cache, cacheTtlMs: 1000 }));
    await verifyFindings([make()], base({ cache, cacheTtlMs: 1000 }));
    expect(double.requests).toHaveLength(1);
    now += 1001;
    await verifyFindings([make()], base({ cache, cacheTtlMs: 1000 }));
    expect(double.requests).toHaveLength(2);

    const p = redisTokenParts();
    const host = redisHost(p.dbId);
    double.behave(host, '503');
    const again = () =>
      findingOf('upstash-redis-token', { secret: p.token, endpoint: `https://${host}` });
    await verifyFindings([again()], base({ cache }));
    await verifyFindings([again()], base({ cache }));
    expect(double.requests.filter((q) => q.host === host)).toHaveLength(2);
  });

  it('a broken cache does not stop verification', async () => {
    const make = liveRedisFinding();
    const broken = {
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
    };
    const f = make();
    await verifyFindings([f], base({ cache: broken }));
    expect(f.verification?.status).toBe('live');
  });
});

describe('the App shorthand: { redis }', () => {
  it('puts the verdict cache and the rate limit in Redis under the prefix', async () => {
    const make = liveRedisFinding();
    const a = make();
    const b = make();
    const o = {
      hostPolicy: double.policy(),
      redis,
      redisPrefix: `${prefix}app:`,
      installationId: 99,
    };
    await verifyFindings([a], o);
    await verifyFindings([b], o);
    expect(double.requests).toHaveLength(1);
    expect(await redis.exists(`${prefix}app:verdict:${a.fingerprint}`)).toBe(1);
    expect(await redis.keys(`${prefix}app:rate:99:*`)).toHaveLength(1);
  });
});

describe('per-installation rate limit', () => {
  it('memory: past the budget, findings are unknown "rate limited locally" and nothing is sent', async () => {
    const fs = [liveRedisFinding()(), liveRedisFinding()(), liveRedisFinding()()];
    const limiter = new MemoryRateLimiter({ limit: 2, windowMs: 60_000 });
    await verifyFindings(
      fs,
      base({
        rateLimiter: limiter,
        cache: new MemoryVerdictCache(),
        installationId: 7,
        concurrency: 1,
      }),
    );
    expect(fs.map((f) => f.verification?.status)).toEqual(['live', 'live', 'unknown']);
    expect(fs[2]!.verification?.reason).toBe('rate limited locally');
    expect(double.requests).toHaveLength(2);
    // Another installation has its own budget.
    const other = liveRedisFinding()();
    await verifyFindings(
      [other],
      base({ rateLimiter: limiter, cache: new MemoryVerdictCache(), installationId: 8 }),
    );
    expect(other.verification?.status).toBe('live');
  });

  it('Redis: the budget is shared by every process using the same prefix', async () => {
    const rate = { limit: 2, windowMs: 60_000 };
    const one = new RedisRateLimiter(redis, rate, prefix);
    const two = new RedisRateLimiter(redis, rate, prefix);
    const fs = [liveRedisFinding()(), liveRedisFinding()(), liveRedisFinding()()];
    await verifyFindings(
      fs.slice(0, 2),
      base({ rateLimiter: one, cache: new MemoryVerdictCache(), installationId: 42 }),
    );
    await verifyFindings(
      fs.slice(2),
      base({ rateLimiter: two, cache: new MemoryVerdictCache(), installationId: 42 }),
    );
    expect(fs.map((f) => f.verification?.status)).toEqual(['live', 'live', 'unknown']);
    expect(double.requests).toHaveLength(2);
    const keys = await redis.keys(`${prefix}rate:42:*`);
    expect(keys).toHaveLength(1);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(0);
  });

  it('a cache hit spends no budget', async () => {
    const make = liveRedisFinding();
    const cache = new MemoryVerdictCache();
    const limiter = new MemoryRateLimiter({ limit: 1, windowMs: 60_000 });
    const fs = [make(), make(), make()];
    for (const f of fs) await verifyFindings([f], base({ cache, rateLimiter: limiter }));
    expect(fs.map((f) => f.verification?.status)).toEqual(['live', 'live', 'live']);
    expect(double.requests).toHaveLength(1);
  });
});

it('the memory cache is bounded, dropping the oldest verdict first', async () => {
  const cache = new MemoryVerdictCache(Date.now, 2);
  const v = { status: 'live' as const };
  await cache.set('a', v, 60_000);
  await cache.set('b', v, 60_000);
  await cache.set('c', v, 60_000);
  expect(await cache.get('a')).toBeUndefined();
  expect(await cache.get('b')).toEqual(v);
  expect(await cache.get('c')).toEqual(v);
});
