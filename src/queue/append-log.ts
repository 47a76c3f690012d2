/**
 * A local file of JSON lines written ahead of state changes (the in-process queue's journal, the
 * install runs): lines are group-committed (appended and fsync'd together, each `append` resolving
 * once its line is on disk), and the file is replaced atomically when opened or compacted.
 */
import { constants } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileLock } from './file-lock.js';

export interface AppendLogOptions {
  /**
   * Asked after each group commit with the number of lines in the file; lines to replace the file
   * with (its live content, so it does not grow without bound), or undefined to keep appending.
   */
  compact?: (lines: number) => string[] | undefined;
  /** Held by this log (one process per file): released when it is closed. */
  lock?: FileLock;
}

export class AppendLog {
  private buffer: string[] = [];
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  /**
   * A write failed (disk full): part of it may be in the file without its newline, and the next
   * line appended would be glued to it and lost on replay, although acknowledged. The next write
   * starts with a newline, so the torn part stays a line of its own (ignored on replay).
   */
  private torn = false;
  /** Compacted: the handle is closed and the next write opens the file in its place. */
  private reopen = false;

  private constructor(
    private readonly path: string,
    private fh: FileHandle,
    private lines: number,
    private readonly opts: AppendLogOptions,
  ) {}

  /** Replaces `path` with `initial` (lines without their newline), then appends to it. */
  static async open(
    path: string,
    initial: string[],
    opts: AppendLogOptions = {},
  ): Promise<AppendLog> {
    await rewrite(
      path,
      initial.map((l) => `${l}\n`),
    );
    const fh = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    return new AppendLog(path, fh, initial.length, opts);
  }

  /** Durable when it resolves. */
  append(line: string): Promise<void> {
    this.buffer.push(`${line}\n`);
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush();
    return p;
  }

  async close(): Promise<void> {
    await this.flushing;
    if (this.buffer.length) await this.flush();
    if (!this.reopen) await this.fh.close();
    await this.opts.lock?.release();
  }

  private async flush(): Promise<void> {
    try {
      // One write and one fsync for everything buffered while the previous flush ran.
      while (this.buffer.length) {
        const chunk = (this.torn ? '\n' : '') + this.buffer.join('');
        const waiters = this.waiters;
        this.lines += this.buffer.length;
        this.buffer = [];
        this.waiters = [];
        try {
          if (this.reopen) {
            this.fh = await open(this.path, constants.O_WRONLY | constants.O_APPEND, 0o600);
            this.reopen = false;
          }
          await this.fh.write(chunk);
          await this.fh.datasync();
          this.torn = false;
          for (const w of waiters) w.resolve();
        } catch (err) {
          this.torn = true;
          for (const w of waiters) w.reject(err);
          continue;
        }
        const live = this.opts.compact?.(this.lines);
        // A compaction that fails (disk full) leaves the log as it was: it is tried again later.
        if (live) await this.replace(live).catch(() => undefined);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * The new file is in place before the old handle is let go (a failed rewrite keeps appending to
   * the old file); the next write opens the new one, and fails, rather than writing to the old
   * file renamed away, if it cannot.
   */
  private async replace(lines: string[]): Promise<void> {
    await rewrite(
      this.path,
      lines.map((l) => `${l}\n`),
    );
    this.lines = lines.length;
    this.torn = false;
    this.reopen = true;
    await this.fh.close().catch(() => undefined);
  }
}

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
