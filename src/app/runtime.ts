/**
 * Wiring shared by the app process and `npm run worker`: the queue (BullMQ with REDIS_URL,
 * in-process otherwise), the repository cache, the verifier and metrics.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Probot } from 'probot';
import type { Logger } from 'pino';
import { RepoCache } from '../git/repo-cache.js';
import { githubOrigin } from '../github/repo-name.js';
import type { GitHubClient } from '../github/types.js';
import { BullScanQueue, redisConnection } from '../queue/bullmq-queue.js';
import { MemoryCheckRunStore, RedisCheckRunStore } from '../queue/check-run-store.js';
import { InProcessQueue } from '../queue/in-process-queue.js';
import { warnIfRedisUnsafe } from '../queue/redis-requirements.js';
import { stepHookFromEnv } from '../queue/step-hook.js';
import { Metrics } from '../queue/metrics.js';
import { processScanJob, type JobVerifier } from '../queue/process-scan-job.js';
import { reportAttemptFailure } from '../queue/log-failure.js';
import { retryScheduleFromEnv } from '../queue/scan-job.js';
import type { AttemptFailure, ScanQueue } from '../queue/scan-queue.js';
import { MemoryGate, RedisGate, serialized } from '../queue/serial-gate.js';

export interface Runtime {
  queue: ScanQueue;
  /** How long a webhook waits for the queue before it is answered 503. */
  enqueueTimeoutMs: number;
  metrics: Metrics;
  startWorker(): void;
  close(): Promise<void>;
}

export function createRuntime(app: Probot, env: NodeJS.ProcessEnv = process.env): Runtime {
  const log = app.log as unknown as Logger;
  const metrics = new Metrics();
  const redisUrl = env.REDIS_URL;
  const retry = retryScheduleFromEnv(env);
  const onAttemptFailed = (f: AttemptFailure): void => reportAttemptFailure(log, metrics, f);
  const queue: ScanQueue = redisUrl
    ? new BullScanQueue({
        connection: redisConnection(redisUrl),
        ...(env.UPSTASH_GUARD_QUEUE_PREFIX ? { prefix: env.UPSTASH_GUARD_QUEUE_PREFIX } : {}),
        concurrency: Number(env.UPSTASH_GUARD_CONCURRENCY ?? 2),
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
        concurrency: Number(env.UPSTASH_GUARD_CONCURRENCY ?? 2),
        retry,
        onAttemptFailed,
      });
  const redis = redisUrl
    ? new Redis(redisUrl, { maxRetriesPerRequest: 2, lazyConnect: true })
    : undefined;
  // A Redis without persistence, or one that evicts keys, loses reports: say so at startup.
  if (redis) void warnIfRedisUnsafe(redis, log);
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
  const cache = new RepoCache(
    env.UPSTASH_GUARD_CACHE_DIR ?? join(tmpdir(), 'upstash-guard-repos'),
    {
      maxBytes: Number(env.UPSTASH_GUARD_MAX_REPO_BYTES ?? 4 * 1024 ** 3),
      tokenOrigin: origin,
    },
  );
  const auth = async (installationId: number) => {
    const gh = await app.auth(installationId);
    // Minted through the app-level (JWT) client, not `gh.auth()`: Probot 14 gives auth-app a
    // request without the GHE base URL, so `gh.auth()` always calls api.github.com.
    const appClient = await app.auth();
    const { data } = await appClient.request(
      'POST /app/installations/{installation_id}/access_tokens',
      { installation_id: installationId },
    );
    const token = data.token;
    return { gh: gh as unknown as GitHubClient, token };
  };
  return {
    queue,
    enqueueTimeoutMs: Number(env.UPSTASH_GUARD_ENQUEUE_TIMEOUT_MS ?? 3_000),
    metrics,
    startWorker() {
      // One scan per PR/branch at a time, shared by every worker through Redis when there is one.
      const gate = redis
        ? new RedisGate(redis, `${env.UPSTASH_GUARD_QUEUE_PREFIX ?? 'upstash-guard'}:serial`)
        : new MemoryGate();
      // Each job's check run id, so retries on any worker update the same run.
      const checkRuns = redis
        ? new RedisCheckRunStore(
            redis,
            `${env.UPSTASH_GUARD_QUEUE_PREFIX ?? 'upstash-guard'}:check-run`,
          )
        : new MemoryCheckRunStore();
      const onStep = stepHookFromEnv(env, log);
      const inProgressAfter = env.UPSTASH_GUARD_IN_PROGRESS_AFTER_MS;
      queue.start(
        serialized(
          (job) =>
            processScanJob(job, {
              auth,
              cache,
              githubOrigin: origin,
              log,
              metrics,
              checkRuns,
              ...(inProgressAfter !== undefined
                ? { inProgressAfterMs: Number(inProgressAfter) }
                : {}),
              ...(onStep ? { onStep } : {}),
              ...(verifier ? { verifier } : {}),
            }),
          gate,
        ),
      );
    },
    async close() {
      await queue.close();
      redis?.disconnect();
    },
  };
}
