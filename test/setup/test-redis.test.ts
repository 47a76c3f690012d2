/**
 * The fresh-machine path of the test infrastructure: with 6379 ignored (as when nothing listens
 * there), globalSetup's choice starts a private redis-server on another port and stops it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  chooseTestRedis,
  FORCE_PRIVATE_ENV,
  pingRedis,
  TEST_REDIS_ENV,
  testRedisUrl,
} from './test-redis.js';

test('forced private: starts its own redis-server on a free port, usable, then stopped', async () => {
  const lines: string[] = [];
  const chosen = await chooseTestRedis({ [FORCE_PRIVATE_ENV]: '1' }, (l) => lines.push(l));
  try {
    expect(chosen.private).toBeDefined();
    expect(chosen.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(chosen.url).not.toBe('redis://127.0.0.1:6379');
    expect(lines.join('\n')).toContain(chosen.url);
    const redis = new Redis(chosen.url, { maxRetriesPerRequest: 1 });
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    redis.disconnect();
  } finally {
    await chosen.private?.stop();
  }
  expect(await pingRedis(chosen.url, 300)).toBe(false);
});

test('an explicit UPSTASH_GUARD_TEST_REDIS_URL wins and starts nothing', async () => {
  const chosen = await chooseTestRedis({ [TEST_REDIS_ENV]: 'redis://127.0.0.1:1' }, () => {});
  expect(chosen).toEqual({ url: 'redis://127.0.0.1:1' });
});

test('this run has a live Redis from globalSetup', async () => {
  expect(await pingRedis(testRedisUrl())).toBe(true);
});

test('no test hardcodes the Redis address: they all read testRedisUrl()', () => {
  const root = join(import.meta.dirname, '..');
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !/test\/(setup|bench)\//.test(p)) {
        const text = readFileSync(p, 'utf8');
        if (
          /redis:\/\/(127\.0\.0\.1|localhost):6379|port: 6379/.test(text) &&
          !/detectors|core\/scan|helpers\/shapes/.test(p)
        )
          offenders.push(p);
      }
    }
  };
  walk(root);
  expect(offenders).toEqual([]);
});
