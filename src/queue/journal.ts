/**
 * A write-ahead journal for the in-process queue, so a restart (deploy, SIGTERM, SIGKILL, OOM)
 * loses no queued scan. One JSON line per event: `add` (the job, before the webhook is answered)
 * and `done`. Adds are group-committed: appended and fsync'd together, and `add` resolves only
 * once its line is on disk. On open, jobs without `done` are returned for replay and the file is
 * rewritten with just those (write, fsync, rename, fsync the directory). Jobs are ids and SHAs
 * only, so nothing secret is written.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ScanJob } from './scan-job.js';

type Entry = { op: 'add'; id: string; job: ScanJob } | { op: 'done'; id: string };

export class JobJournal {
  private buffer: string[] = [];
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  private lines = 0;
  private readonly live = new Map<string, ScanJob>();

  private constructor(
    private readonly path: string,
    private fh: FileHandle,
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
    await rewrite(
      path,
      [...pending].map(([id, job]) => line({ op: 'add', id, job })),
    );
    const fh = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    const journal = new JobJournal(path, fh);
    for (const [id, job] of pending) journal.live.set(id, job);
    journal.lines = pending.size;
    return { journal, pending: [...pending].map(([id, job]) => ({ id, job })) };
  }

  /** Durable when it resolves. */
  add(id: string, job: ScanJob): Promise<void> {
    this.live.set(id, job);
    return this.write(line({ op: 'add', id, job }));
  }

  /** A lost `done` only means the job runs again after a crash (jobs are idempotent). */
  done(id: string): Promise<void> {
    this.live.delete(id);
    return this.write(line({ op: 'done', id }));
  }

  async close(): Promise<void> {
    await this.flushing;
    if (this.buffer.length) await this.flush();
    await this.fh.close();
  }

  private write(text: string): Promise<void> {
    this.buffer.push(text);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.flushing) this.flushing = this.flush();
    return p;
  }

  private async flush(): Promise<void> {
    // One write and one fsync for everything buffered while the previous flush ran.
    while (this.buffer.length) {
      const chunk = this.buffer.join('');
      const waiters = this.waiters;
      this.lines += this.buffer.length;
      this.buffer = [];
      this.waiters = [];
      try {
        await this.fh.write(chunk);
        await this.fh.datasync();
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
      if (this.lines > 4 * this.live.size + 10_000) await this.compact();
    }
    this.flushing = undefined;
  }

  /** Rewrites the file with the live jobs only, so it does not grow without bound. */
  private async compact(): Promise<void> {
    await this.fh.close();
    await rewrite(
      this.path,
      [...this.live].map(([id, job]) => line({ op: 'add', id, job })),
    );
    this.fh = await open(this.path, constants.O_WRONLY | constants.O_APPEND, 0o600);
    this.lines = this.live.size;
  }
}

const line = (e: Entry): string => `${JSON.stringify(e)}\n`;

/** Replaces `path` with `lines` atomically: write, fsync, rename, fsync the directory. */
export async function rewrite(path: string, lines: string[]): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.write(lines.join(''));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
