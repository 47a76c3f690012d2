/**
 * The worker's recipe for one scan job. Reads top to bottom; each step is one call into a layer.
 */
import type { Logger } from 'pino';
import type { Finding, ScanResult } from '../core/index.js';
import { failsScan } from '../core/index.js';
import { otherHeads, scanRange } from '../engine/scan-range.js';
import { scanHistory } from '../engine/scan-history.js';
import type { CacheJanitor } from '../git/cache-eviction.js';
import type { RepoCache } from '../git/repo-cache.js';
import { RepoNotFoundError, RepoTooLargeError, setHead } from '../git/repo-cache.js';
import { completeCheckRun, createCheckRun, restartCheckRun } from '../github/check-run.js';
import { commentOnCommits } from '../github/commit-comments.js';
import { postCompletedCheckRun } from '../github/completed-check-run.js';
import { CONFIG_PATH, loadRepoConfig } from '../github/load-config.js';
import type { ConfigFileCache } from '../github/org-config-cache.js';
import { readFileAt } from '../git/read-file-at.js';
import { findPrComment, upsertPrComment } from '../github/pr-comment.js';
import { statusOf, type GitHubClient } from '../github/types.js';
import { renderCheckRun, renderPrComment } from '../report/index.js';
import { defaultBranchHead } from './history-head.js';
import { PermanentJobError, type ScanJob } from './scan-job.js';
import type { Metrics } from './metrics.js';
import type { ScannedRepo } from '../incidents/setup.js';
import { suppressAllowed } from '../incidents/record.js';

/** Liveness verification as the worker sees it (src/verify implements it). */
export interface JobVerifier {
  verify(findings: Finding[], opts: { installationId: number }): Promise<void>;
}

export interface JobDeps {
  /** An installation-authenticated client and a token for git. */
  auth(installationId: number): Promise<{ gh: GitHubClient; token: string }>;
  cache: RepoCache;
  log: Logger;
  verifier?: JobVerifier;
  metrics?: Metrics;
  /** Fingerprints marked allowed on the incidents page, with the reason: scans suppress them. */
  allowed?: (installationId: number) => Promise<ReadonlyMap<string, string>>;
  /** Called after a scan is reported (incidents); must not throw. */
  onScanned?: (scan: ScannedRepo) => Promise<void>;
  /** Clone cache upkeep: last use, repack, LRU eviction (src/git/cache-eviction.ts). */
  cacheJanitor?: CacheJanitor;
  /** The organisation's config and `_extends` bases, cached with a TTL and ETag. */
  configCache?: ConfigFileCache;
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

  // 2. Check run in progress (or the re-requested one). Not for history scans: an install-time
  // scan writes only when it has something to say (step 7).
  let checkRunId = job.checkRunId;
  if (job.kind !== 'history') {
    try {
      if (checkRunId) await restartCheckRun(gh, repo, checkRunId);
      else checkRunId = await createCheckRun(gh, repo, job.headSha);
    } catch (err) {
      if (statusOf(err) === 404)
        throw new PermanentJobError('repository is gone or the app lost access');
      throw err;
    }
  }

  const t = { start: started, fetched: 0, scanned: 0 };
  // 3. Fetch into the repository cache.
  let repoDir: string;
  try {
    repoDir = await deps.cache.ensure({
      key: String(job.repoId),
      cloneUrl: job.cloneUrl,
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
  if (job.kind === 'history' && !job.headSha) {
    const head = await defaultBranchHead(repoDir, job.defaultBranch);
    if (!head) {
      log.info('empty repository or no default branch: nothing to scan');
      deps.metrics?.scanFinished(job.kind, Date.now() - started, 0);
      return;
    }
    job = { ...job, headSha: head };
  }
  // 4. Config (repository, then organisation; a broken file makes the check neutral).
  const headSha = job.headSha;
  const loaded = await loadRepoConfig(gh, repo, headSha, {
    readRepoFile: () => readFileAt(repoDir, headSha, CONFIG_PATH),
    ...(deps.configCache ? { cache: deps.configCache } : {}),
  });
  const config = loaded.config;

  // 5. Scan.
  const scanned = await scan(job, repoDir, config);
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
  if (job.kind === 'history') {
    // Install time: a clean default branch costs no write (the installation summary is in the
    // logs and metrics); findings or a broken config get one completed check run.
    if (output.conclusion !== 'success') await postCompletedCheckRun(gh, repo, job.headSha, output);
  } else await completeCheckRun(gh, repo, checkRunId!, output);
  if (!loaded.error) await publishComments(job, gh, result, config.comments, repoUrl);

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
