/**
 * Every failed attempt is logged at warn and every final failure at error, with the job, the
 * repository and the reason, in both queue modes. Only the error's name and message are logged:
 * errors that reach here are built to be token-free (git errors are redacted by RepoCache,
 * Octokit messages carry GitHub's text, never the request headers).
 */
import type { Logger } from 'pino';
import type { AttemptFailure } from './scan-queue.js';

export function reportAttemptFailure(log: Pick<Logger, 'warn' | 'error'>, f: AttemptFailure): void {
  const err = f.error as { name?: string; message?: string; status?: number } | undefined;
  const fields = {
    job: f.jobId,
    repo: `${f.job.owner}/${f.job.repo}`,
    kind: f.job.kind,
    head: f.job.headSha,
    attempt: f.attempt,
    attempts: f.attempts,
    reason: `${err?.name ?? 'Error'}: ${err?.message ?? String(f.error)}`,
    ...(typeof err?.status === 'number' ? { status: err.status } : {}),
  };
  if (f.final)
    log.error(fields, 'scan job failed for good: a redelivery or Re-run enqueues it again');
  else log.warn(fields, 'scan attempt failed; it will be retried');
}
