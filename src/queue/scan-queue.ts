import type { QueueStats } from './queue-stats.js';
import type { ScanJob } from './scan-job.js';

/**
 * Resolves PARKED when the job's range was handed to the scan that holds its branch (serial-gate.ts):
 * done for BullMQ (the range lives in Redis), still owed for the in-process queue, whose journal
 * keeps the job until that scan is reported (`InProcessQueue.settle`).
 */
export const PARKED = 'parked';
/**
 * What an installation job stored: the ids of its repositories' history jobs (added or found
 * already queued). BullMQ keeps it as the job's return value, and the App's outbox holds the
 * installation job until each of them ended (bullmq-outbox.ts). Ids only, nothing secret.
 */
export interface InstallJobResult {
  jobs: string[];
}
/** What a history job of an installation's run returns: read back when its settle was lost. */
export interface HistoryJobResult {
  findings: number;
}
/**
 * What the queue tells a processor about its run: `signal` aborts when this worker no longer owns
 * the job (BullMQ could not renew its lock: another worker may run it, or Redis lost it and the
 * App's outbox adds it again). From then on the run must write nothing to GitHub.
 */
export interface RunContext {
  signal?: AbortSignal;
}
export type JobProcessor = (
  job: ScanJob,
  run?: RunContext,
) => Promise<void | typeof PARKED | InstallJobResult | HistoryJobResult>;

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
  /**
   * Many jobs' states in a few round trips, in the order asked: completed, failed, unknown (the
   * queue does not hold it), or queued (any other state: still to run or running).
   */
  jobStates?(ids: readonly string[]): Promise<string[]>;
  /** A job's return value; undefined without one, or when the queue no longer holds the job. */
  jobResult?(id: string): Promise<unknown>;
  /** Jobs waiting or running. */
  depth(): Promise<number>;
  /** Counts by state and the age of the oldest waiting job by kind, for /metrics. */
  stats?(): Promise<QueueStats>;
  close(): Promise<void>;
}
