/**
 * Issue 9 §1 at process level: a signed webhook whose `repository.clone_url` names another host
 * gets no token sent there (the App fetches from GHE_HOST only), and a payload reusing one
 * repository's id with another repository's clone URL cannot get a foreign commit reported green
 * on the victim. No URL of a payload (html_url, git_url, a fork's head repository; in any spelling
 * of another host) is fetched or linked to, and hostile ref names never reach git.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { pullRequestEvent, pushEvent } from '../helpers/webhooks.js';
import { startHarness, until } from './harness.js';
import type { Harness } from './harness.js';

describe('the installation token goes only to GitHub (app process)', () => {
  let h: Harness;
  const evilSeen: string[] = [];
  let evilOrigin: string;
  let closeEvil: () => Promise<void>;

  beforeAll(async () => {
    h = await startHarness({ env: { UPSTASH_GUARD_BACKOFF_MS: '200' } });
    const evil = createServer((req, res) => {
      evilSeen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    evilOrigin = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
    closeEvil = () =>
      new Promise<void>((r) => {
        evil.closeAllConnections();
        evil.close(() => r());
      });
  }, 30_000);
  afterAll(async () => {
    await closeEvil?.();
    await h?.close();
  });

  /** `acme/<name>` with two clean commits on main, pushed. */
  async function cleanRepo(name: string, id: number) {
    const ref = h.addRepo(name, id);
    const r = h.repo();
    r.write('README.md', `# ${name}\n`);
    const first = r.commit('initial');
    r.write('a.txt', 'clean\n');
    const head = r.commit('clean');
    await h.push(r, ref, 'main');
    return { ref, first, head };
  }

  it('a clone_url on another host is ignored: git goes to the configured GitHub, the other host sees nothing', async () => {
    const { ref, first, head } = await cleanRepo('victim', 900);
    const res = await h.send(
      'push',
      pushEvent(
        { ...ref, cloneUrl: `${evilOrigin}/evil/repo.git` },
        { ref: 'refs/heads/main', before: first, after: head },
      ),
    );
    expect(res.status).toBe(200);
    const run = await until(
      'victim check run',
      () => h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
      30_000,
    );
    expect(run.repo).toBe('acme/victim');
    expect(run.conclusion).toBe('success');
    expect(evilSeen).toEqual([]);
  }, 45_000);

  it("another repository's clone_url under the victim's id: the foreign commit is never reported on the victim", async () => {
    const attacker = h.addRepo('attacker', 901);
    const a = h.repo();
    a.write('README.md', '# attacker\n');
    const base = a.commit('initial');
    a.write('b.txt', 'foreign\n');
    const foreign = a.commit('foreign');
    await h.push(a, attacker, 'main');
    const victim = { owner: 'acme', name: 'victim', id: 900, cloneUrl: attacker.cloneUrl };
    const res = await h.send(
      'push',
      pushEvent(victim, { ref: 'refs/heads/main', before: base, after: foreign }),
    );
    expect(res.status).toBe(200);
    await h.app.waitForLog(/scan job failed|attempt failed/, 30_000);
    expect(
      h.gh.checkRuns.filter((c) => c.head_sha === foreign && c.status === 'completed'),
    ).toEqual([]);
    // The attacker's own repository, under the victim's id, gets its own clone: no foreign objects
    // reach the victim's cache, which a later victim scan would otherwise read.
    const own = { owner: 'acme', name: 'attacker', id: 900, cloneUrl: attacker.cloneUrl };
    await h.send('push', pushEvent(own, { ref: 'refs/heads/main', before: base, after: foreign }));
    await until(
      'attacker check run',
      () =>
        h.gh.checkRuns.find(
          (c) => c.repo === 'acme/attacker' && c.head_sha === foreign && c.status === 'completed',
        ),
      30_000,
    );
    expect(
      h.gh.checkRuns.filter(
        (c) => c.repo === 'acme/victim' && c.head_sha === foreign && c.status === 'completed',
      ),
    ).toEqual([]);
    expect(evilSeen).toEqual([]);
  }, 60_000);

  it('every URL of a pull request payload pointing elsewhere (userinfo, decimal and IPv6 forms, @ tricks, trailing dots, a fork head): git, API and every link stay on the configured GitHub', async () => {
    const port = new URL(evilOrigin).port;
    const forms = [
      `${evilOrigin}/acme/phish`,
      `http://github.com@127.0.0.1:${port}/acme/phish`,
      `http://127.0.0.1:${port}#@github.com/acme/phish`,
      `http://2130706433:${port}/acme/phish`,
      `http://[::ffff:127.0.0.1]:${port}/acme/phish`,
      `http://127.0.0.1.:${port}/acme/phish`,
      `http://xn--gthub-n4a.com/acme/phish`,
    ];
    const { token, dbId } = redisTokenParts({ seed: 'e2e-origin' });
    const envText = `UPSTASH_REDIS_REST_URL=${redisEndpoint(dbId, { seed: 'e2e-origin' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`;
    const ref = h.addRepo('links', 902);
    const r = h.repo();
    r.write('README.md', '# links\n');
    const base = r.commit('initial');
    r.branch('feature');
    r.checkout('feature');
    r.write('.env', envText);
    const head = r.commit('add env');
    await h.push(r, ref, 'main', 'feature', 'feature:refs/pull/3/head');
    for (const [i, url] of forms.entries()) {
      const ev = pullRequestEvent(
        { ...ref, cloneUrl: url },
        { number: 3, headSha: head, baseSha: base, action: i ? 'synchronize' : 'opened' },
      );
      const repository = ev.repository as Record<string, unknown>;
      Object.assign(repository, { html_url: url, url, git_url: url, ssh_url: url, svn_url: url });
      const pr = ev.pull_request as Record<string, unknown>;
      (pr.head as Record<string, unknown>).repo = {
        ...repository,
        full_name: 'evil/fork',
        owner: { login: 'evil' },
        clone_url: url,
      };
      Object.assign(pr, { html_url: url, url, diff_url: url, patch_url: url });
      expect((await h.send('pull_request', ev)).status).toBe(200);
    }
    const run = await until(
      'links check run',
      () => h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
      30_000,
    );
    const comment = await until('links PR comment', () =>
      h.gh.issueComments.find((c) => c.repo === 'acme/links'),
    );
    const written = [JSON.stringify(run.history), comment.body, ...comment.edits].join('\n');
    const links = [...written.matchAll(/https?:\/\/[^\s)'"`\]]+/g)].map((m) => m[0]);
    expect(links.length).toBeGreaterThan(0);
    const allowed = [
      `${h.gh.origin}/acme/links`,
      'https://console.upstash.com',
      'https://api.upstash.com',
    ];
    const foreign = links.filter(
      (l) => !allowed.some((a) => l.startsWith(a)) && !/\.upstash\.io/.test(l),
    );
    expect(foreign).toEqual([]);
    expect(written).not.toMatch(/phish|evil|2130706433|::ffff|xn--/);
    expect(evilSeen).toEqual([]);
  }, 60_000);

  it('hostile ref names: option-like ones git accepts are scanned and never run; ones git refuses store no job', async () => {
    const marker = join(tmpdir(), `ug-upload-pack-${process.pid}`);
    const { ref, first, head } = await cleanRepo('refs', 903);
    // Names git accepts (check-ref-format): the push is scanned, by its SHAs, and nothing runs.
    const accepted = [
      'refs/heads/--upload-pack=touch-marker',
      'refs/heads/-x',
      'refs/heads/%2e%2e/x',
    ];
    // Names git refuses: GitHub never sends one, so a delivery carrying one is junk (answered,
    // no job stored, nothing fetched).
    const refused = [
      `refs/heads/--upload-pack=touch ${marker}`,
      `--upload-pack=touch ${marker}`,
      '-x',
      'refs/heads/../../../etc/passwd',
      'refs/heads/a\nb\u0000c\u001b[31m',
    ];
    for (const name of [...refused, ...accepted])
      expect(
        (await h.send('push', pushEvent(ref, { ref: name, before: first, after: head }))).status,
      ).toBe(200);
    await until(
      'every accepted ref scanned',
      () =>
        (h.app.logs().match(/"repo":"acme\/refs"[^\n]*"msg":"scan reported"/g) ?? []).length >=
        accepted.length
          ? true
          : undefined,
      45_000,
    );
    // The refused ones stored nothing: no more scans than accepted refs, even after a while.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(
      (h.app.logs().match(/"repo":"acme\/refs"[^\n]*"msg":"scan reported"/g) ?? []).length,
    ).toBe(accepted.length);
    expect(h.app.logs().match(/"msg":"event needs no scan"/g)?.length ?? 0).toBeGreaterThanOrEqual(
      refused.length,
    );
    expect(existsSync(marker)).toBe(false);
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/refs');
    expect(runs.every((c) => c.status === 'completed' && c.conclusion === 'success')).toBe(true);
    expect(h.app.logs()).not.toMatch(/"repo":"acme\/refs"[^\n]*attempt failed/);
    expect(evilSeen).toEqual([]);
  }, 60_000);
});
