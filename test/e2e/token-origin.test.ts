/**
 * Issue 9 §1 at process level: a signed webhook whose `repository.clone_url` names another host
 * gets no token sent there (the App fetches from GHE_HOST only), and a payload reusing one
 * repository's id with another repository's clone URL cannot get a foreign commit reported green
 * on the victim.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { pushEvent } from '../helpers/webhooks.js';
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

  it('a clone_url on another host is ignored: git goes to the configured GitHub, the other host sees nothing', async () => {
    const ref = h.addRepo('victim', 900);
    const r = h.repo();
    r.write('README.md', '# victim\n');
    const first = r.commit('initial');
    r.write('a.txt', 'clean\n');
    const head = r.commit('clean');
    await h.push(r, ref, 'main');
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
});
