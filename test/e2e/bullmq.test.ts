/**
 * Process-level with the real Redis: the app only enqueues (BullMQ), separate worker processes
 * scan. A worker SIGKILLed mid-job loses its lock; BullMQ's stalled-job check hands the job to
 * another worker. Unique queue prefix per run, keys deleted afterwards.
 */
import { randomBytes } from 'node:crypto';

import { Redis } from 'ioredis';

import type { ManagedProcess } from '../helpers/app-process.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { openPullRequest, startHarness, until } from './harness.js';
import type { Harness } from './harness.js';
import { testRedisUrl } from '../setup/test-redis.js';

const REDIS_URL = testRedisUrl();

describe('BullMQ on Redis with separate workers (app process)', () => {
  const prefix = `ug-e2e-${randomBytes(4).toString('hex')}`;
  let h: Harness;
  const workers: ManagedProcess[] = [];
  const { token, dbId } = redisTokenParts({ seed: 'e2e-bull' });
  const text = `UPSTASH_REDIS_REST_URL=${redisEndpoint(dbId, { seed: 'e2e-bull' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`;

  beforeAll(async () => {
    h = await startHarness({
      redisUrl: REDIS_URL,
      queuePrefix: prefix,
      // Short lock and stalled check so a killed worker's job is recovered within seconds.
      env: { UPSTASH_GUARD_STALLED_INTERVAL_MS: '1000', UPSTASH_GUARD_LOCK_DURATION_MS: '2000' },
    });
  }, 30_000);

  afterAll(async () => {
    if (process.env.UG_E2E_DEBUG) {
      const { writeFileSync } = await import('node:fs');
      writeFileSync('/tmp/ug-e2e-app.log', h.app.logs());
      writeFileSync('/tmp/ug-e2e-workers.log', workers.map((w) => w.logs()).join('\n----\n'));
    }
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await h?.close();
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  });

  async function openPr(name: string, id: number, pr: number): Promise<string> {
    const { head, status } = await openPullRequest(h, { name, id, pr, envText: text });
    expect(status).toBe(200);
    return head;
  }

  it('the app enqueues and a separate worker scans and reports the PR', async () => {
    const head = await openPr('queued', 801, 11);
    // Nobody processes jobs yet: the app process is not a worker when REDIS_URL is set.
    await new Promise((r) => setTimeout(r, 500));
    expect(h.gh.checkRuns.filter((c) => c.head_sha === head)).toEqual([]);
    workers.push(await h.app.startWorker());
    const run = await until(
      'check run',
      () => h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
      45_000,
    );
    expect(run.conclusion).toBe('failure');
    expect(run.annotations).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '.env', start_line: 2 })]),
    );
    await until('PR comment', () => h.gh.issueComments.find((c) => c.target === 11));
    await workers.pop()!.stop();
  }, 60_000);

  it('a worker killed mid-job: the job completes on another worker', async () => {
    // Hold the job inside the first worker: GitHub answers slowly until the worker is dead.
    h.gh.setLatency(4000);
    const requestsBefore = h.gh.requests.length;
    const head = await openPr('stalled', 802, 12);
    const first = await h.app.startWorker();
    workers.push(first);
    // The first worker is inside the job once its check run request for this repository arrived.
    await until('job started on the first worker', () =>
      h.gh.requests
        .slice(requestsBefore)
        .some((q) => q.method === 'POST' && q.path === '/repos/acme/stalled/check-runs')
        ? true
        : undefined,
    );
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    h.gh.setLatency(0);
    const second = await h.app.startWorker();
    workers.push(second);
    const run = await until(
      'check run completed by the second worker',
      () => h.gh.checkRuns.find((c) => c.head_sha === head && c.status === 'completed'),
      45_000,
    );
    expect(run.conclusion).toBe('failure');
    // Any surviving worker may take the stalled job (the first test's worker is still running).
    const survivors = workers.filter((w) => w !== first);
    await until('a surviving worker logs the report', () =>
      /scan reported/.test(survivors.map((w) => w.logs()).join('\n')) ? true : undefined,
    );
    expect(first.logs()).not.toMatch(/scan reported[^\n]*stalled/);
    expect(h.gh.issueComments.filter((c) => c.target === 12)).toHaveLength(1);
  }, 70_000);

  it('no raw credential in any request to GitHub, in the app or the worker logs', () => {
    expect(h.gh.requests.filter((q) => q.rawBody.includes(token))).toEqual([]);
    expect(h.app.logs().includes(token)).toBe(false);
    for (const w of workers) expect(w.logs().includes(token)).toBe(false);
  });
});
