/**
 * A test-only hook that freezes a worker at a named step of the recipe, so fault tests can
 * SIGKILL it exactly there. Inert unless NODE_ENV=test and UPSTASH_GUARD_TEST_HANG_AT names a
 * step (fetch, publish, comments, incidents); the worker then logs `test hook: hanging at <step>` and never
 * continues that job, unless UPSTASH_GUARD_TEST_RESUME_FILE names a file: the job then goes on
 * once that file exists (a fault injected while a job is at a step, e.g. Redis restarted empty).
 */
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ScanJob } from './scan-job.js';

export function stepHookFromEnv(
  env: NodeJS.ProcessEnv,
  log: Pick<Logger, 'warn'>,
): ((step: string, job: ScanJob) => Promise<void>) | undefined {
  const at = env.UPSTASH_GUARD_TEST_HANG_AT;
  if (env.NODE_ENV !== 'test' || !at) return undefined;
  return async (step, job) => {
    if (step !== at) return;
    log.warn(
      { step, repo: `${job.owner}/${job.repo}`, head: job.headSha },
      `test hook: hanging at ${step}`,
    );
    const resume = env.UPSTASH_GUARD_TEST_RESUME_FILE;
    if (!resume) await new Promise<never>(() => undefined);
    while (!existsSync(resume!)) await new Promise((r) => setTimeout(r, 50));
    log.warn({ step }, `test hook: resuming at ${step}`);
  };
}
