/**
 * Issue 9 §3, the delivery lost after "Redis restarted empty": two adds of the same job racing.
 *
 * A delivery answered 503 while Redis was away leaves its `queue.add` behind; ioredis keeps the
 * commands (maxRetriesPerRequest: null) and sends them once Redis is back, next to the
 * redelivery's add of the same job (same id, a later receivedAt). Both looked the job up before
 * either stored it, and BullMQ answers an add whose id exists with that id, storing nothing.
 * Both used to report "not a duplicate", so the redelivery noted its receivedAt as the branch's
 * tip while the job stored had the earlier one: the serial gate then parked the only job for a
 * tip that would never run, and the PR was never reported.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullScanQueue, redisConnection } from '../../src/queue/bullmq-queue.js';
import { notingTips } from '../../src/queue/noting-queue.js';
import { jobIdOf, serialKeyOf, type ScanJob } from '../../src/queue/scan-job.js';
import type { ScanQueue } from '../../src/queue/scan-queue.js';
import { MemoryGate, RedisGate, serialized, type SerialGate } from '../../src/queue/serial-gate.js';
import { startOwnRedis } from '../helpers/redis-server.js';
import { testRedisUrl } from '../setup/test-redis.js';

const REDIS = testRedisUrl();

const prJob = (receivedAt: number, deliveryId: string): ScanJob => ({
  kind: 'pull_request',
  installationId: 1,
  owner: 'acme',
  repo: 'during',
  repoId: 852,
  headSha: 'c'.repeat(40),
  baseSha: 'b'.repeat(40),
  pr: 42,
  deliveryId,
  receivedAt,
});

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts the worker behind the serial gate; what it scanned and parked once it did something. */
async function work(
  queue: ScanQueue,
  gate: SerialGate,
): Promise<{ scanned: ScanJob[]; parked: ScanJob[] }> {
  const scanned: ScanJob[] = [];
  const parked: ScanJob[] = [];
  queue.start(
    serialized(
      async (j) => void scanned.push(j),
      gate,
      (j) => void parked.push(j),
    ),
  );
  await until(() => scanned.length + parked.length > 0);
  await new Promise((r) => setTimeout(r, 300));
  return { scanned, parked };
}

describe('two adds of one job racing (real Redis)', () => {
  const prefix = `ug-test-race-${randomUUID()}`;
  const closers: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
  const bull = (p: string): BullScanQueue => {
    const q = new BullScanQueue({ connection: redisConnection(REDIS), prefix: p });
    closers.push(() => q.close());
    return q;
  };

  it('only the add whose job was stored reports it new', async () => {
    const q = bull(`${prefix}-a`);
    // Both look the id up before either adds: the same connection sends both lookups first.
    const results = await Promise.all([q.add(prJob(1000, 'd-1')), q.add(prJob(2000, 'd-2'))]);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
    const winner = results.findIndex((r) => !r.duplicate);
    const redis = new Redis(REDIS);
    closers.push(() => redis.disconnect());
    const data = JSON.parse(
      (await redis.hget(`${prefix}-a:upstash-guard-scans:${results[0].id}`, 'data'))!,
    ) as ScanJob;
    expect(data.receivedAt).toBe(winner === 0 ? 1000 : 2000);
  });

  it('the racing redelivery does not note a tip that parks the stored job forever', async () => {
    const p = `${prefix}-b`;
    const redis = new Redis(REDIS, { maxRetriesPerRequest: 2 });
    closers.push(() => redis.disconnect());
    const gate: SerialGate = new RedisGate(redis, `${p}:serial`);
    const store = bull(p);
    const queue = notingTips(store, gate);
    // The abandoned add (earlier receivedAt) and the redelivery's, at once.
    await Promise.all([queue.add(prJob(1000, 'd-1')), queue.add(prJob(2000, 'd-2'))]);
    const { scanned, parked } = await work(queue, gate);
    expect(parked).toEqual([]);
    expect(scanned.map((j) => j.headSha)).toEqual(['c'.repeat(40)]);
  });
});

describe('an add left behind by a 503, replayed into a Redis that restarted empty', () => {
  it('and the redelivery racing it: the job is stored once and scanned', async () => {
    const own = await startOwnRedis({ persistence: 'none' });
    const prefix = `ug-test-replay-${randomUUID().slice(0, 8)}`;
    const redis = new Redis(own.url, { maxRetriesPerRequest: 2, lazyConnect: true });
    const store = new BullScanQueue({ connection: redisConnection(own.url), prefix });
    const gate = new RedisGate(redis, `${prefix}:serial`);
    const queue = notingTips(store, gate);
    try {
      await store.depth(); // connected
      await own.kill();
      // The delivery during the outage: the handler stops waiting (503); the add stays queued.
      const abandoned = queue.add(prJob(1000, 'd-during'));
      abandoned.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      await own.start();
      // GitHub's redelivery, while the abandoned add's commands are replayed.
      const [first, again] = await Promise.all([abandoned, queue.add(prJob(2000, 'd-redeliver'))]);
      expect([first.duplicate, again.duplicate].sort()).toEqual([false, true]);
      const { scanned, parked } = await work(queue, gate);
      expect(parked).toEqual([]);
      expect(scanned).toHaveLength(1);
    } finally {
      await queue.close();
      redis.disconnect();
      await own.close();
    }
  }, 30_000);
});

describe.each([
  ['memory', () => ({ gate: new MemoryGate() as SerialGate, close: () => undefined })],
  [
    'Redis',
    () => {
      const redis = new Redis(REDIS, { maxRetriesPerRequest: 2 });
      const gate: SerialGate = new RedisGate(redis, `ug-test-selftip-${randomUUID()}`);
      return { gate, close: () => redis.disconnect() };
    },
  ],
] as const)('%s gate: a tip noted for the same job', (_name, make) => {
  it('never parks that job (it is the tip) and marks the tip started', async () => {
    const { gate, close } = make();
    try {
      const stored = prJob(1000, 'd-1');
      const key = serialKeyOf(stored)!;
      const id = jobIdOf(stored);
      // Noted by a delivery of the same job whose own add stored nothing (any such race).
      await gate.noteEnqueued(key, prJob(2000, 'd-2'));
      expect(await gate.acquire(key, id, stored)).toEqual({ held: true, sameHolder: false });
      expect(await gate.next(key, id)).toBeUndefined();
      // An older head of the same PR that reaches the gate later is not parked behind it.
      const older = { ...prJob(500, 'd-0'), headSha: 'a'.repeat(40) };
      expect((await gate.acquire(key, jobIdOf(older), older)).held).toBe(true);
      await gate.next(key, jobIdOf(older));
    } finally {
      close();
    }
  });
});
