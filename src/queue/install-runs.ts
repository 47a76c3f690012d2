/**
 * "Installation scan finished": one signal when the last repository of an installation's initial
 * scan (or of repositories added to it) reaches a final state, completed or failed for good.
 *
 * A run is one installation job (its job id: installation + delivery), so a re-install or a second
 * `installation_repositories.added` while a first run is in progress is its own run with its own
 * counts. The installation job registers each history job id with its run *before* enqueuing it,
 * and marks the run listed after the last page; each history job settles its id once it completed
 * or failed for good. The run finishes when it is listed and every registered id is settled:
 * pending = |registered \ settled|, so a job that settles twice (a worker killed after the scan,
 * the job run again) or settles before it was registered counts once.
 *
 * With Redis every step is one Lua script on the run's keys, so several worker processes agree
 * and exactly one of them (the one whose script set `finishedAt`) emits the signal; a worker
 * killed mid-install leaves the state in Redis for the next attempt. Without Redis the state lives
 * in this process, written ahead to an append-only file next to the queue journal, so a restart
 * resumes the counts (a run that became finished by the last lines before a crash is announced
 * at startup).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Redis } from 'ioredis';
import { AppendLog } from './append-log.js';
import { FileLock } from './file-lock.js';
import { jobIdOf, type ScanJob } from './scan-job.js';

export interface RunInfo {
  /** The installation job's id. */
  runId: string;
  installationId: number;
  account: string;
  /** When the installation webhook arrived (ms since epoch). */
  receivedAt: number;
}

export interface RunSummary extends RunInfo {
  /** History jobs registered (repositories to scan). */
  total: number;
  scanned: number;
  withFindings: number;
  failed: number;
  /** Repositories without a default branch (nothing to scan). */
  skipped: number;
  /** The repository listing failed for good: `total` covers only the pages read. */
  incomplete: boolean;
  finishedAt: number;
  durationMs: number;
}

export interface RunProgress extends RunInfo {
  total: number;
  pending: number;
  listed: boolean;
}

export interface Outcome {
  failed: boolean;
  findings: number;
}

export interface InstallRunStore {
  begin(run: RunInfo): Promise<void>;
  /** Ids of history jobs about to be enqueued for the run (before the add: see the header). */
  register(runId: string, jobIds: string[]): Promise<void>;
  /** Every page listed; returns the summary when this call finished the run. */
  listed(
    runId: string,
    opts: { skipped: number; incomplete?: boolean },
  ): Promise<RunSummary | undefined>;
  /** A history job reached a final state; returns the summary when this call finished the run. */
  settle(runId: string, jobId: string, outcome: Outcome): Promise<RunSummary | undefined>;
  /** Runs in progress and the latest finished ones, for /metrics. */
  overview(): Promise<{ open: RunProgress[]; finishedTotal: number; last?: RunSummary }>;
  close?(): Promise<void>;
}

const TTL_S = 7 * 24 * 3600;
const KEEP_FINISHED = 50;

// Shared by LISTED and SETTLE: finish the run when listed and nothing is pending, exactly once.
const TRY_FINISH = `local function try_finish(h, openKey, doneZ, statsKey, runId, now)
  if redis.call('hget', h, 'listed') ~= '1' then return nil end
  if (tonumber(redis.call('hget', h, 'pending')) or 0) > 0 then return nil end
  if redis.call('hsetnx', h, 'finishedAt', now) == 0 then return nil end
  redis.call('srem', openKey, runId)
  redis.call('zadd', doneZ, now, runId)
  redis.call('zremrangebyrank', doneZ, 0, -${KEEP_FINISHED + 1})
  redis.call('hincrby', statsKey, 'finished', 1)
  redis.call('hset', statsKey, 'last', runId)
  return redis.call('hgetall', h)
end
`;
// KEYS: hash, open set. ARGV: runId, installationId, account, receivedAt, ttl
const BEGIN = `if redis.call('hsetnx', KEYS[1], 'installationId', ARGV[2]) == 1 then
  redis.call('hset', KEYS[1], 'account', ARGV[3], 'receivedAt', ARGV[4], 'total', 0, 'pending', 0,
    'scanned', 0, 'withFindings', 0, 'failed', 0, 'skipped', 0)
  redis.call('sadd', KEYS[2], ARGV[1])
end
redis.call('expire', KEYS[1], ARGV[5]) return 1`;
// KEYS: hash, jobs, done. ARGV: ttl, ids...
const REGISTER = `if redis.call('exists', KEYS[1]) == 0 then return -1 end
if redis.call('hexists', KEYS[1], 'finishedAt') == 1 then return 0 end
local added = 0
for i = 2, #ARGV do
  if redis.call('sadd', KEYS[2], ARGV[i]) == 1 then
    redis.call('hincrby', KEYS[1], 'total', 1)
    if redis.call('sismember', KEYS[3], ARGV[i]) == 0 then redis.call('hincrby', KEYS[1], 'pending', 1) end
    added = added + 1
  end
end
redis.call('expire', KEYS[2], ARGV[1]) redis.call('expire', KEYS[1], ARGV[1])
return added`;
// KEYS: hash, open, finished zset, stats. ARGV: runId, now, skipped, incomplete
const LISTED = `${TRY_FINISH}
if redis.call('exists', KEYS[1]) == 0 then return nil end
if redis.call('hsetnx', KEYS[1], 'listed', '1') == 1 then
  redis.call('hset', KEYS[1], 'skipped', ARGV[3], 'incomplete', ARGV[4])
end
return try_finish(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2])`;
// KEYS: hash, open, finished zset, stats, jobs, done. ARGV: runId, now, jobId, failed, findings, ttl
const SETTLE = `${TRY_FINISH}
if redis.call('exists', KEYS[1]) == 0 then return nil end
-- A finished run's summary is final (a redelivered installation re-running its jobs changes nothing).
if redis.call('hexists', KEYS[1], 'finishedAt') == 1 then return nil end
if redis.call('sadd', KEYS[6], ARGV[3]) == 0 then return nil end
redis.call('expire', KEYS[6], ARGV[6])
if ARGV[4] == '1' then redis.call('hincrby', KEYS[1], 'failed', 1)
else
  redis.call('hincrby', KEYS[1], 'scanned', 1)
  if tonumber(ARGV[5]) > 0 then redis.call('hincrby', KEYS[1], 'withFindings', 1) end
end
if redis.call('sismember', KEYS[5], ARGV[3]) == 1 then redis.call('hincrby', KEYS[1], 'pending', -1) end
return try_finish(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2])`;

function summaryFrom(runId: string, f: Record<string, string>): RunSummary {
  const n = (k: string): number => Number(f[k] ?? 0);
  return {
    runId,
    installationId: n('installationId'),
    account: f.account ?? '',
    receivedAt: n('receivedAt'),
    total: n('total'),
    scanned: n('scanned'),
    withFindings: n('withFindings'),
    failed: n('failed'),
    skipped: n('skipped'),
    incomplete: f.incomplete === '1',
    finishedAt: n('finishedAt'),
    durationMs: n('finishedAt') - n('receivedAt'),
  };
}

function pairs(flat: unknown): Record<string, string> | undefined {
  if (!Array.isArray(flat) || flat.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

export class RedisInstallRunStore implements InstallRunStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'upstash-guard:install-run',
  ) {}
  private run(runId: string): { hash: string; jobs: string; done: string } {
    const base = `${this.prefix}:${runId}`;
    return { hash: base, jobs: `${base}:jobs`, done: `${base}:done` };
  }
  private get openKey(): string {
    return `${this.prefix}s:open`;
  }
  private get finishedKey(): string {
    return `${this.prefix}s:finished`;
  }
  private get statsKey(): string {
    return `${this.prefix}s:stats`;
  }

  async begin(r: RunInfo): Promise<void> {
    await this.redis.eval(
      BEGIN,
      2,
      this.run(r.runId).hash,
      this.openKey,
      r.runId,
      r.installationId,
      r.account,
      r.receivedAt,
      TTL_S,
    );
  }
  async register(runId: string, jobIds: string[]): Promise<void> {
    if (!jobIds.length) return;
    const k = this.run(runId);
    await this.redis.eval(REGISTER, 3, k.hash, k.jobs, k.done, TTL_S, ...jobIds);
  }
  async listed(
    runId: string,
    opts: { skipped: number; incomplete?: boolean },
  ): Promise<RunSummary | undefined> {
    const flat = await this.redis.eval(
      LISTED,
      4,
      this.run(runId).hash,
      this.openKey,
      this.finishedKey,
      this.statsKey,
      runId,
      Date.now(),
      opts.skipped,
      opts.incomplete ? '1' : '0',
    );
    const f = pairs(flat);
    return f ? summaryFrom(runId, f) : undefined;
  }
  async settle(runId: string, jobId: string, o: Outcome): Promise<RunSummary | undefined> {
    const k = this.run(runId);
    const flat = await this.redis.eval(
      SETTLE,
      6,
      k.hash,
      this.openKey,
      this.finishedKey,
      this.statsKey,
      k.jobs,
      k.done,
      runId,
      Date.now(),
      jobId,
      o.failed ? '1' : '0',
      o.findings,
      TTL_S,
    );
    const f = pairs(flat);
    return f ? summaryFrom(runId, f) : undefined;
  }
  /** Registered ids not settled yet (for reconcile). */
  async pendingIds(runId: string): Promise<string[]> {
    const k = this.run(runId);
    return this.redis.sdiff(k.jobs, k.done);
  }

  async overview(): Promise<{ open: RunProgress[]; finishedTotal: number; last?: RunSummary }> {
    const ids = await this.redis.smembers(this.openKey);
    const open: RunProgress[] = [];
    for (const runId of ids.slice(0, 100)) {
      const f = await this.redis.hgetall(this.run(runId).hash);
      // Expired (a run abandoned for a week): no longer open.
      if (!f.installationId) {
        await this.redis.srem(this.openKey, runId);
        continue;
      }
      const s = summaryFrom(runId, f);
      open.push({
        runId,
        installationId: s.installationId,
        account: s.account,
        receivedAt: s.receivedAt,
        total: s.total,
        pending: Number(f.pending ?? 0),
        listed: f.listed === '1',
      });
    }
    const stats = await this.redis.hgetall(this.statsKey);
    const lastId = stats.last;
    const lastFields = lastId ? await this.redis.hgetall(this.run(lastId).hash) : {};
    return {
      open,
      finishedTotal: Number(stats.finished ?? 0),
      ...(lastId && lastFields.finishedAt ? { last: summaryFrom(lastId, lastFields) } : {}),
    };
  }
}

interface MemRun {
  info: RunInfo;
  jobs: Set<string>;
  done: Set<string>;
  scanned: number;
  withFindings: number;
  failed: number;
  skipped: number;
  listed: boolean;
  incomplete: boolean;
  finishedAt?: number;
}

type Event =
  | { op: 'begin'; run: RunInfo }
  | { op: 'register'; runId: string; ids: string[] }
  | { op: 'settle'; runId: string; id: string; failed: boolean; findings: number }
  | { op: 'listed'; runId: string; skipped: number; incomplete: boolean }
  | { op: 'finished'; runId: string; at: number };

/**
 * The in-process store: the same state machine in memory, every change appended (and fsync'd,
 * group-committed) to `path` before the call resolves. On open the file is replayed and rewritten
 * with the live state only; finished runs older than a week are dropped.
 */
export class FileInstallRunStore implements InstallRunStore {
  private readonly runs = new Map<string, MemRun>();
  private finishedTotal = 0;
  private last: RunSummary | undefined;
  private log: AppendLog | undefined;
  private ready: Promise<void>;
  private failed = false;

  constructor(private readonly path?: string) {
    this.ready = path ? this.opening(path) : Promise.resolve();
  }

  private opening(path: string): Promise<void> {
    const p = this.restore(path);
    p.catch(() => (this.failed = true));
    return p;
  }

  /** Open, or opened again when the last try failed (disk full, held by another process). */
  private whenReady(): Promise<void> {
    if (this.failed && this.path) {
      this.failed = false;
      this.ready = this.opening(this.path);
    }
    return this.ready;
  }

  /**
   * Runs the replay found listed with nothing pending but never finished (a crash between the last
   * settle and its `finished` line): finished now, once, for the caller to announce.
   */
  async recovered(): Promise<RunSummary[]> {
    await this.whenReady();
    const out: RunSummary[] = [];
    for (const r of this.runs.values()) {
      if (r.finishedAt !== undefined || !this.finishable(r)) continue;
      const at = Date.now();
      this.apply({ op: 'finished', runId: r.info.runId, at });
      await this.write({ op: 'finished', runId: r.info.runId, at });
      out.push(this.summary(r));
    }
    return out;
  }

  private async restore(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const lock = await FileLock.acquire(`${path}.lock`);
    try {
      await this.replay(path, lock);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  private async replay(path: string, lock: FileLock): Promise<void> {
    this.runs.clear();
    this.finishedTotal = 0;
    this.last = undefined;
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        this.apply(JSON.parse(line) as Event);
      } catch {
        /* a line torn by a crash mid-write was never acknowledged */
      }
    }
    const weekAgo = Date.now() - TTL_S * 1000;
    for (const [id, r] of this.runs)
      if (r.finishedAt !== undefined && r.finishedAt < weekAgo) this.runs.delete(id);
    const lines: Event[] = [];
    for (const r of this.runs.values()) {
      lines.push({ op: 'begin', run: r.info });
      lines.push({ op: 'register', runId: r.info.runId, ids: [...r.jobs] });
      for (const id of r.done)
        lines.push({ op: 'settle', runId: r.info.runId, id, failed: false, findings: 0 });
      if (r.listed)
        lines.push({
          op: 'listed',
          runId: r.info.runId,
          skipped: r.skipped,
          incomplete: r.incomplete,
        });
      if (r.finishedAt !== undefined)
        lines.push({ op: 'finished', runId: r.info.runId, at: r.finishedAt });
    }
    // The settle lines above lose the outcome: the counters follow as a snapshot.
    const snapshot = [...this.runs.values()].map((r) => ({
      op: 'counts' as const,
      runId: r.info.runId,
      scanned: r.scanned,
      withFindings: r.withFindings,
      failed: r.failed,
    }));
    this.log = await AppendLog.open(
      path,
      [
        ...lines.map((l) => JSON.stringify(l)),
        ...snapshot.map((l) => JSON.stringify(l)),
        JSON.stringify({ op: 'total', finished: this.finishedTotal, last: this.last }),
      ],
      { lock },
    );
  }

  private finishable(r: MemRun): boolean {
    return r.listed && [...r.jobs].every((id) => r.done.has(id));
  }

  private countFinished(r: MemRun): void {
    this.finishedTotal++;
    this.last = this.summary(r);
  }

  /** Applies one journal line (also the compaction-only `counts` and `total` lines). */
  private apply(
    e:
      | Event
      | { op: 'counts'; runId: string; scanned: number; withFindings: number; failed: number }
      | { op: 'total'; finished: number; last?: RunSummary },
  ): void {
    if (e.op === 'total') {
      this.finishedTotal = e.finished;
      this.last = e.last;
      return;
    }
    if (e.op === 'begin') {
      if (!this.runs.has(e.run.runId))
        this.runs.set(e.run.runId, {
          info: e.run,
          jobs: new Set(),
          done: new Set(),
          scanned: 0,
          withFindings: 0,
          failed: 0,
          skipped: 0,
          listed: false,
          incomplete: false,
        });
      return;
    }
    const r = this.runs.get(e.runId);
    if (!r) return;
    switch (e.op) {
      case 'register':
        if (r.finishedAt === undefined) for (const id of e.ids) r.jobs.add(id);
        return;
      case 'settle':
        if (r.done.has(e.id)) return;
        r.done.add(e.id);
        if (e.failed) r.failed++;
        else {
          r.scanned++;
          if (e.findings > 0) r.withFindings++;
        }
        return;
      case 'counts':
        r.scanned = e.scanned;
        r.withFindings = e.withFindings;
        r.failed = e.failed;
        return;
      case 'listed':
        if (r.listed) return;
        r.listed = true;
        r.skipped = e.skipped;
        r.incomplete = e.incomplete;
        return;
      case 'finished':
        if (r.finishedAt === undefined) {
          r.finishedAt = e.at;
          this.countFinished(r);
        }
        return;
    }
  }

  private summary(r: MemRun): RunSummary {
    const finishedAt = r.finishedAt ?? Date.now();
    return {
      ...r.info,
      total: r.jobs.size,
      scanned: r.scanned,
      withFindings: r.withFindings,
      failed: r.failed,
      skipped: r.skipped,
      incomplete: r.incomplete,
      finishedAt,
      durationMs: finishedAt - r.info.receivedAt,
    };
  }

  private async write(e: Event): Promise<void> {
    await this.log?.append(JSON.stringify(e));
  }

  /** Applies and journals `e`; finishes the run when it can (journalled before it is returned). */
  private async step(e: Event, runId: string): Promise<RunSummary | undefined> {
    await this.whenReady();
    this.apply(e);
    await this.write(e);
    const r = this.runs.get(runId);
    if (!r || r.finishedAt !== undefined || !this.finishable(r)) return undefined;
    const at = Date.now();
    this.apply({ op: 'finished', runId, at });
    await this.write({ op: 'finished', runId, at });
    return this.summary(r);
  }

  async begin(run: RunInfo): Promise<void> {
    await this.whenReady();
    if (this.runs.has(run.runId)) return;
    this.apply({ op: 'begin', run });
    await this.write({ op: 'begin', run });
  }
  async register(runId: string, jobIds: string[]): Promise<void> {
    await this.whenReady();
    const r = this.runs.get(runId);
    if (!r || r.finishedAt !== undefined) return;
    const ids = jobIds.filter((id) => !r.jobs.has(id));
    if (!ids.length) return;
    this.apply({ op: 'register', runId, ids });
    await this.write({ op: 'register', runId, ids });
  }
  async listed(
    runId: string,
    opts: { skipped: number; incomplete?: boolean },
  ): Promise<RunSummary | undefined> {
    return this.step(
      { op: 'listed', runId, skipped: opts.skipped, incomplete: opts.incomplete === true },
      runId,
    );
  }
  async settle(runId: string, jobId: string, o: Outcome): Promise<RunSummary | undefined> {
    await this.whenReady();
    const r = this.runs.get(runId);
    if (!r || r.finishedAt !== undefined || r.done.has(jobId)) return undefined;
    return this.step(
      { op: 'settle', runId, id: jobId, failed: o.failed, findings: o.findings },
      runId,
    );
  }
  async overview(): Promise<{ open: RunProgress[]; finishedTotal: number; last?: RunSummary }> {
    await this.whenReady();
    const open: RunProgress[] = [];
    for (const r of this.runs.values()) {
      if (r.finishedAt !== undefined) continue;
      let pending = 0;
      for (const id of r.jobs) if (!r.done.has(id)) pending++;
      open.push({ ...r.info, total: r.jobs.size, pending, listed: r.listed });
    }
    return { open, finishedTotal: this.finishedTotal, ...(this.last ? { last: this.last } : {}) };
  }
  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.log?.close();
  }
}

/** The findings count a history job of a run returned (its BullMQ return value), else 0. */
export function findingsOf(returned: unknown): number {
  const n = (returned as { findings?: unknown } | null | undefined)?.findings;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/** What the worker calls; announces a finished run once (log line and metrics). */
export class InstallRuns {
  constructor(
    readonly store: InstallRunStore,
    private readonly announce: (s: RunSummary) => void,
  ) {}

  begin(run: RunInfo): Promise<void> {
    return this.store.begin(run);
  }
  register(runId: string, jobIds: string[]): Promise<void> {
    return this.store.register(runId, jobIds);
  }
  async listed(runId: string, opts: { skipped: number; incomplete?: boolean }): Promise<void> {
    const s = await this.store.listed(runId, opts);
    if (s) this.announce(s);
  }
  async settle(runId: string, jobId: string, outcome: Outcome): Promise<void> {
    const s = await this.store.settle(runId, jobId, outcome);
    if (s) this.announce(s);
  }
  /**
   * A job failed for good: a history job's repository counts as settled (failed) for its run; an
   * installation job that could not list every page ends its run with what it registered.
   */
  async failedForGood(job: ScanJob, jobId: string): Promise<void> {
    if (job.kind === 'history' && job.installRun)
      await this.settle(job.installRun, jobId, { failed: true, findings: 0 });
    if (job.kind === 'installation')
      await this.listed(jobIdOf(job), { skipped: 0, incomplete: true });
  }

  /**
   * Redis: settles the jobs of stalled runs that reached a final state without their settle (the
   * only such path is a job failed as stalled too often, whose `failed` event is emitted by one
   * worker only: if that worker dies at that moment the settle is lost). A run is looked at when
   * its pending count has not moved since the previous call, and only once it is listed: every
   * registered job has then been added, so a job the queue does not know was removed, i.e. is
   * final. Idempotent, so every worker may run it.
   */
  async reconcile(
    state: (jobId: string) => Promise<string>,
    /** A completed job's return value (`{ findings }` for a history job of a run). */
    result?: (jobId: string) => Promise<unknown>,
  ): Promise<number> {
    if (!(this.store instanceof RedisInstallRunStore)) return 0;
    const { open } = await this.store.overview();
    let settled = 0;
    const seen = new Map<string, number>();
    for (const run of open) {
      seen.set(run.runId, run.pending);
      if (!run.listed || run.pending === 0 || this.lastPending.get(run.runId) !== run.pending)
        continue;
      for (const id of (await this.store.pendingIds(run.runId)).slice(0, 1000)) {
        const st = await state(id);
        if (st !== 'failed' && st !== 'completed' && st !== 'unknown') continue;
        const findings = st === 'completed' ? findingsOf(await result?.(id)) : 0;
        await this.settle(run.runId, id, { failed: st !== 'completed', findings });
        settled++;
      }
    }
    this.lastPending = seen;
    return settled;
  }
  private lastPending = new Map<string, number>();

  /** In-process store after a restart: runs whose last settle was written but not their end. */
  async recover(): Promise<void> {
    if (!(this.store instanceof FileInstallRunStore)) return;
    for (const s of await this.store.recovered()) this.announce(s);
  }
}
