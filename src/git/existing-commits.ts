/**
 * Splits revisions into those that name a commit in the repository and those that do not, in one
 * `git cat-file --batch-check` (a push can exclude hundreds of branch heads). A range whose base
 * was garbage-collected or never fetched must still be scanned, not fail the whole job.
 */
import { runGit } from './run-git.js';

export async function splitExistingCommits(
  repoDir: string,
  revs: readonly string[],
): Promise<{ present: string[]; missing: string[] }> {
  if (revs.length === 0) return { present: [], missing: [] };
  const { stdout } = await runGit(['cat-file', '--batch-check=%(objecttype)'], {
    cwd: repoDir,
    input: revs.map((r) => `${r}^{commit}\n`).join(''),
    timeoutMs: 60_000,
  });
  const lines = stdout.toString('utf8').split('\n');
  const present: string[] = [];
  const missing: string[] = [];
  revs.forEach((rev, i) => (lines[i] === 'commit' ? present : missing).push(rev));
  return { present, missing };
}
