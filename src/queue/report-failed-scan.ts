/**
 * A pull request or push scan that failed for good (attempts exhausted, or a permanent failure
 * such as a repository over the size limit) still ends with one report: its check run completed
 * `neutral` with the reason. Without this, a fast failure left no check run at all, and a slow
 * one left the run `in_progress` forever (a required check then blocks the merge with no word).
 *
 * Exactly one: a run some job already completed (with its result) is left as it is, and the run
 * shown in progress is the one completed. The failure is stored without `completedBy`, so the
 * job enqueued again by a redelivery or a Re-run replaces it with its result.
 */
import type { Logger } from 'pino';
import {
  checkRunExternalId,
  completeCheckRun,
  createCompletedCheckRun,
  listCheckRuns,
} from '../github/check-run.js';
import { postsOnce } from '../github/posts-once.js';
import { refusalOf } from '../github/refusal.js';
import type { GitHubClient } from '../github/types.js';
import { renderFailedScan } from '../report/index.js';
import { checkRunKeyOf, type CheckRunStore } from './check-run-store.js';
import { InstallationGoneError } from './scan-job.js';
import type { AttemptFailure } from './scan-queue.js';

export interface FailedScanDeps {
  auth(installationId: number): Promise<{ gh: GitHubClient; token: string }>;
  store: CheckRunStore;
  log: Pick<Logger, 'info' | 'warn'>;
}

export async function reportFailedScan(f: AttemptFailure, deps: FailedScanDeps): Promise<void> {
  const { job } = f;
  if (!f.final || (job.kind !== 'pull_request' && job.kind !== 'push') || !job.headSha) return;
  // Uninstalled or suspended: the App can write nothing there (and GitHub shows no run of it).
  if (f.error instanceof InstallationGoneError) return;
  // GitHub refused the check run (or the token) for good: a run saying so would be refused too,
  // one more write spent; the failure log names the permission instead.
  const scope = refusalOf(f.error)?.scope;
  if (scope === 'checks' || scope === 'installation') return;
  const fields = { job: f.jobId, repo: `${job.owner}/${job.repo}`, head: job.headSha };
  try {
    const auth = await deps.auth(job.installationId);
    const gh = postsOnce(auth.gh);
    const repo = { owner: job.owner, repo: job.repo };
    const key = checkRunKeyOf(job);
    const stored = await deps.store.get(key).catch(() => undefined);
    if (stored?.completedBy) return;
    // The run as GitHub has it: the one the job was given (Re-run), the one it stored, or the one
    // of its kind (a Re-run of a fork's head may have been scanned as its pull request).
    const kinds = [checkRunExternalId(job.kind)];
    if (job.rerun && job.kind === 'push' && !job.ref)
      kinds.push(checkRunExternalId('pull_request'));
    const runs = await listCheckRuns(gh, repo, job.headSha);
    const known = job.checkRunId ?? stored?.id;
    const run =
      runs.find((r) => r.id === known) ?? runs.find((r) => kinds.includes(r.external_id ?? ''));
    if (run?.status === 'completed') return;
    const reason = auth.token
      ? errorText(f.error).split(auth.token).join('***')
      : errorText(f.error);
    const out = renderFailedScan(reason, f.attempt);
    if (run) await completeCheckRun(gh, repo, run.id, out);
    else
      await createCompletedCheckRun(gh, repo, job.headSha, kinds[0]!, out, (id) =>
        deps.store.set(key, { id }).catch(() => undefined),
      );
    deps.log.info(fields, 'scan failed for good: its check run says so');
  } catch (err) {
    deps.log.warn(
      { ...fields, err: (err as Error).message },
      'scan failed for good and its check run could not say so',
    );
  }
}

function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string } | undefined;
  return e?.message ? `${e.name ?? 'Error'}: ${e.message}` : String(err);
}
