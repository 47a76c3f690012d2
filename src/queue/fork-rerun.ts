/**
 * A Re-run of a pull request whose head is in a fork. GitHub's check_run and check_suite payloads
 * name no pull request and no head branch then ("When the check suite's head_branch is in a forked
 * repository it will be null and the pull_requests array will be empty"), so the webhook maps the
 * Re-run to a push of that head without a branch. Scanned as a push it reported the PR's commits
 * with commit comments, and fetched only the base's branches (the head lives at refs/pull/N/head).
 * The worker asks GitHub which open pull request has that head and rescans it as that PR.
 */
import type { Logger } from 'pino';
import type { GitHubClient } from '../github/types.js';
import type { ScanJob } from './scan-job.js';

const SHA = /^[0-9a-f]{40}$/;

export async function asForkPullRequest(
  job: ScanJob,
  gh: GitHubClient,
  log: Logger,
): Promise<ScanJob> {
  if (!job.rerun || job.kind !== 'push' || job.ref || !job.headSha) return job;
  const pulls = await gh.paginate('GET /repos/{owner}/{repo}/pulls', {
    owner: job.owner,
    repo: job.repo,
    state: 'open',
    per_page: 100,
  });
  const pr = pulls.find((p) => p.head?.sha === job.headSha);
  if (!pr) return job;
  log.info({ pr: pr.number }, 'Re-run of a head with no branch here: the open pull request');
  const { forced: _forced, ...rest } = job;
  const baseSha = pr.base?.sha;
  return {
    ...rest,
    kind: 'pull_request',
    pr: pr.number,
    ...(typeof baseSha === 'string' && SHA.test(baseSha) ? { baseSha } : {}),
  };
}
