/**
 * A test-only hook that freezes a worker at a named step of the recipe, so fault tests can
 * SIGKILL it exactly there. Inert unless NODE_ENV=test and UPSTASH_GUARD_TEST_HANG_AT names a
 * step (fetch, publish, comments, incidents); the worker then logs `test hook: hanging at <step>` and never
 * continues that job.
 */
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
    await new Promise<never>(() => undefined);
  };
}
