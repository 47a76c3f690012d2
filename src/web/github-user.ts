/**
 * What the signed-in user may see, asked of GitHub with the user's own token: the installations
 * of this App they can access (`GET /user/installations`) and, per installation, the repositories
 * (`GET /user/installations/{id}/repositories`). GitHub's permissions decide; we never widen them.
 * Also the OAuth code exchange.
 */
import { Octokit } from '@octokit/rest';

export interface GitHubUrls {
  /** Where users sign in: https://github.com, or the GHE host. */
  web: string;
  /** REST API base: https://api.github.com, or https://HOST/api/v3. */
  api: string;
}

export function githubUrls(env: NodeJS.ProcessEnv): GitHubUrls {
  if (env.GHE_HOST) {
    const proto = env.GHE_PROTOCOL === 'http' ? 'http' : 'https';
    return { web: `${proto}://${env.GHE_HOST}`, api: `${proto}://${env.GHE_HOST}/api/v3` };
  }
  return { web: 'https://github.com', api: 'https://api.github.com' };
}

export interface UserAccess {
  login: string;
  /**
   * installation id → repository ids the user can see in it, and those they may act on (GitHub
   * says push, maintain or admin).
   */
  installations: Map<
    number,
    { account: string; repos: Map<number, string>; writable: Set<number> }
  >;
  fetchedAt: number;
}

export async function exchangeCode(
  urls: GitHubUrls,
  client: { id: string; secret: string },
  code: string,
  redirectUri: string,
): Promise<string> {
  const res = await fetch(`${urls.web}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: client.id,
      client_secret: client.secret,
      code,
      redirect_uri: redirectUri,
    }),
    redirect: 'error',
    signal: AbortSignal.timeout(10_000),
  });
  const data = (await res.json().catch(() => ({}))) as { access_token?: unknown; error?: unknown };
  if (!res.ok || typeof data.access_token !== 'string' || !data.access_token)
    throw new Error(
      `GitHub refused the sign-in${typeof data.error === 'string' ? ` (${data.error})` : ''}`,
    );
  return data.access_token;
}

export async function userAccess(urls: GitHubUrls, token: string): Promise<UserAccess> {
  const gh = new Octokit({ auth: token, baseUrl: urls.api, request: { redirect: 'error' } });
  const { data: user } = await gh.request('GET /user');
  const installations: UserAccess['installations'] = new Map();
  const insts = await gh.paginate('GET /user/installations', { per_page: 100 });
  for (const inst of insts) {
    const repos = new Map<number, string>();
    const writable = new Set<number>();
    const list = await gh.paginate('GET /user/installations/{installation_id}/repositories', {
      installation_id: inst.id,
      per_page: 100,
    });
    for (const r of list) {
      repos.set(r.id, r.full_name);
      const p = r.permissions;
      if (p?.push === true || p?.maintain === true || p?.admin === true) writable.add(r.id);
    }
    const account =
      inst.account && 'login' in inst.account
        ? inst.account.login
        : ((inst.account as { slug?: string } | null)?.slug ?? String(inst.id));
    installations.set(inst.id, { account, repos, writable });
  }
  return { login: user.login, installations, fetchedAt: Date.now() };
}
