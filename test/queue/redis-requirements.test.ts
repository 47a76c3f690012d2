/** The startup check of what the queue needs from Redis, against private redis-servers. */
import { Redis } from 'ioredis';
import { inspectRedis, warnIfRedisUnsafe } from '../../src/queue/redis-requirements.js';
import { startOwnRedis } from '../helpers/redis-server.js';

test('no persistence and an evicting policy are problems; AOF with noeviction is fine', async () => {
  const unsafe = await startOwnRedis({ persistence: 'none', maxmemoryPolicy: 'allkeys-lru' });
  const safe = await startOwnRedis({ persistence: 'aof' });
  const a = new Redis(unsafe.url);
  const b = new Redis(safe.url);
  try {
    const bad = await inspectRedis(a);
    expect(bad.problems).toEqual([
      expect.stringMatching(/no persistence/),
      expect.stringMatching(/allkeys-lru[^]*noeviction/),
    ]);
    const good = await inspectRedis(b);
    expect(good).toMatchObject({ aof: true, appendfsync: 'always', maxmemoryPolicy: 'noeviction' });
    expect(good.problems).toEqual([]);
    const warned: string[] = [];
    const log = {
      warn: (_o: unknown, m?: string) => void warned.push(String(m)),
      info: () => undefined,
    };
    await warnIfRedisUnsafe(a, log as never);
    await warnIfRedisUnsafe(b, log as never);
    expect(warned).toEqual([expect.stringMatching(/^REDIS IS NOT SAFE/)]);
  } finally {
    a.disconnect();
    b.disconnect();
    await Promise.all([unsafe.close(), safe.close()]);
  }
});
