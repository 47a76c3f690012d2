import type { CheckRunOutput } from '../report/index.js';
import { CHECK_RUN_NAME } from '../report/index.js';
import type { GitHubClient, RepoRef } from './types.js';

/**
 * The check run's `external_id`: which scan kind it reports, so that the run of a head can be
 * found again through the API when the stored id is lost (e.g. Redis restarted empty).
 */
export function checkRunExternalId(kind: string): string {
  return `upstash-guard:${kind}`;
}

/** Creates the check run as in_progress on the head SHA (only once a scan runs long). */
export async function createCheckRun(
  gh: GitHubClient,
  repo: RepoRef,
  headSha: string,
  externalId?: string,
): Promise<number> {
  const res = await gh.request('POST /repos/{owner}/{repo}/check-runs', {
    ...repo,
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    ...(externalId ? { external_id: externalId } : {}),
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

/** This app's check run for the head with that external id, if GitHub has one. */
export async function findCheckRun(
  gh: GitHubClient,
  repo: RepoRef,
  headSha: string,
  externalId: string,
): Promise<number | undefined> {
  const runs = await listCheckRuns(gh, repo, headSha);
  return runs.find((r) => r.external_id === externalId)?.id;
}

export interface ListedCheckRun {
  id: number;
  status: string;
  external_id?: string | null;
  conclusion?: string | null;
  output?: { title?: string | null } | null;
}

/** This app's check runs (by name) on the head, with their status. */
export async function listCheckRuns(
  gh: GitHubClient,
  repo: RepoRef,
  headSha: string,
): Promise<ListedCheckRun[]> {
  const res = await gh.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    ...repo,
    ref: headSha,
    check_name: CHECK_RUN_NAME,
    filter: 'all',
    per_page: 100,
  });
  const runs = res.data.check_runs as (ListedCheckRun & { name: string })[];
  return runs.filter((r) => r.name === CHECK_RUN_NAME);
}

/** GitHub accepts at most 50 annotations per request: the first batch completes, the rest append. */
export const ANNOTATION_BATCH = 50;

function batchesOf(out: CheckRunOutput): CheckRunOutput['annotations'][] {
  const batches: CheckRunOutput['annotations'][] = [];
  for (let i = 0; i < out.annotations.length; i += ANNOTATION_BATCH)
    batches.push(out.annotations.slice(i, i + ANNOTATION_BATCH));
  return batches;
}

function outputWith(out: CheckRunOutput, annotations: CheckRunOutput['annotations']) {
  return {
    title: out.title,
    summary: out.summary,
    text: out.text,
    ...(annotations.length ? { annotations } : {}),
  };
}

function completion(out: CheckRunOutput, annotations: CheckRunOutput['annotations']) {
  return {
    status: 'completed' as const,
    conclusion: out.conclusion,
    completed_at: new Date().toISOString(),
    output: outputWith(out, annotations),
    ...(out.conclusion !== 'success' ? { actions: [REVERIFY_ACTION] } : {}),
  };
}

async function appendAnnotations(
  gh: GitHubClient,
  repo: RepoRef,
  id: number,
  out: CheckRunOutput,
  rest: CheckRunOutput['annotations'][],
): Promise<void> {
  for (const batch of rest) {
    await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      ...repo,
      check_run_id: id,
      output: outputWith(out, batch),
    });
  }
}

export async function completeCheckRun(
  gh: GitHubClient,
  repo: RepoRef,
  id: number,
  out: CheckRunOutput,
): Promise<void> {
  const [first = [], ...rest] = batchesOf(out);
  await gh.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
    ...repo,
    check_run_id: id,
    ...completion(out, first),
  });
  await appendAnnotations(gh, repo, id, out, rest);
}

/**
 * A scan that finished quickly is one write: the check run is created already completed.
 * `onCreated` gets the id as soon as it exists (before any further annotation batch), so a
 * retry after a failure here updates this run instead of creating another.
 */
export async function createCompletedCheckRun(
  gh: GitHubClient,
  repo: RepoRef,
  headSha: string,
  externalId: string,
  out: CheckRunOutput,
  onCreated: (id: number) => Promise<void>,
): Promise<number> {
  const [first = [], ...rest] = batchesOf(out);
  const res = await gh.request('POST /repos/{owner}/{repo}/check-runs', {
    ...repo,
    name: CHECK_RUN_NAME,
    head_sha: headSha,
    external_id: externalId,
    started_at: new Date().toISOString(),
    ...completion(out, first),
  });
  const id = Number(res.data.id);
  await onCreated(id);
  await appendAnnotations(gh, repo, id, out, rest);
  return id;
}

export const REVERIFY_ACTION = {
  label: 'Re-verify',
  description: 'Re-check whether the credentials still work',
  identifier: 'reverify',
};
