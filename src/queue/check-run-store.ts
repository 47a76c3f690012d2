/**
 * Where a job remembers its check run, so retries (on any worker) update the one run of a
 * (head, scan kind) instead of creating another. Redis with REDIS_URL, memory otherwise. Losing
 * it is survivable: the run is found again through the API by its external id.
 */
import type { Redis } from 'ioredis';
import type { ScanJob } from './scan-job.js';

export interface StoredCheckRun {
  id: number;
  /** Job id that completed the run: a retry of that same job need not write it again. */
  completedBy?: string;
}

export interface CheckRunStore {
  get(key: string): Promise<StoredCheckRun | undefined>;
  set(key: string, run: StoredCheckRun): Promise<void>;
}

/** One check run per repository (installation, id, full name), head and scan kind. */
export function checkRunKeyOf(job: ScanJob): string {
  return `${job.installationId}-${job.repoId}-${job.owner}/${job.repo}-${job.kind}-${job.headSha}`.toLowerCase();
}

export class MemoryCheckRunStore implements CheckRunStore {
  private readonly runs = new Map<string, StoredCheckRun>();
  constructor(private readonly max = 50_000) {}
  async get(key: string): Promise<StoredCheckRun | undefined> {
    return this.runs.get(key);
  }
  async set(key: string, run: StoredCheckRun): Promise<void> {
    this.runs.delete(key);
    this.runs.set(key, run);
    // Oldest first: a bounded map of recent heads.
    if (this.runs.size > this.max) this.runs.delete(this.runs.keys().next().value!);
  }
}

export class RedisCheckRunStore implements CheckRunStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'upstash-guard:check-run',
    /** As long as a job can still be retried or redelivered (retries span about ten hours). */
    private readonly ttlSeconds = 14 * 24 * 3600,
  ) {}
  async get(key: string): Promise<StoredCheckRun | undefined> {
    const raw = await this.redis.get(`${this.prefix}:${key}`);
    return raw ? (JSON.parse(raw) as StoredCheckRun) : undefined;
  }
  async set(key: string, run: StoredCheckRun): Promise<void> {
    await this.redis.set(`${this.prefix}:${key}`, JSON.stringify(run), 'EX', this.ttlSeconds);
  }
}
