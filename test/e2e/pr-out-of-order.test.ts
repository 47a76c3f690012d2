/**
 * Found by the chaos run (test/chaos, in-process seed 1): two `synchronize` deliveries of one pull
 * request arrived out of order (the older one was answered 503 while the App restarted, and its
 * redelivery came after the newer one). Both waited behind the PR's running scan and were folded
 * into one, whose head was picked by arrival: the older head got the check run and the PR's
 * current head none at all (a required check pending forever). Heads are ordered by the events'
 * own `before`/`after` chain, as for pushes (docs/app.md, "Superseded heads fold").
 *
 * In-process, one scan at a time: the opened head's report is held by the double, so both
 * synchronize jobs queue behind it and reach the serial gate together.
 */
import { pullRequestEvent } from '../helpers/webhooks.js';
import { envCredential, startHarness, until, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { UPSTASH_GUARD_CONCURRENCY: '1' } });
}, 30_000);
afterAll(() => h.close());

it('synchronize deliveries out of order: the PR’s current head is reported', async () => {
  const ref = h.addRepo('pr-order', 1801);
  const r = h.repo();
  r.write('README.md', '# x\n');
  const base = r.commit('initial');
  r.branch('feature');
  r.checkout('feature');
  r.write('notes.md', 'clean\n');
  const a = r.commit('a');
  await h.push(r, ref, 'main', 'feature', 'feature:refs/pull/3/head');
  const event = (headSha: string, before?: string) =>
    h.send(
      'pull_request',
      pullRequestEvent(ref, {
        action: before ? 'synchronize' : 'opened',
        number: 3,
        headSha,
        baseSha: base,
        headRef: 'feature',
        ...(before ? { before } : {}),
      }),
    );

  // The opened head's check run is held: its scan keeps the one worker slot and the PR's gate.
  h.gh.hold({ method: 'POST', path: /\/check-runs$/, ms: 4000, times: 1 });
  expect((await event(a)).status).toBe(200);
  await until('the opened head’s run being written', () =>
    h.gh.requests.find((q) => q.method === 'POST' && /\/check-runs$/.test(q.path)),
  );

  r.write('.env', envCredential('e2e-pr-order'));
  const b = r.commit('b leaks');
  r.write('notes.md', 'still clean\n');
  const c = r.commit('c');
  await h.push(r, ref, 'feature', 'feature:refs/pull/3/head');
  // The newer synchronize first, the older one after it (a redelivery).
  expect((await event(c, b)).status).toBe(200);
  expect((await event(b, a)).status).toBe(200);

  const onC = await until(
    'the current head reported',
    () => h.gh.checkRuns.find((x) => x.head_sha === c && x.status === 'completed'),
    30_000,
  ).catch(() => undefined);
  await h.app.waitForLog(/"head":"[0-9a-f]{40}","pr":3,"findings":1/, 20_000);
  expect(onC?.conclusion).toBe('failure');
  expect(h.gh.checkRuns.filter((x) => x.head_sha === c)).toHaveLength(1);
  expect(h.gh.issueComments.filter((x) => x.repo === 'acme/pr-order')).toHaveLength(1);
}, 90_000);
