/**
 * The pre-commit framework's hook: the staged changes (added lines, as `scan --staged`), plus the
 * files the framework names that have no staged change, read whole. During a commit every named
 * file is staged, so this is exactly the staged scan; `pre-commit run --all-files` (the usual CI
 * job) and `pre-commit run --files …` name files with nothing staged, and those are then checked
 * in full instead of passing unread.
 */
import { isAbsolute, normalize } from 'node:path';
import type { ScanResult } from '../core/index.js';
import { runGit } from '../git/run-git.js';
import { finishScan, newAccumulator } from './finish-scan.js';
import { underRealDirectories } from './list-files.js';
import { collectDiffHits } from './scan-diff.js';
import { indexEnv, STAGED_DIFF_ARGS, type StagedOptions } from './scan-staged.js';
import { collectTreeHits } from './scan-tree.js';

export async function scanPreCommit(
  repoDir: string,
  /** Paths relative to repoDir, as the framework passes them. */
  files: readonly string[],
  opts: StagedOptions,
): Promise<ScanResult> {
  const started = Date.now();
  const env = indexEnv(opts);
  const acc = newAccumulator();
  await collectDiffHits(repoDir, STAGED_DIFF_ARGS, opts, acc, env);

  const named = files.map(vetted).filter((p): p is string => p !== undefined);
  if (named.length > 0) {
    const { stdout } = await runGit(['diff', '--cached', '--name-only', '-z', '--no-renames'], {
      cwd: repoDir,
      ...(env ? { env } : {}),
    });
    const staged = new Set(stdout.toString('utf8').split('\0').filter(Boolean));
    const rest = [...new Set(named)].filter((p) => !staged.has(p));
    // Never through a symlinked directory (the last component is opened with O_NOFOLLOW).
    await collectTreeHits(
      repoDir,
      underRealDirectories(
        repoDir,
        rest.map((path) => ({ path })),
      ),
      opts,
      acc,
    );
  }
  return finishScan('staged', acc.hits, acc.stats, acc.warnings, opts, started, acc.skipped);
}

/** A path inside the repository in git's form (`a/b`), or undefined for anything else. */
function vetted(path: string): string | undefined {
  if (!path || path.includes('\0') || isAbsolute(path)) return undefined;
  const p = normalize(path).replaceAll('\\', '/');
  if (p === '.' || p === '..' || p.startsWith('../') || p.startsWith('.git/') || p === '.git')
    return undefined;
  return p;
}
