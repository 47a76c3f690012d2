/**
 * One scan per PR: pushes that arrive during a scan coalesce into exactly one follow-up at the
 * newest head, with the in-memory gate and with the Redis gate shared by two "workers".
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { ScanJob } from '../../src/queue/scan-job.js';
import { MemoryGate, RedisGate, serialized, type SerialGate } from '../../src/queue/serial-gate.js';

const prJob = (head: string): ScanJob => ({
  kind: 'pull_request',
  installationId: 1,
  owner: 'acme',
  repo: 'app',
  repoId: 501,
  headSha: head.repeat(40),
  pr: 7,
});

async function coalesces(gateA: SerialGate, gateB: SerialGate): Promise<void> {
  const ran: string[] = [];
  let releaseFirst!: () => void;
  const firstBlocked = new Promise<void>((r) => (releaseFirst = r));
  const proc = async (job: ScanJob): Promise<void> => {
    ran.push(job.headSha[0]!);
    if (job.headSha[0] === 'a') await firstBlocked;
  };
  const workerA = serialized(proc, gateA);
  const workerB = serialized(proc, gateB);
  const first = workerA(prJob('a'));
  await new Promise((r) => setTimeout(r, 20));
  // Three pushes while "a" is scanned: each returns at once; only the newest survives.
  await workerB(prJob('b'));
  await workerB(prJob('c'));
  await workerA(prJob('d'));
  expect(ran).toEqual(['a']);
  releaseFirst();
  await first;
  expect(ran).toEqual(['a', 'd']);
  // The key is free again: the next push runs right away.
  await workerB(prJob('e'));
  expect(ran).toEqual(['a', 'd', 'e']);
  // History jobs are not serialised.
  await workerB({ ...prJob('f'), kind: 'history' });
  expect(ran).toEqual(['a', 'd', 'e', 'f']);
}

test('in memory: a burst during a scan yields exactly one follow-up at the newest head', async () => {
  const gate = new MemoryGate();
  await coalesces(gate, gate);
});

test('a failed follow-up is resumed by the retry of the job that held the key', async () => {
  const gate = new MemoryGate();
  const ran: string[] = [];
  let failB = true;
  let go!: () => void;
  const blocked = new Promise<void>((r) => (go = r));
  const worker = serialized(async (job) => {
    ran.push(job.headSha[0]!);
    if (job.headSha[0] === 'a' && ran.length === 1) await blocked;
    if (job.headSha[0] === 'b' && failB) throw new Error('transient');
  }, gate);
  const first = worker({ ...prJob('a'), receivedAt: 1 });
  await worker({ ...prJob('b'), receivedAt: 2 }); // parked
  go();
  await expect(first).rejects.toThrow('transient');
  failB = false;
  await worker({ ...prJob('a'), receivedAt: 1 }); // the queue's retry of "a"
  expect(ran).toEqual(['a', 'b', 'b']); // the newest head, not the stale "a"
});

test('a worker that died mid-job: the retry re-takes its own lock instead of being parked', async () => {
  const gate = new MemoryGate();
  const job = prJob('a');
  const ran: string[] = [];
  const dead = serialized(() => new Promise<void>(() => undefined), gate);
  void dead(job); // holds the lock forever, like a SIGKILLed worker
  await new Promise((r) => setTimeout(r, 10));
  await serialized(async (j) => void ran.push(j.headSha[0]!), gate)(job);
  expect(ran).toEqual(['a']);
});

test('coalesced pushes keep the earliest before, so no pushed commit is skipped', async () => {
  const gate = new MemoryGate();
  const seen: ScanJob[] = [];
  let go!: () => void;
  const blocked = new Promise<void>((r) => (go = r));
  const push = (before: string, after: string, t: number): ScanJob => ({
    ...prJob(after),
    kind: 'push',
    pr: undefined,
    ref: 'refs/heads/main',
    baseSha: before.repeat(40),
    receivedAt: t,
  });
  const worker = serialized(async (j) => {
    seen.push(j);
    if (seen.length === 1) await blocked;
  }, gate);
  const first = worker(push('0', '1', 1));
  await worker(push('2', '3', 3));
  await worker(push('1', '2', 2));
  go();
  await first;
  expect(seen.map((j) => [j.baseSha![0], j.headSha[0]])).toEqual([
    ['0', '1'],
    ['1', '3'],
  ]);
});

describe('Redis gate (real Redis, two workers)', () => {
  const prefix = `ug-test-serial-${randomUUID()}`;
  const a = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const b = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  test('coalesces across workers and leaves no key behind', async () => {
    await coalesces(new RedisGate(a, prefix), new RedisGate(b, prefix));
    expect(await a.keys(`${prefix}*`)).toEqual([]);
  });
});
