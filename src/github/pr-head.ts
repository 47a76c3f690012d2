/**
 * Whether a PR scan may still write the PR comment: GitHub's word on the PR's head, read just
 * before the comment would change. Webhooks arrive out of order (a failed `opened` redelivered
 * after the PR's `synchronize`); a scan of a head the PR has moved past reports its check run on
 * its own commit, but its PR comment would replace the newer head's with a stale state. The newer
 * head has its own job (its webhook), which writes the comment.
 */
import { refusalOf } from './refusal.js';
import { statusOf, type GitHubClient, type RepoRef } from './types.js';

export type PrHead =
  /** The PR's head is this job's, or one this job's head descends from (GitHub lagging). */
  | { current: true }
  /** GitHub names another head: the PR moved on (or was force-pushed elsewhere). */
  | { current: false; head: string }
  /** The PR (or the repository) is gone: nothing to comment on. */
  | { current: false; gone: true };

/**
 * One GET. 404 is a PR gone. A refusal (403 that is no rate limit: an installation granted
 * "Issues" but not "Pull requests") cannot be decided by retrying: the comment is written as
 * before the check. Any other failure is thrown and retried like the job's other GitHub reads.
 * `descends(head)` says whether the job's head descends from `head` in the clone: GitHub may
 * still show the head this update replaced (its read lags the webhook), which is no reason to
 * hold back a newer report.
 */
export async function prHeadFor(
  gh: GitHubClient,
  repo: RepoRef,
  job: { pr: number; headSha: string; previousHead?: string },
  descends: (head: string) => Promise<boolean>,
): Promise<PrHead> {
  let head: string | undefined;
  try {
    const res = await gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
      ...repo,
      pull_number: job.pr,
    });
    head = typeof res.data.head?.sha === 'string' ? res.data.head.sha : undefined;
  } catch (err) {
    if (statusOf(err) === 404) return { current: false, gone: true };
    if (refusalOf(err)) return { current: true };
    throw err;
  }
  if (!head || head === job.headSha || head === job.previousHead) return { current: true };
  return (await descends(head)) ? { current: true } : { current: false, head };
}
