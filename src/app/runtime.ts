/**
 * Wiring shared by the app process and `npm run worker`: the queue (BullMQ with REDIS_URL,
 * in-process otherwise), the repository cache, the verifier and metrics.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Probot } from 'probot';
import type { Logger } from 'pino';
import type { Finding } from '../core/index.js';
import { cacheDirFrom, stateDirFrom } from '../git/cache-dir.js';
import { CacheJanitor } from '../git/cache-eviction.js';
import { RepoCache, cacheKeyFor } from '../git/repo-cache.js';
import { ConfigFileCache } from '../github/org-config-cache.js';
import { cloneUrlFor, githubOrigin, parseFullName } from '../github/repo-name.js';
import { asRefused, explainRefusals } from '../github/refusal.js';
import { permissionsOf } from '../github/report-plan.js';
import { statusOf, type GitHubClient } from '../github/types.js';
import { instrumentOctokit } from './github-metrics.js';
import { prioritizeWrites } from '../github/write-priority.js';
import { InstallationAuth } from './installation-auth.js';
import { redeliverMissed, type AppRequest } from './redeliver.js';
import { BullScanQueue, redisConnection } from '../queue/bullmq-queue.js';
import {
  MemoryCheckRunStore,
  RedisCheckRunStore,
  type CheckRunStore,
} from '../queue/check-run-store.js';
import { reportFailedScan } from '../queue/report-failed-scan.js';
import { InProcessQueue } from '../queue/in-process-queue.js';
import { warnIfRedisUnsafe } from '../queue/redis-requirements.js';
import { stepHookFromEnv } from '../queue/step-hook.js';
import { failureReason, Metrics } from '../queue/metrics.js';
import { completedFrom, processInstallJob } from '../queue/install-job.js';
import {
  FileInstallRunStore,
  InstallRuns,
  RedisInstallRunStore,
  type RunSummary,
} from '../queue/install-runs.js';
import {
  processScanJob,
  type JobVerifier,
  type ProcessOptions,
} from '../queue/process-scan-job.js';
import { ScanSlots } from '../queue/scan-slots.js';
import { notingTips } from '../queue/noting-queue.js';
import { lossCheck, Outbox, withOutbox } from '../queue/bullmq-outbox.js';
import { reportAttemptFailure } from '../queue/log-failure.js';
import {
  InstallationGoneError,
  jobIdOf,
  PRIORITY,
  retryScheduleFromEnv,
  serialKeyOf,
} from '../queue/scan-job.js';
import type { AttemptFailure, ScanQueue } from '../queue/scan-queue.js';
import type { ScanJob } from '../queue/scan-job.js';
import { createIncidentServices, type IncidentServices } from '../incidents/setup.js';
import { allowedFingerprints } from '../incidents/record.js';
import {
  handOverParked,
  MemoryGate,
  RedisGate,
  rescueParked,
  serialized,
} from '../queue/serial-gate.js';

export interface Runtime {
  queue: ScanQueue;
  /** How long a webhook waits for the queue before it is answered 503. */
  enqueueTimeoutMs: number;
  metrics: Metrics;
  incidents: IncidentServices;
  startWorker(): void;
  /** Repositories removed from the installation (or all of it, deleted): clean their clones. */
  removed(installationId: number, repoIds?: number[]): Promise<void>;
  /** The installation's permissions changed: every worker forgets its token and permissions. */
  permissionsChanged(installationId: number): Promise<void>;
  close(): Promise<void>;
}

interface RemovedRepos {
  installationId: number;
  repoIds?: number[];
}

export interface RuntimeOptions {
  /**
   * This process receives the webhooks: with Redis, the jobs it stores are journalled locally until
   * they end, and added again if Redis loses them (src/queue/bullmq-outbox.ts).
   */
  outbox?: boolean;
}

export function createRuntime(
  app: Probot,
  env: NodeJS.ProcessEnv = process.env,
  opts: RuntimeOptions = {},
): Runtime {
  const log = app.log as unknown as Logger;
  const metrics = new Metrics();
  const redisUrl = env.REDIS_URL;
  const cacheDir = cacheDirFrom(env);
  const retry = retryScheduleFromEnv(env);
  const stateDir = stateDirFrom(env);
  if (!redisUrl) moveJournals(cacheDir, stateDir);
  const redis = redisUrl
    ? new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true })
    : undefined;
  const keyPrefix = env.UPSTASH_GUARD_QUEUE_PREFIX ?? 'upstash-guard';
  const reconcileMs = positiveInt(env.UPSTASH_GUARD_QUEUE_RECONCILE_MS, 60_000);
  let stopOutbox = (): void => undefined;
  // "installation scan finished": once per install run, whichever process finishes it.
  const announce = (s: RunSummary): void => {
    metrics.installationScanFinished(s.durationMs);
    log.info(
      {
        installation: s.installationId,
        account: s.account,
        run: s.runId,
        repositories: s.total,
        scanned: s.scanned,
        withFindings: s.withFindings,
        failed: s.failed,
        skipped: s.skipped,
        ...(s.incomplete ? { incomplete: true } : {}),
        ms: s.durationMs,
      },
      'installation scan finished',
    );
  };
  const installRuns = new InstallRuns(
    redis
      ? new RedisInstallRunStore(redis, `${keyPrefix}:install-run`)
      : new FileInstallRunStore(join(stateDir, 'install-runs.journal')),
    announce,
  );
  metrics.readInstallRunsFrom(() => installRuns.store.overview());
  // Each job's check run id, so retries on any worker update the same run.
  const checkRuns: CheckRunStore = redis
    ? new RedisCheckRunStore(redis, `${keyPrefix}:check-run`)
    : new MemoryCheckRunStore();
  const onAttemptFailed = async (f: AttemptFailure): Promise<void> => {
    reportAttemptFailure(log, f);
    if (!f.final) return;
    // A PR or push scan that failed for good still completes its check run, saying why.
    await reportFailedScan(f, { auth, store: checkRuns, log });
    try {
      await installRuns.failedForGood(f.job, f.jobId);
    } catch (err) {
      log.error({ job: f.jobId, err: (err as Error).message }, 'install run: could not record');
    }
    // Newer heads parked behind it: no retry of this job will take them now.
    try {
      const next = await handOverParked(f.job, gate, (job) => store.add(job));
      if (next)
        log.info(
          { job: f.jobId, repo: `${next.owner}/${next.repo}`, head: next.headSha },
          'scan failed for good: the heads parked behind it are queued again',
        );
    } catch (err) {
      // They stay parked in the gate, and the branch's next job takes them.
      log.error(
        { job: f.jobId, err: (err as Error).message },
        'scan failed for good: the heads parked behind it could not be queued again',
      );
    }
  };
  let journalBroken = false;
  // Scans at once in this process, and jobs held beyond them: jobs past their check run, posting
  // comments that GitHub paces, or waiting for a scan slot (scan-slots.ts).
  const scanConcurrency = positiveInt(env.UPSTASH_GUARD_CONCURRENCY, 2);
  const jobConcurrency = scanConcurrency + positiveInt(env.UPSTASH_GUARD_REPORT_CONCURRENCY, 32);
  const store: ScanQueue = redisUrl
    ? new BullScanQueue({
        connection: redisConnection(redisUrl),
        ...(env.UPSTASH_GUARD_QUEUE_PREFIX ? { prefix: env.UPSTASH_GUARD_QUEUE_PREFIX } : {}),
        concurrency: jobConcurrency,
        ...(env.UPSTASH_GUARD_STALLED_INTERVAL_MS
          ? { stalledInterval: Number(env.UPSTASH_GUARD_STALLED_INTERVAL_MS) }
          : {}),
        ...(env.UPSTASH_GUARD_LOCK_DURATION_MS
          ? { lockDuration: Number(env.UPSTASH_GUARD_LOCK_DURATION_MS) }
          : {}),
        retry,
        onAttemptFailed,
      })
    : new InProcessQueue({
        concurrency: jobConcurrency,
        retry,
        onAttemptFailed,
        // Durable without Redis: a restart loses no queued scan (src/queue/journal.ts).
        journalPath: join(stateDir, 'queue.journal'),
        onRestored: (count, unusable) => {
          metrics.journalRestored(count);
          if (journalBroken)
            log.info({ dir: stateDir }, 'queue journal opened: taking webhooks again');
          journalBroken = false;
          if (count > 0) log.info({ count }, 'restored queued scans from the journal');
          if (unusable > 0)
            log.warn(
              { lines: unusable, dir: stateDir },
              'queue journal: skipped lines that are not entries (torn by a crash, or damaged)',
            );
        },
        onJournalError: (err) => {
          journalBroken = true;
          log.error(
            { dir: stateDir, err: err.message },
            'queue journal cannot be opened: webhooks are answered 503 (to be redelivered) until it can; retrying',
          );
        },
      });
  // A Redis without persistence, or one that evicts keys, loses reports: say so at startup.
  if (redis) void warnIfRedisUnsafe(redis, log);
  // One scan per PR/branch at a time, shared by every worker through Redis when there is one;
  // the handlers note each new head so superseded queued heads fold into the newest scan.
  const gate = redis
    ? new RedisGate(redis, `${keyPrefix}:serial`)
    : new MemoryGate((jobs) => {
        if (store instanceof InProcessQueue) store.settle(jobs.map(jobIdOf));
      });
  // Jobs this process stored survive a Redis that lost its data (src/queue/bullmq-outbox.ts).
  const outbox =
    redis && opts.outbox
      ? new Outbox({
          path: join(stateDir, 'bullmq-outbox.journal'),
          log,
          // A marker of its own, set once; a pass that finds it gone knows Redis lost its data.
          dataLost: lossCheck(redis, `${keyPrefix}:outbox-alive`),
          // At least the workers' lock duration: see the grace after a loss (bullmq-outbox.ts).
          graceMs: Math.max(
            reconcileMs,
            10_000,
            positiveInt(env.UPSTASH_GUARD_LOCK_DURATION_MS, 60_000),
          ),
          ...(env.UPSTASH_GUARD_INSTALL_HELD_AFTER_END_MS
            ? { installHeldAfterEndMs: Number(env.UPSTASH_GUARD_INSTALL_HELD_AFTER_END_MS) }
            : {}),
        })
      : undefined;
  const queue = notingTips(outbox ? withOutbox(store, outbox) : store, gate);
  // Parked heads no job will take (bullmq-outbox.ts, rescueStuck): a holder that failed for good
  // is reported as such, which hands the branch on; otherwise what is parked is queued again.
  const rescue = async (key: string, holder: string, state: string): Promise<void> => {
    const failure =
      state === 'failed' && store instanceof BullScanQueue
        ? await store.finalFailure(holder)
        : undefined;
    if (failure && serialKeyOf(failure.job) === key) {
      await onAttemptFailed(failure);
      return;
    }
    const next = await rescueParked(key, holder, gate, (job) => store.add(job));
    if (next)
      log.info(
        { holder, repo: `${next.owner}/${next.repo}`, head: next.headSha },
        'the heads parked behind a scan that ended are queued again',
      );
  };
  if (outbox && queue.jobStates && queue.jobResult) {
    const pass = setInterval(
      () =>
        void outbox
          .reconcile({
            states: (ids) => queue.jobStates!(ids),
            result: (id) => queue.jobResult!(id),
            add: (job) => queue.add(job),
            ...(gate instanceof RedisGate
              ? {
                  busy: (keys) => gate.busy(keys),
                  takers: (keys) => gate.takers(keys),
                  rescue,
                }
              : {}),
          })
          .then((n) => {
            if (n > 0)
              log.warn(
                { readded: n },
                'queue outbox: Redis no longer held jobs that never finished; added them again',
              );
          })
          .catch(() => undefined),
      reconcileMs,
    );
    pass.unref();
    stopOutbox = () => clearInterval(pass);
  }
  const stopRedeliver = opts.outbox
    ? redeliverFailedDeliveries(app, env, log, metrics, redis)
    : () => {};
  metrics.readQueueFrom(async () => queue.stats?.());
  // Loaded on first use: most scans find nothing and never touch the network code.
  const verifier: JobVerifier | undefined =
    env.UPSTASH_GUARD_VERIFY === 'off'
      ? undefined
      : {
          verify: async (findings, opts) => {
            const { verifyFindings, hostPolicyFromEnv } = await import('../verify/index.js');
            await verifyFindings(findings, {
              installationId: opts.installationId,
              hostPolicy: hostPolicyFromEnv(env),
              ...(redis ? { redis } : {}),
            });
          },
        };
  // Throws at startup on a malformed GHE_HOST rather than fetching from somewhere unexpected.
  const origin = githubOrigin(env);
  const cache = new RepoCache(cacheDir, {
    maxBytes: Number(env.UPSTASH_GUARD_MAX_REPO_BYTES ?? 4 * 1024 ** 3),
    tokenOrigin: origin,
    stallSeconds: positiveInt(env.UPSTASH_GUARD_GIT_STALL_SECONDS, 60),
  });
  const janitor = new CacheJanitor(cacheDir, {
    ...(env.UPSTASH_GUARD_CACHE_MAX_BYTES
      ? { maxBytes: Number(env.UPSTASH_GUARD_CACHE_MAX_BYTES) }
      : {}),
    onEvict: (reason, count) => metrics.cacheEvicted(reason, count),
  });
  metrics.readCacheFrom(() => janitor.size());
  // Installation tokens reused until near expiry (src/app/installation-auth.ts).
  const installations = new InstallationAuth({
    // The API client carries our token, not one Probot mints and caches beside it (2 mints per
    // installation and hour before, and a permission change reached the API only within the hour).
    // Built from the app client's class, so it has the App's base URL, logging, retries and the
    // throttling shared through Redis, keyed by installation as Probot keys it.
    client: async (id, token) => {
      const appClient = await app.auth();
      const Octokit = appClient.constructor as new (o: object) => typeof appClient;
      const octokit = new Octokit({ auth: { token }, throttle: { id: String(id) } });
      explainRefusals(octokit);
      instrumentOctokit(octokit, metrics);
      // Check runs before comments (github/write-priority.ts).
      prioritizeWrites(octokit, String(id));
      return octokit as unknown as GitHubClient;
    },
    onMint: () => metrics.tokenMinted(),
    mint: async (id) => {
      // Minted through the app-level (JWT) client, not `gh.auth()`: Probot 14 gives auth-app a
      // request without the GHE base URL, so `gh.auth()` always calls api.github.com.
      const appClient = await app.auth();
      const { data } = await appClient
        .request('POST /app/installations/{installation_id}/access_tokens', {
          installation_id: id,
        })
        .catch((err: unknown) => {
          // Suspended: gone; any other 403 that is not a rate limit (an IP allow list): refused.
          throw installationGone(err) ?? asRefused(err);
        });
      // Kept with the token: jobs plan their report from them (src/github/report-plan.ts).
      const permissions = permissionsOf(data);
      return {
        token: data.token,
        expiresAt: Date.parse(data.expires_at),
        ...(permissions ? { permissions } : {}),
      };
    },
  });
  const auth = (installationId: number) => installations.get(installationId);
  // The App's bot login, asked once (GET /app with the App's JWT): comments are taken for ours
  // only when this account wrote them (github/types.ts byApp). A failure is asked again after a
  // minute; meanwhile any bot's comment counts, as before.
  let login: { value: Promise<string | undefined>; at: number } | undefined;
  const appLogin = (): Promise<string | undefined> => {
    if (login && Date.now() - login.at < 60_000) return login.value;
    const value = app
      .auth()
      .then((c) => c.request('GET /app'))
      .then(({ data }) => {
        const slug = (data as { slug?: unknown } | null)?.slug;
        if (typeof slug !== 'string' || !/^[A-Za-z0-9-]{1,100}$/.test(slug)) return undefined;
        login = { value, at: Infinity };
        return `${slug}[bot]`;
      })
      .catch((err: unknown) => {
        log.warn({ err: (err as Error).message }, "could not learn the App's login (GET /app)");
        return undefined;
      });
    login = { value, at: Date.now() };
    return value;
  };
  const removalChannel = `${env.UPSTASH_GUARD_QUEUE_PREFIX ?? 'upstash-guard'}:cache-removed`;
  const permissionsChannel = `${env.UPSTASH_GUARD_QUEUE_PREFIX ?? 'upstash-guard'}:permissions-changed`;
  // Tokens are per process: with Redis, every worker hears of the change.
  const permissionsChanged = async (installationId: number): Promise<void> => {
    if (redis) await redis.publish(permissionsChannel, String(installationId));
    else installations.invalidate(installationId);
  };
  const removeLocal = async (installationId: number, repoIds?: number[]): Promise<void> => {
    if (!repoIds) installations.drop(installationId);
    const removed = await janitor.remove(installationId, repoIds).catch(() => 0);
    log.info({ installation: installationId, repos: repoIds?.length, removed }, 'cache cleaned');
  };
  const incidents = createIncidentServices({
    env,
    log,
    ...(redis && redisUrl
      ? {
          redis,
          bull: {
            connection: redisConnection(redisUrl),
            ...(env.UPSTASH_GUARD_QUEUE_PREFIX ? { prefix: env.UPSTASH_GUARD_QUEUE_PREFIX } : {}),
          },
        }
      : {}),
    // Re-verification reads commits the scans already fetched: the cache as it is, or a fetch
    // when it was evicted.
    repoDir: async (installationId, repoId, fullName) => {
      const name = parseFullName(fullName);
      if (!name) return undefined;
      const key = cacheKeyFor({ installationId, repoId, ...name });
      const cached = await cache.existing(key);
      if (cached) return cached;
      const { token } = await auth(installationId);
      return cache.ensure({ key, cloneUrl: cloneUrlFor(origin, name), token });
    },
    ...(env.UPSTASH_GUARD_VERIFY === 'off'
      ? {}
      : {
          verify: async (findings: Finding[], installationId: number) => {
            const { verifyFindings, hostPolicyFromEnv } = await import('../verify/index.js');
            const { MemoryVerdictCache } = await import('../verify/verdict-cache.js');
            // On demand and on schedule the point is a fresh answer: no cached verdict.
            await verifyFindings(findings, {
              installationId,
              hostPolicy: hostPolicyFromEnv(env),
              cache: new MemoryVerdictCache(),
              ...(redis ? { redis } : {}),
            });
          },
        }),
  });
  const stopWorker: (() => void)[] = [];
  const configCache = new ConfigFileCache(Number(env.UPSTASH_GUARD_CONFIG_TTL_MS ?? 60_000));
  return {
    queue,
    enqueueTimeoutMs: Number(env.UPSTASH_GUARD_ENQUEUE_TIMEOUT_MS ?? 3_000),
    metrics,
    incidents,
    startWorker() {
      const onStep = stepHookFromEnv(env, log);
      const inProgressAfter = env.UPSTASH_GUARD_IN_PROGRESS_AFTER_MS;
      void incidents
        .startSchedule(true)
        .catch((err: unknown) =>
          log.error({ err: (err as Error).message }, 'incidents: could not start re-verification'),
        );
      const slots = new ScanSlots(scanConcurrency);
      metrics.readSlotsFrom(() => slots.waitingByKind());
      const label = (job: ScanJob) => ({ kind: job.kind, since: job.receivedAt ?? Date.now() });
      // First on shutdown: jobs still waiting for a slot go back to the queue.
      stopWorker.push(() => slots.close());
      const runScan = (job: ScanJob, opts?: ProcessOptions) =>
        processScanJob(
          job,
          {
            auth,
            cache,
            githubOrigin: origin,
            log,
            metrics,
            configCache,
            cacheJanitor: janitor,
            checkRuns,
            appLogin,
            permissionsChanged: (id) =>
              void permissionsChanged(id).catch((err: unknown) =>
                log.warn(
                  { installation: id, err: (err as Error).message },
                  'could not announce a permission change; tokens renew within the hour',
                ),
              ),
            ...(inProgressAfter !== undefined
              ? { inProgressAfterMs: Number(inProgressAfter) }
              : {}),
            ...(onStep ? { onStep } : {}),
            onScanned: (scanned) => incidents.onScanned(scanned),
            allowed: (installationId) => allowedFingerprints(incidents.store, installationId),
            ...(verifier ? { verifier } : {}),
          },
          opts,
        );
      // The scan and its check run in a slot; the rest of the report after it (serial-gate.ts).
      const scan = serialized(
        (job, superseded, folded, run) =>
          runScan(job, {
            superseded,
            folded,
            ...(run?.signal ? { signal: run.signal } : {}),
            slot: () => slots.acquireSlot(PRIORITY[job.kind], label(job)),
          }),
        gate,
        () => metrics.folded(),
      );
      if (redis && queue.jobState) {
        const reconcile = setInterval(
          () =>
            void installRuns
              .reconcile(
                (id) => queue.jobState!(id),
                queue.jobResult ? (id) => queue.jobResult!(id) : undefined,
              )
              .then((n) => {
                if (n > 0)
                  log.warn({ settled: n }, 'install runs: settled jobs whose end was lost');
              })
              .catch(() => undefined),
          Number(env.UPSTASH_GUARD_INSTALL_RECONCILE_MS ?? 60_000),
        );
        reconcile.unref();
        stopWorker.push(() => clearInterval(reconcile));
      }
      void installRuns
        .recover()
        .catch((err: unknown) =>
          log.error({ err: (err as Error).message }, 'install runs: could not recover'),
        );
      // Sizes for /metrics and LRU eviction also when no job runs; removals from any process.
      const timer = setInterval(() => void janitor.sweep().catch(() => undefined), 5 * 60_000);
      timer.unref();
      void janitor.sweep().catch(() => undefined);
      stopWorker.push(() => clearInterval(timer));
      if (redis) {
        const sub = redis.duplicate();
        void sub.subscribe(removalChannel, permissionsChannel).catch(() => undefined);
        sub.on('message', (channel: string, message: string) => {
          if (channel === permissionsChannel) {
            const id = Number(message);
            if (Number.isSafeInteger(id) && id > 0) installations.invalidate(id);
            return;
          }
          const { installationId, repoIds } = JSON.parse(message) as RemovedRepos;
          void removeLocal(installationId, repoIds);
        });
        stopWorker.push(() => sub.disconnect());
      }
      queue.start(async (job, run) => {
        const release = janitor.hold(job.repoId);
        try {
          if (job.kind === 'installation') {
            const { jobs } = await processInstallJob(job, {
              auth,
              queue,
              log,
              runs: installRuns,
              completed: completedFrom(queue),
            });
            return { jobs };
          } else if (job.kind === 'history' && job.installRun) {
            // Settled before the job completes: a worker killed in between re-runs the job,
            // and the run counts it once.
            const { findings } = await runScan(job, {
              slot: () => slots.acquireSlot(PRIORITY.history, label(job)),
              ...(run?.signal ? { signal: run.signal } : {}),
            });
            await installRuns.settle(job.installRun, jobIdOf(job), { failed: false, findings });
            // Its return value: an installation job added again after Redis lost the run's
            // state, or the reconcile, settles it with its findings from there.
            return { findings };
          } else return await scan(job, run);
        } catch (err) {
          metrics.scanFailed(failureReason(err));
          throw err;
        } finally {
          release();
        }
      });
    },
    async removed(installationId, repoIds) {
      // Every worker process holds its own cache: tell them all through Redis when there is one.
      if (redis) await redis.publish(removalChannel, JSON.stringify({ installationId, repoIds }));
      else await removeLocal(installationId, repoIds);
    },
    permissionsChanged,
    async close() {
      stopOutbox();
      stopRedeliver();
      for (const stop of stopWorker) stop();
      await queue.close();
      await installRuns.store.close?.();
      await incidents.close();
      redis?.disconnect();
    },
  };
}

/**
 * The journals used to sit in the clone cache, beside the clones; with a data directory they
 * live there instead. Moved once at startup, before the queue opens them (nothing queued is lost).
 */
function moveJournals(cacheDir: string, stateDir: string): void {
  if (cacheDir === stateDir) return;
  for (const name of ['queue.journal', 'install-runs.journal']) {
    const from = join(cacheDir, name);
    const to = join(stateDir, name);
    if (!existsSync(from) || existsSync(to)) continue;
    mkdirSync(stateDir, { recursive: true });
    try {
      renameSync(from, to);
    } catch (err) {
      // Two volumes: copy, then remove the old one.
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      copyFileSync(from, to);
      unlinkSync(from);
    }
  }
}

/**
 * An installation GitHub no longer knows (404: uninstalled) or has suspended (403 saying so) gets
 * no token on any retry: its jobs fail for good at once instead of retrying for hours.
 */
function installationGone(err: unknown): InstallationGoneError | undefined {
  const status = statusOf(err);
  const message = (err as Error | undefined)?.message ?? '';
  if (status === 404 || (status === 403 && /suspended/i.test(message)))
    return new InstallationGoneError(
      `the installation is gone or suspended (${status}): ${message}`,
    );
  return undefined;
}

/**
 * Asks GitHub again for the webhook deliveries that failed (src/app/redeliver.ts): the first pass
 * shortly after startup reads back `UPSTASH_GUARD_REDELIVER_WINDOW_HOURS` (default 72, all GitHub
 * keeps), then every `UPSTASH_GUARD_REDELIVER_MS` (default 5 min; 0 turns it off) from shortly
 * before the previous pass. With Redis one App replica per interval runs it. Returns the stop.
 */
function redeliverFailedDeliveries(
  app: Probot,
  env: NodeJS.ProcessEnv,
  log: Logger,
  metrics: Metrics,
  redis: Redis | undefined,
): () => void {
  const every =
    env.UPSTASH_GUARD_REDELIVER_MS === '0'
      ? 0
      : positiveInt(env.UPSTASH_GUARD_REDELIVER_MS, 300_000);
  if (every === 0) return () => {};
  const windowMs = positiveInt(env.UPSTASH_GUARD_REDELIVER_WINDOW_HOURS, 72) * 3600_000;
  const settleMs = Math.min(60_000, Math.max(1_000, Math.floor(every / 2)));
  let since = Date.now() - windowMs;
  let running = false;
  let saidMissing = false;
  const pass = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const claimKey = `${env.UPSTASH_GUARD_QUEUE_PREFIX ?? 'upstash-guard'}:redeliver-pass`;
      if (
        redis &&
        (await redis.set(claimKey, '1', 'PX', Math.max(1_000, every - 1_000), 'NX')) !== 'OK'
      )
        return;
      const started = Date.now();
      const client = await app.auth();
      const request: AppRequest = (route, params) =>
        client.request(route, params) as ReturnType<AppRequest>;
      const r = await redeliverMissed(request, log, { since, now: started, settleMs });
      // Later passes read from shortly before this one: what was still settling is judged then.
      since = started - Math.max(10 * 60_000, 2 * settleMs);
      if (r.asked.length) metrics.redeliveryAsked(r.asked.length);
    } catch (err) {
      // A GitHub Enterprise Server without the endpoint answers 404: said once, not every pass.
      const missing = statusOf(err) === 404;
      if (!missing || !saidMissing)
        log.warn(
          { err: (err as Error).message },
          missing
            ? 'this GitHub does not list webhook deliveries: failed ones are not asked for again'
            : 'could not list the webhook deliveries to redeliver failed ones',
        );
      saidMissing ||= missing;
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void pass(), Math.min(every, 10_000));
  const timer = setInterval(() => void pass(), every);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}

/** A positive integer setting, or its default (an unset, empty, zero or malformed value). */
function positiveInt(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isSafeInteger(n) && n > 0 ? n : fallback;
}
