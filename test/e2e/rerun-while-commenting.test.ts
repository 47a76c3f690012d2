/**
 * A Re-run clicked while the scan of that head is still commenting. GitHub paces comments (one per
 * 3 s), so a PR's check run is completed seconds before its comments are all out, and a user who
 * clicks Re-run in that window is normal. The Re-run parks behind the branch's scan, which stops
 * between comments and folds it into the next scan. That scan was the webhook's job again, whose
 * check run it had completed already: nothing was written and the click did nothing (a CI flake
 * of pr-config-base showed it). The Re-run must write its run again, on either queue.
 */
import { randomBytes } from 'node:crypto';

import type { ManagedProcess } from '../helpers/app-process.js';
import { testRedisUrl } from '../setup/test-redis.js';
import {
  envCredential,
  openPullRequest,
  rerunPullRequestRun,
  startHarness,
  until,
  type Harness,
} from './harness.js';

describe.each([
  ['in-process queue', false],
  ['BullMQ on Redis', true],
])('a Re-run clicked while its head is still commenting (%s)', (_name, onRedis) => {
  let h: Harness;
  let worker: ManagedProcess | undefined;
  beforeAll(async () => {
    h = await startHarness(
      onRedis
        ? { redisUrl: testRedisUrl(), queuePrefix: `ug-rerun-${randomBytes(4).toString('hex')}` }
        : {},
    );
    // On Redis the App only enqueues: a worker process scans.
    if (onRedis) worker = await h.app.startWorker();
  }, 30_000);
  afterAll(async () => {
    await worker?.stop('SIGTERM');
    await h?.close();
  });

  it('writes the Re-run’s check run again and posts the PR comment once', async () => {
    const name = onRedis ? 'rerun-commenting-redis' : 'rerun-commenting';
    // The PR comment is answered 3 s late: the check run is complete, the comment still going.
    h.gh.hold({
      method: 'POST',
      path: new RegExp(`^/repos/acme/${name}/issues/\\d+/comments`),
      ms: 3000,
      times: 1,
    });
    const { head, base, ref, status } = await openPullRequest(h, {
      name,
      id: onRedis ? 951 : 950,
      pr: 4,
      envText: envCredential(`rerun-commenting-${String(onRedis)}`),
    });
    expect(status).toBe(200);
    const run = await until('completed check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
    );
    expect(run.conclusion).toBe('failure');
    // The PR comment is still on its way (paced, then held): the Re-run is clicked now.
    const again = await rerunPullRequestRun(h, ref, run, {
      number: 4,
      headSha: head,
      baseSha: base,
    });
    expect(again.conclusion).toBe('failure');
    // One check run on the head, one PR comment.
    expect(h.gh.checkRuns.filter((c) => c.head_sha === head)).toHaveLength(1);
    await until('PR comment', () =>
      h.gh.issueComments.find((c) => c.repo === `acme/${name}` && c.target === 4),
    );
    expect(h.gh.issueComments.filter((c) => c.repo === `acme/${name}`)).toHaveLength(1);
  });
});
