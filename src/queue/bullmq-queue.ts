/**
 * BullMQ on Redis: webhooks answer in milliseconds and workers scale out on other machines.
 * Priorities put PR and push scans before install-time history scans; the job id makes
 * redeliveries no-ops while a job is waiting, running, delayed or completed (a job that failed
 * for good is enqueued again); retries back off from seconds to hours (scan-job.ts);
 * permanent failures (ours, and GitHub's refusals) are UnrecoverableError; a worker that dies mid-job leaves a stalled job
 * that another worker picks up.
 */
import { Queue, UnrecoverableError, WaitingError, Worker, type ConnectionOptions } from 'bullmq';
import {
  DEFAULT_RETRY,
  isPermanent,
  jobIdOf,
  PRIORITY,
  retryDelayFor,
  type RetrySchedule,
  type ScanJob,
} from './scan-job.js';
import { ShuttingDownError } from './scan-slots.js';
import type { QueueStats } from './queue-stats.js';
import type {
  AttemptFailure,
  AttemptFailureListener,
  JobProcessor,
  ScanQueue,
} from './scan-queue.js';

export const QUEUE_NAME = 'upstash-guard-scans';
/** Custom backoff (retryDelayFor), resolved by the worker's backoffStrategy. */
const BACKOFF_TYPE = 'upstash-guard';

/** jobStates: KEYS completed, failed; ARGV the job key prefix, then the ids. */
const STATES_COMMAND = 'upstashGuardJobStates';
const STATES_LUA = `
local out = {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('ZSCORE', KEYS[1], id) then out[i - 1] = 'completed'
  elseif redis.call('ZSCORE', KEYS[2], id) then out[i - 1] = 'failed'
  elseif redis.call('EXISTS', ARGV[1] .. id) == 1 then out[i - 1] = 'queued'
  else out[i - 1] = 'unknown' end
end
return out`;

export interface BullQueueOptions {
  connection: ConnectionOptions;
  prefix?: string;
  concurrency?: number;
  /** Attempts and backoff; DEFAULT_RETRY when omitted. */
  retry?: Partial<RetrySchedule>;
  onAttemptFailed?: AttemptFailureListener;
  /** How often a worker checks for stalled jobs (ms). */
  stalledInterval?: number;
  lockDuration?: number;
}

export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

export class BullScanQueue implements ScanQueue {
  private readonly queue: Queue<ScanJob>;
  private worker: Worker<ScanJob> | undefined;
  private readonly retry: RetrySchedule;
  private statesDefined = false;
  /**
   * Jobs this worker runs now, by id. A job Redis lost while a worker ran it is added again by the
   * App's outbox; its lock and its branch's gate went with the data, so the copy could start on
   * the same worker beside the first run, and both wrote the report (two PR comments). The copy
   * waits for the first run here, then finds the report done.
   */
  private readonly running = new Map<string, Promise<unknown>>();
  /** Each run's abort: fired when BullMQ could not renew the run's lock (see RunContext). */
  private readonly owned = new Map<string, AbortController>();

  constructor(private readonly opts: BullQueueOptions) {
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.queue = new Queue<ScanJob>(QUEUE_NAME, {
      connection: opts.connection,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
      defaultJobOptions: {
        attempts: this.retry.attempts,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        // Failed jobs stay visible for a week but no longer count as duplicates (see add).
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }

  async add(job: ScanJob): Promise<{ id: string; duplicate: boolean }> {
    const id = jobIdOf(job);
    const existing = await this.queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'failed' && state !== 'unknown') return { id, duplicate: true };
      // Failed for good: this delivery (a redelivery, a Re-run) gets it reported after all.
      await existing.remove().catch(() => undefined);
    }
    await this.queue.add(job.kind, job, { jobId: id, priority: PRIORITY[job.kind] });
    // BullMQ answers an add whose id already exists with that id and stores nothing. Another add
    // of this job can land between the lookup above and this add: a concurrent redelivery, or the
    // add of a delivery answered 503 while Redis was away, which ioredis sends once Redis is back
    // (maxRetriesPerRequest: null). Only the add whose job was stored created it; the other is a
    // duplicate, and must not note its own receivedAt as the branch's newest job (noting-queue.ts).
    const stored = await this.queue.getJob(id);
    const ours = !stored || JSON.stringify(stored.data) === JSON.stringify(job);
    return { id, duplicate: !ours };
  }

  start(processor: JobProcessor): void {
    this.worker = new Worker<ScanJob>(
      QUEUE_NAME,
      async (bullJob, token) => {
        const id = bullJob.id ?? jobIdOf(bullJob.data);
        const earlier = this.running.get(id);
        const lost = new AbortController();
        const run = (async () => {
          await earlier?.catch(() => undefined);
          this.owned.set(id, lost);
          return processor(bullJob.data, { signal: lost.signal });
        })();
        this.running.set(id, run);
        try {
          const result = await run;
          // An installation job's list of the history jobs it stored, kept as its return value.
          return typeof result === 'object' ? result : undefined;
        } catch (err) {
          // Shutting down before its scan started (scan-slots.ts): back to the queue as it was,
          // no attempt spent and no failure reported.
          if (err instanceof ShuttingDownError && token) {
            await bullJob.moveToWait(token);
            throw new WaitingError();
          }
          const permanent = isPermanent(err);
          // attemptsMade counts the attempts finished before this one.
          const attempt = bullJob.attemptsMade + 1;
          const attempts = bullJob.opts.attempts ?? 1;
          await this.notify({
            jobId: id,
            job: bullJob.data,
            attempt,
            attempts,
            final: permanent || attempt >= attempts,
            error: err,
          });
          if (permanent) throw new UnrecoverableError((err as Error).message);
          throw err;
        } finally {
          if (this.running.get(id) === run) this.running.delete(id);
          if (this.owned.get(id) === lost) this.owned.delete(id);
        }
      },
      {
        connection: this.opts.connection,
        ...(this.opts.prefix ? { prefix: this.opts.prefix } : {}),
        concurrency: this.opts.concurrency ?? 2,
        settings: {
          // GitHub's retry-after, when the failure carries one, outweighs a shorter backoff.
          backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
            retryDelayFor(attemptsMade, this.retry, err),
        },
        stalledInterval: this.opts.stalledInterval ?? 30_000,
        lockDuration: this.opts.lockDuration ?? 60_000,
        maxStalledCount: 2,
      },
    );
    this.worker.on('error', () => {
      /* connection errors are retried by ioredis; never crash the process */
    });
    // The lock is gone (Redis lost its data, or the job was judged stalled and handed to another
    // worker): this run no longer owns the job, and another run of it may be writing the same
    // report. Its writes stop here; whoever owns the job reports (fenced in process-scan-job.ts).
    this.worker.on('lockRenewalFailed', (ids: string[]) => {
      for (const id of ids) this.owned.get(id)?.abort();
    });
    // A job whose worker died more often than maxStalledCount fails without reaching the
    // processor above: report it too.
    this.worker.on('failed', (bullJob, err) => {
      if (!bullJob || !/stalled/i.test(err.message)) return;
      void this.notify({
        jobId: bullJob.id ?? jobIdOf(bullJob.data),
        job: bullJob.data,
        attempt: bullJob.attemptsMade,
        attempts: bullJob.opts.attempts ?? 1,
        final: true,
        error: err,
      });
    });
  }

  /** The listener never changes the job's fate: its errors are its own to report. */
  private async notify(f: Parameters<AttemptFailureListener>[0]): Promise<void> {
    try {
      await this.opts.onAttemptFailed?.(f);
    } catch {
      /* reported by the listener */
    }
  }

  /** A job's state by id: BullMQ's, or `unknown` when the queue does not hold it. */
  async jobState(id: string): Promise<string> {
    const job = await this.queue.getJob(id);
    return job ? job.getState() : 'unknown';
  }

  /**
   * One script call per 1,000 ids: two sorted-set lookups and a key check each, so the outbox's
   * pass over an installation's thousand history jobs costs one round trip, not two per job.
   */
  async jobStates(ids: readonly string[]): Promise<string[]> {
    const client = await this.queue.getBackend().client;
    if (!this.statesDefined) {
      client.defineCommand(STATES_COMMAND, { numberOfKeys: 2, lua: STATES_LUA, readOnly: true });
      this.statesDefined = true;
    }
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const states = (await client.runCommand(STATES_COMMAND, [
        this.queue.toKey('completed'),
        this.queue.toKey('failed'),
        this.queue.toKey(''),
        ...chunk,
      ])) as string[];
      out.push(...states);
    }
    return out;
  }

  /**
   * A job that failed for good, as its final attempt's failure (for a listener that must hear of it
   * again: bullmq-outbox.ts, rescue); undefined when the queue holds no such failed job.
   */
  async finalFailure(id: string): Promise<AttemptFailure | undefined> {
    const job = await this.queue.getJob(id);
    if (!job || (await job.getState()) !== 'failed') return undefined;
    return {
      jobId: id,
      job: job.data,
      attempt: job.attemptsMade,
      attempts: job.opts.attempts ?? 1,
      final: true,
      error: new Error(job.failedReason || 'failed'),
    };
  }

  async jobResult(id: string): Promise<unknown> {
    return (await this.queue.getJob(id))?.returnvalue ?? undefined;
  }

  async depth(): Promise<number> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  /**
   * Queue-wide, from Redis: every process reports the same counts. The oldest job per kind is read
   * from the 200 oldest waiting and delayed jobs (BullMQ lists prioritized jobs by priority, so a
   * low-priority kind's oldest job may be further in; the age is then a lower bound).
   */
  async stats(): Promise<QueueStats> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'failed',
      'completed',
    );
    const counts = {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    };
    const oldest: Record<string, number> = {};
    const jobs = await this.queue.getJobs(['waiting', 'prioritized', 'delayed'], 0, 199, true);
    const now = Date.now();
    for (const j of jobs) {
      if (!j) continue;
      const age = (now - (j.data.receivedAt ?? j.timestamp)) / 1000;
      oldest[j.name] = Math.max(oldest[j.name] ?? 0, age);
    }
    return { counts, oldestAgeSeconds: oldest };
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
