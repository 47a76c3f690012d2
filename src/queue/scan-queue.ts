import type { QueueStats } from './queue-stats.js';
import type { ScanJob } from './scan-job.js';

export type JobProcessor = (job: ScanJob) => Promise<void>;

/** The queue the webhook handlers write to; BullMQ with REDIS_URL, in-process otherwise. */
export interface ScanQueue {
  /** Enqueues unless a job with the same id is known; `duplicate` says which. */
  add(job: ScanJob): Promise<{ id: string; duplicate: boolean }>;
  /** Starts processing in this process. */
  start(processor: JobProcessor): void;
  /** Jobs waiting or running. */
  depth(): Promise<number>;
  /** Counts by state and the age of the oldest waiting job by kind, for /metrics. */
  stats?(): Promise<QueueStats>;
  close(): Promise<void>;
}
