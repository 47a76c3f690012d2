/**
 * BullMQ mode: the jobs this process stored, kept in a local write-ahead journal (journal.ts) until
 * Redis says they ended, so a Redis that lost its data (restarted without persistence, FLUSHALL,
 * failed over to an empty replica) does not lose them. The webhooks were answered 200, so GitHub
 * redelivers nothing: without this, a push queued at that moment was never reported, and a run a
 * killed worker had shown in progress stayed in progress for good.
 *
 * A pass (`reconcile`, about once a minute) asks the queue for the states of all held jobs at once:
 * - a job the queue no longer holds, and never seen ended, is added again (a webhook stored it,
 *   nothing finished it);
 * - jobs are let go per branch (serial key), once every job of the branch this outbox holds ended
 *   and the branch's gate holds nothing (no scan, no parked or inflight range): a job parked for
 *   the newest scan of its branch completes at once in BullMQ while its range lives in Redis until
 *   that scan is reported (serial-gate.ts), and that scan may be a job another App replica stored.
 *   When Redis lost its data (the outbox's marker key is gone), the branch's jobs seen ended but
 *   still held are added again too, so the next scan covers their ranges.
 * - an installation job stays held until every history job it stored ended. Those jobs are stored
 *   by a worker (on any machine), in Redis only; the installation job returns their ids (its
 *   BullMQ return value, read once when a pass first sees it completed), and each pass asks for the
 *   states of those not seen ended yet, in one batch. A history job the queue no longer holds while
 *   Redis kept its data was removed after it ended (BullMQ trims completed jobs); it counts as ended
 *   when a second pass agrees. When Redis lost its data before they all ended, the installation
 *   job is added again: its run lists the repositories and stores their history jobs again under
 *   the same ids, which are then asked about afresh (what was seen ended before the loss no longer
 *   counts). Held MAX_HELD_AFTER_END_MS after it ended at most; an installation job without a list
 *   (it failed, or a worker of an older version ran it) is held INSTALL_HELD_AFTER_END_MS.
 * Reports are idempotent (check run by id or external id, comments by marker): a job added again
 * after it was in fact reported costs a scan, never a second report.
 *
 * Each outbox has its own marker key (named by an id kept beside its journal): App replicas on one
 * Redis each journal the jobs they stored, and each must see a loss for itself. After a loss every
 * replica adds again what it held; the job id makes a job both held (a delivery both got) one job.
 * The journal holds jobs (ids, names, SHAs) only, the return value ids only: nothing secret.
 *
 * Best effort: an outbox that cannot be opened (another process holds the file) or written (disk
 * full) is logged and the queue works as before; it never answers a webhook 503.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { JobJournal } from './journal.js';
import { jobIdOf, serialKeyOf, type ScanJob } from './scan-job.js';
import type { GateTakers } from './serial-gate.js';
import type { ScanQueue } from './scan-queue.js';

/** Ended for good, as far as this outbox is concerned. */
const ENDED = new Set(['completed', 'failed']);
/** Held this long after it ended, whatever its branch or its history jobs do (BullMQ keeps completed jobs a day). */
export const MAX_HELD_AFTER_END_MS = 24 * 3600_000;
/**
 * An installation job that ended without a list of the history jobs it stored (it failed, or a
 * worker of an older version ran it) is held this long after it ended: a 1,000-repository install
 * reports in about 15 minutes when GitHub's write budget allows.
 */
export const INSTALL_HELD_AFTER_END_MS = 2 * 3600_000;

interface Held {
  job: ScanJob;
  /** When this process journalled it (or restored it): a job younger than a pass is left alone. */
  since: number;
  /** When a pass first saw it completed or failed. */
  endedAt?: number;
  /**
   * An installation job seen ended: whether its return value was read, and from it the history
   * jobs it stored that no pass has seen end yet (undefined: it listed none).
   */
  listed?: boolean;
  open?: Set<string>;
  /** Of `open`, those a pass found gone from the queue while Redis kept its data. */
  gone?: Set<string>;
}

/** What a pass asks of the queue. */
export interface OutboxQueue {
  /** States in the order asked: completed, failed, unknown (not held), or anything else (to run). */
  states(ids: readonly string[]): Promise<string[]>;
  /** A job's return value (undefined: none, or the queue no longer holds it). */
  result(id: string): Promise<unknown>;
  add(job: ScanJob): Promise<unknown>;
  /**
   * Per serial key: whether its branch's gate still holds a scan or parked ranges (serial-gate.ts).
   * Without it, a branch's jobs are let go once this outbox's ones ended.
   */
  busy?(keys: readonly string[]): Promise<boolean[]>;
  /** Per serial key: the jobs that will take its parked ranges (serial-gate.ts, RedisGate.takers). */
  takers?(keys: readonly string[]): Promise<GateTakers[]>;
  /**
   * Nobody will take the key's parked ranges: `holder` (its lock's or last holder, '' when none is
   * known) ended (`state`: completed, failed, or unknown) without handing the branch on. Report
   * its failure if it failed, and queue what is parked.
   */
  rescue?(key: string, holder: string, state: string): Promise<void>;
}

export interface OutboxOptions {
  path: string;
  log: Pick<Logger, 'info' | 'warn'>;
  /**
   * True when Redis lost its data since this outbox's previous call: its own marker key (named by
   * `id`, see lossCheck) is gone.
   */
  dataLost: (id: string) => Promise<boolean>;
  /** A job younger than this (ms in the outbox) is not judged lost yet: its add may be under way. */
  graceMs: number;
  /** INSTALL_HELD_AFTER_END_MS unless set (tests shorten it). */
  installHeldAfterEndMs?: number;
}

/**
 * The loss check for one outbox: a marker key of its own, set once. Each App replica needs its own:
 * with one key for all, the first replica to look after a loss set it again, and the others never
 * learnt of the loss (their held installation jobs, and the ended jobs of a branch, stayed let go).
 */
export function lossCheck(
  redis: { set(key: string, value: string, nx: 'NX'): Promise<unknown> },
  prefix: string,
): (id: string) => Promise<boolean> {
  return async (id) => (await redis.set(`${prefix}:outbox-alive:${id}`, '1', 'NX')) === 'OK';
}

export class Outbox {
  private journal: JobJournal | undefined;
  private readonly held = new Map<string, Held>();
  private readonly opened: Promise<void>;
  private passing = false;
  /** Busy branches the previous pass found nobody would take: key → who it asked about. */
  private suspects = new Map<string, string>();
  /** Names this outbox's marker key; kept beside the journal, so a restart keeps it. */
  private id = '';

  constructor(private readonly opts: OutboxOptions) {
    this.opened = Promise.all([JobJournal.open(opts.path), outboxId(`${opts.path}.id`)]).then(
      ([{ journal, pending }, id]) => {
        this.journal = journal;
        this.id = id;
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
  async reconcile(q: OutboxQueue): Promise<number> {
    await this.opened;
    if (this.passing) return 0;
    this.passing = true;
    try {
      const lost = await this.opts.dataLost(this.id);
      const now = Date.now();
      // The loss is seen once (the marker is set again by the same call), and a job may still be
      // within its grace then: what Redis said ended no longer stands, for this pass and the next.
      // An installation job's list goes too: the run that adds it again stores its history jobs
      // again under the same ids, and they are asked about afresh once it ended.
      // Nothing is added again before a grace from the loss, either: a worker may still be running
      // a job Redis lost, and it learns that it lost the job only when it next renews the job's
      // lock (every half lock duration), after which it writes nothing (process-scan-job.ts,
      // fenced). graceMs is at least the lock duration, so the copy never runs beside it.
      if (lost)
        for (const h of this.held.values()) {
          forgetEnd(h);
          h.since = Math.max(h.since, now);
        }
      const states = await statesOf(q, [...this.held.keys()]);
      const groups = new Map<string, string[]>();
      states.forEach((state, id) => {
        const h = this.held.get(id)!;
        if (ENDED.has(state)) h.endedAt ??= now;
        const key = serialKeyOf(h.job) ?? id;
        groups.set(key, [...(groups.get(key) ?? []), id]);
      });
      await this.followInstalls(q, states);
      const busy = await this.busyBranches(q, groups);
      await this.rescueStuck(q, busy);
      let readded = 0;
      for (const [key, group] of groups) {
        const again = group.filter((id) => {
          const h = this.held.get(id)!;
          return (
            states.get(id) === 'unknown' &&
            h.endedAt === undefined &&
            now - h.since >= this.opts.graceMs
          );
        });
        if (again.length > 0) {
          // Oldest first; the gate orders a branch's jobs by when their webhooks came anyway.
          const jobs = again
            .map((id) => this.held.get(id)!.job)
            .sort((a, b) => (a.receivedAt ?? 0) - (b.receivedAt ?? 0));
          for (const job of jobs) {
            await q.add(job);
            const h = this.held.get(jobIdOf(job));
            if (h) {
              forgetEnd(h);
              h.since = Date.now();
            }
          }
          readded += jobs.length;
          continue;
        }
        const ended = group.filter((id) => this.held.get(id)!.endedAt !== undefined);
        const letGo = (
          ended.length === group.length && !busy.has(key)
            ? ended
            : ended.filter((id) => now - this.held.get(id)!.endedAt! > MAX_HELD_AFTER_END_MS)
        ).filter((id) => this.installDone(this.held.get(id)!, now));
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

  /**
   * The branches whose held jobs all ended but whose gate still holds something: a job parked
   * there completed at once, and its range is reported only by the scan that holds the branch,
   * maybe a job another App replica stored (so not in this outbox). One batch per pass.
   */
  private async busyBranches(q: OutboxQueue, groups: Map<string, string[]>): Promise<Set<string>> {
    if (!q.busy) return new Set();
    const keys = [...groups]
      .filter(([, ids]) => ids.every((id) => this.held.get(id)!.endedAt !== undefined))
      .map(([key]) => key)
      .filter((key) => serialKeyOf(this.held.get(groups.get(key)![0]!)!.job) === key);
    if (keys.length === 0) return new Set();
    const busy = await q.busy(keys);
    return new Set(keys.filter((_, i) => busy[i]));
  }

  /**
   * A busy branch (parked or inflight ranges) that no job will take: its holder, and the newest
   * job noted for it if that has not started, all ended (or the queue does not know them). The
   * holder hands the branch on when it finishes or fails for good, and one that failed as stalled
   * too often is handed on by the `failed` event of one worker only (bullmq-queue.ts). A worker
   * that died in that handler, or between a hand-over's Redis script and the add of its follow-up,
   * or a lock that expired under a holder that never came back, left heads parked with nobody to
   * scan them: their pushes were never reported, and a failed scan's run stayed in progress. A
   * holder waiting for its retry, a follow-up promised or stored, or a tip still queued will take
   * them, and is left alone. Two passes in a row must find the same jobs ended (a key taken in
   * between is left alone; the hand-over itself only acts if no other job holds the lock).
   */
  private async rescueStuck(q: OutboxQueue, busy: Set<string>): Promise<void> {
    if (!q.takers || !q.rescue || busy.size === 0) {
      this.suspects.clear();
      return;
    }
    const keys = [...busy];
    const takers = await q.takers(keys);
    const askedOf = takers.map((t) => [t.holder, t.tip].filter((id): id is string => !!id));
    const states = await statesOf(q, [...new Set(askedOf.flat())]);
    const next = new Map<string, string>();
    for (const [i, key] of keys.entries()) {
      const { holder } = takers[i]!;
      const asked = askedOf[i]!;
      if (asked.some((id) => !ENDED.has(states.get(id)!) && states.get(id) !== 'unknown')) continue;
      const seen = asked.join(' ');
      if (this.suspects.get(key) !== seen) {
        next.set(key, seen);
        continue;
      }
      const state = holder ? states.get(holder)! : 'unknown';
      try {
        await q.rescue(key, holder ?? '', state);
        this.opts.log.warn(
          { holder, state },
          'queue outbox: a branch held ranges no scan would take; its parked heads are queued again',
        );
      } catch (err) {
        // Found again by the next pass.
        next.set(key, seen);
        this.opts.log.warn({ holder, err: (err as Error).message }, 'queue outbox: rescue failed');
      }
    }
    this.suspects = next;
  }

  /**
   * The installation jobs seen ended: reads each one's list of history jobs once, then asks the
   * queue about those not seen ended, all of them in one batch. A history job the queue no longer
   * holds while Redis kept its data ended and was removed (BullMQ trims old completed jobs); it
   * counts as ended once a second pass agrees, so a loss between this pass's check and its reads
   * is seen (by the next pass's check) before the installation job is let go.
   */
  private async followInstalls(q: OutboxQueue, states: Map<string, string>): Promise<void> {
    const installs = [...this.held.entries()].filter(
      ([, h]) => h.job.kind === 'installation' && h.endedAt !== undefined,
    );
    for (const [id, h] of installs) {
      if (h.listed) continue;
      // A failed job returns nothing; nor did a worker of an older version. A read that fails
      // (Redis away) ends the pass, and the next one reads again.
      const jobs = states.get(id) === 'completed' ? jobsOf(await q.result(id)) : undefined;
      h.listed = true;
      if (jobs) h.open = new Set(jobs);
    }
    const open = new Set(installs.flatMap(([, h]) => [...(h.open ?? [])]));
    if (open.size === 0) return;
    const seen = await statesOf(q, [...open]);
    for (const [, h] of installs) {
      for (const child of h.open ?? []) {
        const state = seen.get(child)!;
        if (ENDED.has(state) || (state === 'unknown' && h.gone?.has(child))) {
          h.open!.delete(child);
          h.gone?.delete(child);
        } else if (state === 'unknown') (h.gone ??= new Set()).add(child);
        else h.gone?.delete(child);
      }
    }
  }

  /**
   * Whether an ended job may be let go as far as its kind goes: an installation job once every
   * history job it listed ended (its fixed hold when it listed none), and at the latest
   * MAX_HELD_AFTER_END_MS after it ended.
   */
  private installDone(h: Held, now: number): boolean {
    if (h.job.kind !== 'installation') return true;
    const since = now - h.endedAt!;
    if (h.open) return h.open.size === 0 || since > MAX_HELD_AFTER_END_MS;
    return since > (this.opts.installHeldAfterEndMs ?? INSTALL_HELD_AFTER_END_MS);
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

async function statesOf(q: OutboxQueue, ids: string[]): Promise<Map<string, string>> {
  const states = ids.length > 0 ? await q.states(ids) : [];
  return new Map(ids.map((id, i) => [id, states[i] ?? 'unknown']));
}

/** What Redis said ended of this job, and what followed from it, no longer stands. */
function forgetEnd(h: Held): void {
  delete h.endedAt;
  delete h.listed;
  delete h.open;
  delete h.gone;
}

/** The history job ids an installation job returned, or undefined when it returned none. */
function jobsOf(result: unknown): string[] | undefined {
  const jobs = (result as { jobs?: unknown } | null | undefined)?.jobs;
  return Array.isArray(jobs) && jobs.every((j) => typeof j === 'string') ? jobs : undefined;
}

/** This outbox's id: read from `path`, or made and written there the first time. */
async function outboxId(path: string): Promise<string> {
  const kept = await readFile(path, 'utf8').catch(() => '');
  if (/^[0-9a-f]{32}$/.test(kept.trim())) return kept.trim();
  const id = randomBytes(16).toString('hex');
  // Not kept (disk full): this process still has an id of its own, a restart makes another.
  await writeFile(path, `${id}\n`).catch(() => undefined);
  return id;
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
