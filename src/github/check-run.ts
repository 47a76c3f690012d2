import type { CheckRunOutput } from '../report/index.js';
import { CHECK_RUN_NAME } from '../report/index.js';
import type { GitHubClient, RepoRef } from './types.js';

/** Creates the check run as in_progress on the head SHA as soon as a job starts. */
export async function createCheckRun(
  gh: GitHubClient,
  repo: RepoRef,
  headSha: string,
): Promise<number> {
  const res = await gh.request('POST /repos/{owner}/{repo}/check-runs', {
    ...repo,
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
  });
  return Number(res.data.id);
}

/** Marks an existing check run in progress again (re-run, re-verify). */
export async function restartCheckRun(gh: GitHubClient, repo: RepoRef, id: number): Promise<void> {
  await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    ...repo,
    check_run_id: id,
    status: 'in_progress',
    started_at: new Date().toISOString(),
  });
}

/** GitHub accepts at most 50 annotations per request: the first batch completes, the rest append. */
export const ANNOTATION_BATCH = 50;

export async function completeCheckRun(
  gh: GitHubClient,
  repo: RepoRef,
  id: number,
  out: CheckRunOutput,
): Promise<void> {
  const batches: CheckRunOutput['annotations'][] = [];
  for (let i = 0; i < out.annotations.length; i += ANNOTATION_BATCH)
    batches.push(out.annotations.slice(i, i + ANNOTATION_BATCH));
  const output = (annotations: CheckRunOutput['annotations']) => ({
    title: out.title,
    summary: out.summary,
    text: out.text,
    ...(annotations.length ? { annotations } : {}),
  });
  await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    ...repo,
    check_run_id: id,
    status: 'completed',
    conclusion: out.conclusion,
    completed_at: new Date().toISOString(),
    output: output(batches[0] ?? []),
    ...(out.conclusion !== 'success' ? { actions: [REVERIFY_ACTION] } : {}),
  });
  for (const batch of batches.slice(1)) {
    await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...repo,
      check_run_id: id,
      output: output(batch),
    });
  }
}

export const REVERIFY_ACTION = {
  label: 'Re-verify',
  description: 'Re-check whether the credentials still work',
  identifier: 'reverify',
};
