/**
 * Found by the chaos run (test/chaos, seeds 7, 2 and 9): Redis lost its data while a worker was in
 * the middle of a pull request's job. The App's outbox added the job again (Redis no longer held
 * it, bullmq-outbox.ts), and a worker took the copy while the first run still went on: the job's
 * lock and its branch's gate went with the data, so nothing kept them apart, and both posted the
 * PR comment. A job added again may cost a scan, never a second report (docs/app.md, "Redis
 * requirements"). Now:
 * - on the same worker, the copy waits for the first run to end (bullmq-queue.ts);
 * - the first run learns at its next lock renewal that it lost the job and writes nothing more,
 *   not even a write already waiting in the paced write queue (process-scan-job.ts, fenced);
 * - the outbox adds the copy no sooner than a lock duration after it saw the loss.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ManagedProcess } from '../helpers/app-process.js';
import type { OwnRedis } from '../helpers/redis-server.js';
import {
  closeAll,
  envCredential,
  openPullRequest,
  startOnOwnRedis,
  until,
  untilReported,
} from './harness.js';
import type { Harness } from './harness.js';

describe('a job added again by the outbox while its worker still runs it (BullMQ)', () => {
  let redis: OwnRedis | undefined;
  let h: Harness;
  const workers: ManagedProcess[] = [];

  beforeAll(async () => {
    ({ redis, h } = await startOnOwnRedis('none', {
      env: {
        UPSTASH_GUARD_BACKOFF_MS: '500',
        UPSTASH_GUARD_QUEUE_RECONCILE_MS: '1000',
        UPSTASH_GUARD_LOCK_DURATION_MS: '2000',
        UPSTASH_GUARD_STALLED_INTERVAL_MS: '1000',
      },
    }));
  }, 30_000);
  afterAll(() => closeAll({ queue: undefined, workers, h, redis }));

  it('the copies run one after the other, the first writing nothing once it lost the job: one check run, one PR comment', async () => {
    const resume = join(mkdtempSync(join(tmpdir(), 'ug-readded-')), 'go');
    const w = await h.app.startWorker({
      UPSTASH_GUARD_TEST_HANG_AT: 'comments',
      UPSTASH_GUARD_TEST_RESUME_FILE: resume,
    });
    workers.push(w);
    const pr = await openPullRequest(h, {
      name: 'readded',
      id: 1601,
      pr: 61,
      envText: envCredential('e2e-readded'),
    });
    expect(pr.status).toBe(200);
    // The run is completed; the comment is not posted yet.
    await w.waitForLog(/test hook: hanging at comments/, 30_000);
    const admin = new Redis(redis!.url);
    await admin.flushall();
    admin.disconnect();
    // The outbox adds the job again a grace (10 s) after it saw the loss.
    await h.app.waitForLog(/queue outbox: Redis no longer held jobs/, 40_000);
    // Give the worker time to take the copy (it hangs at the same step when it runs at once).
    await new Promise((r) => setTimeout(r, 3000));
    writeFileSync(resume, '');
    await until('the PR comment', () => h.gh.issueComments.find((c) => c.target === 61), 30_000);
    await w.waitForLog(/no longer owns the job/, 20_000);
    await untilReported(w, 'readded', 1, 'the copy done');
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/readded');
    expect(runs.map((c) => [c.head_sha, c.status, c.conclusion])).toEqual([
      [pr.head, 'completed', 'failure'],
    ]);
    expect(h.gh.issueComments.filter((c) => c.repo === 'acme/readded')).toHaveLength(1);
    // The next test's worker must be the only one.
    await w.stop();
  }, 120_000);

  /**
   * The copy on another worker, while the first run's listing of the PR comments is slow to come
   * back (held 40 s by GitHub here): the first run is frozen (SIGSTOP) across the loss, the other
   * worker takes the copy and posts the comment, and the first run, thawed, learns at its overdue
   * lock renewal that it lost the job. Its listing then comes back without the copy's comment (it
   * was made before), so it goes to post its own: that write is dropped.
   */
  it('the copy on another worker: the first run writes nothing once it lost the job, one check run, one PR comment', async () => {
    const first = await h.app.startWorker();
    workers.push(first);
    h.gh.hold({ method: 'GET', path: /\/issues\/62\/comments/, ms: 40_000, times: 1 });
    const pr = await openPullRequest(h, {
      name: 'readded2',
      id: 1602,
      pr: 62,
      envText: envCredential('e2e-readded-2'),
    });
    expect(pr.status).toBe(200);
    await until(
      "the first run's listing of the comments",
      () => h.gh.requests.find((r) => r.method === 'GET' && /issues\/62\/comments/.test(r.path)),
      45_000,
    );
    first.child.kill('SIGSTOP');
    try {
      const admin = new Redis(redis!.url);
      await admin.flushall();
      admin.disconnect();
      workers.push(await h.app.startWorker());
      await h.app.waitForLog(/queue outbox: Redis no longer held jobs/, 30_000);
      await until('the PR comment', () => h.gh.issueComments.find((c) => c.target === 62), 30_000);
    } finally {
      first.child.kill('SIGCONT');
    }
    await first.waitForLog(/no longer owns the job/, 45_000);
    await new Promise((r) => setTimeout(r, 2000));
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/readded2');
    expect(runs.map((c) => [c.head_sha, c.status, c.conclusion])).toEqual([
      [pr.head, 'completed', 'failure'],
    ]);
    expect(h.gh.issueComments.filter((c) => c.repo === 'acme/readded2')).toHaveLength(1);
  }, 180_000);
});
