/**
 * Keeps the clone cache bounded and tidy:
 * - every clone carries a small `upstash-guard.json` (installation, repository id, last use), so
 *   clones can be found again by repository and ordered by last use;
 * - `sweep()` evicts least-recently-used clones until the cache is under `maxBytes`, never one a
 *   job is using;
 * - `repackIfNeeded()` packs loose objects once they pile up (`git repack -a -d` and
 *   `prune` of hour-old unreachable objects through runGit, i.e. with the hardened git environment: no hooks, no config
 *   programs of the repository);
 * - `remove()` deletes the clones of removed repositories or a deleted installation.
 */
import { readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { dirBytes } from './repo-cache.js';
import { runGit } from './run-git.js';

const META = 'upstash-guard.json';
const LOOSE_DIR = /^[0-9a-f]{2}$/;
const LOOSE_OBJECT = /^[0-9a-f]{38}(?:[0-9a-f]{24})?$/;
const PACK = /^pack-[0-9a-f]+\.pack$/;

/**
 * Loose objects (counted up to `looseStop`) and packs of an object store, as `git count-objects`
 * counts them, read from the directory: after every job, and a fork of the worker for
 * `count-objects` cost 6–25 ms of its event loop on the VMs measured in docs/benchmarks-app.md.
 */
export async function objectCounts(
  objectsDir: string,
  looseStop = Infinity,
): Promise<{ loose: number; packs: number }> {
  const names = (dir: string): Promise<string[]> => readdir(dir).catch(() => []);
  const packs = (await names(join(objectsDir, 'pack'))).filter((f) => PACK.test(f)).length;
  let loose = 0;
  for (const d of await names(objectsDir)) {
    if (loose >= looseStop) break;
    if (!LOOSE_DIR.test(d)) continue;
    loose += (await names(join(objectsDir, d))).filter((f) => LOOSE_OBJECT.test(f)).length;
  }
  return { loose, packs };
}

export interface CloneMeta {
  installationId: number;
  repoId: number;
  lastUsed: number;
}

export interface JanitorOptions {
  /** Total cap for the cache directory (UPSTASH_GUARD_CACHE_MAX_BYTES); no eviction when unset. */
  maxBytes?: number;
  /** Loose objects that trigger a repack (default 256). */
  looseObjectLimit?: number;
  /** Pack files that trigger a repack into one (default 16). */
  packLimit?: number;
  onEvict?: (reason: 'lru' | 'removed' | 'partial', count: number) => void;
  /**
   * A clone directory without `upstash-guard.json` this much older than its last change is the
   * leftover of a first clone killed mid-fetch (a worker SIGKILLed, a crash): removed by the sweep.
   * Default one hour, well above the fetch deadline (10 minutes).
   */
  partialAgeMs?: number;
}

export class CacheJanitor {
  private readonly busy = new Map<number, number>();
  private last: { bytes: number; repos: number } | undefined;
  /** Each clone's bytes as last measured (by a sweep, or after its job). */
  private sizes = new Map<string, number>();
  private sweeping: Promise<{ bytes: number; repos: number }> | undefined;

  constructor(
    private readonly dir: string,
    private readonly opts: JanitorOptions = {},
  ) {}

  /** Marks a repository in use by a job; eviction skips it until the returned release is called. */
  hold(repoId: number): () => void {
    this.busy.set(repoId, (this.busy.get(repoId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.busy.get(repoId) ?? 1) - 1;
      if (n <= 0) this.busy.delete(repoId);
      else this.busy.set(repoId, n);
    };
  }

  /** Records a use of a clone (after each fetch). */
  async used(repoDir: string, meta: Omit<CloneMeta, 'lastUsed'>): Promise<void> {
    const now = Date.now();
    await writeFile(join(repoDir, META), JSON.stringify({ ...meta, lastUsed: now }));
    await utimes(repoDir, now / 1000, now / 1000).catch(() => undefined);
  }

  /** The last sweep's totals, for /metrics. */
  size(): { bytes: number; repos: number } | undefined {
    return this.last;
  }

  /**
   * After a job: repack when needed, then account for its clone in the background. Only that
   * clone is measured; the whole cache is swept (and LRU clones evicted) when the total is over
   * `maxBytes` or not known yet. A sweep reads every file of every clone: run after each job, it
   * had kept the worker's file system threads busy for the whole of a 1,000-repository install
   * (the App also sweeps every 5 minutes and at startup, src/app/runtime.ts).
   */
  async afterJob(repoDir: string): Promise<void> {
    await this.repackIfNeeded(repoDir);
    void this.account(repoDir).catch(() => undefined);
  }

  private async account(repoDir: string): Promise<void> {
    const key = resolve(repoDir);
    if (this.last && !this.sweeping) {
      const bytes = await dirBytes(key);
      // Read after measuring: a sweep or another job's accounting meanwhile left its own figures.
      const last = this.last;
      const before = this.sizes.get(key);
      this.sizes.set(key, bytes);
      this.last = {
        bytes: last.bytes - (before ?? 0) + bytes,
        repos: last.repos + (before === undefined ? 1 : 0),
      };
      if (!this.opts.maxBytes || this.last.bytes <= this.opts.maxBytes) return;
    }
    await this.sweep();
  }

  /** Repacks when loose objects or packs have piled up. Returns whether it did. */
  async repackIfNeeded(repoDir: string): Promise<boolean> {
    const looseLimit = this.opts.looseObjectLimit ?? 256;
    const { loose, packs } = await objectCounts(join(repoDir, 'objects'), looseLimit);
    if (loose < looseLimit && packs < (this.opts.packLimit ?? 16)) return false;
    await runGit(['repack', '-a', '-d', '-q', '--no-write-bitmap-index'], {
      cwd: repoDir,
      timeoutMs: 10 * 60_000,
      niceness: 10,
      // Silent until done (-q): bounded by its deadline, not by the inactivity limit.
      idleTimeoutMs: 0,
    });
    // Unreachable leftovers (force pushes, deleted branches) an hour old; younger ones may belong
    // to a fetch that has not updated its refs yet.
    await runGit(['prune', '--expire=1.hour.ago'], {
      cwd: repoDir,
      timeoutMs: 10 * 60_000,
      idleTimeoutMs: 0,
    });
    return true;
  }

  /** Evicts least-recently-used clones until the cache fits; one sweep at a time. */
  sweep(): Promise<{ bytes: number; repos: number }> {
    this.sweeping ??= this.doSweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async doSweep(): Promise<{ bytes: number; repos: number }> {
    const all = await this.list();
    // Leftovers of a first clone that never finished (no metadata, untouched for long): not a
    // repository, and no installation's removal would ever find them.
    const stale = Date.now() - (this.opts.partialAgeMs ?? 3600_000);
    const partial = all.filter((c) => !c.hasMeta && c.lastUsed < stale);
    for (const c of partial) await rm(c.path, { recursive: true, force: true });
    if (partial.length) this.opts.onEvict?.('partial', partial.length);
    const clones = all.filter((c) => !partial.includes(c));
    let bytes = clones.reduce((a, c) => a + c.bytes, 0);
    const max = this.opts.maxBytes;
    let evicted = 0;
    const sizes = new Map(clones.map((c) => [c.path, c.bytes]));
    if (max && bytes > max) {
      for (const c of [...clones].sort((a, b) => a.lastUsed - b.lastUsed)) {
        if (bytes <= max) break;
        if (c.repoId !== undefined && this.busy.has(c.repoId)) continue;
        await rm(c.path, { recursive: true, force: true });
        bytes -= c.bytes;
        evicted++;
        sizes.delete(c.path);
      }
    }
    if (evicted) this.opts.onEvict?.('lru', evicted);
    this.sizes = sizes;
    // Repositories: finished clones (a first clone still fetching has no metadata yet).
    this.last = { bytes, repos: clones.filter((c) => c.hasMeta).length - evicted };
    return this.last;
  }

  /** Deletes the clones of these repositories (or all of an installation's when `repoIds` is unset). */
  async remove(installationId: number, repoIds?: number[]): Promise<number> {
    const only = repoIds ? new Set(repoIds) : undefined;
    let removed = 0;
    for (const c of await this.list()) {
      const match = only
        ? c.repoId !== undefined && only.has(c.repoId)
        : c.installationId === installationId;
      if (!match) continue;
      await rm(c.path, { recursive: true, force: true });
      removed++;
      const bytes = this.sizes.get(c.path);
      if (bytes !== undefined && this.last) {
        this.sizes.delete(c.path);
        this.last = { bytes: this.last.bytes - bytes, repos: this.last.repos - 1 };
      }
    }
    if (removed) this.opts.onEvict?.('removed', removed);
    return removed;
  }

  private async list(): Promise<
    {
      path: string;
      bytes: number;
      lastUsed: number;
      hasMeta: boolean;
      repoId?: number;
      installationId?: number;
    }[]
  > {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const out = [];
    for (const e of entries) {
      if (!e.isDirectory() || !e.name.endsWith('.git')) continue;
      // Absolute, as `account` resolves a job's clone directory to look it up in `sizes`.
      const path = resolve(this.dir, e.name);
      const meta = await readFile(join(path, META), 'utf8')
        .then((t) => JSON.parse(t) as Partial<CloneMeta>)
        .catch(() => undefined);
      const st = await stat(path).catch(() => undefined);
      out.push({
        path,
        bytes: await dirBytes(path),
        lastUsed: meta?.lastUsed ?? st?.mtimeMs ?? 0,
        hasMeta: meta !== undefined,
        ...(typeof meta?.repoId === 'number' ? { repoId: meta.repoId } : {}),
        ...(typeof meta?.installationId === 'number'
          ? { installationId: meta.installationId }
          : {}),
      });
    }
    return out;
  }
}
