/**
 * The queue without Redis: same semantics as the BullMQ one as far as one process allows
 * (priorities, dedup by job id except for jobs that failed for good, retries with the same
 * backoff schedule, permanent failures not retried).
 */
import {
  DEFAULT_RETRY,
  jobIdOf,
  PermanentJobError,
  PRIORITY,
  retryDelayMs,
  type RetrySchedule,
  type ScanJob,
} from './scan-job.js';
import type { AttemptFailureListener, JobProcessor, ScanQueue } from './scan-queue.js';

interface Entry {
  id: string;
  job: ScanJob;
  attempt: number;
  seq: number;
}

export interface InProcessQueueOptions {
  concurrency?: number;
  retry?: Partial<RetrySchedule>;
  onAttemptFailed?: AttemptFailureListener;
}

export class InProcessQueue implements ScanQueue {
  private readonly waiting: Entry[] = [];
  /** Ids waiting, running, delayed or completed: these are duplicates. Failed ids leave it. */
  private readonly known = new Set<string>();
  private running = 0;
  private seq = 0;
  private processor: JobProcessor | undefined;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: InProcessQueueOptions = {}) {}

  async add(job: ScanJob): Promise<{ id: string; duplicate: boolean }> {
    const id = jobIdOf(job);
    if (this.known.has(id)) return { id, duplicate: true };
    this.known.add(id);
    this.push({ id, job, attempt: 1, seq: this.seq++ });
    return { id, duplicate: false };
  }

  start(processor: JobProcessor): void {
    this.processor = processor;
    this.pump();
  }

  async depth(): Promise<number> {
    return this.waiting.length + this.running + this.timers.size;
  }

  /** Resolves when nothing is waiting, running or scheduled for retry (tests, shutdown). */
  idle(): Promise<void> {
    if (this.waiting.length + this.running + this.timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private push(entry: Entry): void {
    this.waiting.push(entry);
    this.waiting.sort((a, b) => PRIORITY[a.job.kind] - PRIORITY[b.job.kind] || a.seq - b.seq);
    this.pump();
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 2;
    while (this.processor && !this.closed && this.running < limit && this.waiting.length > 0) {
      const entry = this.waiting.shift()!;
      this.running++;
      void this.run(entry);
    }
    if (this.waiting.length + this.running + this.timers.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(entry: Entry): Promise<void> {
    try {
      await this.processor!(entry.job);
    } catch (err) {
      const retry = { ...DEFAULT_RETRY, ...this.opts.retry };
      const final = err instanceof PermanentJobError || entry.attempt >= retry.attempts;
      this.opts.onAttemptFailed?.({
        jobId: entry.id,
        job: entry.job,
        attempt: entry.attempt,
        attempts: retry.attempts,
        final,
        error: err,
      });
      if (!final && !this.closed) {
        const delay = retryDelayMs(entry.attempt, retry);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.push({ ...entry, attempt: entry.attempt + 1 });
        }, delay);
        this.timers.add(timer);
      } else {
        this.known.delete(entry.id);
      }
    } finally {
      this.running--;
      this.pump();
    }
  }
}
