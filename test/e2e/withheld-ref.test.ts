/**
 * A branch named after a credential (`leak/<token>`) is pushed. Job data sits in Redis (BullMQ) or
 * the in-process journal file: neither may hold the raw name, nor may logs or GitHub requests.
 * Every Redis key and value is dumped (SCAN + TYPE + GET/HGETALL/LRANGE/SMEMBERS/ZRANGE/XRANGE),
 * and every file of the data directory read; the scan must still report the pushed commit.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import type { ManagedProcess } from '../helpers/app-process.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { installationCreatedEvent, pushEvent } from '../helpers/webhooks.js';
import { branchFromMain, startHarness, until, type Harness } from './harness.js';

const ZERO = '0'.repeat(40);

async function dumpRedis(url: string): Promise<string> {
  const r = new Redis(url);
  const out: string[] = [];
  let cursor = '0';
  try {
    do {
      const [next, keys] = await r.scan(cursor, 'COUNT', 1000);
      for (const k of keys) {
        const type = await r.type(k);
        let v: unknown;
        if (type === 'string') v = await r.get(k);
        else if (type === 'hash') v = await r.hgetall(k);
        else if (type === 'list') v = await r.lrange(k, 0, -1);
        else if (type === 'set') v = await r.smembers(k);
        else if (type === 'zset') v = await r.zrange(k, '0', '-1', 'WITHSCORES');
        else if (type === 'stream') v = await r.xrange(k, '-', '+');
        out.push(`${k} ${type} ${JSON.stringify(v)}`);
      }
      cursor = next;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return out.join('\n');
}

function readTree(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out += `${p}\n`;
    out += statSync(p).isDirectory() ? readTree(p) : readFileSync(p, 'latin1');
  }
  return out;
}

/** The raw token, and its hex (a job id used to carry the ref hex-encoded), appear nowhere. */
function expectNoToken(where: string, text: string, token: string): void {
  expect({ where, raw: text.includes(token) }).toEqual({ where, raw: false });
  const hex = Buffer.from(token).toString('hex');
  expect({ where, hex: text.includes(hex) }).toEqual({ where, hex: false });
}

describe.each(['in-process', 'redis'] as const)('a branch named after a token (%s)', (mode) => {
  let h: Harness;
  let redis: OwnRedis | undefined;
  const workers: ManagedProcess[] = [];
  const branchToken = redisTokenParts({ seed: `leak-branch-${mode}` }).token;
  const content = redisTokenParts({ seed: `leak-content-${mode}` });
  const branch = `leak/${branchToken}`;

  beforeAll(async () => {
    if (mode === 'redis') redis = await startOwnRedis();
    h = await startHarness(redis ? { redisUrl: redis.url } : {});
  }, 30_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await h?.close();
    await redis?.close();
  });

  it('job data, logs and GitHub requests never hold it; the push is still scanned', async () => {
    const { ref, r } = await branchFromMain(
      h,
      `leaky-${mode}`,
      mode === 'redis' ? 951 : 952,
      branch,
    );
    r.write(
      '.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(content.dbId)}\nUPSTASH_REDIS_REST_TOKEN=${content.token}\n`,
    );
    const head = r.commit('add env');
    await h.push(r, ref, branch);
    if (mode === 'redis') {
      // An open PR for the branch: the push is reported by the PR, so no commit comments. Found
      // by head SHA and the branch's digest, since the job no longer knows the name.
      const state = h.gh.addRepo({ ...ref, owner: 'acme', name: ref.name, cloneUrl: ref.cloneUrl });
      state.pulls.push({ number: 4, headSha: head, headRef: branch, baseRef: 'main' });
    }
    const res = await h.send(
      'push',
      pushEvent(ref, { ref: `refs/heads/${branch}`, before: ZERO, after: head }),
    );
    expect(res.status).toBe(200);

    if (redis) {
      // The job waits in Redis (the app process does not scan with REDIS_URL): dump it now.
      const queued = await dumpRedis(redis.url);
      expect(queued).toMatch(/"refs\/heads\/leak\/AR|refDigest|leak\//);
      expectNoToken('redis while queued', queued, branchToken);
      workers.push(await h.app.startWorker());
    }
    const run = await until('completed check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
    );
    // A new branch scans the commits on no other branch: its own head (known by digest only) is
    // not excluded, so the token in .env is found.
    expect(run.conclusion).toBe('failure');
    expect(run.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '.env', start_line: 2 })]),
    );
    if (mode === 'redis') {
      // Comments follow the check run: wait until the job is done.
      await workers[0]!.waitForLog(/scan reported/);
      expect(h.gh.requests.some((q) => q.path.includes(`/commits/${head}/pulls`))).toBe(true);
      expect(h.gh.commitComments).toHaveLength(0);
    } else {
      await until('commit comment', () => h.gh.commitComments.find((c) => c.target === head));
    }

    const logs = [h.app.logs(), ...workers.map((w) => w.logs())].join('\n');
    expectNoToken('logs', logs, branchToken);
    expectNoToken('logs', logs, content.token);
    const requests = h.gh.requests
      .filter((q) => !/\.git\/|git-upload-pack|info\/refs/.test(q.path))
      .map((q) => `${q.method} ${q.path} ${q.rawBody}`)
      .join('\n');
    expectNoToken('GitHub requests', requests, branchToken);
    expectNoToken('GitHub requests', requests, content.token);
    if (redis) {
      const after = await dumpRedis(redis.url);
      expectNoToken('redis after the scan', after, branchToken);
      expectNoToken('redis after the scan', after, content.token);
    } else {
      const dataDir = h.app.env.UPSTASH_GUARD_DATA_DIR!;
      const files = readTree(dataDir);
      expect(files).toMatch(/queue\.journal/);
      expectNoToken('data dir (journal)', files, branchToken);
      expect(files).toMatch(/refDigest/);
      expectNoToken('data dir (journal)', files, content.token);
    }
    expect(logs).toMatch(/branch name holds a credential: withheld from the job data/);
  });
});

describe('a default branch named after a token (in-process, install-time history scan)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 30_000);
  afterAll(() => h?.close());

  it('the history job holds only its digest, finds the branch in the clone and reports', async () => {
    const branchToken = redisTokenParts({ seed: 'leak-default-branch' }).token;
    const content = redisTokenParts({ seed: 'leak-default-content' });
    const branch = `leak/${branchToken}`;
    const ref = h.addRepo('leaky-default', 953);
    h.gh.addRepo({
      ...ref,
      owner: 'acme',
      name: ref.name,
      cloneUrl: ref.cloneUrl,
      defaultBranch: branch,
    });
    const r = h.repo();
    r.write(
      '.env',
      `UPSTASH_REDIS_REST_URL=${redisEndpoint(content.dbId)}\nUPSTASH_REDIS_REST_TOKEN=${content.token}\n`,
    );
    const head = r.commit('add env');
    await h.push(r, ref, 'main', `main:refs/heads/${branch}`);
    const res = await h.send('installation', installationCreatedEvent(ref));
    expect(res.status).toBe(200);
    const run = await until('history check run', () =>
      h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
    ).catch((e: unknown) => {
      console.log(h.app.logs().split('\n').slice(-30).join('\n'));
      throw e;
    });
    expect(run.conclusion).toBe('failure');
    expectNoToken('logs', h.app.logs(), branchToken);
    const files = readTree(h.app.env.UPSTASH_GUARD_DATA_DIR!);
    expectNoToken('data dir (journals)', files, branchToken);
    expect(files).toMatch(/defaultBranchDigest/);
  });
});
