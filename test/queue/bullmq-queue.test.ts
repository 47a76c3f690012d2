/** The BullMQ queue against the real test Redis (test/setup/test-redis.ts), one key prefix per test run. */
import { randomUUID } from 'node:crypto';
import { Octokit } from '@octokit/rest';
import { Redis } from 'ioredis';
import { BullScanQueue, redisConnection } from '../../src/queue/bullmq-queue.js';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import { jobIdOf, PermanentJobError, type ScanJob } from '../../src/queue/scan-job.js';
import { testRedisUrl } from '../setup/test-redis.js';
import { startGitHubDouble } from '../helpers/github-double.js';
import type { AttemptFailure, ScanQueue } from '../../src/queue/scan-queue.js';

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

/** Closes the queues and removes their keys from the shared test Redis. */
async function closeAndClean(queues: { close(): Promise<void> }[], prefix: string): Promise<void> {
  await Promise.all(queues.map((q) => q.close()));
  const redis = new Redis(REDIS);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
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
  afterAll(() => closeAndClean(queues, prefix));

  it('keeps what an installation job stored as its return value, and reads many states in one call', async () => {
    // A prefix of its own: the other tests' workers must not take its jobs.
    const own = `${prefix}-result`;
    const make = () => new BullScanQueue({ connection: redisConnection(REDIS), prefix: own });
    const [worker, bull] = [make(), make()];
    try {
      const install: ScanJob = {
        ...job({ kind: 'installation', repo: '', repoId: 0, headSha: '' }),
        pr: undefined,
      };
      const history = job({ kind: 'history', headSha: 'h'.repeat(40), pr: undefined });
      await bull.add(install);
      await new Promise<void>((resolve) =>
        worker.start(async () => {
          setTimeout(resolve, 200);
          return { jobs: [jobIdOf(history)] };
        }),
      );
      await worker.close();
      // No worker now: the history job stays queued.
      await bull.add(history);
      expect(await bull.jobResult(jobIdOf(install))).toEqual({ jobs: [jobIdOf(history)] });
      expect(await bull.jobStates([jobIdOf(install), jobIdOf(history), 'nope'])).toEqual([
        'completed',
        'queued',
        'unknown',
      ]);
      const many = Array.from({ length: 2500 }, (_, i) =>
        i === 1234 ? jobIdOf(history) : `h-${i}`,
      );
      const t0 = performance.now();
      const got = await bull.jobStates(many);
      const ms = performance.now() - t0;
      expect(got.filter((st) => st !== 'unknown')).toEqual(['queued']);
      expect(got[1234]).toBe('queued');
      expect(ms).toBeLessThan(500);
    } finally {
      await closeAndClean([bull], own);
    }
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
    // The failure as a listener hears it again (the outbox's rescue of a branch): final, with its
    // job; nothing for a job that completed or that the queue never held.
    const failed = job({ headSha: 'd'.repeat(40) });
    expect(await q.finalFailure(jobIdOf(failed))).toMatchObject({
      jobId: jobIdOf(failed),
      job: failed,
      final: true,
      attempt: 1,
      error: expect.objectContaining({ message: 'repository gone' }),
    });
    expect(await q.finalFailure(b.id)).toBeUndefined();
    expect(await q.finalFailure('never-added')).toBeUndefined();
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

/**
 * GitHub's 403s as both queues see them (Octokit's own errors, from the loopback double): a
 * refusal ("Resource not accessible by integration") is final on its first attempt; a rate limit
 * with retry-after is retried no sooner than it says, whatever the configured backoff (50 ms).
 */
describe("GitHub 403s decide the job's retry in both queues", () => {
  const prefix = `ug-test-403-${randomUUID()}`;
  let refusal: unknown;
  let limited: unknown;
  beforeAll(async () => {
    const gh = await startGitHubDouble();
    const octokit = new Octokit({ baseUrl: gh.apiUrl, auth: 'ghs_test', request: { retries: 0 } });
    const post = () =>
      octokit
        .request('POST /repos/{owner}/{repo}/check-runs', {
          owner: 'o',
          repo: 'r',
          name: 'x',
          head_sha: 'a'.repeat(40),
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
    gh.fail({
      path: /check-runs/,
      status: 403,
      message: 'Resource not accessible by integration',
      times: 1,
    });
    refusal = await post();
    gh.fail({
      path: /check-runs/,
      status: 403,
      message: 'You have exceeded a secondary rate limit',
      retryAfter: 1,
      times: 1,
    });
    limited = await post();
    await gh.close();
  });

  const queues: ScanQueue[] = [];
  afterAll(() => closeAndClean(queues, prefix));

  it.each(['bullmq', 'in-process'])(
    '%s',
    async (kind) => {
      const failures: AttemptFailure[] = [];
      const options = {
        retry: { baseMs: 50, maxMs: 100, attempts: 5 },
        onAttemptFailed: (f: AttemptFailure) => void failures.push(f),
      };
      const q: ScanQueue =
        kind === 'bullmq'
          ? new BullScanQueue({ connection: redisConnection(REDIS), prefix, ...options })
          : new InProcessQueue(options);
      queues.push(q);
      const runs: Record<string, number[]> = {};
      q.start(async (j) => {
        (runs[j.headSha] ??= []).push(Date.now());
        if (j.headSha === 'e'.repeat(40)) throw refusal;
        if (j.headSha === 'f'.repeat(40) && runs[j.headSha]!.length === 1) throw limited;
      });
      await q.add(job({ headSha: 'e'.repeat(40), pr: 1 }));
      await q.add(job({ headSha: 'f'.repeat(40), pr: 2 }));
      await until(() => (runs['f'.repeat(40)]?.length ?? 0) >= 2 && failures.length >= 2, 10_000);
      await new Promise((r) => setTimeout(r, 500));
      // The refusal: one attempt, final.
      expect(runs['e'.repeat(40)]).toHaveLength(1);
      const refused = failures.find((f) => f.job.headSha === 'e'.repeat(40));
      expect([refused?.attempt, refused?.final]).toEqual([1, true]);
      // The rate limit: not final, retried after retry-after (1 s), not after the 50 ms backoff.
      const [first, second] = runs['f'.repeat(40)]!;
      expect(second! - first!).toBeGreaterThanOrEqual(950);
      expect(failures.find((f) => f.job.headSha === 'f'.repeat(40))?.final).toBe(false);
    },
    20_000,
  );
});
