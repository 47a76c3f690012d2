import { runGit } from './run-git.js';

/**
 * A file's text at a commit of a bare clone (`git cat-file blob <sha>:<path>`), or undefined when
 * the path is absent; throws when the commit is not in the clone. cat-file runs no filter or textconv, so a hostile repository's config
 * programs never run. Capped: a config file is small.
 */
export async function readFileAt(
  repoDir: string,
  commit: string,
  path: string,
  maxBytes = 1024 * 1024,
): Promise<string | undefined> {
  if (!/^[0-9a-f]{40}$/.test(commit)) return undefined;
  const r = await runGit(['cat-file', 'blob', `${commit}:${path}`], {
    cwd: repoDir,
    okCodes: [0, 128],
    maxBuffer: maxBytes,
    timeoutMs: 30_000,
  });
  if (r.code === 0) return r.stdout.toString('utf8');
  // Absent path: undefined. Anything else (the commit is not in the clone): the caller decides.
  if (/does not exist in|exists on disk, but not in/.test(r.stderr)) return undefined;
  throw new Error(`cannot read ${path} at ${commit.slice(0, 12)} from the clone`);
}
