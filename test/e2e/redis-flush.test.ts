/**
 * Redis that lost its data while jobs were queued or running (BullMQ mode, worker processes, a
 * private redis-server without persistence). The App answered the webhooks 200, so GitHub will not
 * redeliver them: the jobs must still be reported, once each, with nobody redelivering anything.
 * - FLUSHALL with jobs waiting and no worker up: every head is reported once when a worker starts;
 * - a worker SIGKILLed with the check run shown in progress, and Redis restarted empty before
 *   another worker starts: that run is completed (not left in progress), no second run, one
 *   comment; a job queued behind it is reported too;
 * - an install whose history jobs (stored by a worker, in Redis only) were lost with Redis: the
 *   installation job comes back from the App's outbox and stores them again.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { ManagedProcess } from '../helpers/app-process.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import { redisTokenParts } from '../helpers/synthetic.js';
import { installationCreatedEvent } from '../helpers/webhooks.js';
import { envCredential, openPullRequest, startHarness, until } from './harness.js';
import type { Harness } from './harness.js';

describe('Redis lost its data with jobs queued or running (BullMQ, worker processes)', () => {
  let redis: OwnRedis;
  let h: Harness;
  const workers: ManagedProcess[] = [];
  const logs: string[] = [];
  const envText = envCredential('e2e-flush');

  beforeAll(async () => {
    redis = await startOwnRedis({ persistence: 'none' });
    h = await startHarness({
      redisUrl: redis.url,
      env: {
        UPSTASH_GUARD_BACKOFF_MS: '500',
        UPSTASH_GUARD_STALLED_INTERVAL_MS: '1000',
        UPSTASH_GUARD_LOCK_DURATION_MS: '2000',
        UPSTASH_GUARD_QUEUE_RECONCILE_MS: '1000',
      },
    });
  }, 30_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await h?.close();
    await redis?.close();
  });
  afterEach(async () => {
    const stopping = workers.splice(0);
    await Promise.all(stopping.map((w) => w.stop('SIGKILL')));
    logs.push(...stopping.map((w) => w.logs()));
  });
  const startWorker = async (extra: Record<string, string> = {}): Promise<ManagedProcess> => {
    const w = await h.app.startWorker(extra);
    workers.push(w);
    return w;
  };

  async function expectDeliveredOnce(repo: string, head: string, pr: number): Promise<void> {
    await until(
      `completed check run of acme/${repo}`,
      () =>
        h.gh.checkRuns.find(
          (c) => c.repo === `acme/${repo}` && c.head_sha === head && c.status === 'completed',
        ),
      40_000,
    );
    await until(
      `PR comment of acme/${repo}`,
      () => h.gh.issueComments.find((c) => c.repo === `acme/${repo}` && c.target === pr),
      20_000,
    );
  }
  function expectOnce(repo: string, head: string, pr: number): void {
    const runs = h.gh.checkRuns.filter((c) => c.repo === `acme/${repo}` && c.head_sha === head);
    expect(runs.map((c) => [c.status, c.conclusion])).toEqual([['completed', 'failure']]);
    expect(
      h.gh.issueComments.filter((c) => c.repo === `acme/${repo}` && c.target === pr),
    ).toHaveLength(1);
  }

  it('FLUSHALL with jobs waiting and no worker up: each head is reported once when a worker starts', async () => {
    const a = await openPullRequest(h, { name: 'flush-a', id: 871, pr: 71, envText });
    const b = await openPullRequest(h, { name: 'flush-b', id: 872, pr: 72, envText });
    expect([a.status, b.status]).toEqual([200, 200]);
    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    await startWorker();
    await expectDeliveredOnce('flush-a', a.head, 71);
    await expectDeliveredOnce('flush-b', b.head, 72);
    // Let a straggling re-add or retry land before counting.
    await new Promise((r) => setTimeout(r, 3000));
    expectOnce('flush-a', a.head, 71);
    expectOnce('flush-b', b.head, 72);
  }, 60_000);

  it('a worker SIGKILLed with its run in progress, then Redis restarted empty: that run is completed once, and the job queued behind it reported', async () => {
    const first = await startWorker({
      UPSTASH_GUARD_TEST_HANG_AT: 'fetch',
      UPSTASH_GUARD_IN_PROGRESS_AFTER_MS: '0',
      UPSTASH_GUARD_CONCURRENCY: '1',
      UPSTASH_GUARD_REPORT_CONCURRENCY: '1',
    });
    const held = await openPullRequest(h, { name: 'held', id: 873, pr: 73, envText });
    await first.waitForLog(/test hook: hanging at fetch/, 30_000);
    await until('run in progress', () =>
      h.gh.checkRuns.find((c) => c.repo === 'acme/held' && c.status === 'in_progress'),
    );
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const queued = await openPullRequest(h, { name: 'queued', id: 874, pr: 74, envText });
    expect(queued.status).toBe(200);
    await redis.kill();
    await redis.start();
    await startWorker();
    await expectDeliveredOnce('held', held.head, 73);
    await expectDeliveredOnce('queued', queued.head, 74);
    await new Promise((r) => setTimeout(r, 3000));
    expectOnce('held', held.head, 73);
    expectOnce('queued', queued.head, 74);
  }, 60_000);

  it('Redis restarted empty during an install: the history jobs a worker stored come back, and the leak is reported once', async () => {
    const ref = h.addRepo('installed', 875);
    const r = h.repo();
    r.write('README.md', '# installed\n');
    r.commit('initial');
    r.write('deploy/.env', envText);
    r.commit('deploy config');
    r.remove('deploy/.env');
    const head = r.commit('stop committing env files');
    await h.push(r, ref, 'main');
    h.gh
      .addRepo({ owner: 'acme', name: 'installed', id: 875, cloneUrl: ref.cloneUrl })
      .branches.set('main', head);
    // The installation job lists the repositories and stores their history jobs; the worker then
    // hangs at the first fetch, is killed, and Redis restarts empty: those jobs were in Redis only.
    const first = await startWorker({ UPSTASH_GUARD_TEST_HANG_AT: 'fetch' });
    const res = await h.send('installation', installationCreatedEvent(ref));
    expect(res.status).toBe(200);
    await first.waitForLog(/test hook: hanging at fetch/, 30_000);
    await first.waitForLog(/"msg":"installation scheduled"/, 30_000);
    // The installation job has completed, and the outbox's passes (every second here) saw it so.
    await new Promise((done) => setTimeout(done, 2500));
    first.child.kill('SIGKILL');
    await new Promise((done) => first.child.once('exit', done));
    await redis.kill();
    await redis.start();
    await startWorker();
    await until(
      'history check run of acme/installed',
      () =>
        h.gh.checkRuns.find(
          (c) => c.repo === 'acme/installed' && c.head_sha === head && c.status === 'completed',
        ),
      60_000,
    );
    await new Promise((done) => setTimeout(done, 3000));
    expect(
      h.gh.checkRuns.filter((c) => c.repo === 'acme/installed' && c.head_sha === head),
    ).toHaveLength(1);
  }, 90_000);

  it('no raw credential or installation token in any log or in the outbox journal', () => {
    const { token } = redisTokenParts({ seed: 'e2e-flush' });
    const queueDir = join(h.app.env.UPSTASH_GUARD_DATA_DIR!, 'queue');
    const outbox = readdirSync(queueDir)
      .filter((f) => f.startsWith('bullmq-outbox'))
      .map((f) => readFileSync(join(queueDir, f), 'utf8'))
      .join('\n');
    expect(outbox).toMatch(/"op":"add"/);
    const all = [h.app.logs(), ...logs, outbox].join('\n');
    expect(all).toMatch(/added them again/);
    expect(all.includes(token)).toBe(false);
    for (const t of h.gh.tokens) expect(all.includes(t)).toBe(false);
  });
});
