/**
 * A pull request cannot switch off its own scan. Its head may change .github/upstash-guard.yml
 * (ignore everything, allow its own token's fingerprint, raise failOn, turn comments off): the
 * scan of that PR uses the base's settings, and says in one line that the PR changes the file.
 * A push is different: the pushed commit's config decides (pushing needs write access).
 */
import { collectFindings, DEFAULT_CONFIG, scanText } from '../../src/core/index.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import type { CheckRunState } from '../helpers/github-double.js';
import { pullRequestEvent, pushEvent } from '../helpers/webhooks.js';
import { rerunPullRequestRun, startHarness, until, type Harness } from './harness.js';

const NOTE =
  /This pull request changes \.github\/upstash-guard\.yml; its settings take effect once merged\. This scan used the base branch's settings\./;

describe('pull request config comes from the base (app process)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(() => h?.close());

  const env = (seed: string): { text: string; fingerprint: string; severity: string } => {
    const { token, dbId } = redisTokenParts({ seed });
    const text = `UPSTASH_REDIS_REST_URL=${redisEndpoint(dbId, { seed })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`;
    const [f] = collectFindings(scanText({ path: '.env', text }), {
      config: DEFAULT_CONFIG,
    }).findings;
    return { text, fingerprint: f!.fingerprint, severity: f!.severity };
  };

  let nextId = 900;
  /** acme/<name>: main has `baseConfig` (if any); PR 3 adds .env and sets `headConfig`. */
  async function prWith(
    name: string,
    envText: string,
    headConfig: string,
    baseConfig?: string,
  ): Promise<{
    run: CheckRunState;
    head: string;
    base: string;
    ref: ReturnType<Harness['addRepo']>;
  }> {
    const ref = h.addRepo(name, nextId++);
    const r = h.repo();
    r.write('README.md', '# x\n');
    if (baseConfig !== undefined) r.write('.github/upstash-guard.yml', baseConfig);
    const base = r.commit('initial');
    r.branch('feature');
    r.checkout('feature');
    r.write('.env', envText);
    r.write('.github/upstash-guard.yml', headConfig);
    const head = r.commit('add env and quiet the guard');
    await h.push(r, ref, 'main', 'feature', 'feature:refs/pull/3/head');
    const res = await h.send(
      'pull_request',
      pullRequestEvent(ref, { number: 3, headSha: head, baseSha: base }),
    );
    expect(res.status).toBe(200);
    const run = await until('completed check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
    );
    return { run, head, base, ref };
  }

  const prComment = (ref: { name: string }): string | undefined =>
    h.gh.issueComments.find((c) => c.repo === `acme/${ref.name}` && c.target === 3)?.body;

  it("ignorePaths: ['**'] and comments off in the PR head: still fails, still commented, with the note", async () => {
    const e = env('pr-cfg-ignore');
    const { run, ref } = await prWith(
      'ignore-all',
      e.text,
      "ignorePaths: ['**']\ncomments:\n  pullRequest: false\n  commits: false\n",
    );
    expect(run.conclusion).toBe('failure');
    expect(run.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '.env' })]),
    );
    expect(run.output?.summary).toMatch(NOTE);
    const comment = await until('PR comment', () => prComment(ref));
    expect(comment).toMatch(NOTE);
    expect(comment).toContain('.env:2');
  });

  it('an allow: entry for its own fingerprint in the PR head is not honoured', async () => {
    const e = env('pr-cfg-allow');
    const { run } = await prWith(
      'allow-own',
      e.text,
      `allow:\n  - fingerprint: ${e.fingerprint}\n    reason: test fixture\n`,
    );
    expect(run.conclusion).toBe('failure');
    expect(JSON.stringify(run.annotations)).toContain(e.fingerprint);
    expect(run.output?.summary).toMatch(NOTE);
  });

  it('failOn: critical in the PR head does not lower the bar', async () => {
    const e = env('pr-cfg-failon');
    // Meaningful only for a finding below critical, which the default failOn (medium) fails.
    expect(e.severity).not.toBe('critical');
    const { run } = await prWith('fail-on', e.text, 'failOn: critical\n');
    expect(run.conclusion).toBe('failure');
    expect(run.output?.summary).toMatch(NOTE);
  });

  it("the base's own settings still apply (an allow on the base branch is honoured)", async () => {
    const e = env('pr-cfg-base-allow');
    const allow = `allow:\n  - fingerprint: ${e.fingerprint}\n    reason: rotated test fixture\n`;
    const { run } = await prWith('base-allow', e.text, allow, allow);
    expect(run.conclusion).toBe('success');
    // The head's file equals the base's: nothing to say.
    expect(run.output?.summary).not.toMatch(NOTE);
  });

  it('a broken config in the PR head does not break the scan: base settings, a note', async () => {
    const e = env('pr-cfg-broken');
    const { run } = await prWith('broken-head', e.text, 'failOn: [nope\n');
    expect(run.conclusion).toBe('failure');
    expect(run.output?.summary).toMatch(NOTE);
    expect(run.output?.summary).toMatch(/changed file is not valid/);
  });

  it('a Re-run of the PR also uses the base settings', async () => {
    const e = env('pr-cfg-rerun');
    const { run, head, base, ref } = await prWith('rerun', e.text, "ignorePaths: ['**']\n");
    expect(run.conclusion).toBe('failure');
    const again = await rerunPullRequestRun(h, ref, run, {
      number: 3,
      headSha: head,
      baseSha: base,
    });
    expect(again.conclusion).toBe('failure');
    expect(again.output?.summary).toMatch(NOTE);
  });

  it("a push is judged by the pushed commit's config (documented: pushing needs write access)", async () => {
    const e = env('push-cfg-ignore');
    const ref = h.addRepo('push-ignore', nextId++);
    const r = h.repo();
    r.write('README.md', '# x\n');
    const before = r.commit('initial');
    await h.push(r, ref, 'main');
    r.write('.env', e.text);
    r.write('.github/upstash-guard.yml', "ignorePaths: ['**']\n");
    const after = r.commit('add env and ignore everything');
    await h.push(r, ref, 'main');
    await h.send('push', pushEvent(ref, { ref: 'refs/heads/main', before, after }));
    const run = await until('push check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === after && c.status === 'completed'),
    );
    expect(run.conclusion).not.toBe('failure');
    expect(run.annotations).toEqual([]);
    expect(run.output?.summary ?? '').not.toMatch(NOTE);
  });
});
