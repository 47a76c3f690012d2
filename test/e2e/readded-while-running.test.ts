/**
 * Found by the chaos run (test/chaos, seed 7): Redis lost its data while a worker was in the
 * middle of a pull request's job. The App's outbox added the job again (Redis no longer held it,
 * bullmq-outbox.ts), and the same worker, still running the first copy, took the second: the
 * job's lock and its branch's gate went with the data, so nothing kept them apart, and both
 * posted the PR comment (and, earlier in the job, both created a check run). A job added again
 * may cost a scan, never a second report (docs/app.md, "Redis requirements").
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
      },
    }));
  }, 30_000);
  afterAll(() => closeAll({ queue: undefined, workers, h, redis }));

  it('the copies run one after the other: one check run, one PR comment', async () => {
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
    // The outbox judges the job lost after its grace (10 s) and adds it again.
    await h.app.waitForLog(/queue outbox: Redis no longer held jobs/, 30_000);
    // Give the worker time to take the copy (it hangs at the same step when it runs at once).
    await new Promise((r) => setTimeout(r, 3000));
    writeFileSync(resume, '');
    await until('the PR comment', () => h.gh.issueComments.find((c) => c.target === 61), 30_000);
    await untilReported(w, 'readded', 2, 'both copies done');
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/readded');
    expect(runs.map((c) => [c.head_sha, c.status, c.conclusion])).toEqual([
      [pr.head, 'completed', 'failure'],
    ]);
    expect(h.gh.issueComments.filter((c) => c.repo === 'acme/readded')).toHaveLength(1);
  }, 120_000);
});
