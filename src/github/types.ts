import type { Octokit } from '@octokit/rest';

/** The Octokit surface the App uses (Probot's ProbotOctokit satisfies it). */
export type GitHubClient = Pick<Octokit, 'request' | 'paginate'>;

export interface RepoRef {
  owner: string;
  repo: string;
}

export function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'status' in err
    ? Number((err as { status: unknown }).status)
    : undefined;
}

/**
 * A comment this App wrote. The hidden markers that find our comments again are plain text anyone
 * can post: a person's comment carrying one was taken for ours, so the App edited it (or failed
 * to, on every retry) instead of posting its report, and a commit comment naming the fingerprint
 * (computable by whoever leaked the value) suppressed the App's. Another App's comment can carry
 * text someone else chose as well (a bot that quotes its input), so with the App's own login
 * (`<slug>[bot]`, from `GET /app`) only its comments count; without it (`GET /app` failed), any
 * bot's.
 */
export function byApp(
  comment: { user?: { type?: string; login?: string } | null },
  login?: string,
): boolean {
  if (comment.user?.type !== 'Bot') return false;
  return login === undefined || comment.user.login === login;
}
