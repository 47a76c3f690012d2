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
 *   already completed it does not write it again (e.g. when only the PR comment failed), neither
 *   in progress nor completed; without the store's record, a run GitHub already shows completed
 *   with the same conclusion and title counts as completed by it (a Re-run always writes);
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
  listCheckRuns,
  restartCheckRun,
  type ListedCheckRun,
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

  /**
   * Ends the attempt: stops the clock and waits until the run shown in progress, if it was asked
   * for, has been written or has failed. GitHub's writes are paced (a queue per installation), so
   * the write of a failed attempt could still be waiting there after the attempt ended; the retry
   * then found no run and created a second one, and the first, written later, stayed in progress
   * forever (chaos run, seed 10). Never throws.
   */
  async end(): Promise<void> {
    this.stop();
    await this.inProgress;
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
      // A run of this head and kind that exists but is not known as completed by this job (the
      // store lost the record, or kept only the creation): when GitHub already shows it completed
      // with this conclusion and title, an earlier attempt of the job completed it, and writing it
      // again would only repeat the report. A Re-run always writes.
      if (id !== undefined && this.mayBeEarlierAttempt() && (await this.shows(id, out))) {
        await this.remember({ id, completedBy: this.jobId });
        return;
      }
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

  /**
   * Completes the run GitHub shows unfinished on this head, and writes nothing when there is none
   * (or it is completed): the head of a job folded into a newer scan, whose earlier attempt showed
   * it in progress and died. Read errors fail the attempt, so a retry looks again.
   */
  async settle(out: CheckRunOutput): Promise<void> {
    const known = await this.lookup();
    if (!known || known.completedBy) return;
    const runs = await listCheckRuns(this.deps.gh, this.repo, this.job.headSha);
    const run = runs.find((r) => r.id === known.id);
    if (!run || run.status === 'completed') return;
    await completeCheckRun(this.deps.gh, this.repo, known.id, out);
    await this.remember({ id: known.id, completedBy: this.jobId });
  }

  /**
   * Gives the head up without a run, when a newer head of its branch is scanned next (folded,
   * serial-gate.ts): only while GitHub has no run of it (none shown in progress, none an earlier
   * attempt created, not a Re-run). False: a run exists, and must be completed.
   */
  async withdraw(): Promise<boolean> {
    this.stop();
    if (this.inProgress || this.job.checkRunId || this.job.rerun) return false;
    const known = await this.lookup().catch(() => null);
    return known === undefined;
  }

  /** Not a Re-run: a completed run of this head and kind may be an earlier attempt's. */
  private mayBeEarlierAttempt(): boolean {
    return !this.job.checkRunId && !this.job.rerun;
  }

  /** Run `id` as GitHub lists it on the head (undefined when it cannot tell). */
  private async listed(id: number): Promise<ListedCheckRun | undefined> {
    const runs = await listCheckRuns(this.deps.gh, this.repo, this.job.headSha).catch(() => []);
    return runs.find((r) => r.id === id);
  }

  /** GitHub shows run `id` completed as `out` would complete it (false when it cannot tell). */
  private async shows(id: number, out: CheckRunOutput): Promise<boolean> {
    const run = await this.listed(id);
    return (
      run?.status === 'completed' &&
      run.conclusion === out.conclusion &&
      run.output?.title === out.title
    );
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
      // This job completed it already (a retry after the run was written): nothing to show. A run
      // GitHub shows completed stays so until this attempt completes it (or finds it the same),
      // unless this is a Re-run, which the user expects to see running.
      if (known?.completedBy === this.jobId) return undefined;
      if (
        known &&
        this.mayBeEarlierAttempt() &&
        (await this.listed(known.id))?.status === 'completed'
      )
        return undefined;
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
