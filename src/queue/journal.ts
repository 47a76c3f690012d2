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
import type { ScanJob } from './scan-job.js';

type Entry = { op: 'add'; id: string; job: ScanJob } | { op: 'done'; id: string };

export class JobJournal {
  private constructor(
    private readonly log: AppendLog,
    /** The jobs added and not done: what a compaction keeps. */
    private readonly live: Map<string, ScanJob>,
  ) {}

  /** Opens (or creates) the journal; returns it with the jobs that never finished, oldest first. */
  static async open(
    path: string,
  ): Promise<{ journal: JobJournal; pending: { id: string; job: ScanJob }[] }> {
    await mkdir(dirname(path), { recursive: true });
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const pending = new Map<string, ScanJob>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      let e: Entry;
      try {
        e = JSON.parse(line) as Entry;
      } catch {
        continue; // a line torn by a crash mid-write: its add was never acknowledged
      }
      if (e.op === 'add') pending.set(e.id, e.job);
      else pending.delete(e.id);
    }
    const live = new Map(pending);
    const addLines = (): string[] => [...live].map(([id, job]) => line({ op: 'add', id, job }));
    // Rewritten with the live jobs only once it holds many more lines, so it does not grow
    // without bound.
    const log = await AppendLog.open(path, addLines(), {
      compact: (lines) => (lines > 4 * live.size + 10_000 ? addLines() : undefined),
    });
    return {
      journal: new JobJournal(log, live),
      pending: [...pending].map(([id, job]) => ({ id, job })),
    };
  }

  /** Durable when it resolves. */
  add(id: string, job: ScanJob): Promise<void> {
    this.live.set(id, job);
    return this.log.append(line({ op: 'add', id, job }));
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
