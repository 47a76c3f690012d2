/**
 * BullMQ mode: the jobs this process stored, kept in a local write-ahead journal (journal.ts) until
 * Redis says they ended, so a Redis that lost its data (restarted without persistence, FLUSHALL,
 * failed over to an empty replica) does not lose them. The webhooks were answered 200, so GitHub
 * redelivers nothing: without this, a push queued at that moment was never reported, and a run a
 * killed worker had shown in progress stayed in progress for good.
 *
 * A pass (`reconcile`, about once a minute) asks the queue for each job's state:
 * - a job the queue no longer holds, and never seen ended, is added again (a webhook stored it,
 *   nothing finished it);
 * - jobs are let go per branch (serial key), once every job of the branch ended: a job parked for
 *   the newest scan of its branch completes at once in BullMQ while its range lives in Redis until
 *   that scan is reported (serial-gate.ts). When Redis lost its data (the outbox's marker key is
 *   gone), the branch's jobs seen ended but still held are added again too, so the next scan
 *   covers their ranges.
 * - an installation job stays held for INSTALL_HELD_AFTER_END_MS after it ended, so a loss during
 *   the install brings back the repositories' history jobs a worker stored.
 * Reports are idempotent (check run by id or external id, comments by marker): a job added again
 * after it was in fact reported costs a scan, never a second report.
 *
 * Best effort: an outbox that cannot be opened (another process holds the file) or written (disk
 * full) is logged and the queue works as before; it never answers a webhook 503.
 */
import type { Logger } from 'pino';
import { JobJournal } from './journal.js';
import { jobIdOf, serialKeyOf, type ScanJob } from './scan-job.js';
import type { ScanQueue } from './scan-queue.js';

/** Ended for good, as far as this outbox is concerned. */
const ENDED = new Set(['completed', 'failed']);
/** Held this long after it ended, whatever its branch does (BullMQ keeps completed jobs a day). */
const MAX_HELD_AFTER_END_MS = 24 * 3600_000;
/**
 * An installation job is held this long after it ended. Its history jobs are stored by a worker,
 * in Redis only: a Redis that loses its data before they report loses them, and adding the
 * installation job again lists the repositories and stores them again (clean ones write nothing,
 * a check run is found again by its external id, a comment by its marker). A 1,000-repository
 * install reports in about 15 minutes.
 */
export const INSTALL_HELD_AFTER_END_MS = 2 * 3600_000;

interface Held {
  job: ScanJob;
  /** When this process journalled it (or restored it): a job younger than a pass is left alone. */
  since: number;
  /** When a pass first saw it completed or failed. */
  endedAt?: number;
}

export interface OutboxOptions {
  path: string;
  log: Pick<Logger, 'info' | 'warn'>;
  /** True when Redis lost its data since the previous call (the caller's marker key is gone). */
  dataLost: () => Promise<boolean>;
  /** A job younger than this (ms in the outbox) is not judged lost yet: its add may be under way. */
  graceMs: number;
}

export class Outbox {
  private journal: JobJournal | undefined;
  private readonly held = new Map<string, Held>();
  private readonly opened: Promise<void>;
  private passing = false;

  constructor(private readonly opts: OutboxOptions) {
    this.opened = JobJournal.open(opts.path).then(
      ({ journal, pending }) => {
        this.journal = journal;
        const now = Date.now();
        for (const { id, job } of pending) this.held.set(id, { job, since: now });
        if (pending.length > 0)
          opts.log.info(
            { count: pending.length },
            'queue outbox: checking jobs stored before a restart',
          );
      },
      (err: unknown) => {
        opts.log.warn(
          { err: (err as Error).message },
          'queue outbox cannot be opened: jobs queued when Redis loses its data are lost',
        );
      },
    );
  }

  /** Journals the job before it is added to the queue. */
  async note(job: ScanJob): Promise<void> {
    await this.opened;
    const id = jobIdOf(job);
    const prev = this.held.get(id);
    this.held.set(id, { job, since: Date.now() });
    if (prev && prev.endedAt === undefined) return;
    await this.journal?.add(id, job).catch((err: unknown) => {
      this.opts.log.warn({ err: (err as Error).message }, 'queue outbox: could not journal a job');
    });
  }

  /**
   * One pass: adds again what the queue lost and lets go of what ended. Returns how many jobs were
   * added again. A pass while the previous one runs (Redis away: it waits) does nothing.
   */
  async reconcile(
    state: (id: string) => Promise<string>,
    add: (job: ScanJob) => Promise<unknown>,
  ): Promise<number> {
    await this.opened;
    if (this.passing) return 0;
    this.passing = true;
    try {
      const lost = await this.opts.dataLost();
      const now = Date.now();
      // The loss is seen once (the marker is set again by the same call), and a job may still be
      // within its grace then: what Redis said ended no longer stands, for this pass and the next.
      if (lost) for (const h of this.held.values()) delete h.endedAt;
      const groups = new Map<string, string[]>();
      for (const [id, h] of this.held) {
        const key = serialKeyOf(h.job) ?? id;
        groups.set(key, [...(groups.get(key) ?? []), id]);
      }
      let readded = 0;
      for (const ids of groups.values()) {
        const states = await Promise.all(ids.map((id) => state(id)));
        const again: string[] = [];
        ids.forEach((id, i) => {
          const h = this.held.get(id)!;
          if (ENDED.has(states[i]!)) h.endedAt ??= now;
          else if (states[i] === 'unknown' && now - h.since >= this.opts.graceMs) {
            if (h.endedAt === undefined) again.push(id);
          }
        });
        if (again.length > 0) {
          // Oldest first; the gate orders a branch's jobs by when their webhooks came anyway.
          const jobs = again
            .map((id) => this.held.get(id)!.job)
            .sort((a, b) => (a.receivedAt ?? 0) - (b.receivedAt ?? 0));
          for (const job of jobs) {
            await add(job);
            const h = this.held.get(jobIdOf(job));
            if (h) {
              delete h.endedAt;
              h.since = Date.now();
            }
          }
          readded += jobs.length;
          continue;
        }
        const ended = ids.filter((id) => this.held.get(id)!.endedAt !== undefined);
        const letGo = (
          ended.length === ids.length
            ? ended
            : ended.filter((id) => now - this.held.get(id)!.endedAt! > MAX_HELD_AFTER_END_MS)
        ).filter((id) => {
          const h = this.held.get(id)!;
          return h.job.kind !== 'installation' || now - h.endedAt! > INSTALL_HELD_AFTER_END_MS;
        });
        for (const id of letGo) {
          this.held.delete(id);
          await this.journal?.done(id).catch(() => undefined);
        }
      }
      return readded;
    } finally {
      this.passing = false;
    }
  }

  /** Jobs held (for tests and logs). */
  size(): number {
    return this.held.size;
  }

  async close(): Promise<void> {
    await this.opened;
    await this.journal?.close();
  }
}

/** The queue with its adds journalled in the outbox first. */
export function withOutbox(queue: ScanQueue, outbox: Outbox): ScanQueue {
  return {
    async add(job) {
      await outbox.note(job);
      return queue.add(job);
    },
    start: (processor) => queue.start(processor),
    depth: () => queue.depth(),
    ...(queue.stats ? { stats: () => queue.stats!() } : {}),
    ...(queue.jobState ? { jobState: (id: string) => queue.jobState!(id) } : {}),
    ...(queue.jobStates ? { jobStates: (ids: readonly string[]) => queue.jobStates!(ids) } : {}),
    ...(queue.jobResult ? { jobResult: (id: string) => queue.jobResult!(id) } : {}),
    close: async () => {
      await queue.close();
      await outbox.close();
    },
  };
}
