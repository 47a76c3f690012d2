/**
 * The outbox (src/queue/bullmq-outbox.ts) against a private redis-server without persistence, with
 * the App as processes and a worker process; what redis-flush.test.ts leaves out:
 * - an install that outlasts the fixed hold: the installation job ended, its history jobs (stored
 *   by a worker, in Redis only) are still queued, and Redis restarts empty. The hold for an
 *   installation job without a list of its jobs is set to 0 here, as if the install had taken
 *   longer than that: the installation job is still held, because its history jobs had not ended,
 *   and comes back;
 * - two App replicas on one Redis, each with its own outbox journal: after Redis restarted empty
 *   both add again what they stored, a delivery both got included, and every head is reported
 *   once (one check run, one comment per pull request or offending commit), nothing lost.
 */
import type { ManagedProcess, AppProcess } from '../helpers/app-process.js';
import { startApp } from '../helpers/app-process.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import {
  deliver,
  installationRepositoriesAddedEvent,
  pullRequestEvent,
  pushEvent,
  type RepoRef,
} from '../helpers/webhooks.js';
import { envCredential, pullRequestRepo, startHarness, until } from './harness.js';
import type { Harness } from './harness.js';

const ENV = {
  UPSTASH_GUARD_BACKOFF_MS: '500',
  UPSTASH_GUARD_STALLED_INTERVAL_MS: '1000',
  UPSTASH_GUARD_LOCK_DURATION_MS: '2000',
  UPSTASH_GUARD_QUEUE_RECONCILE_MS: '1000',
  // The fixed hold (for an installation job that lists no jobs) is over at once.
  UPSTASH_GUARD_INSTALL_HELD_AFTER_END_MS: '0',
};

describe('Redis restarted empty: installs that outlast the hold, two App replicas', () => {
  let redis: OwnRedis;
  let h: Harness;
  let replica: AppProcess;
  const workers: ManagedProcess[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis({ persistence: 'none' });
    h = await startHarness({ redisUrl: redis.url, env: ENV });
    // A second App process on the same Redis and queue, with its own data directory (so its own
    // outbox journal), the same key and webhook secret.
    replica = await startApp({
      githubHost: h.gh.host,
      redisUrl: redis.url,
      queuePrefix: h.app.env.UPSTASH_GUARD_QUEUE_PREFIX!,
      webhookSecret: h.app.webhookSecret,
      keyEnv: () => ({ PRIVATE_KEY: h.app.env.PRIVATE_KEY! }),
      env: ENV,
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await replica?.stop('SIGKILL');
    await h?.close();
    await redis?.close();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop('SIGKILL')));
  });
  const startWorker = async (extra: Record<string, string> = {}): Promise<ManagedProcess> => {
    const w = await h.app.startWorker(extra);
    workers.push(w);
    return w;
  };
  const sendTo = (app: AppProcess, event: string, payload: unknown, deliveryId?: string) =>
    deliver(app.webhookUrl, event, payload, {
      secret: app.webhookSecret,
      ...(deliveryId ? { deliveryId } : {}),
    });

  /** `acme/<name>` whose default branch's history holds a leak (added, then removed). */
  async function leakedRepo(name: string, id: number): Promise<{ ref: RepoRef; head: string }> {
    const ref = h.addRepo(name, id);
    const r = h.repo();
    r.write('README.md', `# ${name}\n`);
    r.commit('initial');
    r.write('deploy/.env', envCredential(`e2e-${name}`));
    r.commit('deploy config');
    r.remove('deploy/.env');
    const head = r.commit('stop committing env files');
    await h.push(r, ref, 'main');
    h.gh.addRepo({ owner: 'acme', name, id, cloneUrl: ref.cloneUrl }).branches.set('main', head);
    return { ref, head };
  }

  /** Kills the hanging worker, restarts Redis empty, starts a worker that does not hang. */
  async function loseRedis(first: ManagedProcess): Promise<void> {
    first.child.kill('SIGKILL');
    await new Promise((done) => first.child.once('exit', done));
    await redis.kill();
    await redis.start();
    await startWorker();
  }

  const runsOf = (name: string, head: string) =>
    h.gh.checkRuns.filter((c) => c.repo === `acme/${name}` && c.head_sha === head);
  const completedRun = (name: string, head: string) =>
    until(
      `completed check run of acme/${name}`,
      () => runsOf(name, head).find((c) => c.status === 'completed'),
      60_000,
    );
  // Let a straggling re-add or retry land before counting.
  const settle = () => new Promise((done) => setTimeout(done, 4000));

  it('an install whose history jobs were still queued past the hold: Redis restarted empty, the leak is still reported, once', async () => {
    const { ref, head } = await leakedRepo('slow-install', 881);
    const first = await startWorker({ UPSTASH_GUARD_TEST_HANG_AT: 'fetch' });
    const res = await h.send('installation_repositories', installationRepositoriesAddedEvent(ref));
    expect(res.status).toBe(200);
    await first.waitForLog(/"msg":"installation scheduled"/, 30_000);
    await first.waitForLog(/test hook: hanging at fetch/, 30_000);
    // The installation job completed and the outbox's passes (every second) saw it so; the fixed
    // hold (0 here) is long over, its history job is still running.
    await new Promise((done) => setTimeout(done, 2500));
    await loseRedis(first);
    await completedRun('slow-install', head);
    await settle();
    expect(runsOf('slow-install', head).map((c) => [c.status, c.conclusion])).toEqual([
      ['completed', 'failure'],
    ]);
  }, 120_000);

  it('two App replicas add again what each stored: every head reported once, nothing lost', async () => {
    // An install through each replica (one repository each), both ended with their history jobs
    // still queued.
    const one = await leakedRepo('replica-a-install', 882);
    const two = await leakedRepo('replica-b-install', 883);
    // A pull request whose delivery both replicas got (GitHub redelivered it to the other one).
    const pr81 = await pullRequestRepo(h, {
      name: 'both-pr',
      id: 884,
      pr: 81,
      envText: envCredential('e2e-both-pr'),
    });
    const prHead = pr81.head;
    // Two pushes to one branch, one through each replica, each adding a leak.
    const pushRef = h.addRepo('split-push', 885);
    const s = h.repo();
    s.write('README.md', '# split\n');
    const c0 = s.commit('initial');
    await h.push(s, pushRef, 'main');
    s.write('a/.env', envCredential('e2e-split-a'));
    const c1 = s.commit('leak a');
    await h.push(s, pushRef, 'main');
    const first = await startWorker({ UPSTASH_GUARD_TEST_HANG_AT: 'fetch' });
    expect(
      (
        await sendTo(
          h.app,
          'push',
          pushEvent(pushRef, { ref: 'refs/heads/main', before: c0, after: c1 }),
        )
      ).status,
    ).toBe(200);
    s.write('b/.env', envCredential('e2e-split-b'));
    const c2 = s.commit('leak b');
    await h.push(s, pushRef, 'main');
    expect(
      (
        await sendTo(
          replica,
          'push',
          pushEvent(pushRef, { ref: 'refs/heads/main', before: c1, after: c2 }),
        )
      ).status,
    ).toBe(200);
    const prEvent = pullRequestEvent(pr81.ref, { number: 81, headSha: prHead, baseSha: pr81.base });
    const pr = await sendTo(h.app, 'pull_request', prEvent);
    expect((await sendTo(replica, 'pull_request', prEvent, pr.deliveryId)).status).toBe(200);
    expect(
      (
        await sendTo(
          h.app,
          'installation_repositories',
          installationRepositoriesAddedEvent(one.ref),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await sendTo(
          replica,
          'installation_repositories',
          installationRepositoriesAddedEvent(two.ref),
        )
      ).status,
    ).toBe(200);
    await until(
      'both installation jobs scheduled',
      () =>
        first.logs().match(/"msg":"installation scheduled"/g)?.length === 2 ? true : undefined,
      30_000,
    );
    // Both replicas' passes (every second) saw the installation jobs end.
    await new Promise((done) => setTimeout(done, 2500));
    await loseRedis(first);

    await completedRun('replica-a-install', one.head);
    await completedRun('replica-b-install', two.head);
    await completedRun('both-pr', prHead);
    await completedRun('split-push', c2);
    await until(
      'a comment on each offending commit',
      () =>
        h.gh.commitComments.filter((c) => c.repo === 'acme/split-push').length >= 2
          ? true
          : undefined,
      30_000,
    );
    await until('the PR comment', () =>
      h.gh.issueComments.find((c) => c.repo === 'acme/both-pr' && c.target === 81),
    );
    await settle();
    for (const [name, head] of [
      ['replica-a-install', one.head],
      ['replica-b-install', two.head],
      ['both-pr', prHead],
      ['split-push', c2],
    ] as const)
      expect([name, runsOf(name, head).map((c) => [c.status, c.conclusion])]).toEqual([
        name,
        [['completed', 'failure']],
      ]);
    // The first push's head was folded into the second's scan, or reported on its own: at most
    // one run, never left in progress.
    expect(runsOf('split-push', c1).filter((c) => c.status !== 'completed')).toEqual([]);
    expect(runsOf('split-push', c1).length).toBeLessThanOrEqual(1);
    expect(h.gh.issueComments.filter((c) => c.repo === 'acme/both-pr')).toHaveLength(1);
    expect(
      h.gh.commitComments
        .filter((c) => c.repo === 'acme/split-push')
        .map((c) => c.target)
        .sort(),
    ).toEqual([c1, c2].sort());
    // Both replicas saw the loss and added again what they had stored.
    for (const app of [h.app, replica]) expect(app.logs()).toMatch(/added them again/);
  }, 150_000);
});
