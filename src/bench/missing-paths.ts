/**
 * Snapshots of big repositories can lack a few large blobs; `git log -p` dies at the first one.
 * For the log -p baseline only, find the paths that ever held a missing blob so they can be
 * excluded with pathspecs (the bench prints how many were excluded).
 */
import { runGit } from '../git/run-git.js';

export async function missingBlobPaths(repo: string): Promise<string[]> {
  const listed = await runGit(['rev-list', '--objects', '--all', '--missing=print'], {
    cwd: repo,
    maxBuffer: 2 * 1024 * 1024 * 1024,
  });
  const missing = new Set<string>();
  for (const line of listed.stdout.toString('latin1').split('\n'))
    if (line.startsWith('?')) missing.add(line.slice(1, 41));
  if (missing.size === 0) return [];
  const log = await runGit(['log', '--all', '--raw', '--no-renames', '--no-abbrev', '--format='], {
    cwd: repo,
    maxBuffer: 2 * 1024 * 1024 * 1024,
  });
  const paths = new Set<string>();
  for (const line of log.stdout.toString('utf8').split('\n')) {
    const tab = line.indexOf('\t');
    if (!line.startsWith(':') || tab < 0) continue;
    const fields = line.slice(0, tab).split(' ');
    if (missing.has(fields[2]!) || missing.has(fields[3]!)) paths.add(line.slice(tab + 1));
  }
  return [...paths].sort();
}
