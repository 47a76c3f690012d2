/**
 * Found by the chaos run (test/chaos, seed 4): a PR's `opened` delivery was not answered 2xx and
 * was redelivered after the PR's `synchronize`. The PR's jobs were ordered by arrival, so the old
 * head looked newest: the PR was reported at it, and the newer head was folded into it (no check
 * run on the PR's head, a PR comment showing the old head's state). Now a synchronize's job
 * carries the head it replaced and coalescing follows that chain; and a scan of a head the PR has
 * moved past reports its own check run but leaves the PR comment alone (one read of the PR, made
 * only before a comment would change).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { ManagedProcess } from '../helpers/app-process.js';
import type { OwnRedis } from '../helpers/redis-server.js';
import { deliver, pullRequestEvent, type RepoRef } from '../helpers/webhooks.js';
import {
  branchFromMain,
  closeAll,
  envCredential,
  startOnOwnRedis,
  startWithQueue,
  until,
  untilCompleted,
  untilReported,
} from './harness.js';
import type { Harness } from './harness.js';

/** PR `pr` of `acme/<name>`: head A adds one credential, head B (pushed after) a second. */
async function twoHeadsOf(h: Harness, name: string, id: number, pr: number) {
  const { ref, r } = await branchFromMain(h, name, id, 'feature');
  const base = r.git('rev-parse', 'main').trim();
  const pushHead = async (file: string, seed: string): Promise<string> => {
    r.write(file, envCredential(seed));
    const head = r.commit(`add ${file}`);
    await h.push(r, ref, 'feature', `feature:refs/pull/${pr}/head`);
    return head;
  };
  const a = await pushHead('a/.env', `e2e-prorder-${name}-a`);
  const b = await pushHead('b/.env', `e2e-prorder-${name}-b`);
  const opened = pullRequestEvent(ref, { number: pr, headSha: a, baseSha: base });
  const synchronize = pullRequestEvent(ref, {
    action: 'synchronize',
    number: pr,
    headSha: b,
    baseSha: base,
    before: a,
  });
  return { ref, r, a, b, opened, synchronize };
}

const prComments = (h: Harness, ref: RepoRef, pr: number) =>
  h.gh.issueComments.filter((c) => c.repo === `acme/${ref.name}` && c.target === pr);
const completedRunOf = (h: Harness, sha: string) =>
  h.gh.checkRuns.find((c) => c.head_sha === sha && c.status === 'completed');

describe('a PR’s opened delivery redelivered after its synchronize (BullMQ, worker process)', () => {
  let redis: OwnRedis | undefined;
  let h: Harness;
  const workers: ManagedProcess[] = [];

  beforeAll(async () => {
    ({ redis, h } = await startOnOwnRedis('none', {
      queuePrefix: 'ug-prorder',
      env: { UPSTASH_GUARD_BACKOFF_MS: '500' },
    }));
  }, 30_000);
  afterAll(() => closeAll({ queue: undefined, workers, h, redis }));

  const twoHeads = (name: string, id: number, pr: number) => twoHeadsOf(h, name, id, pr);
  const comments = (ref: RepoRef, pr: number) => prComments(h, ref, pr);
  const completedRun = (sha: string) => () => completedRunOf(h, sha);

  it('opened fails, synchronize is accepted, opened is redelivered: the PR is reported at the newer head', async () => {
    const { ref, a, b, opened, synchronize } = await twoHeads('prorder1', 1701, 71);
    const deliveryId = randomUUID();
    // The first delivery of `opened` is not accepted (answered 4xx: nothing is stored).
    const failed = await deliver(h.app.webhookUrl, 'pull_request', opened, {
      secret: 'not-the-secret',
      deliveryId,
    });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect((await h.send('pull_request', synchronize)).status).toBe(200);
    // Redelivered (same delivery id), after the synchronize: it arrives last.
    const again = await deliver(h.app.webhookUrl, 'pull_request', opened, {
      secret: h.app.webhookSecret,
      deliveryId,
    });
    expect(again.status).toBe(200);
    // Both jobs are queued before a worker takes either.
    workers.push(await h.app.startWorker());

    const run = await until('a completed run on the newer head', completedRun(b), 45_000);
    expect(run.conclusion).toBe('failure');
    await until('the PR comment', () => comments(ref, 71)[0], 30_000);
    await new Promise((res) => setTimeout(res, 2500));
    const [comment, ...more] = comments(ref, 71);
    expect(more).toHaveLength(0);
    // The newer head's state: both credentials.
    expect(comment!.body).toContain('a/.env');
    expect(comment!.body).toContain('b/.env');
    // One completed run per head at most; the older head was folded (no run of its own).
    expect(h.gh.checkRuns.filter((c) => c.head_sha === b)).toHaveLength(1);
    expect(h.gh.checkRuns.filter((c) => c.head_sha === a).length).toBeLessThanOrEqual(1);
  }, 90_000);

  it('an opened redelivered after the newer head was reported: its own run, the PR comment left alone', async () => {
    if (workers.length === 0) workers.push(await h.app.startWorker());
    const { ref, a, b, opened, synchronize } = await twoHeads('prorder2', 1702, 72);
    expect((await h.send('pull_request', synchronize)).status).toBe(200);
    await until('a completed run on the newer head', completedRun(b), 45_000);
    const comment = await until('the PR comment', () => comments(ref, 72)[0], 30_000);
    const body = comment.body;
    expect(body).toContain('b/.env');
    const patches = () =>
      h.gh.requests.filter((q) => q.method === 'PATCH' && /\/issues\/comments\//.test(q.path));
    const patchedBefore = patches().length;

    // The stale opened arrives now.
    expect((await h.send('pull_request', opened)).status).toBe(200);
    // A check run on commit A is its own (check runs belong to commits).
    const runA = await until('a completed run on the older head', completedRun(a), 45_000);
    expect(runA.conclusion).toBe('failure');
    await untilReported(workers[0]!, 'prorder2', 2, 'the older head’s scan reported');
    const all = comments(ref, 72);
    expect(all).toHaveLength(1);
    expect(all[0]!.body).toBe(body);
    expect(all[0]!.edits).toHaveLength(0);
    expect(patches()).toHaveLength(patchedBefore);
    expect(h.gh.checkRuns.filter((c) => c.head_sha === b)).toHaveLength(1);
    expect(workers[0]!.logs()).toMatch(/moved to another head/);
  }, 90_000);
});

describe('a PR’s opened redelivered while its newer head is scanned (BullMQ, worker process)', () => {
  let redis: OwnRedis | undefined;
  let h: Harness;
  let queue: Queue | undefined;
  const workers: ManagedProcess[] = [];

  beforeAll(async () => {
    ({ redis, h, queue } = await startWithQueue('ug-prorder-run', {
      UPSTASH_GUARD_BACKOFF_MS: '500',
    }));
  }, 30_000);
  afterAll(() => closeAll({ queue, workers, h, redis }));

  it('the older head parks behind the newer one, and the follow-up scan is the newer head', async () => {
    const { ref, b, opened, synchronize } = await twoHeadsOf(h, 'prorder3', 1703, 73);
    const resume = join(mkdtempSync(join(tmpdir(), 'ug-prorder-')), 'go');
    const w = await h.app.startWorker({
      UPSTASH_GUARD_TEST_HANG_AT: 'fetch',
      UPSTASH_GUARD_TEST_RESUME_FILE: resume,
    });
    workers.push(w);
    expect((await h.send('pull_request', synchronize)).status).toBe(200);
    await w.waitForLog(/test hook: hanging at fetch/, 30_000);
    // The stale opened arrives while B's scan holds the PR: parked behind it (its job completes).
    expect((await h.send('pull_request', opened)).status).toBe(200);
    await untilCompleted(queue!, 1, 'the opened job was not parked');
    writeFileSync(resume, '');
    await untilReported(w, 'prorder3', 1, 'the PR reported');
    const run = await until('a completed run on the newer head', () => completedRunOf(h, b));
    expect(run.conclusion).toBe('failure');
    const [comment, ...more] = prComments(h, ref, 73);
    expect(more).toHaveLength(0);
    expect(comment!.body).toContain('b/.env');
    expect(h.gh.checkRuns.filter((c) => c.head_sha === b)).toHaveLength(1);
  }, 90_000);
});
