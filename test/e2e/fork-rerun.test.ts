/**
 * Re-run of a pull request from a fork. GitHub's check_run and check_suite payloads carry no pull
 * request and no head branch when the head is in a fork ("When the check suite's head_branch is in
 * a forked repository it will be null and the pull_requests array will be empty"). The App must
 * still rescan it as that pull request: the same check run, the same PR comment, no commit
 * comments as if it were a push, and git from the base repository's refs/pull/N/head only.
 */
import { startHarness, until, type Harness } from './harness.js';
import { checkRunEvent, pullRequestEvent } from '../helpers/webhooks.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';

describe('re-run of a fork pull request (app process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(() => h?.close());

  it('rescans it as the pull request: one check run, one PR comment, no commit comments', async () => {
    const { token, dbId } = redisTokenParts({ seed: 'fork-rerun' });
    const ref = h.addRepo('forked', 811);
    const r = h.repo();
    r.write('README.md', '# x\n');
    const base = r.commit('initial');
    r.branch('main-of-fork');
    r.checkout('main-of-fork');
    r.write(
      '.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(dbId)}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
    );
    const head = r.commit('add env');
    // The fork's commits reach the base repository only as refs/pull/5/head.
    await h.push(r, ref, 'main', 'main-of-fork:refs/pull/5/head');
    const state = h.gh.addRepo({ ...ref, owner: 'acme', name: 'forked', cloneUrl: ref.cloneUrl });
    state.pulls.push({ number: 5, headSha: head, headRef: 'main', baseRef: 'main', baseSha: base });
    const opened = pullRequestEvent(ref, {
      number: 5,
      headSha: head,
      baseSha: base,
      headRef: 'main',
    });
    expect((await h.send('pull_request', opened)).status).toBe(200);
    const run = await until('completed check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
    );
    expect(run.conclusion).toBe('failure');
    await until('PR comment', () => h.gh.issueComments.find((c) => c.target === 5));

    const rerun = checkRunEvent(ref, { action: 'rerequested', id: run.id, headSha: head });
    const cr = rerun.check_run as Record<string, unknown>;
    cr.check_suite = { ...(cr.check_suite as object), head_branch: null, pull_requests: [] };
    expect((await h.send('check_run', rerun)).status).toBe(200);
    const reported = (): number =>
      h.app
        .logs()
        .split('\n')
        .filter((l) => l.includes('"scan reported"')).length;
    await until('the re-run reported', () => (reported() >= 2 ? true : undefined));
    expect(h.gh.checkRuns.filter((c) => c.head_sha === head)).toHaveLength(1);
    expect(h.gh.checkRuns[0]!.external_id).toBe('upstash-guard:pull_request');
    expect(h.gh.commitComments).toHaveLength(0);
    expect(h.gh.issueComments.filter((c) => c.target === 5)).toHaveLength(1);
  }, 60_000);
});
