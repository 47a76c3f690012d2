import { PR_COMMENT_MARKER } from '../report/index.js';
import { byApp, type GitHubClient, type RepoRef } from './types.js';

export interface ExistingComment {
  id: number;
  body: string;
}

export async function findPrComment(
  gh: GitHubClient,
  repo: RepoRef,
  pr: number,
  /** The App's bot login (`byApp`). */
  author?: string,
): Promise<ExistingComment | undefined> {
  const comments = await gh.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    ...repo,
    issue_number: pr,
    per_page: 100,
  });
  const mine = comments.find(
    (c) => byApp(c, author) && (c.body ?? '').startsWith(PR_COMMENT_MARKER),
  );
  return mine ? { id: mine.id, body: mine.body ?? '' } : undefined;
}

/**
 * One PR comment, found again by its hidden marker: created on the first finding, edited in place
 * only when its text changes, never duplicated. `body === null` means "nothing to say".
 */
export async function upsertPrComment(
  gh: GitHubClient,
  repo: RepoRef,
  pr: number,
  existing: ExistingComment | undefined,
  body: string | null,
): Promise<'created' | 'updated' | 'unchanged' | 'none'> {
  if (body === null) return 'none';
  if (!existing) {
    await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      ...repo,
      issue_number: pr,
      body,
    });
    return 'created';
  }
  if (existing.body === body) return 'unchanged';
  await gh.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
    ...repo,
    comment_id: existing.id,
    body,
  });
  return 'updated';
}
