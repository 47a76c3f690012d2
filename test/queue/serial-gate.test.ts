/**
 * One scan per PR: pushes that arrive during a scan coalesce into exactly one follow-up at the
 * newest head, with the in-memory gate and with the Redis gate shared by two "workers".
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { coalesceJobs, serialKeyOf, type ScanJob } from '../../src/queue/scan-job.js';
import { MemoryGate, RedisGate, serialized, type SerialGate } from '../../src/queue/serial-gate.js';
import { testRedisUrl } from '../setup/test-redis.js';

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
  const a = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  const b = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
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

const pushJob = (n: number): ScanJob => ({
  kind: 'push',
  installationId: 1,
  owner: 'acme',
  repo: 'app',
  repoId: 501,
  ref: 'refs/heads/main',
  headSha: String(n).repeat(40),
  baseSha: String(n - 1).repeat(40),
  receivedAt: 1_000 + n,
});

/** A backlog of pushes to one branch, all enqueued before any runs (the queue is busy). */
async function foldsBacklog(gate: SerialGate): Promise<ScanJob[]> {
  const scanned: ScanJob[] = [];
  const worker = serialized(async (job) => void scanned.push(job), gate);
  const jobs = [1, 2, 3, 4].map(pushJob);
  for (const j of jobs) await gate.noteEnqueued(serialKeyOf(j)!, j);
  // The queue hands them out in order; superseded heads park for the newest one.
  for (const j of jobs) await worker(j);
  // A late, older job (the newest already ran): scanned itself, not parked forever.
  await worker({ ...pushJob(5), receivedAt: 1_000 });
  return scanned;
}

function expectFolded(scanned: ScanJob[]): void {
  expect(scanned.map((j) => [j.baseSha?.[0], j.headSha[0]])).toEqual([
    ['0', '4'], // one scan: earliest before .. newest after
    ['4', '5'],
  ]);
}

test('in memory: superseded queued heads fold into one scan of the newest head', async () => {
  expectFolded(await foldsBacklog(new MemoryGate()));
});

test('a job picked up before its enqueue was noted is the tip: older ones still run', async () => {
  const gate = new MemoryGate();
  const scanned: string[] = [];
  const worker = serialized(async (job) => void scanned.push(job.headSha[0]!), gate);
  await worker(pushJob(3));
  await gate.noteEnqueued(serialKeyOf(pushJob(3))!, pushJob(3));
  await worker(pushJob(2));
  expect(scanned).toEqual(['3', '2']);
});

describe('Redis gate folding (real Redis)', () => {
  const prefix = `ug-test-fold-${randomUUID()}`;
  const a = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length) await a.del(...keys);
    a.disconnect();
  });
  test('superseded queued heads fold into one scan; only the expiring tip is left behind', async () => {
    expectFolded(await foldsBacklog(new RedisGate(a, prefix)));
    const keys = await a.keys(`${prefix}*`);
    expect(keys).toEqual([expect.stringContaining(':tip:')]);
    expect(await a.pttl(keys[0]!)).toBeGreaterThan(0);
  });
});

test('pushes delivered out of order coalesce by their chain, not by arrival', () => {
  const [a, b, c] = [1, 2, 3].map(pushJob) as [ScanJob, ScanJob, ScanJob];
  // c arrived first, a last: the range is still a.before .. c.after.
  const merged = coalesceJobs([
    { ...c, receivedAt: 1 },
    { ...b, receivedAt: 2 },
    { ...a, receivedAt: 3 },
  ]);
  expect([merged.baseSha?.[0], merged.headSha[0]]).toEqual(['0', '3']);
});
