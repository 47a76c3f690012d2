/**
 * One scan per PR (or branch) at a time. A job that arrives while another for the same key runs is
 * parked; when the holder finishes, every parked job is coalesced into one follow-up (the newest
 * head; for pushes the earliest `before`, so no pushed commit is skipped) and the holder runs it.
 *
 * The lock's value is the holder's job id. When a worker dies, the queue hands the same job to
 * another worker, which re-takes its own lock at once instead of waiting for it to expire; a
 * follow-up that was being scanned when the worker died is kept ("inflight") and resumed.
 * Redis-backed across workers (atomic Lua), in memory for the in-process queue.
 */
import type { Redis } from 'ioredis';
import { coalesceJobs, jobIdOf, serialKeyOf, type ScanJob } from './scan-job.js';
import { PARKED, type JobProcessor, type RunContext } from './scan-queue.js';

export interface Acquired {
  held: boolean;
  /** The lock was already ours: this is a retry of a job whose worker died. */
  sameHolder?: boolean;
  /** Follow-up jobs a dead holder had started; they must be scanned. */
  resume?: ScanJob[];
}

/** Parked jobs handed to the holder: one scan (`job`, coalesced) covering each of `jobs`. */
export interface Handed {
  job: ScanJob;
  jobs: ScanJob[];
}

export interface SerialGate {
  /**
   * Records a newly enqueued job as the newest for its key ("the tip"). Until the tip starts, an
   * older job for the key that reaches a free gate parks its range for the tip instead of being
   * scanned: superseded heads fold into the newest scan of their branch. A job whose id is the
   * tip's is the tip (another delivery of it noted it), never superseded by it. A tip that parks
   * behind a holder counts as started: the next holder scans it.
   */
  noteEnqueued(key: string, job: ScanJob): Promise<void>;
  acquire(key: string, holder: string, job: ScanJob): Promise<Acquired>;
  /** The coalesced parked jobs (kept as inflight until the next call), or undefined after freeing the key. */
  next(key: string, holder: string): Promise<Handed | undefined>;
  /**
   * The jobs parked since the holder last looked, coalesced, added to the inflight ones (not
   * replacing them), the key still held; undefined when none is parked (the key stays held too).
   * The holder folds the scan it has just reported into them (see `serialized`).
   */
  take(key: string, holder: string): Promise<Handed | undefined>;
  /** Frees the key after a failure; parked and inflight jobs stay for whoever takes it next. */
  abandon(key: string, holder: string): Promise<void>;
  /**
   * The holder failed for good (no retry will take the key again): frees the key if the holder
   * still has it, moves its inflight jobs back to parked (all but the holder's own; `dropInflight`
   * drops them instead) and returns the parked jobs, which a new job must now take. Empty when
   * another job holds the key: that one takes them.
   */
  handOver(key: string, holder: string, dropInflight: boolean): Promise<ScanJob[]>;
  /**
   * Job `id` is about to be stored to take the key (a hand-over's follow-up): until it starts, the
   * App's outbox counts it as the one that will take what is parked (bullmq-outbox.ts, rescueStuck).
   */
  promise?(key: string, id: string): Promise<void>;
}

export class MemoryGate implements SerialGate {
  /**
   * `onCovered` hears of parked jobs once the scan that took them is reported (its holder asked for
   * the next): the in-process queue's journal keeps a parked job until then, since this gate is
   * memory and a crash would otherwise lose its range.
   */
  constructor(private readonly onCovered?: (jobs: ScanJob[]) => void) {}
  private readonly held = new Map<string, string>();
  private readonly pending = new Map<string, ScanJob[]>();
  private readonly inflight = new Map<string, ScanJob[]>();
  /** Kept after the key is freed (a late note of a job that already ran must not look new). */
  private readonly tips = new Map<string, { at: number; started: boolean; id?: string }>();
  async noteEnqueued(key: string, job: ScanJob): Promise<void> {
    const at = job.receivedAt ?? 0;
    if (at > (this.tips.get(key)?.at ?? 0))
      this.tips.set(key, { at, started: false, id: jobIdOf(job) });
  }
  /** The scan that starts now covers the newest job seen so far: it is the tip, started. */
  private markStarted(key: string, jobs: ScanJob[]): void {
    const newest = Math.max(...jobs.map((j) => j.receivedAt ?? 0));
    if (newest > 0 && newest >= (this.tips.get(key)?.at ?? 0))
      this.tips.set(key, { at: newest, started: true });
  }
  async acquire(key: string, holder: string, job: ScanJob): Promise<Acquired> {
    const current = this.held.get(key);
    const at = job.receivedAt ?? 0;
    const tip = this.tips.get(key);
    // A job is never superseded by its own id: that tip is this job (noted by another delivery).
    const superseded =
      current === undefined && tip && !tip.started && at > 0 && tip.at > at && tip.id !== holder;
    if ((current !== undefined && current !== holder) || superseded) {
      this.pending.set(key, [...(this.pending.get(key) ?? []), job]);
      // The tip parked behind a holder is scanned by whoever takes the key next: older jobs stop
      // waiting for it (the holder's retry after a failure would otherwise park for it too).
      if (!superseded) this.markStarted(key, [job]);
      return { held: false };
    }
    this.held.set(key, holder);
    const parked = this.pending.get(key);
    if (parked?.length) {
      // Superseded heads parked for this job: scanned with it, in one range.
      this.pending.delete(key);
      this.inflight.set(key, [...(this.inflight.get(key) ?? []), ...parked, job]);
    }
    const resume = this.inflight.get(key);
    this.markStarted(key, [job, ...(resume ?? [])]);
    if (tip && tip.id === holder) tip.started = true;
    return { held: true, sameHolder: current === holder, ...(resume?.length ? { resume } : {}) };
  }
  async next(key: string, holder: string): Promise<Handed | undefined> {
    if (this.held.get(key) !== holder) return undefined;
    const covered = this.inflight.get(key);
    this.inflight.delete(key);
    if (covered?.length) this.onCovered?.(covered);
    const parked = this.pending.get(key);
    this.pending.delete(key);
    if (parked?.length) {
      this.inflight.set(key, parked);
      this.markStarted(key, parked);
      return { job: coalesceJobs(parked), jobs: parked };
    }
    this.held.delete(key);
    return undefined;
  }
  async take(key: string, holder: string): Promise<Handed | undefined> {
    if (this.held.get(key) !== holder) return undefined;
    const parked = this.pending.get(key);
    if (!parked?.length) return undefined;
    this.pending.delete(key);
    this.inflight.set(key, [...(this.inflight.get(key) ?? []), ...parked]);
    this.markStarted(key, parked);
    return { job: coalesceJobs(parked), jobs: parked };
  }
  async abandon(key: string, holder: string): Promise<void> {
    if (this.held.get(key) === holder) this.held.delete(key);
  }
  async handOver(key: string, holder: string, dropInflight: boolean): Promise<ScanJob[]> {
    const current = this.held.get(key);
    if (current !== undefined && current !== holder) return [];
    this.held.delete(key);
    const inflight = dropInflight ? [] : (this.inflight.get(key) ?? []);
    this.inflight.delete(key);
    const parked = [...inflight, ...(this.pending.get(key) ?? [])].filter(
      (j) => jobIdOf(j) !== holder,
    );
    if (parked.length) this.pending.set(key, parked);
    else this.pending.delete(key);
    return parked;
  }
}

/**
 * The scan that starts covers these jobs: when the newest of them is at least the tip, it is the
 * tip, started (also when the job was picked up before its enqueue was noted).
 */
const MARK_STARTED = `local function mark_started(tipKey, jobs, ttl)
  local newest = 0
  for _, v in ipairs(jobs) do
    local at = tonumber(cjson.decode(v).receivedAt) or 0
    if at > newest then newest = at end
  end
  if newest > 0 and newest >= (tonumber(redis.call('hget', tipKey, 'at')) or 0) then
    redis.call('hset', tipKey, 'at', string.format('%d', newest), 'started', '1')
    redis.call('pexpire', tipKey, ttl)
  end
end
`;
const NOTE = `local at = tonumber(ARGV[1])
if at > (tonumber(redis.call('hget', KEYS[1], 'at')) or 0) then
  redis.call('hset', KEYS[1], 'at', ARGV[1], 'started', '0', 'id', ARGV[3])
end
redis.call('pexpire', KEYS[1], ARGV[2]) return 1`;
const ACQUIRE = `${MARK_STARTED}
local held = redis.call('get', KEYS[1])
if held and held ~= ARGV[1] then
  redis.call('rpush', KEYS[2], ARGV[2]) redis.call('pexpire', KEYS[2], ARGV[4])
  mark_started(KEYS[4], {ARGV[2]}, ARGV[4])
  return {0}
end
local at = tonumber(ARGV[5])
if not held and at > 0 and redis.call('hget', KEYS[4], 'started') == '0'
  and (tonumber(redis.call('hget', KEYS[4], 'at')) or 0) > at
  and redis.call('hget', KEYS[4], 'id') ~= ARGV[1] then
  redis.call('rpush', KEYS[2], ARGV[2]) redis.call('pexpire', KEYS[2], ARGV[4]) return {0}
end
local same = 0
if held then same = 1 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('set', KEYS[5], ARGV[1], 'PX', ARGV[4])
if redis.call('exists', KEYS[2]) == 1 then
  for _, v in ipairs(redis.call('lrange', KEYS[2], 0, -1)) do redis.call('rpush', KEYS[3], v) end
  redis.call('del', KEYS[2])
  redis.call('rpush', KEYS[3], ARGV[2]) redis.call('pexpire', KEYS[3], ARGV[4])
end
local out = {1, same}
local resumed = {ARGV[2]}
for _, v in ipairs(redis.call('lrange', KEYS[3], 0, -1)) do
  table.insert(out, v) table.insert(resumed, v)
end
mark_started(KEYS[4], resumed, ARGV[4])
if redis.call('hget', KEYS[4], 'id') == ARGV[1] then redis.call('hset', KEYS[4], 'started', '1') end
return out`;
const NEXT = `${MARK_STARTED}
if redis.call('get', KEYS[1]) ~= ARGV[1] then return {} end
redis.call('del', KEYS[3])
if redis.call('exists', KEYS[2]) == 1 then
  redis.call('rename', KEYS[2], KEYS[3]) redis.call('pexpire', KEYS[3], ARGV[3]) redis.call('pexpire', KEYS[1], ARGV[2])
  local parked = redis.call('lrange', KEYS[3], 0, -1)
  mark_started(KEYS[4], parked, ARGV[3])
  return parked
end
redis.call('del', KEYS[1], KEYS[5]) return {}`;
const TAKE = `${MARK_STARTED}
if redis.call('get', KEYS[1]) ~= ARGV[1] then return {} end
if redis.call('exists', KEYS[2]) == 0 then return {} end
local parked = redis.call('lrange', KEYS[2], 0, -1)
for _, v in ipairs(parked) do redis.call('rpush', KEYS[3], v) end
redis.call('del', KEYS[2])
redis.call('pexpire', KEYS[3], ARGV[3]) redis.call('pexpire', KEYS[1], ARGV[2])
mark_started(KEYS[4], parked, ARGV[3])
return parked`;
const ABANDON = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end return 1`;
// KEYS: lock, pending, inflight. ARGV: holder, ttl, drop inflight (1/0), then entries to leave out.
const HAND_OVER = `local held = redis.call('get', KEYS[1])
if held and held ~= ARGV[1] then return {} end
if held then redis.call('del', KEYS[1]) end
local skip = {}
for i = 4, #ARGV do skip[ARGV[i]] = true end
local out = {}
if ARGV[3] ~= '1' then
  for _, v in ipairs(redis.call('lrange', KEYS[3], 0, -1)) do
    if not skip[v] then table.insert(out, v) end
  end
end
redis.call('del', KEYS[3])
for _, v in ipairs(redis.call('lrange', KEYS[2], 0, -1)) do
  if not skip[v] then table.insert(out, v) end
end
redis.call('del', KEYS[2])
for _, v in ipairs(out) do redis.call('rpush', KEYS[2], v) end
if #out > 0 then redis.call('pexpire', KEYS[2], ARGV[2]) end
return out`;

/**
 * Parked and inflight ranges, the tip and the last holder are kept this long after they were last
 * written: longer than a job's whole retry schedule (about ten hours, scan-job.ts), so heads
 * parked behind a scan that retries through a GitHub outage of hours are still there when it comes
 * back. They had been kept an hour (four lock durations): behind a retry 64 minutes away they
 * expired, the outbox let their jobs go (the branch's gate held nothing), and their pushes were
 * never reported.
 */
export const GATE_KEEP_MS = 24 * 3600_000;

/** Who will take a key's parked ranges (RedisGate.takers). */
export interface GateTakers {
  /** The job its lock names, else the last job that held it or was promised it (`promise`). */
  holder?: string;
  /** The newest job noted for the key, while it has not started: older jobs park for it. */
  tip?: string;
}

/**
 * Locks also expire after `lockMs`, so even a holder whose job is never retried cannot block a PR
 * for longer than that.
 */
export class RedisGate implements SerialGate {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'upstash-guard:serial',
    private readonly lockMs = 15 * 60_000,
    private readonly keepMs = GATE_KEEP_MS,
  ) {}
  private keys(key: string): [string, string, string, string, string] {
    return [
      `${this.prefix}:lock:${key}`,
      `${this.prefix}:pending:${key}`,
      `${this.prefix}:inflight:${key}`,
      `${this.prefix}:tip:${key}`,
      `${this.prefix}:last:${key}`,
    ];
  }
  async noteEnqueued(key: string, job: ScanJob): Promise<void> {
    if (!job.receivedAt) return;
    await this.redis.eval(NOTE, 1, this.keys(key)[3], job.receivedAt, this.keepMs, jobIdOf(job));
  }
  async acquire(key: string, holder: string, job: ScanJob): Promise<Acquired> {
    const r = (await this.redis.eval(
      ACQUIRE,
      5,
      ...this.keys(key),
      holder,
      JSON.stringify(job),
      this.lockMs,
      this.keepMs,
      job.receivedAt ?? 0,
    )) as (number | string)[];
    if (r[0] !== 1) return { held: false };
    const resume = (r.slice(2) as string[]).map((s) => JSON.parse(s) as ScanJob);
    return { held: true, sameHolder: r[1] === 1, ...(resume.length ? { resume } : {}) };
  }
  next(key: string, holder: string): Promise<Handed | undefined> {
    return this.parked(NEXT, key, holder);
  }
  take(key: string, holder: string): Promise<Handed | undefined> {
    return this.parked(TAKE, key, holder);
  }
  /** Runs NEXT or TAKE: the parked jobs they hand over, coalesced. */
  private async parked(script: string, key: string, holder: string): Promise<Handed | undefined> {
    const r = (await this.redis.eval(
      script,
      5,
      ...this.keys(key),
      holder,
      this.lockMs,
      this.keepMs,
    )) as string[];
    const jobs = r.map((s) => JSON.parse(s) as ScanJob);
    return jobs.length ? { job: coalesceJobs(jobs), jobs } : undefined;
  }
  async abandon(key: string, holder: string): Promise<void> {
    await this.redis.eval(ABANDON, 1, this.keys(key)[0], holder);
  }
  async handOver(key: string, holder: string, dropInflight: boolean): Promise<ScanJob[]> {
    const [lock, pending, inflight] = this.keys(key);
    // The holder's own entries are found by job id, which only this side computes.
    const [p, i] = await Promise.all([
      this.redis.lrange(pending, 0, -1),
      this.redis.lrange(inflight, 0, -1),
    ]);
    const own = [...p, ...i].filter((v) => jobIdOf(JSON.parse(v) as ScanJob) === holder);
    const r = (await this.redis.eval(
      HAND_OVER,
      3,
      lock,
      pending,
      inflight,
      holder,
      this.keepMs,
      dropInflight ? '1' : '0',
      ...own,
    )) as string[];
    return r.map((v) => JSON.parse(v) as ScanJob);
  }
  async promise(key: string, id: string): Promise<void> {
    await this.redis.set(this.keys(key)[4], id, 'PX', this.keepMs);
  }
  /**
   * Per key, the jobs that will take what is parked there (read by the App's outbox: parked
   * ranges nobody will take are handed on, bullmq-outbox.ts). One round trip.
   */
  async takers(keys: readonly string[]): Promise<GateTakers[]> {
    if (keys.length === 0) return [];
    const p = this.redis.pipeline();
    for (const key of keys) {
      const [lock, , , tip, last] = this.keys(key);
      p.mget(lock, last);
      p.hmget(tip, 'started', 'id');
    }
    const r = (await p.exec()) ?? [];
    return keys.map((_, i) => {
      const [e1, held] = r[2 * i] ?? [null, []];
      const [e2, tip] = r[2 * i + 1] ?? [null, []];
      if (e1 ?? e2) throw (e1 ?? e2)!;
      const [lock, last] = held as (string | null)[];
      const [started, id] = tip as (string | null)[];
      const holder = lock ?? last ?? undefined;
      return {
        ...(holder ? { holder } : {}),
        ...(started === '0' && id ? { tip: id } : {}),
      };
    });
  }
  /**
   * Whether each key still has a holder, or parked or inflight ranges: a job parked for the branch
   * is reported only once none is left (read by the App's outbox, bullmq-outbox.ts). One round trip.
   */
  async busy(keys: readonly string[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const p = this.redis.pipeline();
    for (const key of keys) p.exists(...this.keys(key).slice(0, 3));
    const r = (await p.exec()) ?? [];
    return keys.map((_, i) => {
      const [err, n] = r[i] ?? [null, 1];
      if (err) throw err;
      return Number(n) > 0;
    });
  }
}

/**
 * A PR or branch scan failed for good (attempts spent, a permanent failure, or its worker killed
 * more often than the queue allows): the jobs parked behind it completed when they parked, and no
 * retry of it will take them, so without this their heads were never reported (chaos run, seed 6).
 * Stores one follow-up for them, coalesced like any follow-up, under a new id. A follow-up that
 * fails for good in turn hands over only what parked after it started, not what it had taken: the
 * range that made it fail is not handed on and on.
 */
export async function handOverParked(
  job: ScanJob,
  gate: SerialGate,
  add: (job: ScanJob) => Promise<unknown>,
  now = Date.now(),
): Promise<ScanJob | undefined> {
  const key = serialKeyOf(job);
  if (!key) return undefined;
  return handOverKey(key, jobIdOf(job), job.handover !== undefined, gate, add, now);
}

/**
 * handOverParked for a holder known by its id alone (the App's outbox found the key held by a job
 * that ended without handing over: bullmq-outbox.ts). A follow-up's id ends with its handover
 * stamp (scan-job.ts, jobIdOf).
 */
export function rescueParked(
  key: string,
  holder: string,
  gate: SerialGate,
  add: (job: ScanJob) => Promise<unknown>,
  now = Date.now(),
): Promise<ScanJob | undefined> {
  return handOverKey(key, holder, /-handover-[0-9a-z]+$/.test(holder), gate, add, now);
}

async function handOverKey(
  key: string,
  holder: string,
  dropInflight: boolean,
  gate: SerialGate,
  add: (job: ScanJob) => Promise<unknown>,
  now: number,
): Promise<ScanJob | undefined> {
  const parked = await gate.handOver(key, holder, dropInflight);
  if (!parked.length) return undefined;
  const next: ScanJob = { ...coalesceJobs(parked), handover: now.toString(36) };
  // Promised before it is stored: a process that dies in between leaves the outbox a job it
  // finds unknown, and it hands the parked heads on again (bullmq-outbox.ts, rescueStuck).
  await gate.promise?.(key, jobIdOf(next));
  await add(next);
  return next;
}

/**
 * `superseded` says whether newer jobs of the branch were parked since the scan started (and takes
 * them): the processor then stops where it is (before its check run, if none exists yet, or
 * between two comments) and the next scan, which covers its range, reports for both.
 */
export type SerialProcessor = (
  job: ScanJob,
  superseded: () => Promise<boolean>,
  folded: readonly ScanJob[],
  run?: RunContext,
) => Promise<unknown>;

/**
 * Wraps a processor so jobs sharing a serial key never overlap and coalesce to one follow-up.
 *
 * A busy branch is reported at its newest head, and each offending commit commented once, without
 * a report of every head on the way: a scan that learns of newer pushes (`superseded`) before its
 * check run or between its comments stops there, and the next scan covers its range too
 * (coalesced from its `before`). GitHub paces writes (1 s, and 3 s per comment): check runs of
 * heads already superseded, and the comments of every head before the newest, had delayed the
 * newest head's report in a storm with a leak in every third push to p99 176 s
 * (docs/benchmarks-app.md). Until a scan's report is done, the jobs folded into it stay inflight
 * in the gate, and a retry of the holder after a crash scans them again with its own job: a worker
 * killed at any point leaves no comment unposted.
 */
export function serialized(
  processor: SerialProcessor,
  gate: SerialGate,
  onParked?: (job: ScanJob) => void,
): JobProcessor {
  return async (job, run) => {
    const key = serialKeyOf(job);
    if (!key) {
      await processor(job, async () => false, [], run);
      return;
    }
    const holder = jobIdOf(job);
    const got = await gate.acquire(key, holder, job);
    if (!got.held) {
      onParked?.(job);
      return PARKED;
    }
    // A retry after a crash mid-follow-up resumes the follow-ups together with the job itself:
    // its report may have been folded into them. A new holder that finds an abandoned follow-up
    // scans it together with its own job.
    let current: ScanJob | undefined = got.resume ? coalesceJobs([...got.resume, job]) : job;
    // The resumed jobs' heads: an attempt that died may have shown their runs in progress. Passed
    // on until a scan reports (a superseded one leaves its report to the next).
    // Parked jobs handed over later (taken mid-scan, or next) join them: a parked job may be the
    // retry of an attempt that showed its run before its worker died (or before Redis lost the
    // gate), and only a report of the scan that covers it completes that run.
    let folded: readonly ScanJob[] = got.resume ? [...got.resume, job] : [];
    let taken: Handed | undefined;
    const superseded = async (): Promise<boolean> => {
      taken ??= await gate.take(key, holder);
      return taken !== undefined;
    };
    try {
      while (current) {
        taken = undefined;
        await processor(current, superseded, folded, run);
        // Set by `superseded` during the call (TypeScript cannot see that).
        const handed = taken as Handed | undefined;
        if (handed) {
          current = coalesceJobs([current, handed.job]);
          folded = [...folded, ...handed.jobs];
          continue;
        }
        const next = await gate.next(key, holder);
        current = next?.job;
        folded = next?.jobs ?? [];
      }
    } catch (err) {
      await gate.abandon(key, holder);
      throw err;
    }
  };
}
