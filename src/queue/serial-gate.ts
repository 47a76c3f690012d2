/**
 * One scan per PR (or branch) at a time. A job that arrives while another for the same key runs is
 * parked as the key's single "pending" job (newer replaces older) and the running holder scans it
 * when it finishes: a burst of pushes during a scan yields exactly one follow-up at the newest head.
 * Redis-backed across workers (atomic Lua), in memory for the in-process queue.
 */
import type { Redis } from 'ioredis';
import { serialKeyOf, type ScanJob } from './scan-job.js';
import type { JobProcessor } from './scan-queue.js';

export interface SerialGate {
  /** True: the caller holds the key. False: `job` was parked as the key's pending job. */
  acquire(key: string, job: ScanJob): Promise<boolean>;
  /** The parked job (the caller keeps the key to run it), or undefined after freeing the key. */
  release(key: string): Promise<ScanJob | undefined>;
  /** Frees the key after a failure; `job` goes back to pending unless a newer one is parked. */
  abandon(key: string, job: ScanJob | undefined): Promise<void>;
}

export class MemoryGate implements SerialGate {
  private readonly held = new Set<string>();
  private readonly pending = new Map<string, ScanJob>();
  async acquire(key: string, job: ScanJob): Promise<boolean> {
    if (!this.held.has(key)) return (this.held.add(key), true);
    this.pending.set(key, job);
    return false;
  }
  async release(key: string): Promise<ScanJob | undefined> {
    const next = this.pending.get(key);
    this.pending.delete(key);
    if (!next) this.held.delete(key);
    return next;
  }
  async abandon(key: string, job: ScanJob | undefined): Promise<void> {
    if (job && !this.pending.has(key)) this.pending.set(key, job);
    this.held.delete(key);
  }
}

const ACQUIRE = `if redis.call('set', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 1 end
redis.call('set', KEYS[2], ARGV[1], 'PX', ARGV[3]) return 0`;
const RELEASE = `local p = redis.call('get', KEYS[2])
if p then redis.call('del', KEYS[2]) redis.call('pexpire', KEYS[1], ARGV[1]) return p end
redis.call('del', KEYS[1]) return false`;
const ABANDON = `if ARGV[1] ~= '' then redis.call('set', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) end
redis.call('del', KEYS[1]) return 1`;

/**
 * Locks expire after `lockMs` so a dead worker cannot block a PR forever (a scan longer than that
 * may overlap the next one; it only costs a duplicate check update, never a lost report).
 */
export class RedisGate implements SerialGate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'upstash-guard:serial',
    private readonly lockMs = 15 * 60_000,
  ) {}
  private keys(key: string): [string, string] {
    return [`${this.prefix}:lock:${key}`, `${this.prefix}:pending:${key}`];
  }
  async acquire(key: string, job: ScanJob): Promise<boolean> {
    const pendingMs = this.lockMs * 4;
    const r = await this.redis.eval(
      ACQUIRE,
      2,
      ...this.keys(key),
      JSON.stringify(job),
      this.lockMs,
      pendingMs,
    );
    return r === 1;
  }
  async release(key: string): Promise<ScanJob | undefined> {
    const r = await this.redis.eval(RELEASE, 2, ...this.keys(key), this.lockMs);
    return typeof r === 'string' ? (JSON.parse(r) as ScanJob) : undefined;
  }
  async abandon(key: string, job: ScanJob | undefined): Promise<void> {
    await this.redis.eval(
      ABANDON,
      2,
      ...this.keys(key),
      job ? JSON.stringify(job) : '',
      this.lockMs * 4,
    );
  }
}

/** Wraps a processor so jobs sharing a serial key never overlap and coalesce to the newest. */
export function serialized(processor: JobProcessor, gate: SerialGate): JobProcessor {
  return async (job) => {
    const key = serialKeyOf(job);
    if (!key) return processor(job);
    if (!(await gate.acquire(key, job))) return;
    let current: ScanJob | undefined = job;
    try {
      while (current) {
        await processor(current);
        current = await gate.release(key);
      }
    } catch (err) {
      // The queue retries `job`; a failed follow-up stays parked so that retry scans it after.
      await gate.abandon(key, current === job ? undefined : current);
      throw err;
    }
  };
}
