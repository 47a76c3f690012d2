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
  cloneUrl: 'https://github.com/acme/app.git',
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

test('a failed follow-up stays parked and the key is freed for the retry', async () => {
  const gate = new MemoryGate();
  let fail = true;
  const ran: string[] = [];
  const run = serialized(async (job) => {
    ran.push(job.headSha[0]!);
    if (job.headSha[0] === 'b' && fail) throw new Error('transient');
  }, gate);
  let go!: () => void;
  const blocked = new Promise<void>((r) => (go = r));
  const first = serialized(async (job) => {
    ran.push(job.headSha[0]!);
    if (job.headSha[0] === 'a') await blocked;
    else throw new Error('transient');
  }, gate)(prJob('a'));
  await run(prJob('b'));
  go();
  await expect(first).rejects.toThrow('transient');
  fail = false;
  await run(prJob('a')); // the queue's retry of "a" runs a, then the parked b
  expect(ran).toEqual(['a', 'b', 'a', 'b']);
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
