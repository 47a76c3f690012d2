/**
 * A local file of JSON lines written ahead of state changes (the in-process queue's journal, the
 * install runs): lines are group-committed (appended and fsync'd together, each `append` resolving
 * once its line is on disk), and the file is replaced atomically when opened or compacted.
 */
import { constants } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AppendLogOptions {
  /**
   * Asked after each group commit with the number of lines in the file; lines to replace the file
   * with (its live content, so it does not grow without bound), or undefined to keep appending.
   */
  compact?: (lines: number) => string[] | undefined;
}

export class AppendLog {
  private buffer: string[] = [];
  private waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;

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
    await this.fh.close();
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
      const live = this.opts.compact?.(this.lines);
      if (live) await this.replace(live);
    }
    this.flushing = undefined;
  }

  private async replace(lines: string[]): Promise<void> {
    await this.fh.close();
    await rewrite(
      this.path,
      lines.map((l) => `${l}\n`),
    );
    this.fh = await open(this.path, constants.O_WRONLY | constants.O_APPEND, 0o600);
    this.lines = lines.length;
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
