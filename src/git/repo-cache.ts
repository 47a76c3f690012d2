/**
 * A bare clone per repository, fetched incrementally. The installation token travels per git call
 * as an HTTP header through the environment (GIT_CONFIG_*), never in argv, a URL, a file or a log.
 * Bare clones never check out, so no filter or hook of the repository runs.
 */
import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GitError, runGit } from './run-git.js';

export interface RepoCacheLimits {
  timeoutMs?: number;
  maxBytes?: number;
}

export interface EnsureRequest {
  /** Stable cache key, e.g. the repository id. */
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

const DEFAULT_REFSPECS = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];

export class RepoCache {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dir: string,
    private readonly limits: RepoCacheLimits = {},
  ) {}

  /** Returns the bare repository directory, fetched up to date. Serialised per key. */
  ensure(req: EnsureRequest): Promise<string> {
    const prev = this.locks.get(req.key) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.fetch(req));
    this.locks.set(req.key, next);
    void next.finally(() => {
      if (this.locks.get(req.key) === next) this.locks.delete(req.key);
    });
    return next;
  }

  private async fetch(req: EnsureRequest): Promise<string> {
    const url = new URL(req.cloneUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Error(`refusing to clone over ${url.protocol}`);
    if (url.username || url.password)
      throw new Error('refusing a clone URL with embedded credentials');
    const repoDir = join(
      this.dir,
      createHash('sha256').update(req.key).digest('hex').slice(0, 24) + '.git',
    );
    const env: Record<string, string> = {};
    if (req.token) {
      env.GIT_CONFIG_COUNT = '1';
      env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
      env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${Buffer.from(`x-access-token:${req.token}`).toString('base64')}`;
    }
    const opts = { cwd: repoDir, env, timeoutMs: this.limits.timeoutMs ?? 10 * 60_000 };
    const exists = await stat(join(repoDir, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(repoDir, { recursive: true });
      await runGit(['init', '--bare', '-q'], { cwd: repoDir });
    }
    try {
      await runGit(
        [
          'fetch',
          '--prune',
          '--no-tags',
          '--no-write-fetch-head',
          '--no-recurse-submodules',
          '-q',
          req.cloneUrl,
          ...DEFAULT_REFSPECS,
          ...(req.refspecs ?? []),
        ],
        opts,
      );
    } catch (err) {
      const message = err instanceof GitError ? err.stderr : String(err);
      if (/not found|404|410|does not appear to be a git repository/i.test(message)) {
        throw new RepoNotFoundError(`repository ${url.pathname} is gone or not accessible`);
      }
      if (!exists) await rm(repoDir, { recursive: true, force: true });
      throw new Error(
        `git fetch failed: ${
          message
            .replace(/Authorization:[^\n]*/gi, 'Authorization: ***')
            .trim()
            .split('\n')
            .pop() ?? ''
        }`,
      );
    }
    await this.checkSize(repoDir);
    // HEAD of a bare clone: point it at the default branch so history scans know "HEAD".
    return repoDir;
  }

  private async checkSize(repoDir: string): Promise<void> {
    if (!this.limits.maxBytes) return;
    const { stdout } = await runGit(['count-objects', '-v'], { cwd: repoDir });
    const kb = /size-pack: (\d+)/.exec(stdout.toString('utf8'));
    if (kb && Number(kb[1]) * 1024 > this.limits.maxBytes) {
      throw new RepoTooLargeError(
        `repository is larger than the ${this.limits.maxBytes} byte limit`,
      );
    }
  }
}

/** Points a bare clone's HEAD at a branch (after fetch, for presentAtHead). */
export async function setHead(repoDir: string, branch: string): Promise<void> {
  await runGit(['symbolic-ref', 'HEAD', `refs/heads/${branch}`], { cwd: repoDir });
}
