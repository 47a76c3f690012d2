/**
 * GitHub refusing a write for good (403 "Resource not accessible by integration": the App lacks a
 * permission) against GitHub rate-limiting it (403 with a rate-limit message or `retry-after`),
 * against the app process (in-process queue):
 *
 * - a refusal is not retried: the refused route is sent once, the other report surfaces are still
 *   delivered once, one log line names the permission to grant (an error when the check run is
 *   refused and the job fails, a warning for a comment), and the metrics count it
 *   (`github_permission`, where it was `github_rate_limited`, retried for about ten hours);
 * - a rate limit is retried, no sooner than GitHub's `retry-after` (the job's retry came after its
 *   own backoff, 300 ms here, and met the limit again), and delivered once.
 */
import { pullRequestEvent, pushEvent, type RepoRef } from '../helpers/webhooks.js';
import {
  envCredential as credential,
  metricValue as metric,
  repoLogLines as linesOf,
  sentTo as sent,
  openPullRequest,
  startHarness,
  until,
} from './harness.js';
import type { Harness } from './harness.js';

const ZERO = '0'.repeat(40);
const NOT_ACCESSIBLE = 'Resource not accessible by integration';

const settle = (ms = 2000) => new Promise((r) => setTimeout(r, ms));

describe('GitHub refusals and rate limits on the writes (app process, in-process queue)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { UPSTASH_GUARD_BACKOFF_MS: '300', UPSTASH_GUARD_BACKOFF_MAX_MS: '1000' },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => h.gh.clearFailures());

  it('commit comments refused (no "Contents: write"): tried once, the check runs and the PR comment delivered once, the job completes', async () => {
    const before = await h.app.metrics();
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/nocomment\/commits\/[0-9a-f]+\/comments$/,
      status: 403,
      message: NOT_ACCESSIBLE,
    });
    const ref: RepoRef = h.addRepo('nocomment', 1501);
    const r = h.repo();
    r.write('README.md', '# x\n');
    const base = r.commit('initial');
    await h.push(r, ref, 'main');
    // Two commits with a credential each: two commit comments to post, on two commits.
    r.branch('leak');
    r.checkout('leak');
    r.write('.env', credential('refusal-one'));
    r.commit('add env');
    r.write('config/prod.env', credential('refusal-two'));
    const head = r.commit('add prod env');
    await h.push(r, ref, 'leak');
    await h.send('push', pushEvent(ref, { ref: 'refs/heads/leak', before: ZERO, after: head }));
    await h.app.waitForLog(/"repo":"acme\/nocomment"[^\n]*"msg":"scan reported"/, 30_000);

    // Then a pull request of the same branch: its check run and its comment.
    await h.push(r, ref, 'leak:refs/pull/7/head');
    await h.send(
      'pull_request',
      pullRequestEvent(ref, { number: 7, headSha: head, baseSha: base }),
    );
    await until('PR comment', () => h.gh.issueComments.find((c) => c.repo === 'acme/nocomment'));
    await until(
      'two scans reported',
      () =>
        linesOf(h, 'nocomment').filter((l) => /"msg":"scan reported"/.test(l)).length === 2
          ? true
          : undefined,
      30_000,
    );
    await settle();

    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/nocomment');
    expect(runs.map((c) => [c.external_id, c.status, c.conclusion]).sort()).toEqual([
      ['upstash-guard:pull_request', 'completed', 'failure'],
      ['upstash-guard:push', 'completed', 'failure'],
    ]);
    expect(h.gh.issueComments.filter((c) => c.repo === 'acme/nocomment')).toHaveLength(1);
    expect(sent(h, 'POST', /^\/repos\/acme\/nocomment\/issues\/7\/comments$/)).toHaveLength(1);
    // The refused route: once, not once per commit and not once per attempt.
    expect(
      sent(h, 'POST', /^\/repos\/acme\/nocomment\/commits\/[0-9a-f]+\/comments$/),
    ).toHaveLength(1);
    expect(h.gh.commitComments.filter((c) => c.repo === 'acme/nocomment')).toHaveLength(0);

    const lines = linesOf(h, 'nocomment');
    expect(lines.filter((l) => /attempt failed|failed for good/.test(l))).toEqual([]);
    // One warning, not an error: Contents at read is how commit comments are opted out of.
    expect(lines.filter((l) => /"level":50/.test(l))).toEqual([]);
    const refusals = lines.filter((l) => /"level":40/.test(l));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatch(/Contents: write/);
    expect(refusals[0]).toContain(NOT_ACCESSIBLE);

    const after = await h.app.metrics();
    const refused = 'upstash_guard_github_refusals_total{permission="contents:write"}';
    expect(metric(after, refused) - metric(before, refused)).toBe(1);
    const failed = 'upstash_guard_job_failures_total{reason="github_permission"}';
    expect(metric(after, failed) - metric(before, failed)).toBe(0);
  }, 90_000);

  it('check run creation refused (no "Checks: write"): no retry storm, the PR comment still delivered, one error naming the permission, counted as github_permission', async () => {
    const before = await h.app.metrics();
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/nochecks\/check-runs$/,
      status: 403,
      message: NOT_ACCESSIBLE,
    });
    const since = h.gh.requests.length;
    await openPullRequest(h, {
      name: 'nochecks',
      id: 1502,
      pr: 3,
      envText: credential('nochecks'),
    });
    await h.app.waitForLog(/"repo":"acme\/nochecks"[^\n]*failed for good/, 30_000);
    await settle(3000);

    // One creation, refused; no retry and no "the scan could not run" report (it would be refused too).
    expect(sent(h, 'POST', /^\/repos\/acme\/nochecks\/check-runs$/)).toHaveLength(1);
    expect(h.gh.checkRuns.filter((c) => c.repo === 'acme/nochecks')).toHaveLength(0);
    expect(h.gh.issueComments.filter((c) => c.repo === 'acme/nochecks')).toHaveLength(1);
    const writes = h.gh.requests
      .slice(since)
      .filter((r) => r.path.startsWith('/repos/acme/nochecks/') && r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/acme/nochecks/check-runs',
      'POST /repos/acme/nochecks/issues/3/comments',
    ]);

    const lines = linesOf(h, 'nochecks');
    expect(lines.filter((l) => /will be retried|could not say so/.test(l))).toEqual([]);
    const errors = lines.filter((l) => /"level":50/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/failed for good/);
    expect(errors[0]).toMatch(/Checks: write/);
    expect(errors[0]).toContain(NOT_ACCESSIBLE);
    expect(errors[0]).not.toMatch(/rate.limit/i);

    const after = await h.app.metrics();
    const permission = 'upstash_guard_job_failures_total{reason="github_permission"}';
    const limited = 'upstash_guard_job_failures_total{reason="github_rate_limited"}';
    expect(metric(after, permission) - metric(before, permission)).toBe(1);
    expect(metric(after, limited) - metric(before, limited)).toBe(0);
    const refused = 'upstash_guard_github_refusals_total{permission="checks:write"}';
    expect(metric(after, refused) - metric(before, refused)).toBe(1);
  }, 60_000);

  it.each([
    // Probot's throttling only logs a secondary limit: the attempt fails, the job's retry waits.
    [
      'secondary',
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    ],
    // GitHub's older wording, which no throttling recognises: the same.
    [
      'abuse',
      'You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.',
    ],
  ])(
    'a 403 rate limit (%s) with retry-after: retried no sooner than GitHub says, delivered once',
    async (name, message) => {
      h.gh.fail({
        method: 'POST',
        path: new RegExp(`^/repos/acme/${name}/check-runs$`),
        status: 403,
        message,
        retryAfter: 2,
        times: 1,
      });
      const { head } = await openPullRequest(h, {
        name,
        id: name === 'abuse' ? 1503 : 1504,
        pr: 5,
        envText: credential(name),
      });
      await until(
        'completed run',
        () => h.gh.checkRuns.find((c) => c.repo === `acme/${name}` && c.status === 'completed'),
        45_000,
      );
      await until('PR comment', () => h.gh.issueComments.find((c) => c.repo === `acme/${name}`));
      await settle();
      const posts = sent(h, 'POST', new RegExp(`^/repos/acme/${name}/check-runs$`));
      expect(posts.map((p) => p.status)).toEqual([403, 201]);
      // The retry came after retry-after (2 s), not after the 300 ms backoff.
      expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1900);
      const runs = h.gh.checkRuns.filter((c) => c.repo === `acme/${name}`);
      expect(runs.map((c) => [c.head_sha, c.conclusion])).toEqual([[head, 'failure']]);
      expect(h.gh.issueComments.filter((c) => c.repo === `acme/${name}`)).toHaveLength(1);
      expect(linesOf(h, name).filter((l) => /failed for good|"level":50/.test(l))).toEqual([]);
    },
    60_000,
  );
});
