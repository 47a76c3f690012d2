/**
 * GitHub faults that exactly-once.test.ts (BullMQ: 500s for a while, 422 on the PR comment,
 * workers killed at each step) does not cover, against the app process in-process mode:
 *
 * - a write GitHub carried out but answered 502 (its load balancer timing out after the write):
 *   retried blindly, it duplicated the check run or the comment;
 * - secondary (403 "secondary rate limit", 429) and primary (403, remaining 0, reset) rate limits
 *   on the writes;
 * - the commit of a push gone from GitHub when its comments are listed (404/422 after a force push);
 * - the installation token's mint refused for a while (401);
 * - a job that fails for good (git keeps failing; a permanent failure): it still ends with one
 *   completed check run saying the scan could not run, also when a run was left in progress.
 */
import { randomBytes } from 'node:crypto';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { pushEvent, type RepoRef } from '../helpers/webhooks.js';
import { openPullRequest, startHarness, until } from './harness.js';
import type { Harness } from './harness.js';

const ZERO = '0'.repeat(40);

function credential(seed: string): { token: string; text: string } {
  const { token, dbId } = redisTokenParts({ seed });
  const url = redisEndpoint(dbId, { seed });
  return { token, text: `UPSTASH_REDIS_REST_URL=${url}\nUPSTASH_REDIS_REST_TOKEN=${token}\n` };
}

const cred = credential('e2e-faults');

const settle = (ms = 1500) => new Promise((r) => setTimeout(r, ms));

/** Runs and comments of one repository as the double holds them. */
function stateOf(h: Harness, name: string) {
  const repo = `acme/${name}`;
  return {
    runs: h.gh.checkRuns.filter((c) => c.repo === repo),
    prComments: h.gh.issueComments.filter((c) => c.repo === repo),
    commitComments: h.gh.commitComments.filter((c) => c.repo === repo),
  };
}

async function completedRun(h: Harness, name: string, head: string, timeoutMs = 45_000) {
  return until(
    `completed run of acme/${name}`,
    () =>
      h.gh.checkRuns.find(
        (c) => c.repo === `acme/${name}` && c.head_sha === head && c.status === 'completed',
      ),
    timeoutMs,
  );
}

/** A new branch `leak` whose head adds the credential; the push webhook is delivered. */
async function pushLeak(
  h: Harness,
  name: string,
  id: number,
): Promise<{ ref: RepoRef; head: string; status: number }> {
  const ref = h.addRepo(name, id);
  const r = h.repo();
  r.write('README.md', '# x\n');
  r.commit('initial');
  await h.push(r, ref, 'main');
  r.branch('leak');
  r.checkout('leak');
  r.write('.env', cred.text);
  const head = r.commit('add env');
  await h.push(r, ref, 'leak');
  const res = await h.send(
    'push',
    pushEvent(ref, { ref: 'refs/heads/leak', before: ZERO, after: head }),
  );
  return { ref, head, status: res.status };
}

describe('GitHub faults (app process, in-process queue)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        UPSTASH_GUARD_BACKOFF_MS: '300',
        UPSTASH_GUARD_BACKOFF_MAX_MS: '1000',
        UPSTASH_GUARD_MAX_REPO_BYTES: String(2 * 1024 * 1024),
      },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => h.gh.clearFailures());

  it('a check run creation carried out but answered 502: one check run', async () => {
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/run502\/check-runs$/,
      status: 502,
      applied: true,
      times: 1,
    });
    const { head, status } = await openPullRequest(h, {
      name: 'run502',
      id: 1301,
      pr: 1,
      envText: cred.text,
    });
    expect(status).toBe(200);
    await completedRun(h, 'run502', head);
    await until('PR comment', () => stateOf(h, 'run502').prComments[0]);
    await settle();
    const s = stateOf(h, 'run502');
    expect(s.runs.map((c) => [c.head_sha, c.status, c.conclusion])).toEqual([
      [head, 'completed', 'failure'],
    ]);
    expect(s.prComments).toHaveLength(1);
  }, 60_000);

  it('a PR comment posted but answered 502: one comment', async () => {
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/comment502\/issues\/\d+\/comments$/,
      status: 502,
      applied: true,
      times: 1,
    });
    const { head } = await openPullRequest(h, {
      name: 'comment502',
      id: 1302,
      pr: 2,
      envText: cred.text,
    });
    await completedRun(h, 'comment502', head);
    await until('PR comment', () => stateOf(h, 'comment502').prComments[0]);
    await h.app.waitForLog(/"repo":"acme\/comment502"[^\n]*"msg":"scan reported"/, 30_000);
    await settle();
    const s = stateOf(h, 'comment502');
    expect(s.runs).toHaveLength(1);
    expect(s.prComments).toHaveLength(1);
  }, 60_000);

  it('a commit comment posted but answered 502: one comment on the commit', async () => {
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/commit502\/commits\/[0-9a-f]+\/comments$/,
      status: 502,
      applied: true,
      times: 1,
    });
    const { head } = await pushLeak(h, 'commit502', 1303);
    await completedRun(h, 'commit502', head);
    await h.app.waitForLog(/"repo":"acme\/commit502"[^\n]*"msg":"scan reported"/, 30_000);
    await settle();
    const s = stateOf(h, 'commit502');
    expect(s.runs).toHaveLength(1);
    expect(s.commitComments.map((c) => c.target)).toEqual([head]);
  }, 60_000);

  it('secondary and primary rate limits on the writes: one check run, one comment', async () => {
    const reset = String(Math.ceil(Date.now() / 1000) + 2);
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/limited\/check-runs$/,
      status: 403,
      retryAfter: 1,
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes.',
      times: 1,
    });
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/limited\/check-runs$/,
      status: 429,
      retryAfter: 1,
      times: 1,
    });
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/limited\/issues\/\d+\/comments$/,
      status: 403,
      message: 'API rate limit exceeded for installation ID 4242.',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
      times: 1,
    });
    const { head } = await openPullRequest(h, {
      name: 'limited',
      id: 1304,
      pr: 4,
      envText: cred.text,
    });
    await completedRun(h, 'limited', head);
    await until('PR comment', () => stateOf(h, 'limited').prComments[0], 45_000);
    await settle();
    const s = stateOf(h, 'limited');
    expect(s.runs.map((c) => [c.status, c.conclusion])).toEqual([['completed', 'failure']]);
    expect(s.prComments).toHaveLength(1);
    expect(h.app.logs()).not.toMatch(/"repo":"acme\/limited"[^\n]*failed for good/);
  }, 60_000);

  it.each([404, 422])(
    'the pushed commit gone when its comments are listed (%i): the job still completes',
    async (status) => {
      const name = `gone${status}`;
      h.gh.fail({
        method: 'GET',
        path: new RegExp(`^/repos/acme/${name}/commits/[0-9a-f]+/comments`),
        status,
        message: 'No commit found for SHA',
      });
      const { head } = await pushLeak(h, name, 1305 + (status === 404 ? 0 : 1));
      const run = await completedRun(h, name, head);
      expect(run.conclusion).toBe('failure');
      await h.app.waitForLog(new RegExp(`"repo":"acme/${name}"[^\\n]*"msg":"scan reported"`));
      expect(h.app.logs()).not.toMatch(new RegExp(`"repo":"acme/${name}"[^\\n]*attempt failed`));
    },
    60_000,
  );

  it('a repository over the size limit (a permanent failure): one completed neutral check run saying so', async () => {
    const ref = h.addRepo('huge', 1310);
    const r = h.repo();
    r.write('README.md', '# x\n');
    r.commit('initial');
    await h.push(r, ref, 'main');
    r.branch('big');
    r.checkout('big');
    r.write('blob.bin', randomBytes(3 * 1024 * 1024).toString('base64'));
    const head = r.commit('big blob');
    await h.push(r, ref, 'big');
    await h.send('push', pushEvent(ref, { ref: 'refs/heads/big', before: ZERO, after: head }));
    await h.app.waitForLog(/"repo":"acme\/huge"[^\n]*failed for good/, 30_000);
    const run = await completedRun(h, 'huge', head, 15_000);
    expect([run.conclusion, run.output?.title]).toEqual([
      'neutral',
      expect.stringMatching(/could not/i),
    ]);
    expect(run.output?.summary).toMatch(/larger than/);
    await settle();
    expect(stateOf(h, 'huge').runs).toHaveLength(1);
  }, 60_000);

  it('minting the installation token refused for a while (401: clock skew, key rotation): one run once it works', async () => {
    h.gh.fail({
      method: 'POST',
      path: /^\/app\/installations\/5151\/access_tokens$/,
      status: 401,
      message: "'Expiration time' claim ('exp') is too far in the future",
      times: 2,
    });
    const ref = { ...h.addRepo('mint', 1311), installationId: 5151 };
    const r = h.repo();
    r.write('a.txt', 'clean\n');
    const head = r.commit('clean');
    await h.push(r, ref, 'main');
    await h.send('push', pushEvent(ref, { ref: 'refs/heads/main', before: ZERO, after: head }));
    const run = await completedRun(h, 'mint', head);
    expect(run.conclusion).toBe('success');
    expect(h.app.logs()).toMatch(/"repo":"acme\/mint"[^\n]*attempt failed/);
    await settle();
    expect(stateOf(h, 'mint').runs).toHaveLength(1);
  }, 60_000);

  it('no raw credential and no installation token in the logs or in any request to GitHub', () => {
    const logs = h.app.logs();
    expect(logs.includes(cred.token)).toBe(false);
    for (const t of h.gh.tokens) expect(logs.includes(t)).toBe(false);
    for (const r of h.gh.requests) expect(r.rawBody.includes(cred.token)).toBe(false);
  });
});

describe('a job that fails for good still reports (app process, in-process queue)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: {
        UPSTASH_GUARD_ATTEMPTS: '2',
        UPSTASH_GUARD_BACKOFF_MS: '200',
        // The run is shown in progress at once: a failure must not leave it so.
        UPSTASH_GUARD_IN_PROGRESS_AFTER_MS: '0',
      },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it('GitHub refusing the result (422) on every attempt: the failure is reported on one run instead', async () => {
    // Every write of the result is refused (an output GitHub will not take): attempt 1's
    // completion, attempt 2's restart in progress and its completion (3 PATCHes); the short
    // failure report that follows is accepted.
    h.gh.fail({
      method: 'PATCH',
      path: /^\/repos\/acme\/refused\/check-runs\/\d+$/,
      status: 422,
      message: 'Invalid request. Only 65535 characters are allowed; 70000 were supplied.',
      times: 3,
    });
    const ref = h.addRepo('refused', 1402);
    const r = h.repo();
    r.write('.env', cred.text);
    const head = r.commit('add env');
    await h.push(r, ref, 'main');
    await h.send('push', pushEvent(ref, { ref: 'refs/heads/main', before: ZERO, after: head }));
    await h.app.waitForLog(/"repo":"acme\/refused"[^\n]*failed for good/, 30_000);
    const run = await completedRun(h, 'refused', head, 15_000);
    expect(run.conclusion).toBe('neutral');
    expect(run.output?.summary).toMatch(/65535 characters/);
    await settle();
    expect(stateOf(h, 'refused').runs).toHaveLength(1);
  }, 60_000);

  it('git failing on every attempt, the run shown in progress: that run completed neutral, naming the failure', async () => {
    const ref = h.addRepo('gitdown', 1401);
    const r = h.repo();
    r.write('.env', cred.text);
    const head = r.commit('add env');
    await h.push(r, ref, 'main');
    h.git.fail({ repo: 'acme/gitdown.git', status: 500 });
    await h.send('push', pushEvent(ref, { ref: 'refs/heads/main', before: ZERO, after: head }));
    await until('run in progress', () => stateOf(h, 'gitdown').runs[0]);
    await h.app.waitForLog(/"repo":"acme\/gitdown"[^\n]*failed for good/, 30_000);
    const run = await completedRun(h, 'gitdown', head, 15_000);
    expect(run.conclusion).toBe('neutral');
    expect(run.output?.title).toMatch(/could not/i);
    expect(run.output?.summary).toMatch(/git fetch/);
    await settle();
    expect(stateOf(h, 'gitdown').runs).toHaveLength(1);
    expect(stateOf(h, 'gitdown').commitComments).toHaveLength(0);
    // git is back and GitHub redelivers: the same run now carries the scan's result.
    h.git.clearFailures();
    await h.send('push', pushEvent(ref, { ref: 'refs/heads/main', before: ZERO, after: head }));
    await until('the result on the run', () => (run.conclusion === 'failure' ? run : undefined));
    await settle();
    expect(stateOf(h, 'gitdown').runs).toHaveLength(1);
    expect(stateOf(h, 'gitdown').commitComments).toHaveLength(1);
  }, 60_000);
});
