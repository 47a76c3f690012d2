/** The BullMQ queue against the real test Redis (test/setup/test-redis.ts), one key prefix per test run. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullScanQueue, redisConnection } from '../../src/queue/bullmq-queue.js';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import { PermanentJobError, type ScanJob } from '../../src/queue/scan-job.js';
import { testRedisUrl } from '../setup/test-redis.js';

const REDIS = testRedisUrl();

function job(over: Partial<ScanJob> = {}): ScanJob {
  return {
    kind: 'pull_request',
    installationId: 1,
    owner: 'o',
    repo: 'r',
    repoId: 42,
    headSha: 'a'.repeat(40),
    pr: 7,
    ...over,
  };
}

function until(cond: () => boolean, ms = 15000): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) return resolve();
      if (Date.now() > end) return reject(new Error('timed out waiting'));
      setTimeout(tick, 25);
    };
    tick();
  });
}

describe('BullScanQueue (real Redis)', () => {
  const prefix = `ug-test-${randomUUID()}`;
  const queues: BullScanQueue[] = [];
  const make = (o: Partial<ConstructorParameters<typeof BullScanQueue>[0]> = {}) => {
    const q = new BullScanQueue({
      connection: redisConnection(REDIS),
      prefix,
      retry: { baseMs: 50, attempts: 3 },
      ...o,
    });
    queues.push(q);
    return q;
  };
  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('dedups redeliveries by job id, runs PR work before history, retries, and stops on permanent errors', async () => {
    const q = make({ concurrency: 1 });
    const a = await q.add(job({ kind: 'history', headSha: 'b'.repeat(40), pr: undefined }));
    const b = await q.add(job());
    const again = await q.add(job());
    expect(b.duplicate).toBe(false);
    expect(again).toEqual({ id: b.id, duplicate: true });
    const seen: string[] = [];
    let flaky = 0;
    q.start(async (j) => {
      seen.push(j.kind);
      if (j.headSha === 'c'.repeat(40) && ++flaky < 3) throw new Error('transient');
      if (j.headSha === 'd'.repeat(40)) throw new PermanentJobError('repository gone');
    });
    await until(() => seen.length >= 2);
    expect(seen).toEqual(['pull_request', 'history']);
    void a;
    await q.add(job({ headSha: 'c'.repeat(40) }));
    await until(() => flaky >= 3);
    await q.add(job({ headSha: 'd'.repeat(40) }));
    await until(() => seen.length >= 6);
    await new Promise((r) => setTimeout(r, 400));
    expect(seen.length).toBe(6); // the permanent failure ran once, no retry
  });

  it('a job whose worker died is picked up by another worker (stalled-job recovery)', async () => {
    const p2 = `${prefix}-stall`;
    const dying = new BullScanQueue({
      connection: redisConnection(REDIS),
      prefix: p2,
      lockDuration: 1000,
      stalledInterval: 500,
    });
    let started = false;
    dying.start(async () => {
      started = true;
      await new Promise(() => undefined); // hangs: the process "dies" below
    });
    await dying.add(job({ headSha: 'e'.repeat(40) }));
    await until(() => started);
    // Simulate a dead worker: its Redis connections drop without completing the job.
    const worker = (dying as unknown as { worker: { close(force: boolean): Promise<void> } })
      .worker;
    await worker.close(true);
    queues.push(dying); // its Queue connection is closed in afterAll
    const rescuer = new BullScanQueue({
      connection: redisConnection(REDIS),
      prefix: p2,
      lockDuration: 1000,
      stalledInterval: 500,
    });
    queues.push(rescuer);
    let done = false;
    rescuer.start(async () => {
      done = true;
    });
    await until(() => done, 20000);
    expect(done).toBe(true);
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${p2}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });
});

describe('InProcessQueue', () => {
  it('has the same dedup, priority and retry semantics without Redis', async () => {
    const q = new InProcessQueue({ concurrency: 1, retry: { baseMs: 10, attempts: 3 } });
    await q.add(job({ kind: 'history', headSha: 'b'.repeat(40) }));
    await q.add(job());
    expect((await q.add(job())).duplicate).toBe(true);
    const seen: string[] = [];
    let tries = 0;
    await q.add(job({ headSha: 'c'.repeat(40) }));
    q.start(async (j) => {
      seen.push(j.kind);
      if (j.headSha === 'c'.repeat(40) && ++tries < 2) throw new Error('transient');
    });
    await q.idle();
    expect(seen).toEqual(['pull_request', 'pull_request', 'history', 'pull_request']);
    expect(tries).toBe(2);
  });
});
