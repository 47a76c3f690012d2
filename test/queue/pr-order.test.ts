/**
 * Found by the chaos run (test/chaos, seed 4): a PR's `opened` delivery failed and was redelivered
 * after the PR's `synchronize`. Ordered by arrival, the old head looked newest: the PR was
 * reported at it and the newer head was folded into it (no check run, a stale PR comment). A PR's
 * jobs carry their chain (`previousHead` of a synchronize, `opened`), and coalescing follows it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pullRequestJob } from '../../src/app/to-scan-job.js';
import { coalesceJobs, serialKeyOf, type ScanJob } from '../../src/queue/scan-job.js';
import { MemoryGate, RedisGate, serialized, type SerialGate } from '../../src/queue/serial-gate.js';
import { pullRequestEvent } from '../helpers/webhooks.js';
import { testRedisUrl } from '../setup/test-redis.js';

const sha = (c: string): string => c.repeat(40);
const pr = (head: string, more: Partial<ScanJob>): ScanJob => ({
  kind: 'pull_request',
  installationId: 1,
  owner: 'acme',
  repo: 'app',
  repoId: 501,
  headSha: sha(head),
  baseSha: sha('0'),
  pr: 7,
  ...more,
});
// A opened; B and C synchronize, each replacing the one before.
const A = (at: number) => pr('a', { opened: true, receivedAt: at });
const B = (at: number) => pr('b', { previousHead: sha('a'), receivedAt: at });
const C = (at: number) => pr('c', { previousHead: sha('b'), receivedAt: at });

test('webhooks: a synchronize carries the head it replaced, an opened says so', () => {
  const repo = { owner: 'acme', name: 'app', cloneUrl: 'http://127.0.0.1:1/acme/app.git' };
  const o = { number: 7, baseSha: sha('0') };
  expect(pullRequestJob(pullRequestEvent(repo, { ...o, headSha: sha('a') }))).toMatchObject({
    opened: true,
  });
  const sync = pullRequestJob(
    pullRequestEvent(repo, { ...o, action: 'synchronize', headSha: sha('b'), before: sha('a') }),
  );
  expect(sync).toMatchObject({ previousHead: sha('a') });
  expect(sync).not.toHaveProperty('opened');
  const reopened = pullRequestJob(
    pullRequestEvent(repo, { ...o, action: 'reopened', headSha: sha('b') }),
  );
  expect(reopened).not.toHaveProperty('opened');
  expect(reopened).not.toHaveProperty('previousHead');
});

test('a PR’s jobs coalesce by their chain, not by arrival', () => {
  // The redelivered opened arrives last: still the oldest head.
  expect(coalesceJobs([B(1), A(2)]).headSha).toBe(sha('b'));
  expect(coalesceJobs([C(1), A(2), B(3)]).headSha).toBe(sha('c'));
  // B was scanned already: A and C do not chain, but an opened head is the PR's first.
  expect(coalesceJobs([C(1), A(2)]).headSha).toBe(sha('c'));
  // Nothing said: arrival, as before.
  const reopened = pr('d', { receivedAt: 3 });
  expect(coalesceJobs([C(1), reopened]).headSha).toBe(sha('d'));
  expect(coalesceJobs([reopened, { ...C(1), receivedAt: 4 }]).headSha).toBe(sha('c'));
});

/** Both deliveries queued before a worker runs: B (synchronize), then A (opened, redelivered). */
async function redeliveredOpenedQueued(gate: SerialGate): Promise<string[]> {
  const scanned: string[] = [];
  const worker = serialized(async (job) => void scanned.push(job.headSha[0]!), gate);
  const [b, a] = [B(1_000), A(2_000)];
  const key = serialKeyOf(b)!;
  await gate.noteEnqueued(key, b);
  await gate.noteEnqueued(key, a);
  await worker(b);
  await worker(a);
  return scanned;
}

/** A (redelivered) parks while B is scanned: B's scan, superseded by it, is still B's. */
async function redeliveredOpenedDuringScan(gate: SerialGate): Promise<string[]> {
  const scanned: string[] = [];
  const b = B(1_000);
  await gate.noteEnqueued(serialKeyOf(b)!, b);
  let superseded = false;
  const worker = serialized(async (job, isSuperseded) => {
    scanned.push(job.headSha[0]!);
    if (scanned.length === 1) {
      const a = A(2_000);
      await gate.noteEnqueued(serialKeyOf(a)!, a);
      await worker(a); // parked behind B
      superseded = await isSuperseded();
    }
  }, gate);
  await worker(b);
  expect(superseded).toBe(true);
  return scanned;
}

describe.each([
  ['memory', () => new MemoryGate() as SerialGate],
  ['Redis', () => new RedisGate(redis(), `ug-test-prorder-${randomUUID()}`) as SerialGate],
])('%s gate', (_name, makeGate) => {
  test('a redelivered opened queued after the synchronize folds into the newer head', async () => {
    expect(await redeliveredOpenedQueued(makeGate())).toEqual(['b']);
  });
  test('a redelivered opened parked during the newer head’s scan: the next scan is the newer head', async () => {
    expect(await redeliveredOpenedDuringScan(makeGate())).toEqual(['b', 'b']);
  });
});

let shared: Redis | undefined;
function redis(): Redis {
  return (shared ??= new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 }));
}
afterAll(async () => {
  if (!shared) return;
  const keys = await shared.keys('ug-test-prorder-*');
  if (keys.length) await shared.del(...keys);
  shared.disconnect();
});
