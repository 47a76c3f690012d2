/**
 * Process-level: pushes (new branch, force push) and installations against the app process.
 */
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { installationCreatedEvent, pushEvent } from '../helpers/webhooks.js';
import type { RepoRef } from '../helpers/webhooks.js';
import { startHarness, until } from './harness.js';
import type { Harness } from './harness.js';

const ZERO = '0'.repeat(40);

function credential(seed: string): { token: string; text: string } {
  const { token, dbId } = redisTokenParts({ seed });
  const url = redisEndpoint(dbId, { seed });
  return { token, text: `UPSTASH_REDIS_REST_URL=${url}\nUPSTASH_REDIS_REST_TOKEN=${token}\n` };
}

describe('push and installation flows (app process)', () => {
  let h: Harness;
  const old = credential('e2e-old');
  const fresh = credential('e2e-new');
  const forced = credential('e2e-forced');
  const historic = credential('e2e-history');
  const inMessage = credential('e2e-message');
  const inTag = credential('e2e-tag');
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  let ref: RepoRef;
  const repo = (): ReturnType<Harness['repo']> => r;
  let r: ReturnType<Harness['repo']>;
  let leakCommit: string;
  let branchHead: string;

  it('a new branch: only its new commits are scanned, a commit comment lands on the offending commit', async () => {
    ref = h.addRepo('svc', 701);
    r = h.repo();
    r.write('README.md', '# svc\n');
    r.commit('initial');
    // A credential already on main (older history) must not be reported for the new branch.
    r.write('old.env', old.text);
    r.commit('old leak');
    r.remove('old.env');
    r.commit('remove old leak');
    await h.push(repo(), ref, 'main');
    r.branch('leak');
    r.checkout('leak');
    r.write('notes.md', 'clean\n');
    r.commit('clean 1');
    r.write('config/redis.env', `# redis\n${fresh.text}`);
    leakCommit = r.commit('configure redis');
    r.write('notes.md', 'clean again\n');
    branchHead = r.commit('clean 2');
    await h.push(repo(), ref, 'leak');
    const res = await h.send(
      'push',
      pushEvent(ref, { ref: 'refs/heads/leak', before: ZERO, after: branchHead }),
    );
    expect(res.status).toBe(200);
    const run = await until('check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === branchHead && c.status === 'completed'),
    );
    expect(run.conclusion).toBe('failure');
    const comments = await until('commit comment', () =>
      h.gh.commitComments.length > 0 ? h.gh.commitComments : undefined,
    );
    expect(comments.map((c) => c.target)).toEqual([leakCommit]);
    expect(comments[0]).toMatchObject({ path: 'config/redis.env', line: 3 });
    expect(JSON.stringify(run.output)).not.toContain('old.env');
  });

  it('a force push scans the rewritten commits; a refused commit comment (403) still completes with the finding', async () => {
    h.gh.fail({
      method: 'POST',
      path: /\/commits\/[0-9a-f]+\/comments$/,
      status: 403,
      message: 'Resource not accessible by integration',
    });
    r.git('reset', '-q', '--hard', 'main');
    r.write('src/x.env', forced.text);
    const rewritten = r.commit('rewritten');
    await h.push(repo(), ref, 'leak');
    const before = h.gh.commitComments.length;
    const reported = (): number => h.app.logs().split('"msg":"scan reported"').length - 1;
    const reportedBefore = reported();
    const res = await h.send(
      'push',
      pushEvent(ref, {
        ref: 'refs/heads/leak',
        before: branchHead,
        after: rewritten,
        forced: true,
      }),
    );
    expect(res.status).toBe(200);
    const run = await until('check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === rewritten && c.status === 'completed'),
    );
    expect(run.conclusion).toBe('failure');
    expect(run.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'src/x.env', start_line: 2 })]),
    );
    expect(JSON.stringify(run.output)).not.toContain('config/redis.env');
    // Comments are published after the check run completes.
    const refused = await until('refused commit comment', () => {
      const list = h.gh.requests.filter((q) => q.status === 403);
      return list.length > 0 ? list : undefined;
    });
    // The job itself finished (it logs `scan reported` after publishing) and did not fail.
    await until('job reported', () => (reported() > reportedBefore ? true : undefined));
    expect(h.app.logs()).not.toMatch(/scan job failed/);
    expect(refused.every((q) => q.path.includes(`/commits/${rewritten}/comments`))).toBe(true);
    expect(h.gh.commitComments.length).toBe(before);
  });

  it('an installation runs a history check on the default branch head naming the introducing commit, no commit comments', async () => {
    const legacy = h.addRepo('legacy', 702);
    const l = h.repo();
    l.write('README.md', '# legacy\n');
    l.commit('initial');
    l.write('deploy/.env', historic.text);
    const introduced = l.commit('deploy config');
    l.remove('deploy/.env');
    const head = l.commit('stop committing env files');
    await h.push(l, legacy, 'main');
    h.gh
      .addRepo({ owner: 'acme', name: 'legacy', id: 702, cloneUrl: legacy.cloneUrl })
      .branches.set('main', head);
    // A clean repository in the same installation: scanned, but no write at all.
    const tidy = h.addRepo('tidy', 703);
    const t = h.repo();
    t.write('README.md', '# tidy\n');
    t.commit('initial');
    await h.push(t, tidy, 'main');
    const commitCommentsBefore = h.gh.commitComments.length;
    const commitCommentPosts = (): number =>
      h.gh.requests.filter(
        (q) => q.method === 'POST' && /\/repos\/acme\/legacy\/commits\//.test(q.path),
      ).length;
    const res = await h.send('installation', installationCreatedEvent(legacy));
    expect(res.status).toBe(200);
    const run = await until('history check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
    );
    const text = JSON.stringify(run.output);
    expect(text).toContain('deploy/.env');
    expect(text).toContain(introduced.slice(0, 7));
    expect(h.gh.commitComments.length).toBe(commitCommentsBefore);
    expect(commitCommentPosts()).toBe(0);
    await h.app.waitForLog(/"repo":"acme\/tidy"[^\n]*"msg":"scan reported"/);
    expect(h.gh.requests.filter((q) => q.path.startsWith('/repos/acme/tidy'))).toEqual([]);
    // The installation handler itself made no per-repository request: one paged listing.
    expect(
      h.gh.requests.filter((q) => q.path.startsWith('/installation/repositories')),
    ).toHaveLength(1);
    // Once every repository is done: one "installation scan finished" line, and /metrics has it.
    const line = await h.app.waitForLog(/\{[^\n]*"msg":"installation scan finished"[^\n]*/);
    const done = JSON.parse(line) as Record<string, unknown>;
    expect(done).toMatchObject({ account: 'acme', failed: 0 });
    expect(done.withFindings).toBeGreaterThanOrEqual(1);
    expect(done.scanned).toBe(done.repositories);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.app.logs().match(/"msg":"installation scan finished"/g)).toHaveLength(1);
    const metrics = await (await fetch(`${h.app.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^upstash_guard_installation_scans_finished_total 1$/m);
    expect(metrics).toMatch(/^upstash_guard_installation_scans_in_progress 0$/m);
  });

  it('a push whose only leak is a commit message: failure check, the message in the summary, a comment on the commit without path', async () => {
    h.gh.clearFailures();
    r.git('checkout', '-q', 'main');
    r.branch('msg');
    r.checkout('msg');
    r.write('notes.md', 'nothing secret\n');
    const leak = r.commit(`configure prod\n\nUPSTASH_REDIS_REST_TOKEN=${inMessage.token}`);
    await h.push(repo(), ref, 'msg');
    const before = h.gh.commitComments.length;
    const res = await h.send(
      'push',
      pushEvent(ref, { ref: 'refs/heads/msg', before: ZERO, after: leak }),
    );
    expect(res.status).toBe(200);
    const run = await until('check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === leak && c.status === 'completed'),
    );
    expect(run.conclusion).toBe('failure');
    expect(run.annotations ?? []).toEqual([]);
    expect(JSON.stringify(run.output)).toContain('commit message, line 3');
    const comment = await until('commit comment', () =>
      h.gh.commitComments.length > before ? h.gh.commitComments[before] : undefined,
    );
    expect(comment.target).toBe(leak);
    expect(comment.path).toBeUndefined();
    expect(comment.body).toContain('commit message, line 3');
  });

  it('an annotated tag whose message holds a token: reported on the tagged commit, as a tag message', async () => {
    r.git('checkout', '-q', 'main');
    // A release tag on a commit already pushed: no new commit, only the tag's message is new.
    r.git('tag', '-a', 'v9.9.9', '-m', `release notes\n\nUPSTASH_REDIS_REST_TOKEN=${inTag.token}`);
    const commit = r.git('rev-parse', 'main');
    const tagObject = r.git('rev-parse', 'v9.9.9');
    await h.push(repo(), ref, 'refs/tags/v9.9.9');
    const before = h.gh.checkRuns.filter((c) => c.head_sha === commit).length;
    const res = await h.send('push', {
      ...pushEvent(ref, { ref: 'refs/tags/v9.9.9', before: ZERO, after: tagObject }),
      head_commit: { id: commit },
    });
    expect(res.status).toBe(200);
    const run = await until(
      'check run',
      () => h.gh.checkRuns.filter((c) => c.head_sha === commit && c.status === 'completed')[before],
    );
    expect(run.conclusion).toBe('failure');
    expect(JSON.stringify(run.output)).toContain('tag v9.9.9');
    expect(h.gh.checkRuns.some((c) => c.head_sha === tagObject)).toBe(false);
  });

  it('no raw credential in any request to GitHub or in the app logs', () => {
    for (const c of [old, fresh, forced, historic, inMessage, inTag]) {
      expect(
        h.gh.requests.filter((q) => q.rawBody.includes(c.token) || q.path.includes(c.token)),
      ).toEqual([]);
      expect(h.app.logs().includes(c.token)).toBe(false);
    }
  });
});
