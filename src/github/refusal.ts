/**
 * What a GitHub 403 means, read from what GitHub says. A rate limit (primary: `x-ratelimit-remaining:
 * 0`; secondary: a message saying so, or `retry-after`) passes: it is waited out and retried. Any
 * other 403 is a refusal that no retry changes: the App lacks a permission ("Resource not accessible
 * by integration"), "Must have admin rights", SAML enforcement, an archived repository. Every 403
 * was retried as a rate limit for about ten hours, each attempt spending writes of the installation's
 * budget and ending as "rate limited"; a refusal now fails only the report surface it concerns, once,
 * named by the permission its route needs (the App's settings spell them "Checks: write").
 */
import { redactSecrets } from '../core/redact.js';

export interface GitHubRefusal {
  /**
   * The request as a route template, e.g. `POST /repos/{owner}/{repo}/check-runs`: names from the
   * path (a branch can hold a credential) are never quoted.
   */
  route: string;
  /** What the route needs, as the App's settings name it; absent for routes without one. */
  permission?: string;
  /** A second permission GitHub also accepts (PR comments are issue comments). */
  alternative?: string;
  /** Which report surface: check runs are their own (a refused run cannot report its refusal). */
  scope: 'checks' | 'contents' | 'pull_requests' | 'installation' | 'other';
  kind: 'permission' | 'admin' | 'saml' | 'other';
  /** GitHub's message: one line, cut, credential shapes masked. */
  message: string;
  /**
   * Set when the request was never sent: the installation's token lists this instead of the
   * permission ("Checks: read"; src/github/report-plan.ts).
   */
  granted?: string;
}

interface HttpErrorLike {
  status?: unknown;
  message?: unknown;
  request?: { method?: unknown; url?: unknown };
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

const RATE_LIMIT_TEXT = /rate.?limit|abuse detection/i;
const HOUR = 3600_000;

function headerOf(err: HttpErrorLike, name: string): string | undefined {
  const v = err.response?.headers?.[name];
  return v === undefined || v === null ? undefined : String(v);
}

function statusOfError(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const s = Number((err as HttpErrorLike).status);
  return Number.isFinite(s) ? s : undefined;
}

/** GitHub's own message: the response's `message`, else the error's (Octokit appends the docs URL). */
function githubMessage(err: HttpErrorLike): string {
  const data = err.response?.data as { message?: unknown } | undefined;
  const raw =
    typeof data?.message === 'string'
      ? data.message
      : typeof err.message === 'string'
        ? err.message
        : '';
  const line = redactSecrets(raw).replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** A 403 or 429 GitHub means as "slow down": retried after the wait it names. */
export function isRateLimited(err: unknown): boolean {
  if (err instanceof GitHubRefusedError) return false;
  const status = statusOfError(err);
  if (status === 429) return true;
  if (status !== 403) return false;
  const e = err as HttpErrorLike;
  return (
    RATE_LIMIT_TEXT.test(githubMessage(e)) ||
    headerOf(e, 'retry-after') !== undefined ||
    headerOf(e, 'x-ratelimit-remaining') === '0'
  );
}

/**
 * How long GitHub asked to wait before the next try (ms): `retry-after` (seconds or an HTTP date),
 * else until `x-ratelimit-reset` plus a second when no request remains. Undefined when it said
 * nothing readable (or nothing in the future).
 */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const status = statusOfError(err);
  if (status !== 403 && status !== 429) return undefined;
  const e = err as HttpErrorLike;
  const after = headerOf(e, 'retry-after')?.trim();
  if (after) {
    if (/^\d+$/.test(after)) return Number(after) * 1000;
    const at = Date.parse(after);
    if (/[a-z]/i.test(after) && Number.isFinite(at) && at > now) return at - now;
  }
  const reset = Number(headerOf(e, 'x-ratelimit-reset'));
  if (headerOf(e, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset * 1000 > now)
    return reset * 1000 - now + 1000;
  return undefined;
}

/** Path segments kept in route templates; everything else (names, ids, shas, paths) is `{…}`. */
const LITERALS = new Set([
  'access_tokens',
  'app',
  'branches',
  'check-runs',
  'check-suites',
  'comments',
  'commits',
  'contents',
  'installation',
  'installations',
  'issues',
  'pulls',
  'repos',
  'repositories',
]);

function routeOf(method: string, url: string): string {
  let path: string;
  try {
    path = new URL(url, 'http://github.invalid').pathname;
  } catch {
    path = '';
  }
  // GitHub Enterprise serves the API under /api/v3.
  const segments = path
    .replace(/^\/api\/v3(?=\/)/, '')
    .split('/')
    .filter(Boolean);
  const template: string[] = [];
  segments.forEach((s, i) => {
    let t = LITERALS.has(s) ? s : '{…}';
    if (segments[0] === 'repos' && i === 1) t = '{owner}';
    if (segments[0] === 'repos' && i === 2) t = '{repo}';
    if (t !== '{…}' || template.at(-1) !== '{…}') template.push(t);
  });
  return `${method} /${template.join('/')}`;
}

type Need = Pick<GitHubRefusal, 'scope' | 'permission' | 'alternative'>;

/** The permission a route needs, as the App's settings name it (the App asks for these levels). */
function needOf(route: string): Need {
  const read = route.startsWith('GET ') || route.startsWith('HEAD ');
  const path = route.slice(route.indexOf(' ') + 1);
  if (/\/check-(runs|suites)(\/|$)/.test(path))
    // Reading them needs read, but the App needs write on them: name what to grant.
    return { scope: 'checks', permission: 'Checks: write' };
  if (/^\/repos\/\{owner\}\/\{repo\}\/issues\//.test(path))
    return read
      ? { scope: 'pull_requests', permission: 'Pull requests: read', alternative: 'Issues: read' }
      : {
          scope: 'pull_requests',
          permission: 'Pull requests: write',
          alternative: 'Issues: write',
        };
  if (/^\/repos\/\{owner\}\/\{repo\}\/(pulls|commits\/\{…\}\/pulls)(\/|$)/.test(path))
    return { scope: 'pull_requests', permission: 'Pull requests: read' };
  if (/^\/repos\/\{owner\}\/\{repo\}\/(commits\/\{…\}\/)?comments(\/|$)/.test(path))
    return { scope: 'contents', permission: read ? 'Contents: read' : 'Contents: write' };
  if (/^\/repos\/\{owner\}\/\{repo\}\/(contents|branches|commits)(\/|$)/.test(path))
    return { scope: 'contents', permission: 'Contents: read' };
  if (/^\/app\/installations\/\{…\}\/access_tokens$/.test(path)) return { scope: 'installation' };
  return { scope: 'other' };
}

function kindOf(message: string): GitHubRefusal['kind'] {
  if (/not accessible by integration/i.test(message)) return 'permission';
  if (/admin rights/i.test(message)) return 'admin';
  if (/SAML|single sign-on|\bSSO\b/i.test(message)) return 'saml';
  return 'other';
}

/**
 * The refusal a 403 is, or undefined: not a 403, or a rate limit. Read from Octokit's errors
 * (status, GitHub's message, the request's method and URL, the response headers).
 */
export function refusalOf(err: unknown): GitHubRefusal | undefined {
  if (err instanceof GitHubRefusedError) return err.refusal;
  if (statusOfError(err) !== 403 || isRateLimited(err)) return undefined;
  const e = err as HttpErrorLike;
  const method = String(e.request?.method ?? 'GET').toUpperCase();
  const url = typeof e.request?.url === 'string' ? e.request.url : '';
  const route = url ? routeOf(method, url) : `${method} (unknown route)`;
  const message = githubMessage(e);
  const need = needOf(route);
  return {
    route,
    ...(need.permission ? { permission: need.permission } : {}),
    ...(need.alternative ? { alternative: need.alternative } : {}),
    scope: need.scope,
    kind: kindOf(message),
    message,
  };
}

/** The refusal in the words an operator acts on: what was refused, GitHub's reason, what to grant. */
export function describeRefusal(r: GitHubRefusal): string {
  const said = `GitHub refused ${r.route} (403 "${r.message}")`;
  const wanted = r.permission
    ? `"${r.permission}"${r.alternative ? ` (or "${r.alternative}")` : ''}`
    : undefined;
  if (r.granted)
    return `${r.route} was not sent: the installation grants ${r.granted} and the App needs ${wanted ?? 'a permission'}; grant it in the App's settings (Permissions) and accept it on the installation. Not retried`;
  switch (r.kind) {
    case 'permission':
      return wanted
        ? `${said}: the App lacks the ${wanted} permission; grant it in the App's settings (Permissions) and accept it on the installation. Not retried`
        : `${said}: the App lacks a permission this request needs. Not retried`;
    case 'admin':
      return `${said}: GitHub requires admin rights for it. Not retried`;
    case 'saml':
      return `${said}: the organisation's SAML single sign-on enforcement refuses this access; an organisation owner must allow it. Not retried`;
    default:
      return `${said}${wanted ? `; the request needs ${wanted}` : ''}. Not retried`;
  }
}

/** A refusal as an error: GitHub's status (403) kept, the message saying what to do. */
export class GitHubRefusedError extends Error {
  override name = 'GitHubRefusedError';
  readonly status = 403;
  constructor(readonly refusal: GitHubRefusal) {
    super(describeRefusal(refusal));
  }
}

/** The error as a GitHubRefusedError when it is a refusal; any other error unchanged. */
export function asRefused(err: unknown): unknown {
  if (err instanceof GitHubRefusedError) return err;
  const r = refusalOf(err);
  return r ? new GitHubRefusedError(r) : err;
}

/** The permission as a metric label (`checks:write`): a small fixed set, never a name. */
export function refusalLabel(r: GitHubRefusal): string {
  if (!r.permission) return r.scope;
  return r.permission.toLowerCase().replace(': ', ':').replace(/\s+/g, '_');
}

/** The longest wait taken from GitHub's headers: a primary limit resets within an hour. */
export const MAX_RETRY_AFTER_MS = HOUR;

interface HookedOctokit {
  hook: { error(name: 'request', fn: (err: unknown) => never): void };
}

/**
 * Every refusal from this Octokit thrown as a GitHubRefusedError, so whatever reports it (the
 * job's failure log, the failed scan's check run) says what to grant. Registered after Octokit's
 * plugins, it sees errors after throttling and retry have had their say (rate limits waited out).
 */
export function explainRefusals(octokit: unknown): void {
  (octokit as HookedOctokit).hook.error('request', (err) => {
    throw asRefused(err);
  });
}
