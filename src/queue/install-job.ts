/**
 * The installation-level job: pages `GET /installation/repositories` (100 per page) and enqueues
 * one history job per repository as each page arrives. No per-repository API call: the history job
 * reads the default branch head from its own clone. A crash mid-way loses nothing: the queue
 * retries this job, and the history job ids (repository + installation delivery) make the
 * re-added ones no-ops. It returns the ids of every history job it stored or found stored (the
 * BullMQ return value): the App's outbox holds the installation job until they ended.
 */
import type { Logger } from 'pino';
import { repoFields } from '../app/to-scan-job.js';
import type { GitHubClient } from '../github/types.js';
import { findingsOf, type InstallRuns, type Outcome } from './install-runs.js';
import { jobIdOf, type ScanJob } from './scan-job.js';
import type { ScanQueue } from './scan-queue.js';

export interface InstallJobDeps {
  auth(installationId: number): Promise<{ gh: GitHubClient }>;
  queue: Pick<ScanQueue, 'add'>;
  log: Logger;
  /** Counts the run's history jobs to one "installation scan finished" signal. */
  runs?: InstallRuns;
  /**
   * The outcome of each of these (duplicate) jobs that already completed, from the queue (its
   * return value), else undefined. A completed job settled its repository with the run that was
   * there when it ran: after Redis lost the run's state, the installation job added again finds
   * them stored and completed, and they would never settle with the new run (it waited for the
   * once-a-minute reconcile, which counted them without their findings).
   */
  completed?(ids: readonly string[]): Promise<Array<Outcome | undefined>>;
}

/** `InstallJobDeps.completed` from a queue that can tell job states and return values. */
export function completedFrom(
  queue: Pick<ScanQueue, 'jobStates' | 'jobResult'>,
): InstallJobDeps['completed'] {
  if (!queue.jobStates || !queue.jobResult) return undefined;
  return async (ids) => {
    const states = await queue.jobStates!(ids);
    return Promise.all(
      ids.map(async (id, i) =>
        states[i] === 'completed'
          ? { failed: false, findings: findingsOf(await queue.jobResult!(id)) }
          : undefined,
      ),
    );
  };
}

export async function processInstallJob(
  job: ScanJob,
  deps: InstallJobDeps,
): Promise<{ enqueued: number; duplicates: number; skipped: number; jobs: string[] }> {
  const started = Date.now();
  // The run exists before anything can fail, so a listing that fails for good still ends it.
  const runId = jobIdOf(job);
  await deps.runs?.begin({
    runId,
    installationId: job.installationId,
    account: job.owner,
    receivedAt: job.receivedAt ?? started,
  });
  const { gh } = await deps.auth(job.installationId);
  const only = job.repoIds ? new Set(job.repoIds) : undefined;
  const stats = { enqueued: 0, duplicates: 0, skipped: 0 };
  const jobs: string[] = [];
  const pages = gh.paginate.iterator('GET /installation/repositories', { per_page: 100 });
  for await (const page of pages) {
    const repos = page.data as unknown as unknown[];
    const batch: ScanJob[] = [];
    for (const raw of repos) {
      const fields = repoFields(raw);
      if (!fields || (only && !only.has(fields.repoId))) continue;
      // Without a default branch there is nothing to scan (an empty repository has no head; the
      // history job also ends quietly when the branch is missing from the clone).
      if (!fields.defaultBranch) {
        stats.skipped++;
        continue;
      }
      batch.push({
        kind: 'history',
        installationId: job.installationId,
        ...fields,
        headSha: '',
        ...(job.deliveryId ? { deliveryId: job.deliveryId } : {}),
        receivedAt: job.receivedAt ?? started,
        ...(deps.runs ? { installRun: runId } : {}),
      });
    }
    // Registered before they are enqueued: a job that completes at once still counts for the run.
    await deps.runs?.register(
      runId,
      batch.map((h) => jobIdOf(h)),
    );
    const duplicates: string[] = [];
    for (const history of batch) {
      const { id, duplicate } = await deps.queue.add(history);
      jobs.push(id);
      if (duplicate) {
        stats.duplicates++;
        duplicates.push(id);
      } else stats.enqueued++;
    }
    if (deps.runs && deps.completed && duplicates.length > 0) {
      const outcomes = await deps.completed(duplicates);
      for (const [i, o] of outcomes.entries())
        if (o) await deps.runs.settle(runId, duplicates[i]!, o);
    }
  }
  // Every page read: the run can finish once its registered jobs have settled.
  await deps.runs?.listed(runId, { skipped: stats.skipped });
  deps.log.info(
    { installation: job.installationId, ...stats, ms: Date.now() - started },
    'installation scheduled',
  );
  return { ...stats, jobs };
}
