/**
 * Issue 9 §3: a job that failed for good is not a "duplicate": a redelivery or a Re-run enqueues
 * it again, in both queues. Waiting, delayed (between retries), running and completed jobs stay
 * duplicates. Every failed attempt is reported, and the final one is marked final.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { BullScanQueue, redisConnection } from '../../src/queue/bullmq-queue.js';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import {
  DEFAULT_RETRY,
  PermanentJobError,
  retryDelayMs,
  type ScanJob,
} from '../../src/queue/scan-job.js';
import type { AttemptFailure, ScanQueue } from '../../src/queue/scan-queue.js';
import { testRedisUrl } from '../setup/test-redis.js';

const REDIS = testRedisUrl();
const prefix = `ug-test-redeliver-${randomUUID()}`;

const job = (headSha: string): ScanJob => ({
  kind: 'push',
  installationId: 1,
  owner: 'o',
  repo: 'r',
  repoId: 42,
  headSha,
  ref: 'refs/heads/main',
});

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const queues: ScanQueue[] = [];
afterAll(async () => {
  await Promise.all(queues.map((q) => q.close()));
  const redis = new Redis(REDIS);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const makers: [string, (f: (x: AttemptFailure) => void) => ScanQueue][] = [
  [
    'BullMQ',
    (onAttemptFailed) =>
      new BullScanQueue({
        connection: redisConnection(REDIS),
        prefix: `${prefix}-${randomUUID().slice(0, 8)}`,
        retry: { attempts: 2, baseMs: 30 },
        onAttemptFailed,
      }),
  ],
  [
    'in-process',
    (onAttemptFailed) =>
      new InProcessQueue({ retry: { attempts: 2, baseMs: 30 }, onAttemptFailed }),
  ],
];

describe.each(makers)('%s queue', (_name, make) => {
  it('a job that failed for good is enqueued again by a redelivery and then delivered', async () => {
    const failures: AttemptFailure[] = [];
    const q = make((f) => failures.push(f));
    queues.push(q);
    let githubDown = true;
    const delivered: string[] = [];
    q.start(async (j) => {
      if (githubDown) throw Object.assign(new Error('GitHub answered 500'), { status: 500 });
      delivered.push(j.headSha);
    });
    const first = await q.add(job('a'.repeat(40)));
    expect(first.duplicate).toBe(false);
    // While it waits for its retry it is a duplicate.
    await until(() => failures.length >= 1);
    expect((await q.add(job('a'.repeat(40)))).duplicate).toBe(true);
    await until(() => failures.some((f) => f.final));
    expect(failures.map((f) => [f.attempt, f.final])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(failures[0]).toMatchObject({ jobId: first.id, attempts: 2 });
    expect(String((failures[0]!.error as Error).message)).toMatch(/500/);
    githubDown = false;
    const again = await q.add(job('a'.repeat(40)));
    expect(again).toEqual({ id: first.id, duplicate: false });
    await until(() => delivered.length === 1);
    // Completed: a redelivery is a duplicate again.
    await new Promise((r) => setTimeout(r, 100));
    expect((await q.add(job('a'.repeat(40)))).duplicate).toBe(true);
    expect(delivered).toEqual(['a'.repeat(40)]);
  });

  it('a permanent failure is final at once and can be enqueued again', async () => {
    const failures: AttemptFailure[] = [];
    const q = make((f) => failures.push(f));
    queues.push(q);
    let runs = 0;
    q.start(async () => {
      runs++;
      if (runs === 1) throw new PermanentJobError('repository is gone');
    });
    await q.add(job('b'.repeat(40)));
    await until(() => failures.length === 1);
    expect(failures[0]).toMatchObject({ attempt: 1, final: true });
    await new Promise((r) => setTimeout(r, 100));
    expect((await q.add(job('b'.repeat(40)))).duplicate).toBe(false);
    await until(() => runs === 2);
  });
});

test('the retry schedule runs from seconds to hours', () => {
  const mid = () => 0.5;
  const delays = Array.from({ length: DEFAULT_RETRY.attempts - 1 }, (_, i) =>
    retryDelayMs(i + 1, DEFAULT_RETRY, mid),
  );
  expect(delays[0]).toBe(30_000);
  expect(delays[1]).toBe(60_000);
  expect(delays[2]).toBe(120_000);
  expect(Math.max(...delays)).toBe(2 * 3600_000);
  const total = delays.reduce((a, b) => a + b, 0);
  expect(total).toBeGreaterThan(9 * 3600_000);
  expect(total).toBeLessThan(11 * 3600_000);
  // An outage of a few minutes: the attempt after it comes within about as long again.
  const after = (outageMs: number): number => {
    let t = 0;
    for (const d of delays) if ((t += d) >= outageMs) return t;
    return Infinity;
  };
  for (const minutes of [1, 3, 5, 10, 30])
    expect(after(minutes * 60_000)).toBeLessThanOrEqual(2 * minutes * 60_000 + 30_000);
  expect(retryDelayMs(1, DEFAULT_RETRY, () => 0)).toBe(27_000);
  expect(retryDelayMs(1, DEFAULT_RETRY, () => 1)).toBe(33_000);
});
