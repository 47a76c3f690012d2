/**
 * Issue 9 §3, "Redis lost its data": Octokit's throttling state lives in Redis (shared by all
 * workers). After Redis restarted empty, Bottleneck's own recovery did not trigger (Redis 7 says
 * `ERR SETTINGS_KEY_NOT_FOUND`, Bottleneck compares with `SETTINGS_KEY_NOT_FOUND`) and every
 * GitHub request failed. The recovering connection re-creates the state instead.
 */
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { clusteredOctokit, RecoveringIORedisConnection } from '../../src/app/octokit.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';

let redis: OwnRedis;
let gh: GitHubDouble;
beforeAll(async () => {
  redis = await startOwnRedis({ persistence: 'none' });
  gh = await startGitHubDouble();
  gh.addRepo({ owner: 'acme', name: 'app', cloneUrl: gh.cloneUrl('acme', 'app') });
});
afterAll(async () => {
  await redis?.close();
  await gh?.close();
});

async function restartEmpty(clients: Redis[]): Promise<void> {
  await redis.kill();
  await redis.start();
  // Wait until every client reconnected, so what follows is about the lost state only.
  for (const c of clients)
    for (let i = 0; i < 100 && c.status !== 'ready'; i++)
      await new Promise((r) => setTimeout(r, 50));
}

async function limiterAcrossRestart(
  Connection: typeof Bottleneck.IORedisConnection,
  id: string,
): Promise<unknown> {
  const client = new Redis(redis.url);
  const connection = new Connection({ client });
  connection.on('error', () => undefined);
  const group = new Bottleneck.Group({
    id,
    maxConcurrent: 1,
    minTime: 10,
    datastore: 'ioredis',
    clustering: true,
    connection,
  });
  try {
    expect(await group.key('inst-1').schedule(async () => 'before')).toBe('before');
    await restartEmpty([client]);
    return await group
      .key('inst-1')
      .schedule(async () => 'after')
      .catch((e: Error) => e);
  } finally {
    await group.disconnect(false);
    await connection.disconnect(false);
  }
}

test('plain Bottleneck fails every job after Redis restarted empty; the recovering connection does not', async () => {
  const plain = await limiterAcrossRestart(Bottleneck.IORedisConnection, 'plain');
  expect(String((plain as Error).message)).toMatch(/SETTINGS_KEY_NOT_FOUND/);
  const recovering = await limiterAcrossRestart(RecoveringIORedisConnection, 'recovering');
  expect(recovering).toBe('after');
}, 30_000);

test('the App Octokit keeps writing to GitHub after Redis restarted empty', async () => {
  const { Octokit, disconnect } = clusteredOctokit(redis.url);
  const octokit = new Octokit({
    auth: { token: 'ghs_test' },
    baseUrl: gh.apiUrl,
    retry: { enabled: false },
  } as never);
  const create = () =>
    octokit.request('POST /repos/{owner}/{repo}/check-runs', {
      owner: 'acme',
      repo: 'app',
      name: 'x',
      head_sha: 'a'.repeat(40),
    });
  expect((await create()).status).toBe(201);
  const probe = new Redis(redis.url);
  await restartEmpty([probe]);
  await new Promise((r) => setTimeout(r, 1000));
  expect((await create()).status).toBe(201);
  probe.disconnect();
  await disconnect();
}, 30_000);
