/**
 * Process-level: a pull request adding a file over hardMaxFileSize. The check run must not pass
 * and the PR gets a comment saying what was not scanned and why, though nothing was found.
 */
import { startHarness, until, type Harness } from './harness.js';
import { pullRequestEvent } from '../helpers/webhooks.js';
import { redisToken } from '../helpers/synthetic.js';

describe('skipped content in the App', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(() => h?.close());

  it('a PR with a file over hardMaxFileSize: neutral check run and a comment naming the file', async () => {
    h.git.createBare('acme', 'big');
    const cloneUrl = h.git.cloneUrl('acme', 'big');
    h.gh.addRepo({ owner: 'acme', name: 'big', id: 702, cloneUrl });
    const ref = { owner: 'acme', name: 'big', id: 702, cloneUrl };
    const repo = h.repo();
    repo.write('README.md', 'hi\n');
    // The App reads the config at the scanned commit from its clone.
    repo.write('.github/upstash-guard.yml', 'maxFileSize: 64KiB\nhardMaxFileSize: 100KiB\n');
    const base = repo.commit('initial');
    await h.push(repo, ref, 'main');
    const token = redisToken();
    repo.branch('feature');
    repo.checkout('feature');
    repo.write('dumps/data.sql', `${'x'.repeat(199)}\n`.repeat(1000) + `T=${token}\n`);
    const headSha = repo.commit('add a dump');
    await h.push(repo, ref, 'feature', 'feature:refs/pull/9/head');
    const res = await h.send(
      'pull_request',
      pullRequestEvent(ref, { number: 9, headSha, baseSha: base }),
    );
    expect(res.status).toBe(200);
    const run = await until('completed check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === headSha && c.status === 'completed'),
    );
    expect(run.conclusion).toBe('neutral');
    expect(run.output?.title).toMatch(/^No Upstash credentials found, but 1 file not scanned/);
    expect(run.output?.summary).toContain('`dumps/data.sql`');
    const comment = await until('PR comment', () => h.gh.issueComments.find((c) => c.target === 9));
    expect(comment.body).toContain('not everything was scanned');
    expect(comment.body).toContain('`dumps/data.sql`: 0.2 MiB, over hardMaxFileSize (0.1 MiB)');
    const everything = JSON.stringify(h.gh.requests.map((r) => r.rawBody)) + h.app.logs();
    expect(everything).not.toContain(token);
  }, 60_000);
});
