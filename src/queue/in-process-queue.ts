/**
 * The queue without Redis: same semantics as the BullMQ one as far as one process allows
 * (priorities, dedup by job id except for jobs that failed for good, retries with the same
 * backoff schedule, permanent failures not retried).
 */
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
import { JobJournal } from './journal.js';
import type { QueueStats } from './queue-stats.js';
import {
  PARKED,
  type AttemptFailureListener,
  type JobProcessor,
  type ScanQueue,
} from './scan-queue.js';

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
  /**
   * Write-ahead journal file (src/queue/journal.ts): queued and running jobs survive a restart.
   * Without it the queue is memory only.
   */
  journalPath?: string;
  /**
   * Called once the journal is read, with the number of jobs restored from it and of lines that
   * were not usable entries (skipped).
   */
  onRestored?: (count: number, unusable: number) => void;
  /**
   * The journal cannot be opened (directory not writable, disk full, held by another process):
   * until it can, every add is refused (the webhook is answered 503, to be redelivered) and the
   * queue is not ready. Called when the reason first appears or changes; opening is retried every
   * `journalRetryMs` (default 5 s).
   */
  onJournalError?: (err: Error) => void;
  journalRetryMs?: number;
}

export class InProcessQueue implements ScanQueue {
  private readonly waiting: Entry[] = [];
  /** Ids waiting, running, delayed or completed: these are duplicates. Failed ids leave it. */
  private readonly known = new Set<string>();
  /** Jobs parked for another scan (serial-gate.ts), in the journal until it is reported. */
  private readonly parked = new Set<string>();
  private running = 0;
  private seq = 0;
  private processor: JobProcessor | undefined;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private journal: JobJournal | undefined;
  private completed = 0;
  private failed = 0;
  private ready: Promise<void>;
  /** Why the journal is not open (yet), while it is not. */
  private journalError: Error | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: InProcessQueueOptions = {}) {
    this.ready = opts.journalPath ? this.openJournal(opts.journalPath) : Promise.resolve();
  }

  /** Opens the journal, and keeps trying in the background while it cannot. */
  private openJournal(path: string): Promise<void> {
    const opening = this.restore(path).then(
      () => {
        this.journalError = undefined;
      },
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        if (e.message !== this.journalError?.message) this.opts.onJournalError?.(e);
        this.journalError = e;
        if (!this.closed)
          this.retryTimer = setTimeout(() => {
            this.ready = this.openJournal(path);
          }, this.opts.journalRetryMs ?? 5_000);
        throw e;
      },
    );
    // Surfaced by add() and depth(); never an unhandled rejection.
    opening.catch(() => undefined);
    return opening;
  }

  private async restore(path: string): Promise<void> {
    const { journal, pending, unusable } = await JobJournal.open(path);
    if (this.closed) {
      await journal.close();
      return;
    }
    this.journal = journal;
    for (const { id, job } of pending) {
      this.known.add(id);
      this.push({ id, job, attempt: 1, seq: this.seq++ });
    }
    this.opts.onRestored?.(pending.length, unusable);
  }

  async add(job: ScanJob): Promise<{ id: string; duplicate: boolean }> {
    await this.ready;
    const id = jobIdOf(job);
    if (this.known.has(id)) return { id, duplicate: true };
    this.known.add(id);
    // On disk before the webhook is answered. When it cannot be written (disk full), the add
    // fails (503) and the job is not known: the redelivery must store it, not be a duplicate.
    try {
      await this.journal?.add(id, job);
    } catch (err) {
      this.known.delete(id);
      throw err;
    }
    this.push({ id, job, attempt: 1, seq: this.seq++ });
    return { id, duplicate: false };
  }

  start(processor: JobProcessor): void {
    this.processor = processor;
    this.pump();
  }

  /** Rejects while the journal cannot be opened: /readyz then says the queue is unavailable. */
  async depth(): Promise<number> {
    if (this.journalError) throw this.journalError;
    return this.waiting.length + this.running + this.timers.size;
  }

  async stats(): Promise<QueueStats> {
    const now = Date.now();
    const oldest: Record<string, number> = {};
    for (const e of this.waiting)
      oldest[e.job.kind] = Math.max(
        oldest[e.job.kind] ?? 0,
        (now - (e.job.receivedAt ?? now)) / 1000,
      );
    return {
      counts: {
        waiting: this.waiting.length,
        active: this.running,
        delayed: this.timers.size,
        failed: this.failed,
        completed: this.completed,
      },
      oldestAgeSeconds: oldest,
    };
  }

  /** Parked jobs whose range another scan has now reported: done in the journal. */
  settle(ids: readonly string[]): void {
    for (const id of ids) if (this.parked.delete(id)) this.journal?.done(id).catch(() => undefined);
  }

  /** Resolves when nothing is waiting, running or scheduled for retry (tests, shutdown). */
  idle(): Promise<void> {
    if (this.waiting.length + this.running + this.timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Waiting jobs and those awaiting a retry stay in the journal and run after the restart. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    while (this.running > 0) await new Promise((r) => setTimeout(r, 20));
    await this.ready.catch(() => undefined);
    await this.journal?.close();
  }

  private finished(entry: Entry, ok: boolean): void {
    if (ok) this.completed++;
    else this.failed++;
    this.journal?.done(entry.id).catch(() => undefined);
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
      const r = await this.processor!(entry.job);
      // Parked for the scan that holds its branch: the journal keeps it until that scan is
      // reported (settle), so a crash before then replays it instead of losing its range.
      if (r === PARKED && this.journal) {
        this.completed++;
        this.parked.add(entry.id);
      } else this.finished(entry, true);
    } catch (err) {
      // Shutting down before its scan started (scan-slots.ts): the job stays in the journal and
      // runs after the restart, with no attempt spent and no failure reported.
      if (err instanceof ShuttingDownError && this.journal) return;
      const retry = { ...DEFAULT_RETRY, ...this.opts.retry };
      const final = isPermanent(err) || entry.attempt >= retry.attempts;
      try {
        await this.opts.onAttemptFailed?.({
          jobId: entry.id,
          job: entry.job,
          attempt: entry.attempt,
          attempts: retry.attempts,
          final,
          error: err,
        });
      } catch {
        /* the listener reports its own errors; the job's fate is decided here */
      }
      if (!final && !this.closed) {
        const delay = retryDelayFor(entry.attempt, retry, err);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.push({ ...entry, attempt: entry.attempt + 1 });
        }, delay);
        this.timers.add(timer);
      } else if (final || !this.journal) {
        // Failed for good (or shutting down without a journal): no longer a duplicate, so a
        // redelivery or a Re-run enqueues it again.
        this.known.delete(entry.id);
        this.finished(entry, false);
      }
      // Else shutting down with a journal: the job stays in it and runs after the restart.
    } finally {
      this.running--;
      this.pump();
    }
  }
}
