/**
 * One process per journal file. Two App processes without Redis on one data directory (two
 * `npm start` on the default directory, or two containers on one volume) each rewrote the
 * journal at startup: the first then appended to a file the second had renamed away, and the
 * adds it acknowledged were lost at the next restart; both also ran the same restored jobs.
 *
 * The lock is a file beside the journal, created exclusively, naming its holder (pid, host) and
 * touched while held. A lock is stale, and taken over, when its holder is this very process id
 * (a restarted container is pid 1 again), a process of this host that no longer exists, or it
 * was not touched for `staleMs` (a holder on another host, or a reused pid). Node has no
 * flock(); two processes taking over the same stale lock in the same instant can both win,
 * which this does not prevent (it is there to catch a misconfiguration, not to be a mutex).
 */
import { hostname } from 'node:os';
import { open, readFile, rm, stat, utimes } from 'node:fs/promises';

export class LockHeldError extends Error {
  override name = 'LockHeldError';
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

export interface FileLockOptions {
  /** A lock not touched for this long is stale (default 2 min). */
  staleMs?: number;
  /** How often the holder touches it (default 20 s). */
  touchMs?: number;
}

export class FileLock {
  private readonly timer: NodeJS.Timeout;

  private constructor(
    readonly path: string,
    touchMs: number,
  ) {
    this.timer = setInterval(() => {
      const now = new Date();
      void utimes(path, now, now).catch(() => undefined);
    }, touchMs);
    this.timer.unref();
  }

  static async acquire(path: string, opts: FileLockOptions = {}): Promise<FileLock> {
    const staleMs = opts.staleMs ?? 120_000;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(path, 'wx', 0o600);
        try {
          const me: Holder = {
            pid: process.pid,
            host: hostname(),
            since: new Date().toISOString(),
          };
          await fh.writeFile(JSON.stringify(me));
        } finally {
          await fh.close();
        }
        return new FileLock(path, opts.touchMs ?? 20_000);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = await current(path, staleMs);
      if (holder)
        throw new LockHeldError(
          `${path} is held by process ${holder.pid} on ${holder.host} (since ${holder.since}): ` +
            'without REDIS_URL each App process needs its own UPSTASH_GUARD_DATA_DIR',
        );
      await rm(path, { force: true });
    }
    throw new LockHeldError(`${path}: another process took the lock at the same moment`);
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await rm(this.path, { force: true });
  }
}

/** The live holder of the lock at `path`, or undefined when the lock is stale (or unreadable). */
async function current(path: string, staleMs: number): Promise<Holder | undefined> {
  const [text, st] = await Promise.all([
    readFile(path, 'utf8').catch(() => ''),
    stat(path).catch(() => undefined),
  ]);
  if (!st || Date.now() - st.mtimeMs > staleMs) return undefined;
  let holder: Partial<Holder>;
  try {
    holder = JSON.parse(text) as Partial<Holder>;
  } catch {
    // Torn while its holder wrote it (it writes a few bytes right after creating it): a fresh
    // unreadable lock is a holder starting up.
    return { pid: 0, host: 'unknown', since: new Date(st.mtimeMs).toISOString() };
  }
  if (typeof holder.pid !== 'number' || typeof holder.host !== 'string') return undefined;
  const found = { pid: holder.pid, host: holder.host, since: String(holder.since ?? '') };
  if (found.host !== hostname()) return found;
  if (found.pid === process.pid) return undefined;
  return alive(found.pid) ? found : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
