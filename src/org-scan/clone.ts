/**
 * A temporary bare clone of one repository of the organisation scan. The token travels as an HTTP
 * header through the environment of the git call (GIT_CONFIG_*), scoped to the configured GitHub
 * origin (`http.<origin>/.extraHeader`) with redirects off, so git sends it nowhere else; it is
 * never in a URL, an argument or a file. Bare: no checkout, no filter or hook of the repository.
 */
import { mkdir } from 'node:fs/promises';
import { BARE_FETCH_FLAGS, DEFAULT_REFSPECS } from '../git/repo-cache.js';
import { GitError, runGit } from '../git/run-git.js';
import { tokenFetchEnv } from '../git/token-env.js';
import { credentialsRefused, fetchHttpStatus, repositoryGone } from '../git/fetch-failure.js';

export interface CloneRequest {
  cloneUrl: string;
  /** Origin (scheme://host[:port]) the token may be sent to. */
  origin: string;
  token?: string;
  defaultBranch?: string;
  timeoutMs?: number;
}

/** Throws unless `cloneUrl` is plain http(s) on exactly `origin`, with no credentials in it. */
export function assertOnOrigin(cloneUrl: string, origin: string): void {
  let url: URL;
  try {
    url = new URL(cloneUrl);
  } catch {
    throw new Error('the clone URL does not parse');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`refusing to clone over ${url.protocol}`);
  if (url.username || url.password) throw new Error('refusing a clone URL with credentials in it');
  if (url.origin !== origin)
    throw new Error(
      `clone URL is on ${url.origin}, not ${origin}: not cloned (the token is only sent to the configured GitHub)`,
    );
}

function authEnv(req: CloneRequest): Record<string, string> {
  return tokenFetchEnv(req.origin, req.token);
}

/** Git's refusal as a short sentence, without the token or the header. */
function cloneError(err: unknown, token: string | undefined): Error {
  const stderr = err instanceof GitError ? err.stderr : String(err);
  if (err instanceof GitError && err.code === null)
    return new Error(`git fetch ${err.message.replace(/^git \w+ /, '')}`);
  let last = stderr.trim().split('\n').pop() ?? 'git fetch failed';
  last = last.replace(/Authorization:[^\n]*/gi, 'Authorization: ***');
  if (token) last = last.split(token).join('***');
  if (credentialsRefused(stderr))
    return new Error('git fetch was refused (401): the token cannot read this repository');
  if (fetchHttpStatus(stderr) === 403) return new Error('git fetch was forbidden (403)');
  if (repositoryGone(stderr)) return new Error('git fetch: repository not found (404)');
  return new Error(`git fetch failed: ${last.replace(/^(fatal|error): /, '')}`);
}

/** Clones every branch and tag into `dir` (bare) and points HEAD at the default branch. */
export async function bareClone(dir: string, req: CloneRequest): Promise<void> {
  assertOnOrigin(req.cloneUrl, req.origin);
  await mkdir(dir, { recursive: true });
  await runGit(['init', '--bare', '-q'], { cwd: dir });
  try {
    await runGit(['fetch', ...BARE_FETCH_FLAGS, req.cloneUrl, ...DEFAULT_REFSPECS], {
      cwd: dir,
      env: authEnv(req),
      timeoutMs: req.timeoutMs ?? 30 * 60_000,
      // The one kind of call that may use the network (scans may not); quiet while it downloads.
      network: true,
      idleTimeoutMs: 0,
    });
  } catch (err) {
    throw cloneError(err, req.token);
  }
  if (
    req.defaultBranch &&
    /^[A-Za-z0-9._/-]+$/.test(req.defaultBranch) &&
    !req.defaultBranch.includes('..')
  )
    await runGit(['symbolic-ref', 'HEAD', `refs/heads/${req.defaultBranch}`], { cwd: dir });
}

/** `.github/upstash-guard.yml` at HEAD of a bare clone, or undefined when it has none. */
export async function configAtHead(dir: string, path: string): Promise<string | undefined> {
  const r = await runGit(['cat-file', 'blob', `HEAD:${path}`], {
    cwd: dir,
    okCodes: [0, 128],
    timeoutMs: 30_000,
    maxBuffer: 1024 * 1024,
  }).catch(() => undefined);
  return r?.code === 0 ? r.stdout.toString('utf8') : undefined;
}
