/**
 * A bare clone per repository, fetched incrementally. The installation token travels per git call
 * as an HTTP header through the environment (GIT_CONFIG_*), never in argv, a URL, a file or a log.
 * Bare clones never check out, so no filter or hook of the repository runs.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { redactSecrets, shownValue } from '../core/index.js';
import { GitError, runGit } from './run-git.js';
import { tokenFetchEnv } from './token-env.js';
import { objectStoreDamaged, repositoryGone } from './fetch-failure.js';

export interface RepoCacheLimits {
  timeoutMs?: number;
  maxBytes?: number;
  /**
   * The only origin a token may be sent to (the configured GitHub, e.g. `https://github.com`).
   * A request with a token for any other origin is refused before git starts.
   */
  tokenOrigin?: string;
  /**
   * A fetch whose connection carries less than a byte a second for this long is cut (curl's low
   * speed limit): a server or proxy that stops answering without closing the connection. `fetch -q`
   * is silent, so the inactivity limit cannot see it, and the deadline alone held the job (and one
   * of the process's scan slots) for ten minutes. Git servers send keepalives every few seconds
   * while they prepare a pack, so a live fetch never trips it. Default 60 s.
   */
  stallSeconds?: number;
}

/**
 * The cache key of a repository: installation, repository id and full name together, so a
 * payload that reuses one repository's id under another name can never reach its clone.
 */
export function cacheKeyFor(r: {
  installationId: number;
  repoId: number;
  owner: string;
  repo: string;
}): string {
  return `${r.installationId}/${r.repoId}/${r.owner}/${r.repo}`.toLowerCase();
}

export interface EnsureRequest {
  /** Stable cache key: `cacheKeyFor(...)` (installation, repository id, full name). */
  key: string;
  cloneUrl: string;
  token?: string;
  /** Extra refspecs, e.g. +refs/pull/7/head:refs/pull/7/head. */
  refspecs?: string[];
}

export class RepoNotFoundError extends Error {
  override name = 'RepoNotFoundError';
}
export class RepoTooLargeError extends Error {
  override name = 'RepoTooLargeError';
}
export class GitTimeoutError extends Error {
  override name = 'GitTimeoutError';
}

/** Every branch and tag, mirrored as is. */
export const DEFAULT_REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

/** `git fetch` into a bare repository: no tags beyond the refspecs, no FETCH_HEAD, no submodules, no gc. */
export const BARE_FETCH_FLAGS = [
  '--no-tags',
  '--no-write-fetch-head',
  '--no-recurse-submodules',
  '--no-auto-gc',
  '-q',
];

/**
 * One fetch at a time per clone directory in this process, across every RepoCache on the same
 * cache directory (several queue workers in one process): two jobs of one repository never
 * init or fetch the same directory at once.
 */
const locks = new Map<string, Promise<unknown>>();

export class RepoCache {
  constructor(
    private readonly dir: string,
    private readonly limits: RepoCacheLimits = {},
  ) {}

  /** Returns the bare repository directory, fetched up to date. Serialised per clone directory. */
  ensure(req: EnsureRequest): Promise<string> {
    const lock = resolve(this.pathOf(req.key));
    const prev = locks.get(lock) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.fetch(req));
    locks.set(lock, next);
    // Clean up the lock without creating a second, unhandled rejection of the same failure.
    next.then(
      () => release(lock, next),
      () => release(lock, next),
    );
    return next;
  }

  /** The cached repository of `key` as it is, without fetching; undefined when there is none. */
  async existing(key: string): Promise<string | undefined> {
    const repoDir = this.pathOf(key);
    return (await isUsableRepo(repoDir)) ? repoDir : undefined;
  }

  private pathOf(key: string): string {
    return join(this.dir, createHash('sha256').update(key).digest('hex').slice(0, 24) + '.git');
  }

  private async fetch(req: EnsureRequest): Promise<string> {
    let url: URL;
    try {
      url = new URL(req.cloneUrl);
    } catch {
      throw new Error('refusing a clone URL that does not parse');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Error(`refusing to clone over ${url.protocol}`);
    if (url.username || url.password)
      throw new Error('refusing a clone URL with embedded credentials');
    const tokenOrigin = this.limits.tokenOrigin;
    if (req.token && tokenOrigin && url.origin !== new URL(tokenOrigin).origin)
      throw new Error('refusing to send the token to an origin other than the configured GitHub');
    const repoDir = this.pathOf(req.key);
    // No redirects, and the header scoped to the clone URL's origin: git sends it nowhere else.
    const env = {
      ...tokenFetchEnv(url.origin, req.token),
      GIT_HTTP_LOW_SPEED_LIMIT: '1',
      GIT_HTTP_LOW_SPEED_TIME: String(Math.max(1, Math.round(this.limits.stallSeconds ?? 60))),
    };
    // The size limit is watched while git downloads, so a huge repository cannot fill the disk first.
    const watch = new AbortController();
    const opts = {
      cwd: repoDir,
      env,
      network: true,
      // `fetch -q` is silent while it downloads: the deadline bounds it, not the inactivity limit.
      idleTimeoutMs: 0,
      timeoutMs: this.limits.timeoutMs ?? 10 * 60_000,
      signal: watch.signal,
    };
    let exists = await isUsableRepo(repoDir);
    if (!exists) {
      // Missing, half-created or corrupt: start over rather than fetch into a broken repository.
      await rm(repoDir, { recursive: true, force: true });
      await mkdir(repoDir, { recursive: true });
      await runGit(['init', '--bare', '-q'], { cwd: repoDir });
    }
    const fetchArgs = [
      'fetch',
      '--prune',
      ...BARE_FETCH_FLAGS,
      req.cloneUrl,
      ...DEFAULT_REFSPECS,
      ...(req.refspecs ?? []).map(assertRefspec),
    ];
    const maxBytes = this.limits.maxBytes;
    let overLimit = false;
    const poll = maxBytes
      ? setInterval(() => {
          void dirBytes(join(repoDir, 'objects')).then((n) => {
            if (n > maxBytes) {
              overLimit = true;
              watch.abort();
            }
          });
        }, 250)
      : undefined;
    try {
      await runGit(fetchArgs, opts).catch(async (err: unknown) => {
        // A damaged object store of an existing cache: delete it and clone afresh, once.
        if (!exists || !isCorruption(err)) throw err;
        exists = false;
        await rm(repoDir, { recursive: true, force: true });
        await mkdir(repoDir, { recursive: true });
        await runGit(['init', '--bare', '-q'], { cwd: repoDir });
        await runGit(fetchArgs, opts);
      });
    } catch (err) {
      if (!exists || overLimit) await rm(repoDir, { recursive: true, force: true });
      if (overLimit) throw tooLarge(maxBytes!);
      throw toCacheError(err, url.pathname, req.token);
    } finally {
      clearInterval(poll);
    }
    await this.checkSize(repoDir);
    return repoDir;
  }

  /**
   * The object store's bytes on disk, read from the directory as the fetch's watch reads it: no
   * git process (`count-objects` was one more fork per job, and a fork of a worker costs 6–25 ms
   * of its event loop on the VMs measured in docs/benchmarks-app.md).
   */
  private async checkSize(repoDir: string): Promise<void> {
    if (!this.limits.maxBytes) return;
    if ((await dirBytes(join(repoDir, 'objects'))) > this.limits.maxBytes) {
      // Do not keep (or later re-fetch into) a cache that is over the limit.
      await rm(repoDir, { recursive: true, force: true });
      throw tooLarge(this.limits.maxBytes);
    }
  }
}

function release(lock: string, p: Promise<unknown>): void {
  if (locks.get(lock) === p) locks.delete(lock);
}

/** Points a bare clone's HEAD at a branch (after fetch, for presentAtHead). */
export async function setHead(repoDir: string, branch: string): Promise<void> {
  await runGit(['symbolic-ref', 'HEAD', `refs/heads/${branch}`], { cwd: repoDir });
}

async function isUsableRepo(repoDir: string): Promise<boolean> {
  const hasHead = await stat(join(repoDir, 'HEAD')).then(
    () => true,
    () => false,
  );
  return hasHead && (await isBareRepository(repoDir));
}

/** true for a bare repository (no working tree, no index); false for anything else or an error. */
export async function isBareRepository(dir: string): Promise<boolean> {
  const r = await runGit(['rev-parse', '--is-bare-repository'], {
    cwd: dir,
    okCodes: [0, 128],
    timeoutMs: 30_000,
  }).catch(() => undefined);
  return r?.code === 0 && r.stdout.toString('utf8').trim() === 'true';
}

function isCorruption(err: unknown): boolean {
  return err instanceof GitError && objectStoreDamaged(err.stderr);
}

/** Refspecs come from job data: only plain `+refs/...:refs/...` forms, nothing git reads as an option. */
function assertRefspec(spec: string): string {
  if (!/^\+?refs\/[A-Za-z0-9_./*-]+:refs\/[A-Za-z0-9_./*-]+$/.test(spec) || spec.includes('..'))
    throw new Error(`not an accepted refspec: ${JSON.stringify(shownValue(spec))}`);
  return spec;
}

/** Typed, token-free errors: the queue decides retry vs. give up on the class. */
function toCacheError(err: unknown, rawPath: string, token: string | undefined): Error {
  const repoPath = redactSecrets(rawPath);
  const stderr = err instanceof GitError ? err.stderr : String(err);
  if (err instanceof GitError && err.code === null && /timed out/.test(err.message))
    return new GitTimeoutError(`git fetch of ${repoPath} timed out`);
  if (repositoryGone(stderr))
    return new RepoNotFoundError(`repository ${repoPath} is gone or not accessible`);
  let last = stderr.trim().split('\n').pop() ?? '';
  last = last.replace(/Authorization:[^\n]*/gi, 'Authorization: ***');
  if (token) last = last.split(token).join('***');
  return new Error(`git fetch of ${repoPath} failed: ${redactSecrets(last)}`);
}

function tooLarge(maxBytes: number): RepoTooLargeError {
  return new RepoTooLargeError(`repository is larger than the ${maxBytes} byte limit`);
}

/** Bytes under a directory (the object store, including packs still being received). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const st = await stat(join(e.parentPath, e.name)).catch(() => undefined);
    total += st?.size ?? 0;
  }
  return total;
}
