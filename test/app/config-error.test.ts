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

/** Pushes two commits to `acme/<name>` whose config file is `config`; the completed check run. */
async function pushWithConfig(
  harness: Harness,
  name: string,
  id: number,
  config: string,
): Promise<Harness['gh']['checkRuns'][number]> {
  harness.git.createBare('acme', name);
  const cloneUrl = harness.git.cloneUrl('acme', name);
  harness.gh.addRepo({ owner: 'acme', name, id, cloneUrl });
  const target = { owner: 'acme', name, id, cloneUrl };
  const repo = harness.repo();
  repo.write('README.md', `# ${name}\n`);
  // Read from the clone at the scanned commit, as GitHub would serve it at that ref.
  repo.write('.github/upstash-guard.yml', config);
  const first = repo.commit('initial');
  repo.write('b.txt', 'hello\n');
  const second = repo.commit('second');
  await harness.push(repo, target, 'HEAD:refs/heads/main');
  await harness.send(
    'push',
    pushEvent(target, { ref: 'refs/heads/main', before: first, after: second }),
  );
  return until('completed check run', () =>
    harness.gh.checkRuns.find((c) => c.repo.endsWith(name) && c.status === 'completed'),
  );
}

test('invalid config: neutral check run with the error, no comment, one check run', async () => {
  h = await startHarness();
  const run = await pushWithConfig(h, 'cfg', 801, 'failOn: catastrophic\n');
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
  const run = await pushWithConfig(t, 'leaky', 802, `${token}: true\n`);
  expect(run.conclusion).toBe('neutral');
  // Probot's request logging writes request bodies (this check run's output) at debug level.
  // The completing request's body is logged (masked), so the check is not vacuous.
  await t.app.waitForLog(/"level":20[^\n]*unknown setting[^\n]*check-runs/);
  const logs = t.app.logs();
  expect(logs).not.toContain(token);
  expect(logs).not.toContain(token.slice(10, 30));
  const body = JSON.stringify(run);
  expect(body).toMatch(/unknown setting/);
  expect(body).not.toContain(token);
  expect(body).not.toContain(token.slice(10, 30));
}, 60_000);
