import { Octokit } from '@octokit/rest';

import { startGitHubDouble } from '../helpers/github-double.js';
import type { GitHubDouble } from '../helpers/github-double.js';

const noop = (): void => undefined;
// Injected failures are expected here; keep Octokit's request log out of the test output.
const quiet = { debug: noop, info: noop, warn: noop, error: noop };

describe('GitHub REST API double', () => {
  let gh: GitHubDouble;
  let octokit: Octokit;
  beforeEach(async () => {
    gh = await startGitHubDouble();
    // The same base URL Probot derives from GHE_HOST + GHE_PROTOCOL.
    octokit = new Octokit({ baseUrl: `http://${gh.host}/api/v3`, auth: 'ghs_fake', log: quiet });
    gh.addRepo({ owner: 'acme', name: 'app', cloneUrl: 'http://127.0.0.1:1/acme/app.git' });
  });
  afterEach(async () => {
    await gh.close();
  });

  it('hands out installation tokens and answers repository, contents and pulls', async () => {
    const { data: tok } = await octokit.request(
      'POST /app/installations/{installation_id}/access_tokens',
      {
        installation_id: 7,
      },
    );
    expect(tok.token).toBe(gh.tokens[0]);
    const { data: repo } = await octokit.repos.get({ owner: 'acme', repo: 'app' });
    expect(repo.default_branch).toBe('main');
    await expect(
      octokit.repos.getContent({ owner: 'acme', repo: 'app', path: '.github/upstash-guard.yml' }),
    ).rejects.toMatchObject({ status: 404 });
    const state = gh.addRepo({ owner: 'acme', name: 'cfg', cloneUrl: 'x' });
    state.files.set('.github/upstash-guard.yml', 'failOn: high\n');
    state.pulls.push({ number: 3, headSha: 'a'.repeat(40), headRef: 'feat', baseRef: 'main' });
    const { data: file } = await octokit.repos.getContent({
      owner: 'acme',
      repo: 'cfg',
      path: '.github/upstash-guard.yml',
    });
    expect(Buffer.from((file as { content: string }).content, 'base64').toString()).toBe(
      'failOn: high\n',
    );
    const { data: pulls } = await octokit.repos.listPullRequestsAssociatedWithCommit({
      owner: 'acme',
      repo: 'cfg',
      commit_sha: 'a'.repeat(40),
    });
    expect(pulls.map((p) => p.number)).toEqual([3]);
    expect(
      (await octokit.pulls.list({ owner: 'acme', repo: 'cfg', state: 'open' })).data,
    ).toHaveLength(1);
  });

  it('keeps check run, issue comment and commit comment state and records bodies', async () => {
    const sha = 'b'.repeat(40);
    const { data: run } = await octokit.checks.create({
      owner: 'acme',
      repo: 'app',
      name: 'upstash-guard',
      head_sha: sha,
      status: 'in_progress',
    });
    await octokit.checks.update({
      owner: 'acme',
      repo: 'app',
      check_run_id: run.id,
      conclusion: 'failure',
      output: {
        title: 't',
        summary: 's',
        annotations: [
          { path: 'a.ts', start_line: 2, end_line: 2, annotation_level: 'failure', message: 'm' },
        ],
      },
    });
    expect(gh.checkRuns[0]).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      head_sha: sha,
    });
    expect(gh.checkRuns[0]!.annotations).toHaveLength(1);
    const listed = await octokit.checks.listForRef({ owner: 'acme', repo: 'app', ref: sha });
    expect(listed.data.total_count).toBe(1);

    const { data: c } = await octokit.issues.createComment({
      owner: 'acme',
      repo: 'app',
      issue_number: 5,
      body: 'hello',
    });
    await octokit.issues.updateComment({
      owner: 'acme',
      repo: 'app',
      comment_id: c.id,
      body: 'edited',
    });
    const { data: comments } = await octokit.issues.listComments({
      owner: 'acme',
      repo: 'app',
      issue_number: 5,
    });
    expect(comments.map((x) => x.body)).toEqual(['edited']);
    expect(comments[0]!.user?.login).toBe(gh.appLogin);

    await octokit.repos.createCommitComment({
      owner: 'acme',
      repo: 'app',
      commit_sha: sha,
      body: 'cc',
      path: 'a.ts',
      line: 2,
    });
    const { data: ccs } = await octokit.repos.listCommentsForCommit({
      owner: 'acme',
      repo: 'app',
      commit_sha: sha,
    });
    expect(ccs).toHaveLength(1);
    const posts = gh.requests.filter((r) => r.method === 'POST');
    expect(posts.map((r) => r.path)).toEqual([
      '/repos/acme/app/check-runs',
      '/repos/acme/app/issues/5/comments',
      `/repos/acme/app/commits/${sha}/comments`,
    ]);
    expect(posts[1]!.body).toEqual({ body: 'hello' });
    expect(posts[1]!.headers.authorization).toBe('token ghs_fake');
  });

  it('injects 403, 429 with retry-after, 5xx once, and latency', async () => {
    const sha = 'c'.repeat(40);
    gh.fail({ method: 'POST', path: /\/commits\/[0-9a-f]+\/comments$/, status: 403 });
    await expect(
      octokit.repos.createCommitComment({ owner: 'acme', repo: 'app', commit_sha: sha, body: 'x' }),
    ).rejects.toMatchObject({ status: 403 });
    expect(gh.commitComments).toHaveLength(0);

    gh.fail({ path: /^\/repos\/acme\/app$/, status: 429, retryAfter: 2, times: 1 });
    const err = await octokit.repos
      .get({ owner: 'acme', repo: 'app' })
      .catch((e: { status: number; response: { headers: Record<string, string> } }) => e);
    expect(err).toMatchObject({ status: 429 });
    expect(
      (err as { response: { headers: Record<string, string> } }).response.headers['retry-after'],
    ).toBe('2');

    gh.fail({ path: /^\/repos\/acme\/app$/, status: 502, times: 1 });
    await expect(octokit.repos.get({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({
      status: 502,
    });
    expect((await octokit.repos.get({ owner: 'acme', repo: 'app' })).status).toBe(200);

    gh.setLatency(150);
    const t0 = Date.now();
    await octokit.repos.get({ owner: 'acme', repo: 'app' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('fails for a time window, and until told GitHub is back', async () => {
    gh.setLatency(0);
    gh.fail({ path: /^\/repos\/acme\/app$/, status: 500, forMs: 300 });
    await expect(octokit.repos.get({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({
      status: 500,
    });
    await new Promise((r) => setTimeout(r, 350));
    expect((await octokit.repos.get({ owner: 'acme', repo: 'app' })).status).toBe(200);
    gh.fail({ path: /^\/repos\/acme\/app$/, status: 503 });
    await expect(octokit.repos.get({ owner: 'acme', repo: 'app' })).rejects.toMatchObject({
      status: 503,
    });
    gh.clearFailures();
    expect((await octokit.repos.get({ owner: 'acme', repo: 'app' })).status).toBe(200);
  });
});
