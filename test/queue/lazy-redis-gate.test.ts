/** The runtime hands the gate a lazyConnect client: the first gate command must connect it. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisGate } from '../../src/queue/serial-gate.js';
import { testRedisUrl } from '../setup/test-redis.js';

test('RedisGate works on a lazyConnect client (as the runtime creates it)', async () => {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 2, lazyConnect: true });
  const prefix = `ug-test-lazy-${randomUUID()}`;
  const gate = new RedisGate(redis, prefix);
  const job = {
    kind: 'push' as const,
    installationId: 1,
    owner: 'o',
    repo: 'r',
    repoId: 1,
    headSha: 'a'.repeat(40),
    ref: 'refs/heads/main',
  };
  expect(await gate.acquire('k', 'job-1', job)).toEqual({ held: true, sameHolder: false });
  expect(await gate.acquire('k', 'job-2', job)).toEqual({ held: false });
  expect(await gate.next('k', 'job-1')).toEqual({ job, jobs: [job] });
  expect(await gate.next('k', 'job-1')).toBeUndefined();
  expect(await redis.keys(`${prefix}*`)).toEqual([]);
  redis.disconnect();
});
