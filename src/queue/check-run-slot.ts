/**
 * The one check run of a job's (head, scan kind), from start to completion:
 *
 * - a scan that finishes within `inProgressAfterMs` is **one write**: the run is created already
 *   completed;
 * - a scan still running after that is shown `in_progress` (created, or an existing run of the
 *   same head and kind restarted), and completed at the end;
 * - the run's id is remembered (CheckRunStore) as soon as it exists, so a retry, on any worker,
 *   updates it, and a retry completes a run a killed worker left in progress. When the store lost
 *   it, the run is found again through the API by its external id. A retry of the job that
 *   already completed it does not write it again (e.g. when only the PR comment failed);
 * - a run GitHub refused for good (403 without a rate limit: no "Checks: write") is asked for
 *   once: completion throws that refusal without another request.
 */
import type { Logger } from 'pino';
import {
  checkRunExternalId,
  completeCheckRun,
  createCheckRun,
  createCompletedCheckRun,
  findCheckRun,
  restartCheckRun,
} from '../github/check-run.js';
import { refusalOf } from '../github/refusal.js';
import { statusOf, type GitHubClient, type RepoRef } from '../github/types.js';
import type { CheckRunOutput } from '../report/index.js';
import { checkRunKeyOf, type CheckRunStore, type StoredCheckRun } from './check-run-store.js';
import { PermanentJobError, type ScanJob } from './scan-job.js';

export interface CheckRunSlotDeps {
  gh: GitHubClient;
  store: CheckRunStore;
  log: Pick<Logger, 'warn'>;
  /** A scan running longer than this is shown in progress (default 5 s). */
  inProgressAfterMs?: number;
}

export const DEFAULT_IN_PROGRESS_AFTER_MS = 5_000;

export class CheckRunSlot {
  private readonly repo: RepoRef;
  private readonly key: string;
  private readonly externalId: string;
  private found: Promise<StoredCheckRun | undefined> | undefined;
  private inProgress: Promise<number | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** GitHub refused the run for good (no "Checks: write"): completion does not ask again. */
  private refused: unknown;

  constructor(
    private readonly job: ScanJob,
    private readonly jobId: string,
    private readonly deps: CheckRunSlotDeps,
  ) {
    this.repo = { owner: job.owner, repo: job.repo };
    this.key = checkRunKeyOf(job);
    this.externalId = checkRunExternalId(job.kind);
  }

  /** Starts the clock (and looks the existing run up meanwhile). */
  start(): void {
    void this.lookup().catch(() => undefined);
    this.timer = setTimeout(
      () => void this.showInProgress(),
      this.deps.inProgressAfterMs ?? DEFAULT_IN_PROGRESS_AFTER_MS,
    );
  }

  /** Stops the clock (job failed or finished); a creation already sent still records its id. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Completes the run (creating it completed when none exists). */
  async complete(out: CheckRunOutput): Promise<void> {
    this.stop();
    let id = this.inProgress ? await this.inProgress : undefined;
    if (this.refused) throw this.refused;
    if (id === undefined) {
      const known = await this.lookup();
      if (known?.completedBy === this.jobId) return;
      id = known?.id;
    }
    try {
      if (id !== undefined) await completeCheckRun(this.deps.gh, this.repo, id, out);
      else
        id = await createCompletedCheckRun(
          this.deps.gh,
          this.repo,
          this.job.headSha,
          this.externalId,
          out,
          (created) => this.remember({ id: created }),
        );
    } catch (err) {
      if (statusOf(err) === 404)
        throw new PermanentJobError('repository is gone or the app lost access');
      throw err;
    }
    await this.remember({ id, completedBy: this.jobId });
  }

  private lookup(): Promise<StoredCheckRun | undefined> {
    this.found ??= (async () => {
      if (this.job.checkRunId) return { id: this.job.checkRunId };
      const stored = await this.deps.store.get(this.key);
      if (stored) return stored;
      const id = await findCheckRun(this.deps.gh, this.repo, this.job.headSha, this.externalId);
      return id !== undefined ? { id } : undefined;
    })();
    return this.found;
  }

  private showInProgress(): void {
    this.inProgress = (async () => {
      const known = await this.lookup();
      if (known) {
        await restartCheckRun(this.deps.gh, this.repo, known.id);
        return known.id;
      }
      const id = await createCheckRun(this.deps.gh, this.repo, this.job.headSha, this.externalId);
      await this.remember({ id });
      return id;
    })().catch((err: unknown) => {
      // A refusal stands for the whole job: completion would only be refused again.
      if (refusalOf(err)) {
        this.refused = err;
        return undefined;
      }
      // Not fatal: completion looks the run up again (a creation GitHub applied but did not
      // confirm is then found by its external id).
      this.found = undefined;
      this.deps.log.warn(
        { err: (err as Error).message },
        'could not show the check run in progress',
      );
      return undefined;
    });
  }

  private async remember(run: StoredCheckRun): Promise<void> {
    this.found = Promise.resolve(run);
    await this.deps.store.set(this.key, run).catch((err: unknown) => {
      this.deps.log.warn(
        { err: (err as Error).message },
        'could not store the check run id; a retry finds it through the API',
      );
    });
  }
}
