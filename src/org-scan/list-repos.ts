/**
 * Lists the repositories of a GitHub organisation or user with @octokit/rest (paginated), and turns
 * GitHub's refusals into one clear sentence each. The token is never part of a message.
 */
import { Octokit } from '@octokit/rest';
import { TOOL_VERSION } from '../report/index.js';

export interface OrgRepo {
  fullName: string;
  owner: string;
  name: string;
  cloneUrl: string;
  defaultBranch?: string;
  archived: boolean;
  fork: boolean;
  private: boolean;
}

export interface GitHubTarget {
  /** e.g. https://api.github.com or https://ghe.example.com/api/v3 */
  apiUrl: string;
  token?: string;
}

export class GitHubListError extends Error {
  override name = 'GitHubListError';
}

interface ApiRepo {
  full_name: string;
  name: string;
  owner?: { login: string } | null;
  clone_url?: string;
  default_branch?: string;
  archived?: boolean;
  fork: boolean;
  private: boolean;
}

function toRepo(r: ApiRepo): OrgRepo {
  return {
    fullName: r.full_name,
    owner: r.owner?.login ?? r.full_name.split('/')[0]!,
    name: r.name,
    cloneUrl: r.clone_url ?? '',
    ...(r.default_branch ? { defaultBranch: r.default_branch } : {}),
    archived: r.archived ?? false,
    fork: r.fork,
    private: r.private,
  };
}

/** GitHub's answer as a sentence that says what to do; never the token, never a stack. */
function explain(err: unknown, name: string, target: GitHubTarget): Error {
  const e = err as {
    status?: number;
    message?: string;
    response?: { headers?: Record<string, string | undefined>; data?: { message?: string } };
  };
  const headers = e.response?.headers ?? {};
  const said = (e.response?.data?.message ?? e.message ?? '').split('\n')[0]!.slice(0, 200);
  const redact = (t: string): string => (target.token ? t.split(target.token).join('***') : t);
  // Octokit reports a transport failure (refused connection, refused link) as a 500 with no response.
  if (e.status === undefined || !e.response)
    return new GitHubListError(
      redact(`cannot reach the GitHub API at ${target.apiUrl}: ${e.message ?? String(err)}`),
    );
  if (e.status === 401)
    return new GitHubListError(
      target.token
        ? `GitHub rejected GITHUB_TOKEN (401 ${redact(said)}): it is expired, revoked or for another host`
        : 'GitHub requires authentication (401): set GITHUB_TOKEN',
    );
  const limited =
    headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(said) || e.status === 429;
  if (limited) {
    const reset = Number(headers['x-ratelimit-reset']);
    const retry = Number(headers['retry-after']);
    const when = Number.isFinite(retry)
      ? `retry in ${retry} s`
      : Number.isFinite(reset)
        ? `it resets at ${new Date(reset * 1000).toISOString()}`
        : 'try again later';
    return new GitHubListError(
      `GitHub API rate limit reached (${e.status}): ${when}${target.token ? '' : '; a GITHUB_TOKEN raises the limit'}`,
    );
  }
  if (e.status === 403)
    return new GitHubListError(
      `GitHub refused to list the repositories of "${name}" (403 ${redact(said)}): the token needs read access to them (and SAML SSO authorisation when the organisation enforces it)`,
    );
  if (e.status === 404)
    return new GitHubListError(
      `no GitHub organisation or user named "${name}" at ${target.apiUrl}`,
    );
  return new GitHubListError(`GitHub API error ${e.status} listing "${name}": ${redact(said)}`);
}

/** Every repository of an organisation, or of a user (with private ones when the token is theirs). */
export async function listOwnerRepos(name: string, target: GitHubTarget): Promise<OrgRepo[]> {
  const apiOrigin = new URL(target.apiUrl).origin;
  // The token goes to the configured API only: a pagination link to another host is refused.
  const guardedFetch: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== apiOrigin)
      return Promise.reject(new Error(`refusing to follow a link to ${url.origin}`));
    return fetch(input, init);
  };
  const octokit = new Octokit({
    baseUrl: target.apiUrl.replace(/\/+$/, ''),
    request: { fetch: guardedFetch },
    userAgent: `upstash-guard/${TOOL_VERSION}`,
    ...(target.token ? { auth: target.token } : {}),
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  try {
    const { data: owner } = await octokit.rest.users.getByUsername({ username: name });
    let repos: ApiRepo[];
    if (owner.type === 'Organization') {
      repos = await octokit.paginate(octokit.rest.repos.listForOrg, {
        org: name,
        type: 'all',
        per_page: 100,
      });
    } else {
      const viewer = target.token
        ? await octokit.rest.users.getAuthenticated().then(
            (r) => r.data.login,
            () => undefined,
          )
        : undefined;
      repos =
        viewer?.toLowerCase() === name.toLowerCase()
          ? await octokit.paginate(octokit.rest.repos.listForAuthenticatedUser, {
              affiliation: 'owner',
              per_page: 100,
            })
          : await octokit.paginate(octokit.rest.repos.listForUser, {
              username: name,
              type: 'owner',
              per_page: 100,
            });
    }
    return repos.map(toRepo).sort((a, b) => a.fullName.localeCompare(b.fullName));
  } catch (err) {
    throw explain(err, name, target);
  }
}
