import type { CheckRunOutput } from '../report/index.js';
import { CHECK_RUN_NAME } from '../report/index.js';
import { ANNOTATION_BATCH, REVERIFY_ACTION } from './check-run.js';
import type { GitHubClient, RepoRef } from './types.js';

/**
 * A check run created already completed, in one write (more only past 50 annotations). For
 * install-time history scans, which have no in-progress phase anyone watches.
 */
export async function postCompletedCheckRun(
  gh: GitHubClient,
  repo: RepoRef,
  headSha: string,
  out: CheckRunOutput,
): Promise<number> {
  const output = (annotations: CheckRunOutput['annotations']) => ({
    title: out.title,
    summary: out.summary,
    text: out.text,
    ...(annotations.length ? { annotations } : {}),
  });
  const res = await gh.request('POST /repos/{owner}/{repo}/check-runs', {
    ...repo,
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    status: 'completed',
    conclusion: out.conclusion,
    completed_at: new Date().toISOString(),
    output: output(out.annotations.slice(0, ANNOTATION_BATCH)),
    ...(out.conclusion !== 'success' ? { actions: [REVERIFY_ACTION] } : {}),
  });
  const id = Number(res.data.id);
  for (let i = ANNOTATION_BATCH; i < out.annotations.length; i += ANNOTATION_BATCH) {
    await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...repo,
      check_run_id: id,
      output: output(out.annotations.slice(i, i + ANNOTATION_BATCH)),
    });
  }
  return id;
}
