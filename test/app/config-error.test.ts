/**
 * An invalid `.github/upstash-guard.yml` is not a job failure: the check run completes neutral and
 * shows the parse error, nothing is commented, and the job is not retried.
 */
import { startHarness, until, type Harness } from '../e2e/harness.js';
import { redisToken } from '../helpers/synthetic.js';
import { pushEvent } from '../helpers/webhooks.js';

let h: Harness;
let traced: Harness | undefined;
afterAll(async () => {
  await h?.close();
  await traced?.close();
});

test('invalid config: neutral check run with the error, no comment, one check run', async () => {
  h = await startHarness();
  h.git.createBare('acme', 'cfg');
  const cloneUrl = h.git.cloneUrl('acme', 'cfg');
  h.gh.addRepo({
    owner: 'acme',
    name: 'cfg',
    id: 801,
    cloneUrl,
    files: new Map([['.github/upstash-guard.yml', 'failOn: catastrophic\n']]),
  });
  const target = { owner: 'acme', name: 'cfg', id: 801, cloneUrl };
  const repo = h.repo();
  repo.write('README.md', '# cfg\n');
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

test('a token pasted as a config key: masked in the check run as sent and in trace-level logs', async () => {
  traced = await startHarness({ env: { LOG_LEVEL: 'trace' } });
  const t = traced;
  const token = redisToken();
  t.git.createBare('acme', 'leaky');
  const cloneUrl = t.git.cloneUrl('acme', 'leaky');
  t.gh.addRepo({
    owner: 'acme',
    name: 'leaky',
    id: 802,
    cloneUrl,
    files: new Map([['.github/upstash-guard.yml', `${token}: true\n`]]),
  });
  const target = { owner: 'acme', name: 'leaky', id: 802, cloneUrl };
  const repo = t.repo();
  repo.write('README.md', '# leaky\n');
  const first = repo.commit('initial');
  repo.write('b.txt', 'hello\n');
  const second = repo.commit('second');
  await t.push(repo, target, 'HEAD:refs/heads/main');
  await t.send('push', pushEvent(target, { ref: 'refs/heads/main', before: first, after: second }));
  const run = await until('completed check run', () =>
    t.gh.checkRuns.find((c) => c.repo.endsWith('leaky') && c.status === 'completed'),
  );
  expect(run.conclusion).toBe('neutral');
  // Probot's request logging writes request bodies (this check run's output) at debug level.
  await t.app.waitForLog(/check-runs/);
  const logs = t.app.logs();
  // The request body was logged (masked), so the check is not vacuous.
  expect(logs).toMatch(/"level":20[^\n]*unknown setting[^\n]*check-runs/);
  expect(logs).not.toContain(token);
  expect(logs).not.toContain(token.slice(10, 30));
  const body = JSON.stringify(run);
  expect(body).toMatch(/unknown setting/);
  expect(body).not.toContain(token);
  expect(body).not.toContain(token.slice(10, 30));
}, 60_000);
