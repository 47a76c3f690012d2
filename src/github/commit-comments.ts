import type { Finding, Occurrence } from '../core/index.js';
import { isCommitCommentFor, renderCommitComment } from '../report/index.js';
import { asRefused, refusalOf } from './refusal.js';
import { byApp, statusOf, type GitHubClient, type RepoRef } from './types.js';

/**
 * Comments on the offending commits at path/line (a credential in a commit or tag message: on the
 * commit itself, with no path or line), once per (commit, fingerprint): existing comments
 * are checked for the hidden marker. When GitHub refuses one comment (422: line outside the diff;
 * 404/422: the commit is gone) the check run still carries the finding, so that is not a job
 * failure. A 403 that is not a rate limit refuses the route itself (no "Contents: write", an
 * archived repository): no further comment is tried, and the refusal is thrown for the caller to
 * report while the other surfaces are delivered. A rate-limited 403 is thrown as it is (retried).
 */
export async function commentOnCommits(
  gh: GitHubClient,
  repo: RepoRef,
  findings: Finding[],
  opts: {
    repoUrl?: string;
    history?: boolean;
    onlyIntroductions?: boolean;
    /**
     * Asked before each comment: true stops here (`stopped`), the rest left to a later scan that
     * covers these commits (newer pushes of the branch; each comment's marker keeps it single).
     */
    stopWhen?: () => Promise<boolean>;
    /** The App's bot login (`byApp`). */
    author?: string;
  },
): Promise<{ created: number; refused: number; skipped: number; stopped?: true }> {
  const stats: { created: number; refused: number; skipped: number; stopped?: true } = {
    created: 0,
    refused: 0,
    skipped: 0,
  };
  const existingByCommit = new Map<string, string[]>();
  const gone = new Set<string>();
  for (const f of findings) {
    const intro = f.introducedBy;
    const targets: (Occurrence & { commit: string })[] = opts.onlyIntroductions
      ? intro
        ? [
            {
              ...(f.occurrences.find(
                (o) =>
                  o.commit === intro.commit && o.path === intro.path && o.source === intro.source,
              ) ?? { path: intro.path, line: 1 }),
              ...(intro.source ? { source: intro.source } : {}),
              ...(intro.tag !== undefined ? { tag: intro.tag } : {}),
              commit: intro.commit,
            },
          ]
        : []
      : f.occurrences.filter((o): o is Occurrence & { commit: string } => !!o.commit);
    const seen = new Set<string>();
    for (const t of targets) {
      if (seen.has(t.commit)) continue;
      seen.add(t.commit);
      if (gone.has(t.commit)) {
        stats.refused++;
        continue;
      }
      let existing = existingByCommit.get(t.commit);
      if (!existing) {
        const list = await gh
          .paginate('GET /repos/{owner}/{repo}/commits/{commit_sha}/comments', {
            ...repo,
            commit_sha: t.commit,
            per_page: 100,
          })
          .catch((err: unknown) => {
            // The commit is gone from GitHub (a force push, then gc): nothing can be commented
            // on it, and retrying will not bring it back. The check run carries the finding.
            if (statusOf(err) === 404 || statusOf(err) === 422) return undefined;
            throw err;
          });
        if (!list) {
          gone.add(t.commit);
          stats.refused++;
          continue;
        }
        existing = list.filter((c) => byApp(c, opts.author)).map((c) => c.body ?? '');
        existingByCommit.set(t.commit, existing);
      }
      if (existing.some((b) => isCommitCommentFor(b, f.fingerprint))) {
        stats.skipped++;
        continue;
      }
      if (await opts.stopWhen?.()) {
        stats.stopped = true;
        return stats;
      }
      const body = renderCommitComment(f, t, {
        ...(opts.repoUrl ? { repoUrl: opts.repoUrl } : {}),
        ...(opts.history ? { history: true } : {}),
      });
      try {
        await gh.request('POST /repos/{owner}/{repo}/commits/{commit_sha}/comments', {
          ...repo,
          commit_sha: t.commit,
          body,
          // A message is on the commit itself: no file position.
          ...(t.source ? {} : { path: t.path, line: t.line }),
        });
        existing.push(body);
        stats.created++;
      } catch (err) {
        if (refusalOf(err)) throw asRefused(err);
        const status = statusOf(err);
        if (status === 422 || status === 404) {
          stats.refused++;
          continue;
        }
        throw err;
      }
    }
  }
  return stats;
}
