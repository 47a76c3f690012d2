/**
 * Issue 10 item 3: GitHub writes per scan, measured at the GitHub double and as the worker logs
 * them. A clean push or PR scan is one write (the check run, created completed); a PR with a
 * finding adds its one comment.
 */
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { pushEvent } from '../helpers/webhooks.js';
import { openPullRequest, startHarness, until } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 90_000);
afterAll(async () => h?.close());

const writesTo = (repo: string): string[] =>
  h.gh.requests
    .filter((r) => r.method !== 'GET' && r.path.startsWith(`/repos/acme/${repo}/`))
    .map((r) => `${r.method} ${r.path.replace(/\/\d+$/, '/:id')}`);

function logged(repo: string): number {
  const line = h.app
    .logs()
    .split('\n')
    .find((l) => l.includes(`"repo":"acme/${repo}"`) && l.includes('"msg":"scan reported"'))!;
  return (JSON.parse(line) as { writes: number }).writes;
}

test('a clean push is one write', async () => {
  const ref = h.addRepo('clean-push', 871);
  const r = h.repo();
  r.write('README.md', '# x\n');
  const first = r.commit('initial');
  r.write('a.txt', 'clean\n');
  const head = r.commit('clean');
  await h.push(r, ref, 'main');
  await h.send('push', pushEvent(ref, { ref: 'refs/heads/main', before: first, after: head }));
  await until('report', () =>
    h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
  );
  await h.app.waitForLog(/"repo":"acme\/clean-push"[^\n]*"msg":"scan reported"/);
  expect(writesTo('clean-push')).toEqual(['POST /repos/acme/clean-push/check-runs']);
  expect(logged('clean-push')).toBe(1);
}, 60_000);

test('a clean PR is one write; a PR with a finding is two (run and comment)', async () => {
  const clean = await openPullRequest(h, { name: 'clean-pr', id: 872, pr: 51, envText: 'A=1\n' });
  expect(clean.status).toBe(200);
  await h.app.waitForLog(/"repo":"acme\/clean-pr"[^\n]*"msg":"scan reported"/);
  expect(writesTo('clean-pr')).toEqual(['POST /repos/acme/clean-pr/check-runs']);
  expect(logged('clean-pr')).toBe(1);

  const { token, dbId } = redisTokenParts({ seed: 'e2e-writes' });
  const envText = `UPSTASH_REDIS_REST_URL=${redisEndpoint(dbId, { seed: 'e2e-writes' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`;
  await openPullRequest(h, { name: 'leak-pr', id: 873, pr: 52, envText });
  await h.app.waitForLog(/"repo":"acme\/leak-pr"[^\n]*"msg":"scan reported"/);
  expect(writesTo('leak-pr')).toEqual([
    'POST /repos/acme/leak-pr/check-runs',
    'POST /repos/acme/leak-pr/issues/52/comments',
  ]);
  expect(logged('leak-pr')).toBe(2);
}, 90_000);
