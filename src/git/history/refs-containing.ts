/**
 * Ref tips for "which refs reach this commit": every ref (branches, tags peeled to their commit,
 * remotes, refs/pull/*...) except notes, whose history never holds code; short names.
 */
import { runGit } from '../run-git.js';

export interface RefTips {
  /** Short ref name → the commit it points at. */
  tips: Map<string, string>;
  /** The short names that are tags (a report lists them apart from branches). */
  tags: Set<string>;
}

export async function refTips(repoDir: string): Promise<RefTips> {
  const { stdout } = await runGit(
    ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(*objectname)'],
    { cwd: repoDir },
  );
  const tips = new Map<string, string>();
  const tags = new Set<string>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const [ref, oid, peeled] = line.split('\0');
    if (!ref || !oid || ref.startsWith('refs/notes/')) continue;
    tips.set(shortRef(ref), peeled || oid);
    if (ref.startsWith('refs/tags/')) tags.add(shortRef(ref));
  }
  return { tips, tags };
}

/** refs/heads/x → x, refs/tags/v1 → v1, refs/remotes/o/x → o/x, refs/pull/1/head → pull/1/head. */
function shortRef(ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/', 'refs/remotes/'])
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  return ref.startsWith('refs/') ? ref.slice('refs/'.length) : ref;
}
