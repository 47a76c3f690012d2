import type { QueueStats } from './queue-stats.js';
import type { ScanJob } from './scan-job.js';

/**
 * Resolves PARKED when the job's range was handed to the scan that holds its branch (serial-gate.ts):
 * done for BullMQ (the range lives in Redis), still owed for the in-process queue, whose journal
 * keeps the job until that scan is reported (`InProcessQueue.settle`).
 */
export const PARKED = 'parked';
export type JobProcessor = (job: ScanJob) => Promise<void | typeof PARKED>;

/** One failed attempt of a job, as both queues report it (for logs and metrics). */
export interface AttemptFailure {
  jobId: string;
  job: ScanJob;
  /** 1-based number of the attempt that failed. */
  attempt: number;
  attempts: number;
  /** No retry follows: attempts exhausted, or a permanent error. */
  final: boolean;
  error: unknown;
}

/** Awaited by the queue before the failure is recorded (a final one then counts for its install run). */
export type AttemptFailureListener = (failure: AttemptFailure) => void | Promise<void>;

/** The queue the webhook handlers write to; BullMQ with REDIS_URL, in-process otherwise. */
export interface ScanQueue {
  /**
   * Enqueues unless a job with the same id is waiting, active, delayed for a retry or completed;
   * `duplicate` says which. A job that failed for good is enqueued again (redelivery, Re-run).
   */
  add(job: ScanJob): Promise<{ id: string; duplicate: boolean }>;
  /** Starts processing in this process. */
  start(processor: JobProcessor): void;
  /** A job's state by id (BullMQ: completed, failed, active, waiting, delayed, …, or unknown). */
  jobState?(id: string): Promise<string>;
  /** Jobs waiting or running. */
  depth(): Promise<number>;
  /** Counts by state and the age of the oldest waiting job by kind, for /metrics. */
  stats?(): Promise<QueueStats>;
  close(): Promise<void>;
}
