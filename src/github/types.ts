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
