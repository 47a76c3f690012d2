/**
 * How many scans one process runs at once (UPSTASH_GUARD_CONCURRENCY), apart from how many jobs
 * it holds. A job holds a slot from its fetch to the end of its scan, the CPU-bound part; not
 * while GitHub paces its writes (check run about 1 s, commit comments about 3 s apart). With the
 * queue's concurrency as the only bound, jobs waiting on those writes held both of a worker's
 * slots while the newest heads of other branches waited in the queue behind them
 * (docs/benchmarks-app.md).
 *
 * Waiters are served by priority (the queue's: pushes and PRs before history), then in arrival
 * order. `close()` refuses every waiter with ShuttingDownError, which the queues take as "hand the
 * job back" (not a failed attempt): a shutdown waits for the scans that run, not for the queue.
 */
export class ShuttingDownError extends Error {
  override name = 'ShuttingDownError';
  constructor() {
    super('shutting down: the job goes back to the queue before its scan started');
  }
}

/** What a waiter is, for /metrics: its job's kind and when its webhook arrived (ms). */
export interface SlotLabel {
  kind: string;
  since: number;
}

interface Waiter {
  priority: number;
  seq: number;
  label: SlotLabel | undefined;
  grant(): void;
  refuse(err: Error): void;
}

export class ScanSlots {
  private busy = 0;
  private seq = 0;
  private closed = false;
  private readonly waiters: Waiter[] = [];

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`scan slots: ${size}`);
  }

  /** Jobs waiting for a slot (held by the queue as running). */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * The waiters by kind: how many, and the age of the oldest (since its webhook). The queue counts
   * them as running; they are a backlog all the same (/metrics).
   */
  waitingByKind(now = Date.now()): Record<string, { jobs: number; oldestAgeSeconds: number }> {
    const out: Record<string, { jobs: number; oldestAgeSeconds: number }> = {};
    for (const { label } of this.waiters) {
      if (!label) continue;
      const k = (out[label.kind] ??= { jobs: 0, oldestAgeSeconds: 0 });
      k.jobs++;
      k.oldestAgeSeconds = Math.max(k.oldestAgeSeconds, (now - label.since) / 1000);
    }
    return out;
  }

  /** Runs `work` in a slot; lower `priority` numbers are served first. */
  async run<T>(priority: number, work: () => Promise<T>, label?: SlotLabel): Promise<T> {
    const release = await this.acquireSlot(priority, label);
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** Waits for a slot; the returned function gives it back (later calls do nothing). */
  async acquireSlot(priority: number, label?: SlotLabel): Promise<() => void> {
    await this.acquire(priority, label);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.release();
    };
  }

  /** Refuses every waiter and every later request (shutdown); running work goes on. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.refuse(new ShuttingDownError());
  }

  private acquire(priority: number, label?: SlotLabel): Promise<void> {
    if (this.closed) return Promise.reject(new ShuttingDownError());
    if (this.busy < this.size) {
      this.busy++;
      return Promise.resolve();
    }
    return new Promise((grant, refuse) => {
      const w: Waiter = { priority, seq: this.seq++, label, grant, refuse };
      let i = this.waiters.length;
      while (i > 0 && this.waiters[i - 1]!.priority > priority) i--;
      this.waiters.splice(i, 0, w);
    });
  }

  private release(): void {
    const next = this.waiters.shift();
    // The slot passes straight to the next waiter: `busy` stays as it is.
    if (next) next.grant();
    else this.busy--;
  }
}
