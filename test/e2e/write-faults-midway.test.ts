/**
 * GitHub faults in the middle of a report (app process, in-process queue), where
 * github-faults.test.ts injects them from the first write:
 * - the run shown in progress, then its completion (PATCH) answered 503 for longer than Octokit
 *   retries inside one attempt: the job's later attempts complete that same run, once;
 * - a push with three offending commits, the first commented, then a 429 (Retry-After), a
 *   secondary rate limit 403 and a comment GitHub posted but answered 502: each commit is
 *   commented once, the run completed once.
 */
import { branchFromMain, envCredential, startHarness, until } from './harness.js';
import type { Harness } from './harness.js';
import { pushEvent, type RepoRef } from '../helpers/webhooks.js';

const ZERO = '0'.repeat(40);

/** `acme/<name>` with `main`, and a branch whose commits each add one file of `files`; pushed. */
async function branchOfLeaks(
  h: Harness,
  name: string,
  id: number,
  files: Record<string, string>,
): Promise<{ ref: RepoRef; commits: string[] }> {
  const { ref, r } = await branchFromMain(h, name, id, 'leaks');
  const commits = Object.entries(files).map(([path, text]) => {
    r.write(path, text);
    return r.commit(`add ${path}`);
  });
  await h.push(r, ref, 'leaks');
  return { ref, commits };
}

describe('GitHub faults midway through a report (app process, in-process queue)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        UPSTASH_GUARD_BACKOFF_MS: '300',
        UPSTASH_GUARD_BACKOFF_MAX_MS: '1000',
        UPSTASH_GUARD_IN_PROGRESS_AFTER_MS: '0',
      },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => h.gh.clearFailures());

  it('the completion of a run shown in progress answered 503 past the retry budget: completed later, one run', async () => {
    const {
      ref,
      commits: [head],
    } = await branchOfLeaks(h, 'patch503', 1401, { '.env': envCredential('e2e-patch503') });
    // Every PATCH of a run of this repository fails for 20 s: Octokit's own retries (1 + 4 + 9 s)
    // end inside the window, so at least one attempt fails on it.
    h.gh.fail({
      method: 'PATCH',
      path: /^\/repos\/acme\/patch503\/check-runs\/\d+$/,
      status: 503,
      forMs: 20_000,
    });
    const res = await h.send(
      'push',
      pushEvent(ref, { ref: 'refs/heads/leaks', before: ZERO, after: head! }),
    );
    expect(res.status).toBe(200);
    await until('run in progress', () =>
      h.gh.checkRuns.find((c) => c.repo === 'acme/patch503' && c.status === 'in_progress'),
    );
    await h.app.waitForLog(/"repo":"acme\/patch503"[^\n]*scan attempt failed/, 30_000);
    await until(
      'completed run',
      () => h.gh.checkRuns.find((c) => c.repo === 'acme/patch503' && c.status === 'completed'),
      45_000,
    );
    await h.app.waitForLog(/"repo":"acme\/patch503"[^\n]*"msg":"scan reported"/, 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/patch503');
    expect(runs.map((c) => [c.head_sha, c.status, c.conclusion])).toEqual([
      [head!, 'completed', 'failure'],
    ]);
    expect(h.gh.commitComments.filter((c) => c.repo === 'acme/patch503')).toHaveLength(1);
    expect(h.app.logs()).not.toMatch(/"repo":"acme\/patch503"[^\n]*failed for good/);
  }, 60_000);

  it('rate limits and a 502 after the write, midway through the commit comments: each commit commented once', async () => {
    const { ref, commits } = await branchOfLeaks(
      h,
      'midlist',
      1402,
      Object.fromEntries([1, 2, 3].map((n) => [`app${n}/.env`, envCredential(`e2e-midlist-${n}`)])),
    );
    const res = await h.send(
      'push',
      pushEvent(ref, { ref: 'refs/heads/leaks', before: ZERO, after: commits[2]! }),
    );
    expect(res.status).toBe(200);
    const commented = () => h.gh.commitComments.filter((c) => c.repo === 'acme/midlist');
    await until('the first commit comment', () => commented()[0], 30_000);
    const path = /^\/repos\/acme\/midlist\/commits\/[0-9a-f]+\/comments$/;
    h.gh.fail({ method: 'POST', path, status: 429, retryAfter: 1, times: 1 });
    h.gh.fail({
      method: 'POST',
      path,
      status: 403,
      retryAfter: 1,
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes.',
      times: 1,
    });
    h.gh.fail({ method: 'POST', path, status: 502, applied: true, times: 1 });
    await until(
      'three commit comments',
      () => (commented().length >= 3 ? true : undefined),
      45_000,
    );
    await h.app.waitForLog(/"repo":"acme\/midlist"[^\n]*"msg":"scan reported"/, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      commented()
        .map((c) => c.target)
        .sort(),
    ).toEqual([...commits].sort());
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/midlist');
    expect(runs.map((c) => [c.head_sha, c.status, c.conclusion])).toEqual([
      [commits[2], 'completed', 'failure'],
    ]);
    // The faults were met: three failed attempts before the report.
    expect(
      (h.app.logs().match(/"repo":"acme\/midlist"[^\n]*scan attempt failed/g) ?? []).length,
    ).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
