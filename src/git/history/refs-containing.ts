/**
 * Which refs can reach a commit: `git for-each-ref --contains`, over every ref (branches, tags,
 * remotes, refs/pull/*...) except notes, whose history never holds code. One git call per distinct
 * commit, memoised, because many findings share an introducing commit.
 */
import { runGit } from '../run-git.js';

export function refsContainingCache(repoDir: string): (commit: string) => Promise<string[]> {
  const memo = new Map<string, Promise<string[]>>();
  return (commit) => {
    let p = memo.get(commit);
    if (!p) {
      p = runGit(['for-each-ref', `--contains=${commit}`, '--format=%(refname)'], {
        cwd: repoDir,
      }).then(({ stdout }) =>
        stdout
          .toString('utf8')
          .split('\n')
          .filter((r) => r && !r.startsWith('refs/notes/'))
          .map(shortRef)
          .sort(),
      );
      memo.set(commit, p);
    }
    return p;
  };
}

/** refs/heads/x → x, refs/tags/v1 → v1, refs/remotes/o/x → o/x, refs/pull/1/head → pull/1/head. */
function shortRef(ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/', 'refs/remotes/'])
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  return ref.startsWith('refs/') ? ref.slice('refs/'.length) : ref;
}
