/**
 * The worker's recipe for one scan job. Reads top to bottom; each step is one call into a layer.
 */
import type { Logger } from 'pino';
import type { Finding, ScanResult } from '../core/index.js';
import { failsScan } from '../core/index.js';
import { otherHeads, scanRange } from '../engine/scan-range.js';
import { scanHistory } from '../engine/scan-history.js';
import type { RepoCache } from '../git/repo-cache.js';
import { cacheKeyFor, RepoNotFoundError, RepoTooLargeError, setHead } from '../git/repo-cache.js';
import { cloneUrlFor } from '../github/repo-name.js';
import { completeCheckRun, createCheckRun, restartCheckRun } from '../github/check-run.js';
import { commentOnCommits } from '../github/commit-comments.js';
import { loadRepoConfig } from '../github/load-config.js';
import { findPrComment, upsertPrComment } from '../github/pr-comment.js';
import { statusOf, type GitHubClient } from '../github/types.js';
import { renderCheckRun, renderPrComment } from '../report/index.js';
import { PermanentJobError, type ScanJob } from './scan-job.js';
import type { Metrics } from './metrics.js';

/** Liveness verification as the worker sees it (src/verify implements it). */
export interface JobVerifier {
  verify(findings: Finding[], opts: { installationId: number }): Promise<void>;
}

export interface JobDeps {
  /** An installation-authenticated client and a token for git. */
  auth(installationId: number): Promise<{ gh: GitHubClient; token: string }>;
  cache: RepoCache;
  /** The configured GitHub web origin (`githubOrigin()`): the only place git fetches from. */
  githubOrigin: string;
  log: Logger;
  verifier?: JobVerifier;
  metrics?: Metrics;
}

const ZERO = /^0+$/;

export async function processScanJob(job: ScanJob, deps: JobDeps): Promise<void> {
  const started = Date.now();
  const repo = { owner: job.owner, repo: job.repo };
  const log = deps.log.child({
    repo: `${job.owner}/${job.repo}`,
    kind: job.kind,
    head: job.headSha,
    pr: job.pr,
  });

  // 1. Installation token.
  const { gh, token } = await deps.auth(job.installationId);

  // 2. Check run in progress (or the re-requested one).
  let checkRunId = job.checkRunId;
  try {
    if (checkRunId) await restartCheckRun(gh, repo, checkRunId);
    else checkRunId = await createCheckRun(gh, repo, job.headSha);
  } catch (err) {
    if (statusOf(err) === 404)
      throw new PermanentJobError('repository is gone or the app lost access');
    throw err;
  }

  const t = { start: started, fetched: 0, scanned: 0 };
  // 3. Fetch into the repository cache.
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
  // 4. Config (repository, then organisation; a broken file makes the check neutral).
  const loaded = await loadRepoConfig(gh, repo, job.headSha);
  const config = loaded.config;

  // 5. Scan.
  const result = await scan(job, repoDir, config);

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

  // 7. Render and publish, idempotently.
  const repoUrl = job.htmlUrl;
  const output = renderCheckRun(loaded.error ? null : result, {
    config,
    mode: job.kind === 'history' ? 'history' : 'scan',
    ...(repoUrl ? { repoUrl } : {}),
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
  await completeCheckRun(gh, repo, checkRunId, output);
  if (!loaded.error) await publishComments(job, gh, result, config.comments, repoUrl);

  deps.metrics?.scanFinished(job.kind, Date.now() - started, result.findings.length);
  log.info(
    {
      findings: result.findings.length,
      fails: failsScan(result.findings, config),
      ms: Date.now() - started,
      // Where the time went: token + check-run start + fetch, config + scan, verify + publish.
      // Publishing includes Octokit's throttling, which spaces GitHub writes about 1 s apart.
      fetchMs: t.fetched - t.start,
      scanMs: t.scanned - t.fetched,
      publishMs: Date.now() - t.scanned,
    },
    'scan reported',
  );
}

async function scan(
  job: ScanJob,
  repoDir: string,
  config: Parameters<typeof scanRange>[2]['config'],
): Promise<ScanResult> {
  const opts = { config };
  if (job.kind === 'history') {
    if (job.defaultBranch) await setHead(repoDir, job.defaultBranch).catch(() => undefined);
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
  // push: before..after; a new branch or a force push scans only commits on no other branch.
  if (!job.baseSha || ZERO.test(job.baseSha) || job.forced) {
    const others = await otherHeads(repoDir, job.ref ?? '');
    return scanRange(repoDir, { include: [job.headSha], exclude: others }, opts);
  }
  return scanRange(repoDir, { include: [job.headSha], exclude: [job.baseSha] }, opts);
}

async function publishComments(
  job: ScanJob,
  gh: GitHubClient,
  result: ScanResult,
  comments: { pullRequest: boolean; commits: boolean; history: boolean },
  repoUrl: string | undefined,
): Promise<void> {
  const repo = { owner: job.owner, repo: job.repo };
  const ctx = repoUrl ? { repoUrl } : {};
  if (job.kind === 'pull_request' && job.pr && comments.pullRequest) {
    const existing = await findPrComment(gh, repo, job.pr);
    const body = renderPrComment(result, { ...ctx, previouslyHadFindings: existing !== undefined });
    await upsertPrComment(gh, repo, job.pr, existing, body);
    return;
  }
  if (job.kind === 'push' && comments.commits && result.findings.length > 0) {
    if (await coveredByOpenPr(gh, job)) return;
    await commentOnCommits(gh, repo, result.findings, ctx);
    return;
  }
  if (job.kind === 'history' && comments.history && result.findings.length > 0) {
    await commentOnCommits(gh, repo, result.findings as Finding[], {
      ...ctx,
      history: true,
      onlyIntroductions: true,
    });
  }
}

/** A push to a branch with an open PR is reported by the PR comment, not by commit comments. */
async function coveredByOpenPr(gh: GitHubClient, job: ScanJob): Promise<boolean> {
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
