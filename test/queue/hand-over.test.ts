/**
 * Found by the chaos run (seed 6): a push's scan held its branch, a newer push parked behind it
 * (its job completed at once, its range kept in the gate), and the holder then failed for good
 * (its worker killed more often than BullMQ allows). No retry of the holder came, so nothing ever
 * took the parked push: its head had no check run and its offending commit no comment.
 * `handOverParked` stores one follow-up for what was parked; these run it on both gates.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { jobIdOf, serialKeyOf, type ScanJob } from '../../src/queue/scan-job.js';
import {
  handOverParked,
  MemoryGate,
  RedisGate,
  serialized,
  type SerialGate,
} from '../../src/queue/serial-gate.js';
import { PARKED } from '../../src/queue/scan-queue.js';
import { testRedisUrl } from '../setup/test-redis.js';

const push = (head: string, before: string | undefined, receivedAt: number): ScanJob => ({
  kind: 'push',
  installationId: 1,
  owner: 'acme',
  repo: 'app',
  repoId: 501,
  ref: 'refs/heads/main',
  headSha: head.repeat(40),
  ...(before ? { baseSha: before.repeat(40) } : {}),
  receivedAt,
});

/** Runs a holder that fails for good while newer pushes park; returns what was scanned after. */
async function scenario(gate: SerialGate) {
  const scanned: ScanJob[] = [];
  let fail = true;
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  const worker = serialized(async (job) => {
    scanned.push(job);
    if (fail && job.headSha.startsWith('b')) {
      await blocked;
      throw new Error('worker killed');
    }
  }, gate);
  const b = push('b', 'a', 2);
  const running = worker(b);
  while (!scanned.length) await new Promise((r) => setTimeout(r, 5));
  expect(await worker(push('c', 'b', 3))).toBe(PARKED);
  expect(await worker(push('d', 'c', 4))).toBe(PARKED);
  release();
  await expect(running).rejects.toThrow('worker killed');
  fail = false;
  return { scanned, worker, b };
}

async function handsOver(gate: SerialGate): Promise<void> {
  const { scanned, worker, b } = await scenario(gate);
  const added: ScanJob[] = [];
  const next = await handOverParked(b, gate, async (j) => added.push(j), 1_000);
  expect(added).toEqual([next]);
  // The newest head, from the holder's head on: the holder's own range is not handed on.
  expect(next).toMatchObject({ headSha: 'd'.repeat(40), baseSha: 'b'.repeat(40), handover: 'rs' });
  // Its own id: the parked jobs' ids completed when they parked, and would be taken as duplicates.
  expect(jobIdOf(next!)).not.toBe(jobIdOf(push('d', 'c', 4)));
  expect(jobIdOf(next!)).toMatch(/-handover-rs$/);
  // The follow-up takes the key and scans once, at the newest head.
  scanned.length = 0;
  await worker(next!);
  expect(scanned.map((j) => [j.headSha[0], j.baseSha?.[0]])).toEqual([['d', 'b']]);
  // Nothing is left parked: a second hand-over (a duplicate failure event) stores nothing.
  expect(await handOverParked(b, gate, async (j) => added.push(j))).toBeUndefined();
  expect(added).toHaveLength(1);
}

async function leavesAnotherHoldersKey(gate: SerialGate): Promise<void> {
  const { b } = await scenario(gate);
  // A newer job took the key before the failure was handled: it already covers the parked heads.
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  const seen: string[] = [];
  const other = serialized(async (job) => {
    seen.push(job.headSha[0]!);
    await blocked;
  }, gate);
  const e = push('e', 'd', 5);
  const running = other(e);
  while (!seen.length) await new Promise((r) => setTimeout(r, 5));
  const added: ScanJob[] = [];
  expect(await handOverParked(b, gate, async (j) => added.push(j))).toBeUndefined();
  expect(added).toEqual([]);
  release();
  await running;
  // The new holder scanned the parked heads with its own (one range from the holder's head).
  expect(seen).toEqual(['e']);
}

async function followUpFailsToo(gate: SerialGate): Promise<void> {
  const { b } = await scenario(gate);
  const added: ScanJob[] = [];
  const next = (await handOverParked(b, gate, async (j) => added.push(j), 1_000))!;
  // The follow-up takes the key (the parked jobs become its inflight) and fails for good too,
  // while one more push parks behind it.
  const got = await gate.acquire(keyOf(next), jobIdOf(next), next);
  expect(got.held).toBe(true);
  const later = push('f', 'd', 6);
  expect((await gate.acquire(keyOf(next), jobIdOf(later), later)).held).toBe(false);
  const again = await handOverParked(next, gate, async (j) => added.push(j), 2_000);
  // Only what parked after it started: the range it failed on is not handed on again.
  expect(again).toMatchObject({ headSha: 'f'.repeat(40), baseSha: 'd'.repeat(40) });
}

const keyOf = (job: ScanJob): string => serialKeyOf(job)!;

describe('in memory', () => {
  test('a holder that failed for good hands its parked heads to one follow-up', () =>
    handsOver(new MemoryGate()));
  test('nothing is handed over while another job holds the key', () =>
    leavesAnotherHoldersKey(new MemoryGate()));
  test('a follow-up that fails for good hands over only what parked after it', () =>
    followUpFailsToo(new MemoryGate()));
});

describe('Redis gate (real Redis)', () => {
  let redis: Redis;
  const gate = (): SerialGate => new RedisGate(redis, `ug-test-handover:${randomUUID()}`);
  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  });
  afterAll(() => redis.quit());
  test('a holder that failed for good hands its parked heads to one follow-up', () =>
    handsOver(gate()));
  test('nothing is handed over while another job holds the key', () =>
    leavesAnotherHoldersKey(gate()));
  test('a follow-up that fails for good hands over only what parked after it', () =>
    followUpFailsToo(gate()));
});
