/**
 * A write-ahead journal for the in-process queue, so a restart (deploy, SIGTERM, SIGKILL, OOM)
 * loses no queued scan. One JSON line per event: `add` (the job, before the webhook is answered)
 * and `done`. Adds are group-committed: appended and fsync'd together, and `add` resolves only
 * once its line is on disk. On open, jobs without `done` are returned for replay and the file is
 * rewritten with just those (write, fsync, rename, fsync the directory). Jobs are ids and SHAs
 * only, so nothing secret is written.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AppendLog } from './append-log.js';
import { FileLock } from './file-lock.js';
import { PRIORITY, type ScanJob } from './scan-job.js';

type Entry = { op: 'add'; id: string; job: ScanJob } | { op: 'done'; id: string };

export class JobJournal {
  private constructor(
    private readonly log: AppendLog,
    /** The jobs added and not done: what a compaction keeps. */
    private readonly live: Map<string, ScanJob>,
  ) {}

  /**
   * Opens (or creates) the journal; returns it with the jobs that never finished, oldest first,
   * and how many lines were not usable entries (skipped: a torn last line, or damage). Throws
   * LockHeldError when another live process holds it.
   */
  static async open(
    path: string,
  ): Promise<{ journal: JobJournal; pending: { id: string; job: ScanJob }[]; unusable: number }> {
    await mkdir(dirname(path), { recursive: true });
    const lock = await FileLock.acquire(`${path}.lock`);
    try {
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return '';
        throw err;
      });
      const pending = new Map<string, ScanJob>();
      let unusable = 0;
      for (const line of text.split('\n')) {
        if (!line) continue;
        // A line torn by a crash mid-write (its add was never acknowledged), or damage: JSON that
        // is not an entry (null, a job without a kind) stopped the queue from ever opening, and
        // every webhook was answered 503.
        const e = entryOf(line);
        if (!e) unusable++;
        else if (e.op === 'add') pending.set(e.id, e.job);
        else pending.delete(e.id);
      }
      const live = new Map(pending);
      const addLines = (): string[] => [...live].map(([id, job]) => line({ op: 'add', id, job }));
      // Rewritten with the live jobs only once it holds many more lines, so it does not grow
      // without bound.
      const log = await AppendLog.open(path, addLines(), {
        compact: (lines) => (lines > 4 * live.size + 10_000 ? addLines() : undefined),
        lock,
      });
      return {
        journal: new JobJournal(log, live),
        pending: [...pending].map(([id, job]) => ({ id, job })),
        unusable,
      };
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** Durable when it resolves; when it rejects the job is not in the journal. */
  async add(id: string, job: ScanJob): Promise<void> {
    this.live.set(id, job);
    await this.log.append(line({ op: 'add', id, job })).catch((err: unknown) => {
      this.live.delete(id);
      throw err;
    });
  }

  /** A lost `done` only means the job runs again after a crash (jobs are idempotent). */
  done(id: string): Promise<void> {
    this.live.delete(id);
    return this.log.append(line({ op: 'done', id }));
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

const line = (e: Entry): string => JSON.stringify(e);

/** A journal line as an entry, or undefined when it is not one. */
function entryOf(text: string): Entry | undefined {
  let e: unknown;
  try {
    e = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { op, id, job } = (e ?? {}) as { op?: unknown; id?: unknown; job?: unknown };
  if (typeof id !== 'string' || !id) return undefined;
  if (op === 'done') return { op, id };
  if (op !== 'add' || !isJob(job)) return undefined;
  return { op, id, job };
}

function isJob(v: unknown): v is ScanJob {
  const j = v as Partial<ScanJob> | null;
  return (
    typeof j === 'object' &&
    j !== null &&
    typeof j.kind === 'string' &&
    Object.hasOwn(PRIORITY, j.kind) &&
    typeof j.installationId === 'number' &&
    typeof j.owner === 'string' &&
    typeof j.repo === 'string' &&
    typeof j.repoId === 'number' &&
    typeof j.headSha === 'string'
  );
}
