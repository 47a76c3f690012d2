/**
 * Where git fetches from, and nothing else: the configured GitHub web origin (github.com, or
 * GHE_HOST / GHE_PROTOCOL) plus a validated `owner/name`. A webhook's `repository.clone_url` is
 * never used: a signed payload naming another host would get the installation token sent there.
 * `full_name` is hostile too, so each part is held to GitHub's own character rules.
 */

export interface RepoName {
  owner: string;
  repo: string;
}

/** GitHub logins: alphanumerics and hyphens (underscores on Enterprise managed users), at most 39. */
const OWNER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,38}$/;
/** Repository names: alphanumerics, `.`, `_`, `-`, at most 100; never `.`, `..` or containing `..`. */
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

export function isValidRepoName(name: RepoName): boolean {
  return (
    OWNER.test(name.owner) && REPO.test(name.repo) && name.repo !== '.' && !name.repo.includes('..')
  );
}

/** `owner/name` with exactly one slash and valid parts, else undefined. */
export function parseFullName(value: unknown): RepoName | undefined {
  if (typeof value !== 'string') return undefined;
  const parts = value.split('/');
  if (parts.length !== 2) return undefined;
  const name = { owner: parts[0]!, repo: parts[1]! };
  return isValidRepoName(name) ? name : undefined;
}

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})(?::\d{1,5})?$/;

/**
 * The web origin of the GitHub the App is installed on, from the same settings Probot uses for
 * the API (`GHE_HOST`, `GHE_PROTOCOL`). Throws on a value that is not a plain host[:port].
 */
export function githubOrigin(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.GHE_HOST;
  if (!host) return 'https://github.com';
  const protocol = env.GHE_PROTOCOL ?? 'https';
  if (!HOST.test(host) || host.includes('..'))
    throw new Error('GHE_HOST must be a host name with an optional port');
  if (protocol !== 'https' && protocol !== 'http')
    throw new Error('GHE_PROTOCOL must be https or http');
  return new URL(`${protocol}://${host}`).origin;
}

/** `<origin>/<owner>/<name>.git`, built from validated parts only. */
export function cloneUrlFor(origin: string, name: RepoName): string {
  if (!isValidRepoName(name)) throw new Error('refusing an invalid repository name');
  const url = new URL(`/${name.owner}/${name.repo}.git`, origin);
  if (url.origin !== new URL(origin).origin) throw new Error('clone URL left the GitHub origin');
  return url.href;
}

/** `<origin>/<owner>/<name>`, the repository's page, for links in reports (validated parts only). */
export function repoWebUrl(origin: string, name: RepoName): string {
  return cloneUrlFor(origin, name).replace(/\.git$/, '');
}
