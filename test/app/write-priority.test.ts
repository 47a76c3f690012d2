/**
 * Issue 10: a head's check run is written before the commit comments queued ahead of it. Octokit
 * paces an installation's writes 1 s apart, first come first served; writes made inside
 * `behindOtherWrites` now wait for every other queued write of the process. Real Octokit clients
 * (the App's, without and with Redis) against the loopback GitHub double, in the order GitHub
 * receives the requests.
 */
import { ProbotOctokit } from 'probot';
import { clusteredOctokit } from '../../src/app/octokit.js';
import { behindOtherWrites, prioritizeWrites } from '../../src/github/write-priority.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';

let gh: GitHubDouble;
let redis: OwnRedis;
beforeAll(async () => {
  gh = await startGitHubDouble();
  gh.addRepo({ owner: 'acme', name: 'app', cloneUrl: gh.cloneUrl('acme', 'app') });
  redis = await startOwnRedis({ persistence: 'none' });
});
afterAll(async () => {
  await gh?.close();
  await redis?.close();
});

/** A write of installation `installation`'s client (ordered by prioritizeWrites), by name. */
function writer(Octokit: typeof ProbotOctokit, installation: string) {
  const octokit = new Octokit({
    auth: { token: 'ghs_test' },
    baseUrl: gh.apiUrl,
    retry: { enabled: false },
    throttle: { id: installation },
  } as never);
  prioritizeWrites(octokit, installation);
  return (name: string) =>
    octokit.request('POST /repos/{owner}/{repo}/check-runs', {
      owner: 'acme',
      repo: 'app',
      name,
      head_sha: 'a'.repeat(40),
    });
}

async function order(Octokit: typeof ProbotOctokit, installation: string) {
  const check = writer(Octokit, installation);
  const from = gh.requests.length;
  // One write runs at once; then two comments are queued, then two check runs.
  const writes = [
    check(`first-${installation}`),
    behindOtherWrites(() => check(`comment1-${installation}`)),
    behindOtherWrites(() => check(`comment2-${installation}`)),
    check(`run1-${installation}`),
    check(`run2-${installation}`),
  ];
  await Promise.all(writes);
  return gh.requests
    .slice(from)
    .filter((r) => r.method === 'POST')
    .map((r) => String((r.body as { name?: string })?.name).split('-')[0]);
}

test('in one process: check runs queued after comments are written first', async () => {
  expect(await order(ProbotOctokit, '501')).toEqual([
    'first',
    'run1',
    'run2',
    'comment1',
    'comment2',
  ]);
}, 20_000);

test('with Redis (the pace shared between processes): the same order', async () => {
  const { Octokit, disconnect } = clusteredOctokit(redis.url);
  try {
    expect(await order(Octokit, '502')).toEqual(['first', 'run1', 'run2', 'comment1', 'comment2']);
  } finally {
    await disconnect();
  }
}, 20_000);

test('aging: a comment waits for the others at most UPSTASH_GUARD_LOW_WRITE_MAX_WAIT_MS', async () => {
  const saved = process.env.UPSTASH_GUARD_LOW_WRITE_MAX_WAIT_MS;
  process.env.UPSTASH_GUARD_LOW_WRITE_MAX_WAIT_MS = '1000';
  try {
    const check = writer(ProbotOctokit, '503');
    const from = gh.requests.length;
    // Check runs never stop arriving: one queued every 300 ms, about 12 s of them at GitHub's
    // pace. Without aging the comment would wait for the last.
    const writes = [check('run'), behindOtherWrites(() => check('comment')), check('run')];
    for (let i = 0; i < 11; i++) {
      await new Promise((r) => setTimeout(r, 300));
      writes.push(check('run'));
    }
    await Promise.all(writes);
    const names = gh.requests
      .slice(from)
      .filter((r) => r.method === 'POST')
      .map((r) => String((r.body as { name?: string })?.name));
    expect(names).toHaveLength(14);
    const at = names.indexOf('comment');
    // It waited about 1 s, then took its turn behind what was already queued (a write a second).
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(6);
  } finally {
    if (saved === undefined) delete process.env.UPSTASH_GUARD_LOW_WRITE_MAX_WAIT_MS;
    else process.env.UPSTASH_GUARD_LOW_WRITE_MAX_WAIT_MS = saved;
  }
}, 60_000);
