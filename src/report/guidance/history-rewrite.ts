import type { Finding, Occurrence } from '../../core/types.js';
import { printableFinding } from '../printable.js';
import { fenced, safeSha, shellQuote } from './shell.js';

/** Where the user can see the leaked value themselves: the introducing commit, else the first place. */
function source(f: Finding): Occurrence | undefined {
  if (f.introducedBy) {
    const by = f.introducedBy;
    const match = f.occurrences.find(
      (o) => o.commit === by.commit && o.path === by.path && o.source === by.source,
    );
    return (
      match ?? {
        path: by.path,
        line: 0,
        commit: by.commit,
        ...(by.source ? { source: by.source } : {}),
        ...(by.tag !== undefined ? { tag: by.tag } : {}),
      }
    );
  }
  return f.occurrences.find((o) => o.commit) ?? f.occurrences[0];
}

/** Prints the offending line to the terminal (not to shell history) so the value can be copied. */
function showCommand(o: Occurrence): string {
  const sha = safeSha(o.commit);
  const message =
    o.source === 'tag-message'
      ? `git for-each-ref --format='%(contents)' ${shellQuote(`refs/tags/${o.tag ?? ''}`)}`
      : o.source === 'commit-message'
        ? `git log -1 --format=%B ${sha ?? 'HEAD'}`
        : undefined;
  if (message)
    return o.line > 0
      ? `${message} | sed -n '${o.line}p'`
      : `${message} | grep -n -i -E 'upstash|qstash|redis'`;
  // The mirror clone has no work tree: read even uncommitted-path findings from HEAD.
  const file = `git show ${shellQuote(`${sha ?? 'HEAD'}:${o.path}`)}`;
  return o.line > 0
    ? `${file} | sed -n '${o.line}p'`
    : `${file} | grep -n -i -E 'upstash|qstash|redis'`;
}

function perFinding(f: Finding, i: number): string {
  const o = source(f);
  const shown = o
    ? `# ${i + 1}. ${f.title} ${f.masked} — look at the value here:\n${showCommand(o)}\n`
    : '';
  return `${shown}read -rs LEAKED   # paste the value, press Enter (nothing is echoed or saved)\nprintf '%s==>***REMOVED***\\n' "$LEAKED" >> ../replacements.txt\nunset LEAKED`;
}

/**
 * The git-filter-repo sensitive-data recipe. It never contains a secret: the replacements file is
 * built from a silent `read`, so the value reaches neither this text nor the shell history.
 */
export function historyRewriteRecipe(scanned: readonly Finding[], repoUrl?: string): string {
  const findings = scanned.map(printableFinding);
  // Messages are rewritten by --replace-message (commit and tag messages), with the same file.
  const inMessages = findings.some((f) => f.occurrences.some((o) => o.source));
  const url = repoUrl ? shellQuote(`${repoUrl}.git`) : '<repository-url>';
  const lines: string[] = [];
  lines.push('### Remove it from git history (after rotating)', '');
  lines.push(
    '1. Make a fresh mirror clone (all branches and tags) outside your working copy. Requires git-filter-repo ≥ 2.47.',
    '',
    fenced(`git clone --mirror ${url} repo-clean.git\ncd repo-clean.git`),
    '',
    '2. Build the replacements file without the secret touching your shell history or this page: show the line, then paste the value into a silent prompt.',
    '',
    fenced(findings.map(perFinding).join('\n\n')),
    '',
    inMessages
      ? '3. Rewrite every branch and tag, file contents and commit and tag messages alike, then check nothing is left:'
      : '3. Rewrite every branch and tag, then check nothing is left:',
    '',
    fenced(
      `git filter-repo --sensitive-data-removal --replace-text ../replacements.txt${inMessages ? ' --replace-message ../replacements.txt' : ''}\nupstash-guard scan --history .   # must report nothing`,
    ),
    '',
    '4. Force-push all refs (branches and tags). GitHub refuses `refs/pull/*` updates; that is expected:',
    '',
    fenced('git push --force --mirror origin'),
    '',
    '5. Pull-request refs and cached commit views still hold the old commits: contact GitHub Support with the repository name and the first changed commits (git-filter-repo prints them and writes `.git/filter-repo/first-changed-commits`).',
    '6. Forks keep the old history: ask fork owners to delete their forks or re-fork.',
    '7. Every collaborator must **re-clone** (not pull or merge): an old clone pushed or merged back reintroduces the secret.',
    '8. Delete the replacements file: `shred -u ../replacements.txt` (or `rm -P` on macOS).',
  );
  return lines.join('\n');
}
