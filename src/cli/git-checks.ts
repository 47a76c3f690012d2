import { realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { isGitExitError, porcelainGit } from '../git/porcelain.js';
import { runGit } from '../git/run-git.js';
import { parseRangeSpec } from '../engine/scan-range.js';
import type { CommitRange } from '../engine/types.js';
import { UsageError } from './io.js';

/** --range/--history/--staged need a repository; say so in one line instead of a git error. */
export async function assertGitRepo(dir: string, flag: string): Promise<void> {
  const failure = await porcelainGit(dir, { timeoutMs: 30_000 })
    .revparse(['--git-dir'])
    .then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
  if (failure === undefined) return;
  // A repository git refuses (an unknown format extension, an unreadable config) is not "not a
  // repository": say what git said.
  const said = failure.replace(/\s+/g, ' ').trim();
  const why = /not a git repository/i.test(said) ? '' : ` (git: ${said.slice(0, 200)})`;
  throw new UsageError(`${flag} needs a git repository, and ${dir} is not one${why}`);
}

/**
 * True when `dir` is a bare repository's git directory (or inside one): no working tree to scan.
 * `--is-bare-repository` alone reads core.bare, which is the scanned directory's own content: a
 * work tree whose .git/config says `core.bare = true` made the tree scan refuse the files beside
 * it. Such a directory is walked like a plain one (git lists no work tree there).
 */
export async function isBareGitDir(dir: string): Promise<boolean> {
  const r = await runGit(['rev-parse', '--is-bare-repository', '--absolute-git-dir'], {
    cwd: dir,
    okCodes: [0, 128],
    timeoutMs: 30_000,
  }).catch(() => undefined);
  if (r?.code !== 0) return false;
  const [bare, gitDir] = r.stdout.toString('utf8').split('\n');
  if (bare !== 'true' || !gitDir) return false;
  const [real, realGitDir] = await Promise.all([realpath(dir), realpath(gitDir)]).catch(() => []);
  if (!real || !realGitDir) return true;
  const rel = relative(realGitDir, real);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function resolves(dir: string, rev: string): Promise<boolean> {
  // Not a commit: exit 1 without a word (simple-git resolves with an empty output) or a git
  // error (exit 128). A killed git (deadline, inactivity) stays an error.
  const sha = await porcelainGit(dir, { timeoutMs: 30_000 })
    .revparse(['--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])
    .catch((err: unknown) => {
      if (isGitExitError(err)) return '';
      throw err;
    });
  return sha !== '';
}

/**
 * Parses BASE..HEAD / BASE...HEAD / REV and checks every end names a commit. A single REV means
 * REV..HEAD (everything since that commit, like trufflehog's --since-commit).
 */
export async function resolveRange(dir: string, spec: string): Promise<CommitRange> {
  const trimmed = spec.trim();
  const m = /^(.*?)(\.\.\.?)(.*)$/.exec(trimmed) ?? ['', trimmed, '..', 'HEAD'];
  // Like git, an empty side means HEAD ("main.." = "main..HEAD").
  const normalised = `${m[1] || 'HEAD'}${m[2]}${m[3] || 'HEAD'}`;
  let range: CommitRange;
  try {
    range = parseRangeSpec(normalised);
  } catch (err) {
    throw new UsageError(`bad --range "${spec.slice(0, 80)}": ${(err as Error).message}`);
  }
  const missing: string[] = [];
  for (const rev of new Set([...range.exclude, ...range.include]))
    if (!(await resolves(dir, rev))) missing.push(`"${rev}"`);
  if (missing.length === 1)
    throw new UsageError(`bad --range: ${missing[0]} is not a commit in ${dir}`);
  if (missing.length > 1)
    throw new UsageError(`bad --range: ${missing.join(' and ')} are not commits in ${dir}`);
  return range;
}
