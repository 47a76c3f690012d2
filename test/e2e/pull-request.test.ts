/**
 * Process-level: the built app, signed webhooks over HTTP, real git over smart HTTP, GitHub as a
 * loopback double. The in-process queue (no REDIS_URL); the BullMQ path has its own file.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { startApp } from '../helpers/app-process.js';
import type { AppProcess } from '../helpers/app-process.js';
import { createRepo } from '../helpers/git-repo.js';
import type { TestRepo } from '../helpers/git-repo.js';
import { basicAuthHeader, startGitHttpServer } from '../helpers/git-http-server.js';
import type { GitHttpServer } from '../helpers/git-http-server.js';
import { startGitHubDouble } from '../helpers/github-double.js';
import type { CheckRunState, GitHubDouble } from '../helpers/github-double.js';
import { deliver, pullRequestEvent } from '../helpers/webhooks.js';

const run = promisify(execFile);
const PUSHER = 'test-pusher';
const MARKER = '<!-- upstash-guard:pr-comment -->';

async function until<T>(what: string, f: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('pull request flow (app process, in-process queue)', () => {
  let gh: GitHubDouble;
  let git: GitHttpServer;
  let app: AppProcess;
  let repo: TestRepo;
  const { token, dbId } = redisTokenParts({ seed: 'e2e-pr' });
  const endpoint = redisEndpoint(dbId, { seed: 'e2e-pr' });
  const ref = { owner: 'acme', name: 'app', id: 601 };
  let cloneUrl: string;

  // Async push: the git server lives in this process, a synchronous git would deadlock it.
  const push = async (...refspecs: string[]): Promise<void> => {
    const header = `http.extraHeader=Authorization: Bearer ${PUSHER}`;
    await run('git', ['-c', header, 'push', '-q', '--force', cloneUrl, ...refspecs], {
      cwd: repo.dir,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
  };

  beforeAll(async () => {
    [gh, git] = await Promise.all([startGitHubDouble(), startGitHttpServer()]);
    git.createBare('acme', 'app');
    // The App fetches from GHE_HOST (the double), which serves git too.
    gh.serveGitFrom(git.baseUrl);
    cloneUrl = gh.cloneUrl('acme', 'app');
    gh.addRepo({ owner: 'acme', name: 'app', id: 601, cloneUrl });
    app = await startApp({ githubHost: gh.host });
    repo = createRepo();
    repo.write('README.md', '# app\n');
    repo.commit('initial');
    await push('main');
    // Only installation tokens the double handed out open the repository.
    git.requireAuth(
      (h) => h === `Bearer ${PUSHER}` || gh.tokens.some((t) => h === basicAuthHeader(t)),
    );
  }, 30_000);

  afterAll(async () => {
    if (process.env.UG_E2E_DEBUG) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync('/tmp/ug-e2e-app.log', app.logs());
      writeFileSync(
        '/tmp/ug-e2e-gh.json',
        JSON.stringify(
          gh.requests.map((r) => [r.method, r.path, r.status, r.rawBody.slice(0, 300)]),
          null,
          1,
        ),
      );
    }
    await app?.stop();
    await Promise.all([gh?.close(), git?.close()]);
    repo?.cleanup();
  });

  let prRun: CheckRunState;
  let headSha: string;
  const baseSha = (): string => repo.git('rev-parse', 'main');

  it('a PR adding a token fails its check run on the exact line and gets one marked comment', async () => {
    repo.branch('feature');
    repo.checkout('feature');
    repo.write('src/cache.ts', `export const url = '${endpoint}';\n\n`);
    repo.write(
      '.env',
      `# cache\nUPSTASH_REDIS_REST_URL=${endpoint}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
    );
    headSha = repo.commit('add cache');
    await push('feature', 'feature:refs/pull/7/head');
    const res = await deliver(
      app.webhookUrl,
      'pull_request',
      pullRequestEvent({ ...ref, cloneUrl }, { number: 7, headSha, baseSha: baseSha() }),
      { secret: app.webhookSecret },
    );
    expect(res.status).toBe(200);
    prRun = await until('completed check run', () =>
      gh.checkRuns.find((c) => c.head_sha === headSha && c.status === 'completed'),
    );
    const created = gh.requests.find((r) => r.method === 'POST' && r.path.endsWith('/check-runs'));
    // A scan that finishes quickly is one write: the check run is created already completed.
    expect(created?.body).toMatchObject({
      head_sha: headSha,
      status: 'completed',
      external_id: 'upstash-guard:pull_request',
    });
    expect(gh.checkRuns).toHaveLength(1);
    expect(prRun.conclusion).toBe('failure');
    expect(prRun.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '.env', start_line: 3, end_line: 3 }),
      ]),
    );
    const comment = await until('PR comment', () => gh.issueComments.find((c) => c.target === 7));
    expect(gh.issueComments).toHaveLength(1);
    expect(comment.body.startsWith(MARKER)).toBe(true);
  });

  const synchronize = async (): Promise<CheckRunState> => {
    const res = await deliver(
      app.webhookUrl,
      'pull_request',
      pullRequestEvent(
        { ...ref, cloneUrl },
        { action: 'synchronize', number: 7, headSha, baseSha: baseSha() },
      ),
      { secret: app.webhookSecret },
    );
    expect(res.status).toBe(200);
    return until('check run on the new head', () =>
      gh.checkRuns.find((c) => c.head_sha === headSha && c.status === 'completed'),
    );
  };

  it('a push deleting the file keeps failing (the token is still in the PR commits), same comment', async () => {
    repo.remove('.env');
    headSha = repo.commit('remove the token');
    await push('feature', 'feature:refs/pull/7/head');
    const second = await synchronize();
    expect(second.conclusion).toBe('failure');
    await new Promise((r) => setTimeout(r, 300));
    expect(gh.issueComments).toHaveLength(1);
    expect(gh.issueComments[0]!.body).not.toMatch(/resolved/i);
  });

  it('rewriting the PR without the token edits the same comment to resolved', async () => {
    repo.git('reset', '-q', '--hard', 'main');
    repo.write('src/cache.ts', `export const url = process.env.UPSTASH_REDIS_REST_URL;\n`);
    headSha = repo.commit('add cache (token from env)');
    await push('feature', 'feature:refs/pull/7/head');
    const third = await synchronize();
    expect(third.conclusion).toBe('success');
    const comment = await until('edited comment', () =>
      gh.issueComments.find((c) => c.target === 7 && c.edits.length > 0),
    );
    expect(gh.issueComments).toHaveLength(1);
    expect(comment.body.startsWith(MARKER)).toBe(true);
    expect(comment.body).toMatch(/resolved/i);
  });

  it('redelivering the same webhook creates nothing new; unsigned or wrongly signed ones are rejected', async () => {
    const payload = pullRequestEvent(
      { ...ref, cloneUrl },
      { action: 'synchronize', number: 7, headSha, baseSha: baseSha() },
    );
    const before = {
      runs: gh.checkRuns.length,
      comments: gh.issueComments.length,
      reqs: gh.requests.length,
    };
    const unsigned = await deliver(app.webhookUrl, 'pull_request', payload);
    const wrong = await deliver(app.webhookUrl, 'pull_request', payload, {
      secret: 'not-the-secret',
    });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.status).toBeLessThan(500);
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.status).toBeLessThan(500);
    const id = 'redelivery-1';
    const first = await deliver(app.webhookUrl, 'pull_request', payload, {
      secret: app.webhookSecret,
      deliveryId: id,
    });
    const again = await deliver(app.webhookUrl, 'pull_request', payload, {
      secret: app.webhookSecret,
      deliveryId: id,
    });
    expect([first.status, again.status]).toEqual([200, 200]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(gh.checkRuns.length).toBe(before.runs);
    expect(gh.issueComments.length).toBe(before.comments);
    expect(
      gh.requests
        .slice(before.reqs)
        .filter((r) => r.method !== 'GET' && !r.path.includes('access_tokens')),
    ).toEqual([]);
  });

  it('one installation token serves the whole flow: every API call and every fetch carry it', () => {
    const mints = gh.requests.filter(
      (r) => r.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(r.path),
    );
    expect(mints).toHaveLength(1);
    expect(gh.tokens).toHaveLength(1);
    const [only] = gh.tokens;
    const api = gh.requests.filter((r) => !r.path.startsWith('/app'));
    expect(api.length).toBeGreaterThan(5);
    for (const r of api) expect(String(r.headers.authorization)).toBe(`token ${only}`);
  });

  it('never sends the raw token to GitHub or git URLs, nor logs it; git got the installation token as a header', () => {
    for (const r of gh.requests) {
      expect(r.rawBody.includes(token)).toBe(false);
      expect(r.path.includes(token)).toBe(false);
    }
    expect(app.logs().includes(token)).toBe(false);
    for (const t of gh.tokens) {
      expect(app.logs().includes(t)).toBe(false);
      expect(git.requests.some((r) => r.url.includes(t))).toBe(false);
    }
    const authed = git.requests.filter((r) => r.status === 200 && r.url.includes('upload-pack'));
    expect(authed.length).toBeGreaterThan(0);
    expect(authed.every((r) => r.authScheme === 'basic')).toBe(true);
  });
});
