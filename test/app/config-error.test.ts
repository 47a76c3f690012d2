/**
 * An invalid `.github/upstash-guard.yml` is not a job failure: the check run completes neutral and
 * shows the parse error, nothing is commented, and the job is not retried.
 */
import { startHarness, until, type Harness } from '../e2e/harness.js';
import { pushEvent } from '../helpers/webhooks.js';

let h: Harness;
afterAll(async () => h?.close());

test('invalid config: neutral check run with the error, no comment, one check run', async () => {
  h = await startHarness();
  h.git.createBare('acme', 'cfg');
  const cloneUrl = h.gh.cloneUrl('acme', 'cfg');
  h.gh.addRepo({
    owner: 'acme',
    name: 'cfg',
    id: 801,
    cloneUrl,
  });
  const target = { owner: 'acme', name: 'cfg', id: 801, cloneUrl };
  const repo = h.repo();
  repo.write('README.md', '# cfg\n');
  // Read from the clone at the scanned commit, as GitHub would serve it at that ref.
  repo.write('.github/upstash-guard.yml', 'failOn: catastrophic\n');
  const first = repo.commit('initial');
  repo.write('b.txt', 'hello\n');
  const second = repo.commit('second');
  await h.push(repo, target, 'HEAD:refs/heads/main');
  await h.send('push', pushEvent(target, { ref: 'refs/heads/main', before: first, after: second }));
  const run = await until('completed check run', () =>
    h.gh.checkRuns.find((c) => c.repo.endsWith('cfg') && c.status === 'completed'),
  );
  expect(run.conclusion).toBe('neutral');
  expect(JSON.stringify(run.output)).toMatch(/upstash-guard\.yml/);
  expect(JSON.stringify(run.output)).toMatch(/failOn/);
  await new Promise((r) => setTimeout(r, 300));
  expect(h.gh.checkRuns.filter((c) => c.repo.endsWith('cfg'))).toHaveLength(1);
  expect(h.gh.issueComments).toEqual([]);
  expect(h.gh.commitComments).toEqual([]);
}, 60_000);
