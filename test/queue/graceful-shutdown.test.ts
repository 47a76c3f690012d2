/** SIGTERM path: close() stops taking jobs and lets the running one finish (real Redis). */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullScanQueue, redisConnection } from '../../src/queue/bullmq-queue.js';
import type { ScanJob } from '../../src/queue/scan-job.js';
import { ScanSlots } from '../../src/queue/scan-slots.js';
import { testRedisUrl } from '../setup/test-redis.js';

const REDIS = testRedisUrl();
const prefix = `ug-test-shutdown-${randomUUID()}`;
const job = (head: string): ScanJob => ({
  kind: 'push',
  installationId: 1,
  owner: 'o',
  repo: 'r',
  repoId: 43,
  headSha: head.repeat(40),
  ref: `refs/heads/${head}`,
});

afterAll(async () => {
  const redis = new Redis(REDIS);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

test('close() finishes the running job and does not start the waiting one', async () => {
  const q = new BullScanQueue({ connection: redisConnection(REDIS), prefix, concurrency: 1 });
  const events: string[] = [];
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  await q.add(job('a'));
  await q.add(job('b'));
  q.start(async (j) => {
    events.push(`start ${j.headSha[0]}`);
    started();
    await new Promise((r) => setTimeout(r, 300));
    events.push(`end ${j.headSha[0]}`);
  });
  await running;
  await q.close();
  events.push('closed');
  expect(events).toEqual(['start a', 'end a', 'closed']);
  // The waiting job is still in Redis for the next worker.
  const other = new BullScanQueue({ connection: redisConnection(REDIS), prefix });
  expect(await other.depth()).toBe(1);
  await other.close();
});

test('a job refused a scan slot at shutdown goes back to waiting: no attempt spent, no failure', async () => {
  const failures: unknown[] = [];
  const q = new BullScanQueue({
    connection: redisConnection(REDIS),
    prefix,
    concurrency: 2,
    onAttemptFailed: (f) => void failures.push(f),
  });
  const ids = { c: (await q.add(job('c'))).id, d: (await q.add(job('d'))).id };
  const slots = new ScanSlots(1);
  let release!: () => void;
  const running = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const first = new Promise<void>((r) => (started = r));
  const ran: string[] = [];
  q.start((j) =>
    slots.run(1, async () => {
      ran.push(j.headSha[0]!);
      started();
      await running;
    }),
  );
  await first;
  await new Promise((r) => setTimeout(r, 100)); // the other job waits for the slot
  slots.close();
  const closing = q.close();
  release();
  await closing;
  expect(ran).toHaveLength(1);
  expect(failures).toEqual([]);
  // The job that did not run is queued again (BullMQ lists a job with a priority as
  // "prioritized"), with no attempt counted.
  const refused = ids[ran[0] === 'c' ? 'd' : 'c'];
  const other = new BullScanQueue({ connection: redisConnection(REDIS), prefix });
  expect(['waiting', 'prioritized']).toContain(await other.jobState(refused));
  const redis = new Redis(REDIS);
  const [hash] = await redis.keys(`${prefix}:*:${refused}`);
  expect(Number((await redis.hget(hash!, 'atm')) ?? 0)).toBe(0);
  redis.disconnect();
  await other.close();
});
