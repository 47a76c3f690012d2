/**
 * "installation scan finished": exactly one signal per install run, when its last repository
 * completed or failed for good; with real Redis and two BullMQ workers (one of them dying
 * mid-install), and in-process with the journal across a restart.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { ProbotOctokit } from 'probot';
import { BullScanQueue, redisConnection } from '../../src/queue/bullmq-queue.js';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import { completedFrom, processInstallJob } from '../../src/queue/install-job.js';
import {
  FileInstallRunStore,
  InstallRuns,
  RedisInstallRunStore,
  type InstallRunStore,
  type RunSummary,
} from '../../src/queue/install-runs.js';
import { jobIdOf, PermanentJobError, type ScanJob } from '../../src/queue/scan-job.js';
import type { AttemptFailure, ScanQueue } from '../../src/queue/scan-queue.js';
import type { GitHubClient } from '../../src/github/types.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';
import { testRedisUrl } from '../setup/test-redis.js';

const REPOS = 30;
const silent = pino({ level: 'silent' });
let gh: GitHubDouble;
const dirs: string[] = [];
beforeAll(async () => {
  gh = await startGitHubDouble({ latencyMs: 2 });
  for (let i = 0; i < REPOS; i++)
    gh.addRepo({ owner: 'acme', name: `r${i}`, cloneUrl: `http://127.0.0.1:9/acme/r${i}.git` });
});
afterAll(async () => {
  await gh.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function client(): GitHubClient {
  const Octo = ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } });
  return new Octo({ auth: { token: 't' }, baseUrl: gh.apiUrl }) as unknown as GitHubClient;
}

const installJob = (deliveryId: string): ScanJob => ({
  kind: 'installation',
  installationId: 7,
  owner: 'acme',
  repo: '',
  repoId: 0,
  headSha: '',
  deliveryId,
  receivedAt: Date.now(),
});

function until(cond: () => boolean, ms = 30_000): Promise<void> {
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

/**
 * What the runtime does with the queue (src/app/runtime.ts): the installation job registers and
 * enqueues, a history job settles after its "scan", a final failure settles as failed. r3 always
 * fails (permanent), r5 "has findings"; `scan` can be replaced to hang.
 */
function worker(queue: ScanQueue, runs: InstallRuns, scan?: (job: ScanJob) => Promise<void>) {
  const processor = async (job: ScanJob): Promise<void> => {
    if (job.kind === 'installation') {
      await processInstallJob(job, {
        auth: async () => ({ gh: client() }),
        queue,
        log: silent,
        runs,
      });
      return;
    }
    await (scan ?? (() => new Promise((r) => setTimeout(r, 5 + Math.random() * 20))))(job);
    if (job.repo === 'r3') throw new PermanentJobError('gone');
    await runs.settle(job.installRun!, jobIdOf(job), {
      failed: false,
      findings: job.repo === 'r5' ? 2 : 0,
    });
  };
  return processor;
}

const onFailed =
  (runs: () => InstallRuns) =>
  async (f: AttemptFailure): Promise<void> => {
    if (f.final) await runs().failedForGood(f.job, f.jobId);
  };

describe('install runs with Redis and two BullMQ workers', () => {
  const REDIS = testRedisUrl();
  const prefix = `ug-test-runs-${randomUUID()}`;
  const redis = new Redis(REDIS);
  const opened: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((q) => q.close().catch(() => undefined)));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  /** One "process": its own Redis client, store and queue. */
  function proc(announced: RunSummary[], opts: { stalledInterval?: number } = {}) {
    const r = new Redis(REDIS);
    opened.push({ close: async () => r.disconnect() });
    const runs: InstallRuns = new InstallRuns(
      new RedisInstallRunStore(r, `${prefix}:install-run`),
      (s) => announced.push(s),
    );
    const queue = new BullScanQueue({
      connection: redisConnection(REDIS),
      prefix,
      concurrency: 3,
      retry: { attempts: 2, baseMs: 20 },
      onAttemptFailed: onFailed(() => runs),
      stalledInterval: opts.stalledInterval ?? 500,
      lockDuration: 1_000,
    });
    opened.push(queue);
    return { queue, runs, store: runs.store };
  }

  test('the store counts a double settle once, a settle before its registration, and finishes once', async () => {
    const store: InstallRunStore = new RedisInstallRunStore(redis, `${prefix}:unit`);
    const r2 = new Redis(REDIS);
    opened.push({ close: async () => r2.disconnect() });
    const other: InstallRunStore = new RedisInstallRunStore(r2, `${prefix}:unit`);
    await store.begin({ runId: 'run-a', installationId: 1, account: 'acme', receivedAt: 1 });
    await store.begin({ runId: 'run-a', installationId: 1, account: 'acme', receivedAt: 2 });
    await store.register('run-a', ['j1', 'j2']);
    expect(await store.settle('run-a', 'j3', { failed: false, findings: 0 })).toBeUndefined();
    await store.register('run-a', ['j3', 'j1']);
    expect(await other.settle('run-a', 'j1', { failed: false, findings: 1 })).toBeUndefined();
    expect(await store.settle('run-a', 'j1', { failed: false, findings: 1 })).toBeUndefined();
    expect(await store.listed('run-a', { skipped: 1 })).toBeUndefined();
    const [a, b] = await Promise.all([
      store.settle('run-a', 'j2', { failed: true, findings: 0 }),
      other.settle('run-a', 'j2', { failed: true, findings: 0 }),
    ]);
    const done = [a, b].filter(Boolean) as RunSummary[];
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      runId: 'run-a',
      receivedAt: 1,
      total: 3,
      scanned: 2,
      withFindings: 1,
      failed: 1,
      skipped: 1,
    });
    expect(await store.listed('run-a', { skipped: 1 })).toBeUndefined();
    const view = await other.overview();
    expect(view.open).toEqual([]);
    expect(view.finishedTotal).toBe(1);
    expect(view.last?.runId).toBe('run-a');
  });

  test('two workers, a permanent failure and a second run in progress: one signal per run', async () => {
    const announced: RunSummary[] = [];
    const w1 = proc(announced);
    const w2 = proc(announced);
    w1.queue.start(worker(w1.queue, w1.runs));
    w2.queue.start(worker(w2.queue, w2.runs));
    const first = installJob(`d-${randomUUID()}`);
    const second = { ...installJob(`d-${randomUUID()}`), receivedAt: Date.now() + 1 };
    await w1.queue.add(first);
    await w2.queue.add(second);
    await until(() => announced.length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(announced).toHaveLength(2);
    for (const s of announced)
      expect(s).toMatchObject({
        installationId: 7,
        account: 'acme',
        total: REPOS,
        scanned: REPOS - 1,
        withFindings: 1,
        failed: 1,
      });
    expect(new Set(announced.map((s) => s.runId))).toEqual(
      new Set([jobIdOf(first), jobIdOf(second)]),
    );
    const view = await w1.store.overview();
    expect(view.open.filter((o) => o.installationId === 7)).toEqual([]);
    await Promise.all([w1.queue.close(), w2.queue.close()]);
  });

  test('a worker killed mid-install: the other finishes the run, signalled once', async () => {
    const announced: RunSummary[] = [];
    const dying = proc(announced);
    let hung = 0;
    // The dying worker takes jobs and never finishes them (as if SIGKILLed mid-scan).
    dying.queue.start(
      worker(dying.queue, dying.runs, async () => {
        hung++;
        await new Promise(() => undefined);
      }),
    );
    await dying.queue.add(installJob(`d-${randomUUID()}`));
    await until(() => hung >= 2);
    // Its locks stop being renewed: force-close the worker without waiting for its jobs.
    const bull = (dying.queue as unknown as { worker: { close(force: boolean): Promise<void> } })
      .worker;
    await bull.close(true);
    const alive = proc(announced, { stalledInterval: 300 });
    alive.queue.start(worker(alive.queue, alive.runs));
    await until(() => announced.length >= 1, 45_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ total: REPOS, scanned: REPOS - 1, failed: 1 });
  }, 60_000);

  test('a final failure whose settle was lost is settled by reconcile, on the second look', async () => {
    const announced: RunSummary[] = [];
    const r = new Redis(REDIS);
    opened.push({ close: async () => r.disconnect() });
    const runs = new InstallRuns(new RedisInstallRunStore(r, `${prefix}:lost`), (s) =>
      announced.push(s),
    );
    // No onAttemptFailed: r3's final failure reaches nobody (as when the worker that saw a job
    // fail as stalled died at that moment).
    const queue = new BullScanQueue({
      connection: redisConnection(REDIS),
      prefix: `${prefix}-lost`,
      concurrency: 4,
      retry: { attempts: 1, baseMs: 20 },
    });
    opened.push(queue);
    queue.start(worker(queue, runs));
    await queue.add(installJob(`d-${randomUUID()}`));
    const view = async () => (await runs.store.overview()).open[0];
    for (let i = 0; i < 400 && (await view())?.pending !== 1; i++)
      await new Promise((res) => setTimeout(res, 50));
    expect(await view()).toMatchObject({ listed: true, pending: 1 });
    expect(await runs.reconcile((id) => queue.jobState(id))).toBe(0);
    expect(await runs.reconcile((id) => queue.jobState(id))).toBe(1);
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ total: REPOS, scanned: REPOS - 1, failed: 1 });
    expect(await runs.reconcile((id) => queue.jobState(id))).toBe(0);
  });
});

describe('install runs: the run state lost with Redis (found by the chaos run)', () => {
  const REDIS = testRedisUrl();
  const prefix = `ug-test-relisted-${randomUUID()}`;
  const r = new Redis(REDIS);
  let queue: BullScanQueue | undefined;
  afterAll(async () => {
    await queue?.close();
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  });

  /**
   * Chaos seed bullmq-install 1: Redis restarted empty while the installation job paged, so its run
   * was gone; the App's outbox added the job again, whose re-listing found the history jobs stored
   * and completed (duplicates). They never settled with the new run: it stayed open until the
   * once-a-minute reconcile, which counted the leaking repository as clean (findings 0).
   */
  test('the installation job added again counts completed history jobs with their findings', async () => {
    const announced: RunSummary[] = [];
    const runsPrefix = `${prefix}:runs`;
    const runs = new InstallRuns(new RedisInstallRunStore(r, runsPrefix), (s) => announced.push(s));
    const q = new BullScanQueue({
      connection: redisConnection(REDIS),
      prefix: `${prefix}-q`,
      concurrency: 4,
      retry: { attempts: 1, baseMs: 20 },
    });
    queue = q;
    const deps = {
      auth: async () => ({ gh: client() }),
      queue: q,
      log: silent,
      runs,
      completed: completedFrom(q),
    };
    // As the runtime: a history job settles, then returns its findings.
    q.start(async (job) => {
      if (job.kind === 'installation') return { jobs: (await processInstallJob(job, deps)).jobs };
      const findings = job.repo === 'r5' ? 2 : 0;
      await runs.settle(job.installRun!, jobIdOf(job), { failed: false, findings });
      return { findings };
    });
    const install = installJob(`d-${randomUUID()}`);
    await q.add(install);
    await until(() => announced.length === 1);
    expect(announced[0]).toMatchObject({ total: REPOS, scanned: REPOS, withFindings: 1 });

    // The run's state is lost; the queue still holds the completed history jobs.
    const keys = await r.keys(`${runsPrefix}*`);
    await r.del(...keys);
    await processInstallJob(install, deps);
    expect(announced).toHaveLength(2);
    expect(announced[1]).toMatchObject({ total: REPOS, scanned: REPOS, withFindings: 1 });

    // The reconcile reads a completed job's findings too (its other way to settle it).
    await r.del(...(await r.keys(`${runsPrefix}*`)));
    await processInstallJob(install, { ...deps, completed: undefined });
    expect(
      await runs.reconcile(
        (id) => q.jobState(id),
        (id) => q.jobResult(id),
      ),
    ).toBe(0);
    expect(
      await runs.reconcile(
        (id) => q.jobState(id),
        (id) => q.jobResult(id),
      ),
    ).toBe(REPOS);
    expect(announced).toHaveLength(3);
    expect(announced[2]).toMatchObject({ total: REPOS, scanned: REPOS, withFindings: 1 });
  }, 60_000);
});

describe('install runs in-process (journal)', () => {
  test('a restart mid-install resumes the counts; one signal in all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-runs-'));
    dirs.push(dir);
    const announced: RunSummary[] = [];
    const open = () => {
      const runs = new InstallRuns(
        new FileInstallRunStore(join(dir, 'install-runs.journal')),
        (s) => announced.push(s),
      );
      const queue = new InProcessQueue({
        concurrency: 3,
        retry: { attempts: 2, baseMs: 10 },
        journalPath: join(dir, 'queue.journal'),
        onAttemptFailed: onFailed(() => runs),
      });
      return { queue, runs };
    };
    const a = open();
    let scanned = 0;
    a.queue.start(
      worker(a.queue, a.runs, async () => {
        scanned++;
        await new Promise((r) => setTimeout(r, 20));
      }),
    );
    await a.queue.add(installJob('d-local'));
    await until(() => scanned >= 10);
    // Shutdown: running jobs finish, the rest stay in the journal.
    await a.queue.close();
    await a.runs.store.close?.();
    expect(announced).toHaveLength(0);
    const before = await new FileInstallRunStore(join(dir, 'install-runs.journal')).overview();
    expect(before.open).toHaveLength(1);
    expect(before.open[0]!.pending).toBeGreaterThan(0);

    const b = open();
    await b.runs.recover();
    b.queue.start(worker(b.queue, b.runs));
    await until(() => announced.length >= 1);
    await b.queue.idle();
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({
      runId: jobIdOf(installJob('d-local')),
      total: REPOS,
      scanned: REPOS - 1,
      withFindings: 1,
      failed: 1,
    });
    await b.queue.close();
    await b.runs.store.close?.();

    // A third start announces nothing again and still reports the finished run.
    const c = open();
    await c.runs.recover();
    expect(announced).toHaveLength(1);
    const view = await c.runs.store.overview();
    expect(view).toMatchObject({ open: [], finishedTotal: 1, last: { total: REPOS, failed: 1 } });
    await c.queue.close();
    await c.runs.store.close?.();
  });

  test('an installation job that fails for good ends its run, incomplete', async () => {
    const announced: RunSummary[] = [];
    const runs = new InstallRuns(new FileInstallRunStore(), (s) => announced.push(s));
    const queue = new InProcessQueue({
      retry: { attempts: 2, baseMs: 10 },
      onAttemptFailed: onFailed(() => runs),
    });
    queue.start(async (job) => {
      await processInstallJob(job, {
        auth: async () => {
          throw new Error('installation suspended');
        },
        queue,
        log: silent,
        runs,
      });
    });
    await queue.add(installJob('d-broken'));
    await queue.idle();
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ total: 0, incomplete: true });
    await queue.close();
  });

  test('a run finished by its last settle but never marked finished is announced at startup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ug-runs-'));
    dirs.push(dir);
    const path = join(dir, 'install-runs.journal');
    const s1 = new FileInstallRunStore(path);
    await s1.begin({ runId: 'r', installationId: 1, account: 'a', receivedAt: 1 });
    await s1.register('r', ['x']);
    await s1.listed('r', { skipped: 0 });
    await s1.close();
    // The settle line made it to disk, the process died before the `finished` line.
    const { appendFileSync } = await import('node:fs');
    appendFileSync(
      path,
      `${JSON.stringify({ op: 'settle', runId: 'r', id: 'x', failed: false, findings: 0 })}\n`,
    );
    const announced: RunSummary[] = [];
    const runs = new InstallRuns(new FileInstallRunStore(path), (s) => announced.push(s));
    await runs.recover();
    await runs.recover();
    expect(announced).toHaveLength(1);
    expect(announced[0]).toMatchObject({ runId: 'r', total: 1, scanned: 1 });
    await runs.store.close?.();
  });
});
