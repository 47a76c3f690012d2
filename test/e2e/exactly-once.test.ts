/**
 * Issue 9 §3 with a GitHub double and a real (private) Redis, BullMQ mode with separate worker
 * processes: every report is delivered exactly once. GitHub failing for a window (500, 422 on the
 * PR comment), and workers SIGKILLed at each step of the recipe, end with exactly one completed
 * check run per (head, kind) and exactly one PR comment. Every failed attempt is logged at warn.
 */
import { Queue } from 'bullmq';
import { QUEUE_NAME } from '../../src/queue/bullmq-queue.js';
import type { ManagedProcess } from '../helpers/app-process.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { closeAll, openPullRequest, startHarness, until } from './harness.js';
import type { Harness } from './harness.js';

const WORKER_ENV = {
  UPSTASH_GUARD_BACKOFF_MS: '500',
  UPSTASH_GUARD_STALLED_INTERVAL_MS: '1000',
  UPSTASH_GUARD_LOCK_DURATION_MS: '2000',
};

describe('exactly once (BullMQ, private Redis, worker processes)', () => {
  let redis: OwnRedis;
  let h: Harness;
  const workers: ManagedProcess[] = [];
  const { token, dbId } = redisTokenParts({ seed: 'e2e-once' });
  const text = `UPSTASH_REDIS_REST_URL=${redisEndpoint(dbId, { seed: 'e2e-once' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`;

  let queue: Queue;
  beforeAll(async () => {
    redis = await startOwnRedis({ persistence: 'aof' });
    h = await startHarness({ redisUrl: redis.url, env: WORKER_ENV });
    queue = new Queue(QUEUE_NAME, { connection: { url: redis.url, maxRetriesPerRequest: null } });
    // The Redis-kill test drops its connection for a moment; it reconnects.
    queue.on('error', () => undefined);
  }, 30_000);

  afterAll(() => closeAll({ queue, workers, h, redis }));

  const startWorker = async (extra: Record<string, string> = {}): Promise<ManagedProcess> => {
    const w = await h.app.startWorker(extra);
    workers.push(w);
    return w;
  };
  const logs: string[] = [];
  const stopWorkers = async (): Promise<void> => {
    const stopping = workers.splice(0);
    await Promise.all(stopping.map((w) => w.stop('SIGKILL')));
    logs.push(...stopping.map((w) => w.logs()));
  };
  afterEach(stopWorkers);

  async function openPr(name: string, id: number, pr: number): Promise<string> {
    const { head, status } = await openPullRequest(h, { name, id, pr, envText: text });
    expect(status).toBe(200);
    return head;
  }

  /** The end state: one completed run on the head, one PR comment, and nothing in flight. */
  async function expectDeliveredOnce(repo: string, head: string, pr: number): Promise<void> {
    await until(
      'completed check run',
      () =>
        h.gh.checkRuns.find(
          (c) => c.repo === `acme/${repo}` && c.head_sha === head && c.status === 'completed',
        ),
      60_000,
    );
    await until(
      'PR comment',
      () => h.gh.issueComments.find((c) => c.repo === `acme/${repo}` && c.target === pr),
      60_000,
    );
    // Nothing in flight: every job of the queue finished (a job whose worker was killed after it
    // delivered is taken up again by the next worker; it must end here, not in the next test,
    // where a worker killed in the middle of it held the writes of the one that follows).
    for (const deadline = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 100))) {
      const c = await queue.getJobCounts('active', 'wait', 'delayed', 'prioritized');
      if (Object.values(c).every((n) => n === 0)) break;
      if (Date.now() > deadline) throw new Error(`jobs still in flight: ${JSON.stringify(c)}`);
    }
    // Let any straggling retry land before counting.
    await new Promise((r) => setTimeout(r, 1500));
    const runs = h.gh.checkRuns.filter((c) => c.repo === `acme/${repo}` && c.head_sha === head);
    expect(runs.map((c) => [c.status, c.conclusion])).toEqual([['completed', 'failure']]);
    expect(
      h.gh.issueComments.filter((c) => c.repo === `acme/${repo}` && c.target === pr),
    ).toHaveLength(1);
  }

  it('GitHub answers 500 to every write for longer than Octokit retries: delivered once afterwards', async () => {
    // GitHub is down until an attempt has failed for good (Octokit itself retries a 500 three
    // times over 14 s inside one attempt), then comes back.
    h.gh.fail({ method: 'POST', path: /^\/repos\/acme\/down\//, status: 500 });
    h.gh.fail({ method: 'PATCH', path: /^\/repos\/acme\/down\//, status: 500 });
    const w = await startWorker();
    const head = await openPr('down', 811, 21);
    await w.waitForLog(/scan attempt failed; it will be retried/, 60_000);
    h.gh.clearFailures();
    await expectDeliveredOnce('down', head, 21);
    expect(w.logs()).not.toMatch(/failed for good/);
    const warn = w
      .logs()
      .split('\n')
      .find((l) => /scan attempt failed/.test(l))!;
    expect(JSON.parse(warn)).toMatchObject({
      level: 40,
      repo: 'acme/down',
      attempt: 1,
      job: expect.stringContaining('pr-'),
      reason: expect.stringMatching(/500/),
    });
  }, 90_000);

  it('a 422 on the PR comment for a while: one check run, one comment', async () => {
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/refused\/issues\/\d+\/comments$/,
      status: 422,
    });
    const w = await startWorker();
    const head = await openPr('refused', 812, 22);
    await w.waitForLog(/scan attempt failed/, 30_000);
    h.gh.clearFailures();
    await expectDeliveredOnce('refused', head, 22);
    // The run was completed once; the retry only posted the comment.
    const run = h.gh.checkRuns.find((c) => c.repo === 'acme/refused')!;
    expect(run.history).toHaveLength(1);
  }, 90_000);

  // incidents: after the comment is posted, before the job completes.
  const STEPS = ['fetch', 'publish', 'comments', 'incidents'];
  it.each(STEPS)(
    'a worker killed at %s: another worker finishes, one run, one comment',
    async (step) => {
      const name = `killed-${step}`;
      const id = 820 + STEPS.indexOf(step);
      const pr = 30 + STEPS.indexOf(step);
      // In progress at once, so a worker killed mid-fetch leaves a run in progress behind.
      const first = await startWorker({
        UPSTASH_GUARD_TEST_HANG_AT: step,
        UPSTASH_GUARD_IN_PROGRESS_AFTER_MS: '0',
      });
      const head = await openPr(name, id, pr);
      await first.waitForLog(new RegExp(`test hook: hanging at ${step}`), 30_000);
      if (step === 'fetch')
        await until('run in progress', () =>
          h.gh.checkRuns.find((c) => c.repo === `acme/${name}` && c.status === 'in_progress'),
        );
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      await startWorker();
      await expectDeliveredOnce(name, head, pr);
    },
    90_000,
  );

  it('Redis (AOF, appendfsync always) killed together with the worker mid-job: delivered once after both return', async () => {
    const first = await startWorker({ UPSTASH_GUARD_TEST_HANG_AT: 'comments' });
    const head = await openPr('aof', 830, 40);
    // The check run is completed and its id stored; the comment is not posted yet.
    await first.waitForLog(/test hook: hanging at comments/, 30_000);
    first.child.kill('SIGKILL');
    await redis.kill();
    await redis.start();
    await startWorker();
    await expectDeliveredOnce('aof', head, 40);
    const run = h.gh.checkRuns.find((c) => c.repo === 'acme/aof')!;
    expect(run.history).toHaveLength(1);
  }, 90_000);

  it('no raw credential and no installation token in any log', () => {
    const all = h.app.logs() + logs.join('\n');
    expect(all).toMatch(/scan attempt failed/);
    expect(all.includes(token)).toBe(false);
    for (const t of h.gh.tokens) expect(all.includes(t)).toBe(false);
  });
});
