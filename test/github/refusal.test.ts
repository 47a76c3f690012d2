/**
 * What a GitHub 403 means, read from what GitHub says: a rate limit (its message, `retry-after`,
 * `x-ratelimit-remaining: 0`) is waited out and retried; anything else ("Resource not accessible
 * by integration", admin rights, SAML enforcement, an archived repository) is refused for good for
 * that request, and named by the permission its route needs. The errors are Octokit's own, from
 * real requests to the loopback GitHub double.
 */
import { Octokit } from '@octokit/rest';
import {
  asRefused,
  GitHubRefusedError,
  isRateLimited,
  refusalOf,
  retryAfterMs,
} from '../../src/github/refusal.js';
import { failureReason } from '../../src/queue/metrics.js';
import { isPermanent, retryDelayFor } from '../../src/queue/scan-job.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

const TOKEN = 'ghs_refusalTest0123456789abcdefghijkl';
let gh: GitHubDouble;
let octokit: Octokit;
beforeAll(async () => {
  gh = await startGitHubDouble();
  gh.addRepo({ owner: 'acme', name: 'app', cloneUrl: gh.cloneUrl('acme', 'app') });
  octokit = new Octokit({ baseUrl: gh.apiUrl, auth: TOKEN, request: { retries: 0 } });
});
afterAll(async () => gh?.close());
afterEach(() => gh.clearFailures());

const SHA = 'c'.repeat(40);
type Call = { method: string; path: string; send: () => Promise<unknown> };
const calls = {
  createCheckRun: {
    method: 'POST',
    path: '/repos/acme/app/check-runs',
    send: () =>
      octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        owner: 'acme',
        repo: 'app',
        name: 'x',
        head_sha: SHA,
      }),
  },
  listCheckRuns: {
    method: 'GET',
    path: `/repos/acme/app/commits/${SHA}/check-runs`,
    send: () =>
      octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
        owner: 'acme',
        repo: 'app',
        ref: SHA,
      }),
  },
  commitComment: {
    method: 'POST',
    path: `/repos/acme/app/commits/${SHA}/comments`,
    send: () =>
      octokit.request('POST /repos/{owner}/{repo}/commits/{commit_sha}/comments', {
        owner: 'acme',
        repo: 'app',
        commit_sha: SHA,
        body: 'b',
      }),
  },
  listCommitComments: {
    method: 'GET',
    path: `/repos/acme/app/commits/${SHA}/comments`,
    send: () =>
      octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/comments', {
        owner: 'acme',
        repo: 'app',
        commit_sha: SHA,
      }),
  },
  prComment: {
    method: 'POST',
    path: '/repos/acme/app/issues/4/comments',
    send: () =>
      octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner: 'acme',
        repo: 'app',
        issue_number: 4,
        body: 'b',
      }),
  },
  editPrComment: {
    method: 'PATCH',
    path: '/repos/acme/app/issues/comments/99',
    send: () =>
      octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner: 'acme',
        repo: 'app',
        comment_id: 99,
        body: 'b',
      }),
  },
  openPulls: {
    method: 'GET',
    path: '/repos/acme/app/pulls',
    send: () => octokit.request('GET /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'app' }),
  },
  configFile: {
    method: 'GET',
    // A regular expression's source: Octokit encodes the slash of the file path.
    path: '/repos/acme/app/contents/[^?]+',
    send: () =>
      octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
        owner: 'acme',
        repo: 'app',
        path: '.github/upstash-guard.yml',
      }),
  },
  branch: {
    method: 'GET',
    path: '/repos/acme/app/branches/leak-name-withheld',
    send: () =>
      octokit.request('GET /repos/{owner}/{repo}/branches/{branch}', {
        owner: 'acme',
        repo: 'app',
        branch: 'leak-name-withheld',
      }),
  },
} satisfies Record<string, Call>;

/** The error Octokit throws when GitHub answers `call` with this status, message and headers. */
async function refused(
  call: Call,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  retryAfter?: number,
): Promise<unknown> {
  gh.fail({
    method: call.method,
    path: new RegExp(`^${call.path}(\\?|$)`),
    status,
    message,
    headers,
    times: 1,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  const err = await call.send().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ name: 'HttpError', status });
  return err;
}

const NOT_ACCESSIBLE = 'Resource not accessible by integration';

describe('403s that are refusals: permanent, named by the permission of their route', () => {
  it.each([
    ['createCheckRun', 'POST /repos/{owner}/{repo}/check-runs', 'Checks: write'],
    ['listCheckRuns', 'GET /repos/{owner}/{repo}/commits/{…}/check-runs', 'Checks: write'],
    ['commitComment', 'POST /repos/{owner}/{repo}/commits/{…}/comments', 'Contents: write'],
    ['listCommitComments', 'GET /repos/{owner}/{repo}/commits/{…}/comments', 'Contents: read'],
    ['prComment', 'POST /repos/{owner}/{repo}/issues/{…}/comments', 'Pull requests: write'],
    ['editPrComment', 'PATCH /repos/{owner}/{repo}/issues/comments/{…}', 'Pull requests: write'],
    ['openPulls', 'GET /repos/{owner}/{repo}/pulls', 'Pull requests: read'],
    ['configFile', 'GET /repos/{owner}/{repo}/contents/{…}', 'Contents: read'],
  ] as const)('%s: %s needs "%s"', async (name, route, permission) => {
    const err = await refused(calls[name], 403, NOT_ACCESSIBLE);
    expect(isRateLimited(err)).toBe(false);
    expect(retryAfterMs(err)).toBeUndefined();
    const r = refusalOf(err);
    expect(r).toMatchObject({ route, permission, kind: 'permission', message: NOT_ACCESSIBLE });
    expect(isPermanent(err)).toBe(true);
    expect(failureReason(err)).toBe('github_permission');
    // The operator-facing error names the permission and what GitHub said; never the token.
    const named = asRefused(err);
    expect(named).toBeInstanceOf(GitHubRefusedError);
    expect(named).toMatchObject({ status: 403, name: 'GitHubRefusedError' });
    expect((named as Error).message).toContain(`"${permission}"`);
    expect((named as Error).message).toContain(NOT_ACCESSIBLE);
    expect((named as Error).message).toContain(route);
    expect((named as Error).message).not.toContain(TOKEN);
    // Named once: converting again returns the same error, still a permanent refusal.
    expect(asRefused(named)).toBe(named);
    expect(refusalOf(named)).toEqual(r);
    expect(isPermanent(named)).toBe(true);
    expect(failureReason(named)).toBe('github_permission');
  });

  it('PR comments: the alternative permission GitHub accepts is named too', async () => {
    const err = asRefused(await refused(calls.prComment, 403, NOT_ACCESSIBLE)) as Error;
    expect(err.message).toMatch(/"Pull requests: write" \(or "Issues: write"\)/);
  });

  it.each([
    ['Must have admin rights to Repository.', 'admin', /admin rights/],
    [
      'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.',
      'saml',
      /SAML/,
    ],
    ['Repository was archived so is read-only.', 'other', /archived/],
    ['Forbidden', 'other', /Forbidden/],
  ] as const)('"%s": a refusal (%s), not retried', async (message, kind, shown) => {
    const err = await refused(calls.commitComment, 403, message);
    expect(isRateLimited(err)).toBe(false);
    expect(refusalOf(err)).toMatchObject({ kind, permission: 'Contents: write' });
    expect(isPermanent(err)).toBe(true);
    expect(failureReason(err)).toBe('github_permission');
    expect((asRefused(err) as Error).message).toMatch(shown);
  });

  it('the route is a template: names from the request path (a branch may hold a credential) are not quoted', async () => {
    const err = await refused(calls.branch, 403, NOT_ACCESSIBLE);
    const r = refusalOf(err)!;
    expect(r.route).toBe('GET /repos/{owner}/{repo}/branches/{…}');
    expect((asRefused(err) as Error).message).not.toContain('leak-name-withheld');
  });

  it("GitHub's text is quoted on one line, cut, with credential shapes masked", async () => {
    const long = `${NOT_ACCESSIBLE}\n${'x'.repeat(500)} ${TOKEN}`;
    const err = asRefused(await refused(calls.commitComment, 403, long)) as Error;
    expect(err.message).not.toContain('\n');
    expect(err.message).not.toContain(TOKEN);
    expect(err.message.length).toBeLessThan(600);
  });
});

describe('403s and 429s that are rate limits: transient, retried after what GitHub says', () => {
  it.each([
    ['You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'],
    ['You have triggered an abuse detection mechanism. Please wait a few minutes.'],
    ['API rate limit exceeded for installation ID 4242.'],
  ])('message "%s"', async (message) => {
    const err = await refused(calls.createCheckRun, 403, message);
    expect(isRateLimited(err)).toBe(true);
    expect(refusalOf(err)).toBeUndefined();
    expect(asRefused(err)).toBe(err);
    expect(isPermanent(err)).toBe(false);
    expect(failureReason(err)).toBe('github_rate_limited');
  });

  it('retry-after in seconds, on a 403 whose text does not say rate limit', async () => {
    const err = await refused(calls.commitComment, 403, 'Forbidden', {}, 7);
    expect(isRateLimited(err)).toBe(true);
    expect(refusalOf(err)).toBeUndefined();
    expect(retryAfterMs(err)).toBe(7000);
    expect(isPermanent(err)).toBe(false);
  });

  it('retry-after as an HTTP date', async () => {
    const now = Date.now();
    const at = new Date(Math.ceil(now / 1000) * 1000 + 10_000).toUTCString();
    const err = await refused(calls.commitComment, 403, 'Forbidden', { 'retry-after': at });
    expect(isRateLimited(err)).toBe(true);
    const ms = retryAfterMs(err, now)!;
    expect(ms).toBeGreaterThan(9_000);
    expect(ms).toBeLessThanOrEqual(11_000);
  });

  it('x-ratelimit-remaining: 0 (primary limit): until x-ratelimit-reset, plus a second', async () => {
    const now = Date.now();
    const reset = Math.ceil(now / 1000) + 30;
    const err = await refused(calls.prComment, 403, 'Forbidden', {
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(reset),
    });
    expect(isRateLimited(err)).toBe(true);
    expect(refusalOf(err)).toBeUndefined();
    expect(retryAfterMs(err, now)).toBe(reset * 1000 - now + 1000);
  });

  it('429 with retry-after', async () => {
    const err = await refused(calls.createCheckRun, 429, 'Too many requests', {}, 3);
    expect(isRateLimited(err)).toBe(true);
    expect(refusalOf(err)).toBeUndefined();
    expect(retryAfterMs(err)).toBe(3000);
    expect(failureReason(err)).toBe('github_rate_limited');
  });

  it('a hostile retry-after (negative, garbage, years) neither stalls the job nor breaks the schedule', async () => {
    const schedule = { attempts: 5, baseMs: 1_000, maxMs: 60_000 };
    const fixed = () => 0.5;
    const delays: number[] = [];
    for (const value of ['-5', 'soon', '99999999999']) {
      const err = await refused(
        calls.commitComment,
        403,
        'You have exceeded a secondary rate limit',
        {
          'retry-after': value,
        },
      );
      delays.push(retryDelayFor(1, schedule, err, fixed));
    }
    // Ignored when unreadable; at most an hour (a primary limit resets within one).
    expect(delays).toEqual([1_000, 1_000, 3_600_000]);
  });

  it("the job's next attempt waits at least retry-after, also past a shorter configured backoff", async () => {
    const schedule = { attempts: 5, baseMs: 300, maxMs: 1_000 };
    const fixed = () => 0.5;
    const limited = await refused(calls.createCheckRun, 403, 'secondary rate limit', {}, 4);
    expect(retryDelayFor(1, schedule, limited, fixed)).toBe(4_000);
    const long = await refused(calls.createCheckRun, 429, 'slow down', {}, 7200);
    expect(retryDelayFor(1, schedule, long, fixed)).toBe(3_600_000);
    // Without a wait from GitHub: the backoff.
    expect(retryDelayFor(2, schedule, new Error('network'), fixed)).toBe(600);
  });
});

describe('other failures keep their meaning', () => {
  it('404, 422 and 5xx are no refusal; a plain Error is none either', async () => {
    const gone = await refused(calls.commitComment, 404, 'Not Found');
    const invalid = await refused(calls.commitComment, 422, 'Validation Failed');
    const down = await refused(calls.commitComment, 502, 'Bad Gateway');
    for (const err of [gone, invalid, down, new Error('boom')]) {
      expect(refusalOf(err)).toBeUndefined();
      expect(isRateLimited(err)).toBe(false);
      expect(isPermanent(err)).toBe(false);
    }
    expect(failureReason(gone)).toBe('github_not_found');
    expect(failureReason(down)).toBe('github_5xx');
  });
});
