/**
 * BullMQ on Redis: webhooks answer in milliseconds and workers scale out on other machines.
 * Priorities put PR and push scans before install-time history scans; the job id makes
 * redeliveries no-ops; retries back off exponentially; permanent failures are UnrecoverableError;
 * a worker that dies mid-job leaves a stalled job that another worker picks up.
 */
import { Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { jobIdOf, PermanentJobError, PRIORITY, type ScanJob } from './scan-job.js';
import type { QueueStats } from './queue-stats.js';
import type { JobProcessor, ScanQueue } from './scan-queue.js';

export const QUEUE_NAME = 'upstash-guard-scans';

export interface BullQueueOptions {
  connection: ConnectionOptions;
  prefix?: string;
  concurrency?: number;
  attempts?: number;
  backoffMs?: number;
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

  constructor(private readonly opts: BullQueueOptions) {
    this.queue = new Queue<ScanJob>(QUEUE_NAME, {
      connection: opts.connection,
      ...(opts.prefix ? { prefix: opts.prefix } : {}),
      defaultJobOptions: {
        attempts: opts.attempts ?? 3,
        backoff: { type: 'exponential', delay: opts.backoffMs ?? 5000 },
        removeOnComplete: { age: 24 * 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }

  async add(job: ScanJob): Promise<{ id: string; duplicate: boolean }> {
    const id = jobIdOf(job);
    const existing = await this.queue.getJob(id);
    if (existing) return { id, duplicate: true };
    await this.queue.add(job.kind, job, { jobId: id, priority: PRIORITY[job.kind] });
    return { id, duplicate: false };
  }

  start(processor: JobProcessor): void {
    this.worker = new Worker<ScanJob>(
      QUEUE_NAME,
      async (bullJob) => {
        try {
          await processor(bullJob.data);
        } catch (err) {
          if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      {
        connection: this.opts.connection,
        ...(this.opts.prefix ? { prefix: this.opts.prefix } : {}),
        concurrency: this.opts.concurrency ?? 2,
        stalledInterval: this.opts.stalledInterval ?? 30_000,
        lockDuration: this.opts.lockDuration ?? 60_000,
        maxStalledCount: 2,
      },
    );
    this.worker.on('error', () => {
      /* connection errors are retried by ioredis; never crash the process */
    });
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
