/**
 * The report planned from the installation's permissions, as the token response lists them,
 * against the app process (in-process queue). The double refuses writes beyond an installation's
 * grant as GitHub does (403 "Resource not accessible by integration"), so a surface the plan
 * should have skipped shows up as a request:
 *
 * - Contents: read: no commit comment is asked for (it was one refused POST per job); the check
 *   runs and the PR comment are delivered once, and the push's check run says commit comments are
 *   off;
 * - Checks: read: no check-run request at all; the PR comment is delivered once and says check
 *   runs are off; one error names the permission;
 * - a token response without `permissions` (older GitHub Enterprise): everything is tried, and the
 *   refusal handled, as before;
 * - `installation.new_permissions_accepted`, or a refusal the cached permissions contradict, drops
 *   the cached token: the next job plans with the new permissions.
 */
import type { TestRepo } from '../helpers/git-repo.js';
import { loadFixture, pullRequestEvent, pushEvent, type RepoRef } from '../helpers/webhooks.js';
import {
  envCredential as credential,
  metricValue as metric,
  repoLogLines as linesOf,
  sentTo as sent,
  startHarness,
  until,
} from './harness.js';
import type { Harness } from './harness.js';

const ZERO = '0'.repeat(40);
const ALL = { checks: 'write', contents: 'write', pull_requests: 'write', metadata: 'read' };
const COMMIT_COMMENT = (name: string) =>
  new RegExp(`^/repos/acme/${name}/commits/[0-9a-f]+/comments$`);

const settle = (ms = 1500) => new Promise((r) => setTimeout(r, ms));

/** Waits until `count` jobs of the repository reported ("scan reported"). */
async function reported(h: Harness, name: string, count: number): Promise<void> {
  await until(
    `${count} scans of ${name} reported`,
    () =>
      linesOf(h, name).filter((l) => /"msg":"scan reported"/.test(l)).length >= count
        ? true
        : undefined,
    30_000,
  );
}

/** A repository on its own installation, with `main` pushed. */
async function repoOn(
  h: Harness,
  name: string,
  id: number,
  installationId: number,
): Promise<{ ref: RepoRef; r: TestRepo; base: string }> {
  const ref: RepoRef = { ...h.addRepo(name, id), installationId };
  const r = h.repo();
  r.write('README.md', '# x\n');
  const base = r.commit('initial');
  await h.push(r, ref, 'main');
  return { ref, r, base };
}

/** A new branch from main adding a credential, pushed, and its push event delivered. */
async function pushLeak(
  h: Harness,
  repo: { ref: RepoRef; r: TestRepo },
  branch: string,
): Promise<string> {
  const { ref, r } = repo;
  r.checkout('main');
  r.branch(branch);
  r.checkout(branch);
  r.write(`${branch}.env`, credential(`${ref.name}-${branch}`));
  const head = r.commit(`add ${branch} env`);
  await h.push(r, ref, branch);
  await h.send('push', pushEvent(ref, { ref: `refs/heads/${branch}`, before: ZERO, after: head }));
  return head;
}

function permissionsAccepted(installationId: number) {
  const base = loadFixture('installation.created');
  return {
    ...base,
    action: 'new_permissions_accepted',
    installation: { ...(base.installation as Record<string, unknown>), id: installationId },
  };
}

describe('report surfaces planned from the installation permissions (app process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { UPSTASH_GUARD_BACKOFF_MS: '300', UPSTASH_GUARD_BACKOFF_MAX_MS: '1000' },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('Contents: read: no commit comment is asked for; the check runs and the PR comment are delivered once; the push check run says commit comments are off', async () => {
    h.gh.setPermissions(7101, { ...ALL, contents: 'read' });
    const repo = await repoOn(h, 'perm-contents', 1601, 7101);
    const head = await pushLeak(h, repo, 'leak');
    await reported(h, 'perm-contents', 1);
    await h.push(repo.r, repo.ref, 'leak:refs/pull/9/head');
    await h.send(
      'pull_request',
      pullRequestEvent(repo.ref, { number: 9, headSha: head, baseSha: repo.base, headRef: 'leak' }),
    );
    await reported(h, 'perm-contents', 2);
    await settle();

    expect(sent(h, 'POST', COMMIT_COMMENT('perm-contents'))).toHaveLength(0);
    // Nor the listing of a commit's comments that comes before a post.
    expect(sent(h, 'GET', COMMIT_COMMENT('perm-contents'))).toHaveLength(0);
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/perm-contents');
    expect(runs.map((c) => [c.external_id, c.status, c.conclusion]).sort()).toEqual([
      ['upstash-guard:pull_request', 'completed', 'failure'],
      ['upstash-guard:push', 'completed', 'failure'],
    ]);
    const push = runs.find((c) => c.external_id === 'upstash-guard:push')!;
    expect(push.output?.summary).toMatch(
      /Commit comments are off: this installation grants Contents: read/,
    );
    // The pull request's run does not speak of a surface its job never uses.
    const pr = runs.find((c) => c.external_id === 'upstash-guard:pull_request')!;
    expect(pr.output?.summary).not.toMatch(/are off/);
    expect(sent(h, 'POST', /^\/repos\/acme\/perm-contents\/issues\/9\/comments$/)).toHaveLength(1);
    expect(h.gh.issueComments.filter((c) => c.repo === 'acme/perm-contents')).toHaveLength(1);

    const lines = linesOf(h, 'perm-contents');
    expect(lines.filter((l) => /"level":(40|50)/.test(l))).toEqual([]);
    // One info line for the push job, none for the PR job (nothing of it was skipped).
    const off = lines.filter((l) => /skipped for the installation's permissions/.test(l));
    expect(off).toHaveLength(1);
    expect(off[0]).toMatch(/"level":30/);
    expect(off[0]).toMatch(/Contents: write/);
  }, 90_000);

  it('Checks: read: no check-run request at all; the PR comment is delivered once and says so; one error naming the permission', async () => {
    const before = await h.app.metrics();
    h.gh.setPermissions(7102, { ...ALL, checks: 'read' });
    const repo = await repoOn(h, 'perm-checks', 1602, 7102);
    const since = h.gh.requests.length;
    repo.r.branch('feature');
    repo.r.checkout('feature');
    repo.r.write('.env', credential('perm-checks'));
    const head = repo.r.commit('add env');
    await h.push(repo.r, repo.ref, 'feature', 'feature:refs/pull/4/head');
    await h.send(
      'pull_request',
      pullRequestEvent(repo.ref, { number: 4, headSha: head, baseSha: repo.base }),
    );
    await h.app.waitForLog(/"repo":"acme\/perm-checks"[^\n]*failed for good/, 30_000);
    await settle();

    const mine = h.gh.requests
      .slice(since)
      .filter((r) => r.path.startsWith('/repos/acme/perm-checks/'));
    expect(mine.filter((r) => /\/check-runs/.test(r.path))).toEqual([]);
    expect(mine.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/acme/perm-checks/issues/4/comments',
    ]);
    const comments = h.gh.issueComments.filter((c) => c.repo === 'acme/perm-checks');
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/Check runs are off: this installation grants Checks: read/);

    const lines = linesOf(h, 'perm-checks');
    expect(lines.filter((l) => /will be retried|could not say so/.test(l))).toEqual([]);
    expect(lines.filter((l) => /"level":40/.test(l))).toEqual([]);
    const errors = lines.filter((l) => /"level":50/.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/failed for good/);
    expect(errors[0]).toMatch(/Checks: write/);
    expect(errors[0]).toMatch(/grants Checks: read/);

    const after = await h.app.metrics();
    const permission = 'upstash_guard_job_failures_total{reason="github_permission"}';
    expect(metric(after, permission) - metric(before, permission)).toBe(1);
    // Nothing was refused: nothing was asked.
    const refused = 'upstash_guard_github_refusals_total{permission="checks:write"}';
    expect(metric(after, refused) - metric(before, refused)).toBe(0);
  }, 60_000);

  it('a token response without permissions (older GitHub Enterprise): commit comments are tried and the refusal handled, as before', async () => {
    h.gh.setPermissions(7103, { ...ALL, contents: 'read' }, { listed: false });
    const repo = await repoOn(h, 'perm-unlisted', 1603, 7103);
    await pushLeak(h, repo, 'leak');
    await reported(h, 'perm-unlisted', 1);
    await settle();

    const posts = sent(h, 'POST', COMMIT_COMMENT('perm-unlisted'));
    expect(posts.map((p) => p.status)).toEqual([403]);
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/perm-unlisted');
    expect(runs.map((c) => [c.status, c.conclusion])).toEqual([['completed', 'failure']]);
    expect(runs[0]!.output?.summary).not.toMatch(/are off/);
    const lines = linesOf(h, 'perm-unlisted');
    expect(lines.filter((l) => /skipped for the installation's permissions/.test(l))).toEqual([]);
    const warnings = lines.filter((l) => /"level":40/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Contents: write/);
  }, 60_000);

  it('installation.new_permissions_accepted: the next job plans with the new permissions', async () => {
    h.gh.setPermissions(7104, { ...ALL, contents: 'read' });
    const repo = await repoOn(h, 'perm-accepted', 1604, 7104);
    await pushLeak(h, repo, 'one');
    await reported(h, 'perm-accepted', 1);
    expect(sent(h, 'POST', COMMIT_COMMENT('perm-accepted'))).toHaveLength(0);

    // The organisation accepts Contents: write. The cached token (an hour) still says read.
    h.gh.setPermissions(7104, ALL);
    const minted = h.gh.tokens.length;
    const res = await h.send('installation', permissionsAccepted(7104));
    expect(res.status).toBeLessThan(300);
    await pushLeak(h, repo, 'two');
    await reported(h, 'perm-accepted', 2);
    await settle();

    const posts = sent(h, 'POST', COMMIT_COMMENT('perm-accepted'));
    expect(posts.map((p) => p.status)).toEqual([201]);
    expect(h.gh.commitComments.filter((c) => c.repo === 'acme/perm-accepted')).toHaveLength(1);
    expect(h.gh.tokens.length).toBeGreaterThan(minted);
    const second = h.gh.checkRuns.filter((c) => c.repo === 'acme/perm-accepted').at(-1)!;
    expect(second.output?.summary).not.toMatch(/are off/);
    expect(linesOf(h, 'perm-accepted').filter((l) => /"level":(40|50)/.test(l))).toEqual([]);
  }, 90_000);

  it('a refusal the cached permissions contradict drops the token: the next job asks for none', async () => {
    h.gh.setPermissions(7105, ALL);
    const repo = await repoOn(h, 'perm-revoked', 1605, 7105);
    await pushLeak(h, repo, 'one');
    await reported(h, 'perm-revoked', 1);
    expect(sent(h, 'POST', COMMIT_COMMENT('perm-revoked')).map((p) => p.status)).toEqual([201]);

    // Contents goes down to read with no event (the App's owner lowered it): the cached
    // permissions say write, GitHub refuses.
    h.gh.setPermissions(7105, { ...ALL, contents: 'read' });
    await pushLeak(h, repo, 'two');
    await reported(h, 'perm-revoked', 2);
    expect(sent(h, 'POST', COMMIT_COMMENT('perm-revoked')).map((p) => p.status)).toEqual([
      201, 403,
    ]);
    await pushLeak(h, repo, 'three');
    await reported(h, 'perm-revoked', 3);
    await settle();

    // The third job minted a token listing Contents: read and asked for no commit comment.
    expect(sent(h, 'POST', COMMIT_COMMENT('perm-revoked')).map((p) => p.status)).toEqual([
      201, 403,
    ]);
    const last = h.gh.checkRuns.filter((c) => c.repo === 'acme/perm-revoked').at(-1)!;
    expect(last.output?.summary).toMatch(/Commit comments are off/);
    // The refusal's warning, once; no error.
    const lines = linesOf(h, 'perm-revoked');
    expect(lines.filter((l) => /"level":50/.test(l))).toEqual([]);
    expect(lines.filter((l) => /"level":40/.test(l))).toHaveLength(1);
  }, 120_000);
});
