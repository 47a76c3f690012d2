import { MAX_RETRY_AFTER_MS, refusalOf, retryAfterMs } from '../github/refusal.js';

/**
 * A scan job: small JSON of ids and SHAs only (never a token, a secret or file content), so it can
 * sit in Redis, be logged, and be retried on any worker. Names a pusher chooses (a branch, a tag,
 * the default branch) are stored masked when they hold a credential (src/queue/withheld-name.ts).
 */
export interface ScanJob {
  /**
   * `installation`: not a scan but the installation-level job (src/queue/install-job.ts) that pages
   * the installation's repositories and enqueues one history job each; its repository fields are
   * empty (`owner` is the account, `repoId` 0) and `repoIds` limits it to added repositories.
   */
  kind: 'pull_request' | 'push' | 'history' | 'installation';
  installationId: number;
  owner: string;
  repo: string;
  repoId: number;
  /** Masked when the name holds a credential; then `defaultBranchDigest` finds it in the clone. */
  defaultBranch?: string;
  /** sha256 (src/queue/withheld-name.ts) of a default branch name withheld from the job data. */
  defaultBranchDigest?: string;
  /**
   * The commit the check run is attached to. Empty for an install-time history job: the default
   * branch head is read from the clone after the fetch, so scheduling needs no API call per repository.
   */
  headSha: string;
  /** pull_request: base branch tip; push: the `before` SHA (absent for a new branch). */
  baseSha?: string;
  pr?: number;
  /**
   * push: the full ref, e.g. refs/heads/main. Masked when the name holds a credential (a branch
   * `leak/<token>`): job data is stored in Redis or the journal, so then `refDigest` stands for it.
   */
  ref?: string;
  /** sha256 of the raw full ref when `ref` is masked (src/queue/withheld-name.ts). */
  refDigest?: string;
  forced?: boolean;
  /** push of an annotated tag: the tag object (`after`), whose message is scanned too. */
  tagObject?: string;
  /** Set by check_run rerequested / requested_action: update this check run instead of a new one. */
  checkRunId?: number;
  /** A Re-run or Re-verify (check_run / check_suite): never a duplicate of the original scan. */
  rerun?: boolean;
  deliveryId?: string;
  /** installation job for installation_repositories.added: only these repository ids. */
  repoIds?: number[];
  /**
   * history jobs of an installation's scan: the installation job's id (the run, see
   * src/queue/install-runs.ts), settled when the job completes or fails for good. Not part of the id.
   */
  installRun?: string;
  /** When the webhook arrived (ms since epoch): orders jobs that are coalesced. Not part of the id. */
  receivedAt?: number;
  /**
   * pull_request `synchronize`: the PR's head before this update (the payload's `before`). Orders
   * a PR's jobs by their chain, like a push's `baseSha`: a redelivered older event arrives last
   * but is not the newest head. Not part of the id.
   */
  previousHead?: string;
  /** pull_request `opened`: the PR's first head, older than every other head of the PR. */
  opened?: boolean;
  /**
   * A follow-up a worker stored when the scan holding this PR or branch failed for good: the jobs
   * parked behind it, coalesced (src/queue/serial-gate.ts, `handOverParked`). The value (when it was
   * stored, base 36) keeps its id apart from the parked jobs' own, which completed when they parked.
   */
  handover?: string;
}

export const PRIORITY: Record<ScanJob['kind'], number> = {
  pull_request: 1,
  push: 1,
  // Scheduling an organisation is cheap and makes its history jobs durable: before other scans.
  installation: 1,
  history: 10,
};

/**
 * The repository part of job ids and serial keys: installation, id and full name together (the
 * same rule as the clone cache), so a payload reusing one repository's id under another name is
 * neither a "duplicate" of the other's job nor serialised (and coalesced) with it.
 */
function repoKey(job: ScanJob): string {
  return `${job.installationId}-${job.repoId}-${job.owner}/${job.repo}`.toLowerCase();
}

/** The push's ref in ids and keys: hex of the name, or the digest when the name is withheld. */
function refKey(job: ScanJob): string {
  return job.refDigest ? `w${job.refDigest}` : Buffer.from(job.ref ?? '').toString('hex');
}

/**
 * Job ids carry the event's meaning, so a redelivered webhook (or two events for the same head)
 * is a no-op while a new head gets its own scan.
 */
export function jobIdOf(job: ScanJob): string {
  // A Re-run is its own job (one per delivery), also when the original scan completed; a
  // check_suite Re-run carries no check run id, so `rerun` marks it.
  const rerun =
    (job.checkRunId || job.rerun ? `-rerun-${job.checkRunId ?? ''}-${job.deliveryId ?? ''}` : '') +
    (job.handover ? `-handover-${job.handover}` : '');
  const repo = repoKey(job);
  switch (job.kind) {
    case 'pull_request':
      return `pr-${repo}-${job.pr}-${job.headSha}${rerun}`;
    case 'push':
      return `push-${repo}-${refKey(job)}-${job.headSha}${rerun}`;
    case 'history':
      // Without a head (install time) the installation delivery names it: a retried installation
      // job re-adds the same ids, so it resumes without duplicates.
      return `history-${repo}-${job.headSha || `default-${job.deliveryId ?? ''}`}${rerun}`;
    case 'installation':
      return `installation-${job.installationId}-${job.deliveryId ?? job.receivedAt ?? ''}`;
  }
}

/** Jobs for the same PR (or branch) must not run concurrently; this is their serialisation key. */
export function serialKeyOf(job: ScanJob): string | undefined {
  const repo = repoKey(job);
  if (job.kind === 'pull_request') return `pr-${repo}-${job.pr}`;
  if (job.kind === 'push') return `push-${repo}-${refKey(job)}`;
  return undefined;
}

/** A Re-run or Re-verify (check_run / check_suite): it names a head that was reported already. */
function isRerun(job: ScanJob): boolean {
  return job.rerun === true || job.checkRunId !== undefined;
}

/**
 * Candidates for a key's newest head without its Re-runs, unless only Re-runs are left. A Re-run
 * names a head that was reported already; a webhook of a head (push, opened, synchronize,
 * reopened) may name one that never was. A Re-run of an older head delivered after a newer push,
 * both parked behind the branch's scan, had been picked by arrival: the newer head was folded into
 * the Re-run's scan and got no check run. Folded, the Re-run's own run is settled with the scan's
 * result when GitHub shows it unfinished (process-scan-job.ts).
 */
function webhooksFirst(jobs: readonly ScanJob[]): readonly ScanJob[] {
  const webhooks = jobs.filter((j) => !isRerun(j));
  return webhooks.length > 0 ? webhooks : jobs;
}

/**
 * The newest of a PR's jobs: one whose head no other job replaced (`previousHead`), not a Re-run
 * when a webhook's head is left, not its `opened` head when another is left, then the latest to
 * arrive.
 */
function newestPullRequestJob(jobs: readonly ScanJob[]): ScanJob {
  const replaced = new Set(jobs.map((j) => j.previousHead));
  let tips: readonly ScanJob[] = jobs.filter((j) => !replaced.has(j.headSha));
  // Every head replaced by another: the PR went back to an earlier head; arrival decides.
  if (tips.length === 0) tips = [...jobs];
  tips = webhooksFirst(tips);
  const updates = tips.filter((j) => !j.opened);
  if (updates.length > 0) tips = updates;
  return tips[tips.length - 1]!;
}

/**
 * Several jobs for one serial key as one: the newest head. For pushes the range starts at the
 * earliest `before` (absent when any was a new branch), so coalescing never skips a pushed commit.
 * A PR's jobs are ordered by their chain too (`previousHead`, `opened`), then by arrival: a PR's
 * scan covers the whole PR, so only which head is newest matters. Re-runs yield to webhooks
 * (`webhooksFirst`).
 */
export function coalesceJobs(unordered: readonly ScanJob[]): ScanJob {
  const jobs = [...unordered].sort((a, b) => (a.receivedAt ?? 0) - (b.receivedAt ?? 0));
  const last = jobs[jobs.length - 1]!;
  if (jobs.length === 1) return last;
  if (last.kind === 'pull_request') return asRerunOfItsHead(newestPullRequestJob(jobs), jobs);
  if (last.kind !== 'push') return last;
  return asRerunOfItsHead(coalescePushes(jobs), jobs);
}

/**
 * A Re-run of the head the coalesced scan reports is that scan's Re-run: it completes the Re-run's
 * check run again. A Re-run clicked while the branch's scan of that head was still commenting
 * (GitHub paces comments at one per 3 s) was folded into a rescan of the webhook's job, whose run
 * was already completed by it, so nothing was written: the click did nothing.
 */
function asRerunOfItsHead(tip: ScanJob, jobs: readonly ScanJob[]): ScanJob {
  if (isRerun(tip)) return tip;
  const rerun = jobs.findLast((j) => isRerun(j) && j.headSha === tip.headSha);
  if (!rerun) return tip;
  return { ...tip, rerun: true, ...(rerun.checkRunId ? { checkRunId: rerun.checkRunId } : {}) };
}

function coalescePushes(jobs: readonly ScanJob[]): ScanJob {
  // The range is the pushes' own: a Re-run (no `before`, `forced`) of another head neither takes
  // the tip nor widens the range, unless only Re-runs are left.
  const pushes = webhooksFirst(jobs);
  let last = pushes[pushes.length - 1]!;
  let first = pushes[0]!;
  // Deliveries can arrive out of order: when the pushes chain (one's before is another's after),
  // the chain's ends decide, not arrival.
  const heads = new Set(pushes.map((j) => j.headSha));
  const bases = new Set(pushes.map((j) => j.baseSha));
  const tips = pushes.filter((j) => !bases.has(j.headSha));
  const roots = pushes.filter((j) => !j.baseSha || !heads.has(j.baseSha));
  if (tips.length === 1) last = tips[0]!;
  if (roots.length === 1) first = roots[0]!;
  const { baseSha: _drop, ...rest } = last;
  const forced = pushes.some((j) => j.forced);
  return {
    ...rest,
    ...(first.baseSha ? { baseSha: first.baseSha } : {}),
    ...(forced ? { forced: true } : {}),
  };
}

/**
 * Retries outlast a GitHub or network outage: the delay doubles from `baseMs` up to `maxMs` (30 s,
 * 1, 2, 4, 8, 16, 32, 64 min, then every 2 h), ±10 % jitter so jobs failed by one outage do not
 * all return at once. Thirteen attempts span about ten hours. Doubling, not a steeper growth, so a
 * report waits at most about as long again as an outage of minutes lasted before it goes out.
 */
export interface RetrySchedule {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetrySchedule = { attempts: 13, baseMs: 30_000, maxMs: 2 * 3600_000 };

/** Delay before the attempt after `failedAttempt` (1-based). */
export function retryDelayMs(
  failedAttempt: number,
  s: RetrySchedule,
  random = Math.random,
): number {
  const plain = Math.min(s.baseMs * 2 ** (failedAttempt - 1), s.maxMs);
  return Math.round(plain * (0.9 + 0.2 * random()));
}

/**
 * Delay before the attempt after `failedAttempt`, for the error that failed it: the backoff, or
 * longer when GitHub said how long to wait (`retry-after`, a primary limit's reset), up to an hour.
 * Retrying sooner only meets the same limit again and spends an attempt.
 */
export function retryDelayFor(
  failedAttempt: number,
  s: RetrySchedule,
  err: unknown,
  random = Math.random,
): number {
  const backoff = retryDelayMs(failedAttempt, s, random);
  const wait = retryAfterMs(err);
  return wait === undefined ? backoff : Math.max(backoff, Math.min(wait, MAX_RETRY_AFTER_MS));
}

/** UPSTASH_GUARD_ATTEMPTS, UPSTASH_GUARD_BACKOFF_MS, UPSTASH_GUARD_BACKOFF_MAX_MS over the defaults. */
export function retryScheduleFromEnv(env: NodeJS.ProcessEnv): RetrySchedule {
  const num = (v: string | undefined, d: number): number =>
    v !== undefined && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d;
  return {
    attempts: num(env.UPSTASH_GUARD_ATTEMPTS, DEFAULT_RETRY.attempts),
    baseMs: num(env.UPSTASH_GUARD_BACKOFF_MS, DEFAULT_RETRY.baseMs),
    maxMs: num(env.UPSTASH_GUARD_BACKOFF_MAX_MS, DEFAULT_RETRY.maxMs),
  };
}

export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/** The installation is gone or suspended: no token, so nothing can be written for the job. */
export class InstallationGoneError extends PermanentJobError {
  override name = 'InstallationGoneError';
}

/**
 * No retry can change this failure: ours (PermanentJobError), or GitHub refusing a request for good
 * (a 403 that is not a rate limit, src/github/refusal.ts). Both queues decide with this.
 */
export function isPermanent(err: unknown): boolean {
  return err instanceof PermanentJobError || refusalOf(err) !== undefined;
}
