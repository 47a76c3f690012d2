/**
 * The worker's recipe for one scan job. Reads top to bottom; each step is one call into a layer.
 */
import type { Logger } from 'pino';
import type { Finding, ScanResult } from '../core/index.js';
import { failsScan } from '../core/index.js';
import { mergeBase, otherHeads, scanRange } from '../engine/scan-range.js';
import { scanHistory } from '../engine/scan-history.js';
import type { CacheJanitor } from '../git/cache-eviction.js';
import { splitExistingCommits } from '../git/existing-commits.js';
import type { RepoCache } from '../git/repo-cache.js';
import { cacheKeyFor, RepoNotFoundError, RepoTooLargeError, setHead } from '../git/repo-cache.js';
import { commentOnCommits } from '../github/commit-comments.js';
import { behindOtherWrites } from '../github/write-priority.js';
import type { ConfigFileCache } from '../github/org-config-cache.js';
import { findPrComment, upsertPrComment } from '../github/pr-comment.js';
import { prHeadFor } from '../github/pr-head.js';
import { postsOnce } from '../github/posts-once.js';
import { asRefused, GitHubRefusedError } from '../github/refusal.js';
import {
  checkRunNotGranted,
  contradicts,
  offLabel,
  offNote,
  planReport,
  type InstallationPermissions,
  type ReportPlan,
  type SurfaceOff,
} from '../github/report-plan.js';
import { cloneUrlFor, repoWebUrl } from '../github/repo-name.js';
import type { GitHubClient } from '../github/types.js';
import { renderCheckRun, renderPrComment } from '../report/index.js';
import { CheckRunSlot } from './check-run-slot.js';
import type { CheckRunStore } from './check-run-store.js';
import { asForkPullRequest } from './fork-rerun.js';
import { defaultBranchHead } from './history-head.js';
import { loadScanConfig } from './scan-config.js';
import { branchByDigest, nameDigest } from './withheld-name.js';
import { jobIdOf, PermanentJobError, type ScanJob } from './scan-job.js';
import type { Metrics } from './metrics.js';
import type { ScannedRepo } from '../incidents/setup.js';
import { suppressAllowed } from '../incidents/record.js';

/** Liveness verification as the worker sees it (src/verify implements it). */
export interface JobVerifier {
  verify(findings: Finding[], opts: { installationId: number }): Promise<void>;
}

export interface JobDeps {
  /**
   * An installation-authenticated client, a token for git, and the permissions its token response
   * listed (the report is planned from them; absent: every surface is tried).
   */
  auth(
    installationId: number,
  ): Promise<{ gh: GitHubClient; token: string; permissions?: InstallationPermissions }>;
  /** GitHub refused what the listed permissions grant: the cached token and permissions go. */
  permissionsChanged?(installationId: number): void;
  cache: RepoCache;
  /** The configured GitHub web origin (`githubOrigin()`): the only place git fetches from. */
  githubOrigin: string;
  log: Logger;
  verifier?: JobVerifier;
  metrics?: Metrics;
  /** Where each job remembers its check run id (Redis with REDIS_URL). */
  checkRuns: CheckRunStore;
  /** A scan still running after this long is shown in progress (CheckRunSlot's default: 5 s). */
  inProgressAfterMs?: number;
  /** Test-only step hook (see stepHookFromEnv); absent in production. */
  onStep?: (step: string, job: ScanJob) => Promise<void>;
  /** Fingerprints marked allowed on the incidents page, with the reason: scans suppress them. */
  allowed?: (installationId: number) => Promise<ReadonlyMap<string, string>>;
  /** Called after a scan is reported (incidents); must not throw. */
  onScanned?: (scan: ScannedRepo) => Promise<void>;
  /** Clone cache upkeep: last use, repack, LRU eviction (src/git/cache-eviction.ts). */
  cacheJanitor?: CacheJanitor;
  /** The organisation's config and `_extends` bases, cached with a TTL and ETag. */
  configCache?: ConfigFileCache;
  /**
   * The App's bot login (`<slug>[bot]`): only its comments are taken for the App's own when a
   * comment is looked up by its marker. Undefined when it cannot be learned (any bot's count).
   */
  appLogin?: () => Promise<string | undefined>;
}

const ZERO = /^0+$/;

/** What a scan job reported (install runs count repositories with findings). */
export interface ScanOutcome {
  findings: number;
}

export interface ProcessOptions {
  /**
   * True when newer jobs of the branch wait to be scanned with this one's range (serial-gate.ts):
   * the job then stops before its check run (when GitHub has none yet) or between comments, and
   * leaves the report to that scan.
   */
  superseded?: () => Promise<boolean>;
  /**
   * Waits for a scan slot (scan-slots.ts) and gives back its release (safe to call twice): held
   * from the fetch to the end of the scan, the CPU-bound part, not while GitHub paces the writes.
   */
  slot?: () => Promise<() => void>;
  /**
   * Jobs of the branch folded into this one by a retry (serial-gate.ts): an earlier attempt of one
   * of them may have shown its head's run in progress before its worker died. Their runs, when
   * GitHub shows them unfinished, are completed with this scan's result, which covers their range.
   */
  folded?: readonly ScanJob[];
  /**
   * Aborts when this worker no longer owns the job (its queue lock could not be renewed): every
   * GitHub write of the job fails from then on, including those already waiting in the write
   * queue, since another run of the job may be writing the same report.
   */
  signal?: AbortSignal;
}

export async function processScanJob(
  job: ScanJob,
  deps: JobDeps,
  opts: ProcessOptions = {},
): Promise<ScanOutcome> {
  const started = Date.now();
  const log = deps.log.child({
    repo: `${job.owner}/${job.repo}`,
    kind: job.kind,
    head: job.headSha,
    pr: job.pr,
  });

  if (job.refDigest || job.defaultBranchDigest)
    log.info(
      { ref: job.ref, defaultBranch: job.defaultBranch },
      'a branch name holds a credential: withheld from the job data (masked, matched by digest)',
    );

  // 1. Installation token; every GitHub write of the job is counted (reported in the log).
  const auth = await deps.auth(job.installationId);
  const writes = { count: 0 };
  const gh = fenced(countWrites(auth.gh, writes), opts.signal);
  job = await asForkPullRequest(job, gh, log);
  // The surfaces the installation can write: the others are not asked for (report-plan.ts).
  const plan = planReport(auth.permissions);
  const ctx = { gh, token: auth.token, log, writes, started, plan, opts };

  // 2. The check run: shown in progress only if the scan runs long, completed in step 7. Not
  // for history scans, which write only when they have something to say (and whose head an
  // install-time job learns from the clone), nor without "Checks: write".
  if (job.kind === 'history' || plan.off.checkRun) return reportScan(job, deps, ctx);
  const checkRun = checkRunSlotFor(job, deps, gh, log);
  checkRun.start();
  try {
    return await reportScan(job, deps, { ...ctx, checkRun });
  } finally {
    // Not before its in-progress write is answered: a retry must find the run that write made.
    await checkRun.end();
  }
}

function checkRunSlotFor(job: ScanJob, deps: JobDeps, gh: GitHubClient, log: Logger): CheckRunSlot {
  return new CheckRunSlot(job, jobIdOf(job), {
    gh,
    store: deps.checkRuns,
    log,
    ...(deps.inProgressAfterMs !== undefined ? { inProgressAfterMs: deps.inProgressAfterMs } : {}),
  });
}

async function reportScan(
  job: ScanJob,
  deps: JobDeps,
  ctx: {
    gh: GitHubClient;
    token: string;
    checkRun?: CheckRunSlot;
    log: Logger;
    writes: { count: number };
    started: number;
    plan: ReportPlan;
    opts: ProcessOptions;
  },
): Promise<ScanOutcome> {
  // Given back after the scan (reportScanIn), or here when the job ends before it.
  const release = (await ctx.opts.slot?.()) ?? (() => undefined);
  try {
    return await reportScanIn(job, deps, ctx, release);
  } finally {
    release();
  }
}

async function reportScanIn(
  job: ScanJob,
  deps: JobDeps,
  ctx: Parameters<typeof reportScan>[2],
  releaseSlot: () => void,
): Promise<ScanOutcome> {
  const { gh, token, log, started, plan } = ctx;
  const t = { start: started, fetched: 0, scanned: 0 };
  // 3. Fetch into the repository cache.
  await deps.onStep?.('fetch', job);
  let repoDir: string;
  try {
    repoDir = await deps.cache.ensure({
      key: cacheKeyFor(job),
      cloneUrl: cloneUrlFor(deps.githubOrigin, job),
      token,
      ...(job.pr ? { refspecs: [`+refs/pull/${job.pr}/head:refs/pull/${job.pr}/head`] } : {}),
    });
  } catch (err) {
    // Gone or over the size limit will not change on retry; a timeout or network error may.
    if (err instanceof RepoNotFoundError || err instanceof RepoTooLargeError)
      throw new PermanentJobError(err.message);
    throw err;
  }

  t.fetched = Date.now();
  await deps.cacheJanitor?.used(repoDir, {
    installationId: job.installationId,
    repoId: job.repoId,
  });
  // The default branch's real name, when the job holds only its digest: from the clone, in memory.
  const defaultBranch = job.defaultBranchDigest
    ? await branchByDigest(repoDir, job.defaultBranchDigest)
    : job.defaultBranch;
  if (job.kind === 'history' && !job.headSha) {
    const head = await defaultBranchHead(repoDir, defaultBranch);
    if (!head) {
      log.info('empty repository or no default branch: nothing to scan');
      deps.metrics?.scanFinished(job.kind, Date.now() - started, 0);
      return { findings: 0 };
    }
    job = { ...job, headSha: head };
  }
  // 4. Config (repository, then organisation; a broken file makes the check neutral). A pull
  // request is judged by its base's settings, never by the file its head brings (scan-config.ts).
  const { loaded, note: configNote } = await loadScanConfig(
    job,
    gh,
    repoDir,
    log,
    deps.configCache,
  );
  const config = loaded.config;

  // 5. Scan.
  const scanned = await scan(job, repoDir, config, defaultBranch);
  releaseSlot();
  const allowed = await deps.allowed?.(job.installationId).catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, 'incidents: allowances unavailable; none applied');
    return undefined;
  });
  const result = allowed ? suppressAllowed(scanned, allowed) : scanned;

  t.scanned = Date.now();
  // 6. Verify (when enabled); never drops a finding.
  if (config.verify && deps.verifier && result.findings.length > 0) {
    await deps.verifier
      .verify(result.findings, { installationId: job.installationId })
      .catch((err: unknown) => {
        log.warn(
          { err: (err as Error).name },
          'verification failed; findings are reported unverified',
        );
      });
  }

  // 7. Render and publish, idempotently. Links point at the configured GitHub, built from the
  // validated name like the clone URL: never a URL from the payload (jobs stored by an older
  // version may still carry its `htmlUrl`, which is not read).
  const repoUrl = repoWebUrl(deps.githubOrigin, job);
  // Surfaces this job would write that the installation cannot: said once, where users look.
  const skipped = loaded.error ? [] : skippedSurfaces(job, plan, config.comments, result);
  const runNote = joinNotes(configNote, ...skipped.map(offNote));
  const output = renderCheckRun(loaded.error ? null : result, {
    config,
    mode: job.kind === 'history' ? 'history' : 'scan',
    ...(repoUrl ? { repoUrl } : {}),
    ...(runNote ? { note: runNote } : {}),
    ...(loaded.error
      ? {
          configError: {
            source: loaded.error.source,
            message: loaded.error.message,
            ...(loaded.error.field ? { field: loaded.error.field } : {}),
          },
        }
      : {}),
  });
  await deps.onStep?.('publish', job);
  // Each report surface on its own: GitHub refusing one for good (a missing permission) costs
  // neither the others nor a retry. Any other failure fails the attempt as before.
  const refused: GitHubRefusedError[] = [];
  const keepRefusal = (err: unknown): void => {
    const named = asRefused(err);
    if (!(named instanceof GitHubRefusedError)) throw err;
    refused.push(named);
  };
  // Install time: a clean default branch costs no write (the installation summary is in the
  // logs and metrics); findings or a broken config get one completed check run.
  const wantsRun = job.kind !== 'history' || output.conclusion !== 'success';
  const runOff = wantsRun ? plan.off.checkRun : undefined;
  // Newer pushes of the branch arrived during the scan: the next scan covers this one's range
  // and reports for both. A head already superseded costs no write, unless its run exists.
  const superseded = (await ctx.opts.superseded?.()) ?? false;
  if (superseded && (runOff || !ctx.checkRun || (await ctx.checkRun.withdraw()))) {
    log.info('superseded during its scan: reported with the next scan of its branch');
    return { findings: result.findings.length };
  }
  if (runOff) {
    // Not asked for: the PR comment says so instead, and the job fails below as if refused.
  } else if (ctx.checkRun) await ctx.checkRun.complete(output).catch(keepRefusal);
  else if (wantsRun) await checkRunSlotFor(job, deps, gh, log).complete(output).catch(keepRefusal);
  // Its run existed and is now complete; the rest goes with the next scan.
  if (superseded) return { findings: result.findings.length };
  if (!runOff)
    for (const f of ctx.opts.folded ?? [])
      if (f.headSha !== job.headSha && f.kind === job.kind)
        await checkRunSlotFor(f, deps, gh, log).settle(output).catch(keepRefusal);
  await deps.onStep?.('comments', job);
  let stopped = false;
  if (!loaded.error)
    stopped = await publishComments(job, gh, result, config.comments, repoUrl, plan, {
      repoDir,
      log,
      author: await deps.appLogin?.().catch(() => undefined),
      note: joinNotes(configNote, runOff ? offNote(runOff) : undefined),
      ...(ctx.opts.superseded ? { superseded: ctx.opts.superseded } : {}),
    }).catch((err: unknown) => {
      keepRefusal(err);
      return false;
    });
  // Newer pushes arrived while commenting: the next scan covers this range and comments on the
  // rest (each comment carries a marker, so none is posted twice).
  if (stopped) return { findings: result.findings.length };

  await deps.onStep?.('incidents', job);
  if (!loaded.error && deps.onScanned && job.kind !== 'installation')
    await deps.onScanned({
      installationId: job.installationId,
      repoId: job.repoId,
      fullName: `${job.owner}/${job.repo}`,
      kind: job.kind,
      ...(job.forced ? { forced: true } : {}),
      repoDir,
      result,
      config,
    });
  await deps.cacheJanitor?.afterJob(repoDir).catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, 'cache maintenance failed');
  });
  // A refused check run leaves the scan without its main report: the job fails for good and its
  // failure log (error) says what to grant. A refused comment is said here, once, as a warning
  // (Contents at read is how an organisation opts out of commit comments); the check run carries
  // the findings, so the job completes.
  // A refusal of what the token's listed permissions grant: they were lowered since it was
  // minted. The next job mints one listing the truth.
  const stale = refused.some((e) => contradicts(plan.permissions, e.refusal));
  if (stale) deps.permissionsChanged?.(job.installationId);
  const runRefused = refused.find((e) => e.refusal.scope === 'checks');
  for (const e of refused.filter((r) => r !== runRefused))
    log.warn(
      {
        err: e.message,
        route: e.refusal.route,
        permission: e.refusal.permission,
        ...(stale ? { stalePermissions: true } : {}),
      },
      'GitHub refused a report for good; the other reports were delivered',
    );
  if (runRefused) throw runRefused;
  if (runOff) throw checkRunNotGranted(runOff);
  // One line a job, and only when it skipped something it would have written.
  if (skipped.length > 0)
    log.info(
      { off: skipped.map(offLabel) },
      "report surfaces skipped for the installation's permissions",
    );
  deps.metrics?.scanFinished(
    job.kind,
    Date.now() - started,
    result.findings.length,
    job.receivedAt,
  );
  log.info(
    {
      findings: result.findings.length,
      fails: failsScan(result.findings, config),
      notScanned: result.skippedCount,
      ms: Date.now() - started,
      // Where the time went: token + fetch, config + scan, verify + publish.
      // Publishing includes Octokit's throttling, which spaces GitHub writes about 1 s apart.
      fetchMs: t.fetched - t.start,
      scanMs: t.scanned - t.fetched,
      publishMs: Date.now() - t.scanned,
      // GitHub writes of this attempt: 1 for a clean PR or push scan, 0 for a clean history.
      writes: ctx.writes.count,
    },
    'scan reported',
  );
  return { findings: result.findings.length };
}

async function scan(
  job: ScanJob,
  repoDir: string,
  config: Parameters<typeof scanRange>[2]['config'],
  defaultBranch: string | undefined,
): Promise<ScanResult> {
  const opts = { config };
  if (job.kind === 'history') {
    if (defaultBranch) await setHead(repoDir, defaultBranch).catch(() => undefined);
    return scanHistory(repoDir, { ...opts, headRef: job.headSha });
  }
  if (job.kind === 'pull_request') {
    // Commits on the PR head not reachable from the base: what a merge of the base brings in is
    // excluded. A base missing from the clone widens the scan with a warning (scanRange).
    return scanRange(
      repoDir,
      { include: [job.headSha], exclude: job.baseSha ? [job.baseSha] : [] },
      opts,
    );
  }
  // push: before..after; a new branch or a force push scans only commits on no other branch. A
  // pushed annotated tag is included as itself: the same commits, and its message.
  // (A tag deleted since the push is no longer fetched: then only its commits are scanned.)
  const tagged = job.tagObject
    ? (await splitExistingCommits(repoDir, [job.tagObject])).present
    : [];
  const include = [job.headSha, ...tagged];
  if (!job.baseSha || ZERO.test(job.baseSha) || job.forced) {
    // A withheld branch name is its digest: the clone's own ref is found by hashing each name.
    const digest = job.refDigest;
    const others = await otherHeads(
      repoDir,
      digest ? (ref) => nameDigest(ref) === digest : (job.ref ?? ''),
    );
    return scanRange(repoDir, { include, exclude: others }, opts);
  }
  return scanRange(repoDir, { include, exclude: [job.baseSha] }, opts);
}

type CommentSettings = { pullRequest: boolean; commits: boolean; history: boolean };

/** What the job would write beyond its check run that the installation cannot (in plan order). */
function skippedSurfaces(
  job: ScanJob,
  plan: ReportPlan,
  comments: CommentSettings,
  result: ScanResult,
): SurfaceOff[] {
  const found = result.findings.length > 0;
  const wants = {
    prComment: job.kind === 'pull_request' && !!job.pr && comments.pullRequest,
    commitComments:
      found &&
      ((job.kind === 'push' && comments.commits) || (job.kind === 'history' && comments.history)),
  };
  return (['prComment', 'commitComments'] as const)
    .filter((s) => wants[s])
    .map((s) => plan.off[s])
    .filter((o): o is SurfaceOff => o !== undefined);
}

/** Notes as one quoted block of paragraphs (renderers quote the first line). */
function joinNotes(...notes: (string | undefined)[]): string | undefined {
  const present = notes.filter((n): n is string => !!n);
  return present.length > 0 ? present.join('\n>\n> ') : undefined;
}

async function publishComments(
  job: ScanJob,
  gh: GitHubClient,
  result: ScanResult,
  comments: CommentSettings,
  repoUrl: string | undefined,
  plan: ReportPlan,
  opts: {
    repoDir: string;
    log: Logger;
    author?: string | undefined;
    note?: string | undefined;
    superseded?: () => Promise<boolean>;
  },
): Promise<boolean> {
  const repo = { owner: job.owner, repo: job.repo };
  const author = opts.author;
  const ctx = repoUrl ? { repoUrl } : {};
  const note = opts.note;
  if (job.kind === 'pull_request' && job.pr && comments.pullRequest) {
    if (plan.off.prComment) return false;
    // A newer head of the PR is scanned next: its comment replaces this one.
    if (await opts.superseded?.()) return true;
    const existing = await findPrComment(gh, repo, job.pr, author);
    const body = renderPrComment(result, {
      ...ctx,
      previouslyHadFindings: existing !== undefined,
      ...(note ? { note } : {}),
    });
    if (body === null || body === existing?.body) return false;
    // Only before a write (a clean PR with nothing to say reads nothing more): is this head still
    // the PR's? A late webhook of an older head must not put its state over the newer head's.
    const head = await prHeadFor(gh, repo, { ...job, pr: job.pr }, async (h) =>
      isAncestor(opts.repoDir, h, job.headSha),
    );
    if (!head.current) {
      opts.log.info(
        'gone' in head ? {} : { prHead: head.head },
        'gone' in head
          ? 'the pull request is gone: no PR comment'
          : 'the pull request has moved to another head: its comment is left to that head’s scan',
      );
      return false;
    }
    await upsertPrComment(gh, repo, job.pr, existing, body);
    return false;
  }
  if (plan.off.commitComments) return false;
  if (job.kind === 'push' && comments.commits && result.findings.length > 0) {
    if (await coveredByOpenPr(gh, job)) return false;
    // After every check run waiting to be written (write-priority.ts): a head's report first.
    const r = await behindOtherWrites(() =>
      commentOnCommits(gh, repo, result.findings, {
        ...ctx,
        ...(author ? { author } : {}),
        ...(opts.superseded ? { stopWhen: opts.superseded } : {}),
      }),
    );
    return r.stopped === true;
  }
  if (job.kind === 'history' && comments.history && result.findings.length > 0) {
    await behindOtherWrites(() =>
      commentOnCommits(gh, repo, result.findings as Finding[], {
        ...ctx,
        ...(author ? { author } : {}),
        history: true,
        onlyIntroductions: true,
      }),
    );
  }
  return false;
}

/**
 * The same client, counting the requests that write (anything but GET and HEAD); a POST is never
 * repeated blindly (postsOnce: GitHub may have carried out one it answered 502).
 */
/** The run lost its job: it writes nothing more (a retry, or the run that owns it, reports). */
export class JobLostError extends Error {
  constructor() {
    super('this worker no longer owns the job (its lock was lost): no more writes');
  }
}

/**
 * Writes refused once `signal` aborted: checked when asked, and carried to the HTTP request, so a
 * write still waiting in the paced write queue is dropped when its turn comes.
 */
function fenced(gh: GitHubClient, signal: AbortSignal | undefined): GitHubClient {
  if (!signal) return gh;
  const request = ((route: string, params?: { request?: object }) => {
    if (/^(GET|HEAD) /.test(route)) return gh.request(route as never, params as never);
    if (signal.aborted) return Promise.reject(new JobLostError());
    const options = { ...params, request: { ...params?.request, signal } };
    return (gh.request(route as never, options as never) as Promise<unknown>).catch(
      (err: unknown) => {
        throw signal.aborted ? new JobLostError() : err;
      },
    );
  }) as unknown as GitHubClient['request'];
  return { request, paginate: gh.paginate };
}

function countWrites(gh: GitHubClient, writes: { count: number }): GitHubClient {
  return postsOnce(gh, (route) => {
    if (!/^(GET|HEAD) /.test(route)) writes.count++;
  });
}

/** Whether `ancestor` is `head` or one of its ancestors in the clone (false when it is missing). */
async function isAncestor(repoDir: string, ancestor: string, head: string): Promise<boolean> {
  if (!/^[0-9a-f]{40}$/.test(ancestor)) return false;
  return (await mergeBase(repoDir, ancestor, head).catch(() => undefined)) === ancestor;
}

/** A push to a branch with an open PR is reported by the PR comment, not by commit comments. */
async function coveredByOpenPr(gh: GitHubClient, job: ScanJob): Promise<boolean> {
  if (job.refDigest) {
    // The branch name is withheld: ask by head SHA, and match the PR's head branch by digest.
    const res = await gh.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
      owner: job.owner,
      repo: job.repo,
      commit_sha: job.headSha,
      per_page: 100,
    });
    const full = `${job.owner}/${job.repo}`.toLowerCase();
    return res.data.some(
      (p) =>
        p.state === 'open' &&
        p.head.repo?.full_name?.toLowerCase() === full &&
        nameDigest(`refs/heads/${p.head.ref}`) === job.refDigest,
    );
  }
  const branch = job.ref?.replace(/^refs\/heads\//, '');
  if (!branch || branch === job.ref) return false;
  const res = await gh.request('GET /repos/{owner}/{repo}/pulls', {
    owner: job.owner,
    repo: job.repo,
    state: 'open',
    head: `${job.owner}:${branch}`,
    per_page: 1,
  });
  return res.data.length > 0;
}
