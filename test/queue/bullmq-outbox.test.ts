/**
 * The BullMQ-mode outbox (src/queue/bullmq-outbox.ts): a job Redis no longer holds and nobody
 * finished is added again; a branch's jobs are let go together once all ended (a parked job's range
 * lives in Redis until its branch's newest scan is reported); when Redis lost its data, the ended
 * jobs still held are added again too; the outbox survives a restart of its process. An
 * installation job is held until every history job it listed ended (a loss before that brings it
 * back), and each App replica's outbox sees a loss for itself.
 * The processes-and-Redis versions are test/e2e/redis-flush.test.ts and redis-flush-replicas.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import {
  INSTALL_HELD_AFTER_END_MS,
  lossCheck,
  MAX_HELD_AFTER_END_MS,
  Outbox,
} from '../../src/queue/bullmq-outbox.js';
import { coalesceJobs, jobIdOf, serialKeyOf, type ScanJob } from '../../src/queue/scan-job.js';
import { GATE_KEEP_MS, RedisGate, rescueParked } from '../../src/queue/serial-gate.js';
import { testRedisUrl } from '../setup/test-redis.js';

const push = (n: number, branch = 'main'): ScanJob => ({
  kind: 'push',
  installationId: 1,
  owner: 'acme',
  repo: 'r',
  repoId: 1,
  ref: `refs/heads/${branch}`,
  baseSha: String(n - 1)
    .repeat(40)
    .slice(0, 40),
  headSha: String(n).repeat(40).slice(0, 40),
  receivedAt: 1_000 + n,
});

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ug-outbox-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const silent = { info: () => undefined, warn: () => undefined };

function outbox(
  o: {
    lost?: () => boolean;
    graceMs?: number;
    installHeldAfterEndMs?: number;
    dir?: string;
    dataLost?: (id: string) => Promise<boolean>;
  } = {},
): Outbox {
  return new Outbox({
    path: join(o.dir ?? dir, 'outbox.journal'),
    log: silent,
    dataLost: o.dataLost ?? (async () => o.lost?.() ?? false),
    graceMs: o.graceMs ?? 0,
    ...(o.installHeldAfterEndMs !== undefined
      ? { installHeldAfterEndMs: o.installHeldAfterEndMs }
      : {}),
  });
}

/** A queue double: states and return values by job id, the jobs added again, the batches asked. */
function queue(states: Record<string, string>, results: Record<string, unknown> = {}) {
  const added: ScanJob[] = [];
  const asked: number[] = [];
  return {
    added,
    asked,
    states: async (ids: readonly string[]) => {
      asked.push(ids.length);
      return ids.map((id) => states[id] ?? 'unknown');
    },
    result: async (id: string) => (states[id] === 'completed' ? results[id] : undefined),
    add: async (job: ScanJob) => {
      added.push(job);
      states[jobIdOf(job)] = 'waiting';
    },
  };
}

test('a job the queue lost and nobody finished is added again, once; not while its add may be under way', async () => {
  const young = outbox({ graceMs: 60_000 });
  await young.note(push(1));
  const q = queue({});
  expect(await young.reconcile(q)).toBe(0);
  await young.close();

  const box = outbox();
  const q2 = queue({});
  // Restored from the journal after a restart of the process.
  expect(box.size()).toBe(0);
  await box.note(push(2));
  expect(box.size()).toBe(2);
  expect(await box.reconcile(q2)).toBe(2);
  expect(q2.added.map((j) => j.headSha[0])).toEqual(['1', '2']);
  // Now waiting: nothing more to do.
  expect(await box.reconcile(q2)).toBe(0);
  await box.close();
});

test("a branch's jobs are let go together, once every one ended; Redis losing its data brings back the ended ones still held", async () => {
  let lost = false;
  const box = outbox({ lost: () => lost });
  const [parked, tip, other] = [push(1), push(2), push(3, 'dev')];
  for (const j of [parked, tip, other]) await box.note(j);
  const states: Record<string, string> = {
    [jobIdOf(parked)]: 'completed', // parked for the tip: completed at once in BullMQ
    [jobIdOf(tip)]: 'active',
    [jobIdOf(other)]: 'completed',
  };
  const q = queue(states);
  expect(await box.reconcile(q)).toBe(0);
  // The other branch ended: let go. The parked job waits for its branch's tip.
  expect(box.size()).toBe(2);

  // Redis restarted empty while the tip ran: both jobs of the branch come back, oldest first.
  for (const k of Object.keys(states)) delete states[k];
  lost = true;
  expect(await box.reconcile(q)).toBe(2);
  expect(q.added.map((j) => j.headSha[0])).toEqual(['1', '2']);
  lost = false;

  states[jobIdOf(parked)] = 'completed';
  states[jobIdOf(tip)] = 'completed';
  await box.reconcile(q);
  expect(box.size()).toBe(0);
  await box.close();
  // Nothing comes back after a restart either.
  const again = outbox();
  const q2 = queue({});
  expect(await again.reconcile(q2)).toBe(0);
  await again.close();
});

test('an ended job the queue dropped (its record expired) is not added again while Redis kept its data', async () => {
  const box = outbox();
  const [a, b] = [push(1), push(2)];
  await box.note(a);
  await box.note(b);
  const states: Record<string, string> = { [jobIdOf(a)]: 'completed', [jobIdOf(b)]: 'delayed' };
  const q = queue(states);
  await box.reconcile(q);
  delete states[jobIdOf(a)];
  expect(await box.reconcile(q)).toBe(0);
  await box.close();
});

test('an installation job is held after it ended: Redis losing its data during the install brings it back, so the history jobs a worker stored are stored again', async () => {
  let lost = false;
  const box = outbox({ lost: () => lost });
  const install = installJob();
  const other = push(1);
  await box.note(install);
  await box.note(other);
  const states: Record<string, string> = {
    [jobIdOf(install)]: 'completed',
    [jobIdOf(other)]: 'completed',
  };
  const q = queue(states);
  await box.reconcile(q);
  // The push is let go; the installation job is held although it ended.
  expect(box.size()).toBe(1);

  for (const k of Object.keys(states)) delete states[k];
  lost = true;
  expect(await box.reconcile(q)).toBe(1);
  expect(q.added.map((j) => j.kind)).toEqual(['installation']);
  lost = false;

  // Ended again: held until the hold has passed, then let go.
  states[jobIdOf(install)] = 'completed';
  await box.reconcile(q);
  expect(box.size()).toBe(1);
  const later = Date.now() + INSTALL_HELD_AFTER_END_MS + 1;
  const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
  try {
    await box.reconcile(q);
  } finally {
    clock.mockRestore();
  }
  expect(box.size()).toBe(0);
  await box.close();
});

test('a loss seen while a job is still within its grace is not forgotten at the next pass', async () => {
  let lost = false;
  const box = outbox({ lost: () => lost, graceMs: 60_000 });
  const job = push(1);
  await box.note(job);
  const states: Record<string, string> = { [jobIdOf(job)]: 'active' };
  const q = queue(states);
  // A pass sees it completed, but its branch holds it (another job of the branch is running).
  const tip = push(2);
  await box.note(tip);
  states[jobIdOf(job)] = 'completed';
  states[jobIdOf(tip)] = 'active';
  await box.reconcile(q);
  // Redis restarted empty: the loss is seen once, within the jobs' grace.
  for (const k of Object.keys(states)) delete states[k];
  lost = true;
  expect(await box.reconcile(q)).toBe(0);
  lost = false;
  // Later, past the grace: both come back although no later pass sees the loss again.
  const later = Date.now() + 60_001;
  const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
  try {
    expect(await box.reconcile(q)).toBe(2);
  } finally {
    clock.mockRestore();
  }
  await box.close();
});

const installJob = (installationId = 7): ScanJob => ({
  kind: 'installation',
  installationId,
  owner: 'acme',
  repo: '',
  repoId: 0,
  headSha: '',
  receivedAt: 1,
});

/** Runs `f` with Date.now() `ms` ahead. */
async function later<T>(ms: number, f: () => Promise<T>): Promise<T> {
  const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + ms);
  try {
    return await f();
  } finally {
    clock.mockRestore();
  }
}

describe('an installation job is held until the history jobs it stored ended', () => {
  test('still queued past the fixed hold: held, and Redis losing its data brings it back', async () => {
    let lost = false;
    // The fixed hold (for a job that lists nothing) is over at once.
    const box = outbox({ lost: () => lost, installHeldAfterEndMs: 0 });
    const install = installJob();
    await box.note(install);
    const states: Record<string, string> = {
      [jobIdOf(install)]: 'completed',
      'history-a': 'completed',
      'history-b': 'queued',
    };
    const q = queue(states, { [jobIdOf(install)]: { jobs: ['history-a', 'history-b'] } });
    await box.reconcile(q);
    expect(box.size()).toBe(1);
    // Three hours on, a 1,000-repository install behind a slow write budget: b is still queued.
    await later(3 * 3600_000, () => box.reconcile(q));
    expect(box.size()).toBe(1);

    // Redis restarted empty: b is gone with it, the installation job comes back.
    for (const k of Object.keys(states)) delete states[k];
    lost = true;
    expect(await later(3 * 3600_000, () => box.reconcile(q))).toBe(1);
    expect(q.added.map((j) => j.kind)).toEqual(['installation']);
    lost = false;

    // Its re-run stores both again under the same ids: a, seen ended before the loss, counts
    // only once it ended again.
    states[jobIdOf(install)] = 'completed';
    states['history-a'] = 'queued';
    states['history-b'] = 'completed';
    await box.reconcile(q);
    expect(box.size()).toBe(1);
    states['history-a'] = 'failed';
    await box.reconcile(q);
    expect(box.size()).toBe(0);
    await box.close();
  });

  test('let go once all ended; history jobs the queue trimmed count as ended at the second pass', async () => {
    const box = outbox();
    const install = installJob();
    await box.note(install);
    const states: Record<string, string> = {
      [jobIdOf(install)]: 'completed',
      'history-a': 'completed',
    };
    const q = queue(states, { [jobIdOf(install)]: { jobs: ['history-a', 'history-b'] } });
    await box.reconcile(q);
    expect(box.size()).toBe(1);
    // b is not in the queue while Redis kept its data: removed after it ended. One more pass
    // makes sure no loss came in between.
    await box.reconcile(q);
    expect(box.size()).toBe(0);
    await box.close();
  });

  test('a loss between the check and the reads: the history job missing is not taken for ended', async () => {
    let lost = false;
    const box = outbox({ lost: () => lost });
    const install = installJob();
    await box.note(install);
    const states: Record<string, string> = {
      [jobIdOf(install)]: 'completed',
      'history-a': 'queued',
    };
    const q = queue(states, { [jobIdOf(install)]: { jobs: ['history-a'] } });
    await box.reconcile(q);
    // Flushed after this pass checked the marker: the job and its history job read unknown.
    q.states = async (ids) => {
      for (const k of Object.keys(states)) delete states[k];
      return ids.map(() => 'unknown');
    };
    await box.reconcile(q);
    expect(box.size()).toBe(1);
    // The next pass sees the loss, and the installation job comes back.
    lost = true;
    expect(await box.reconcile(q)).toBe(1);
    await box.close();
  });

  test('never held past MAX_HELD_AFTER_END_MS; one that lists nothing (an older worker, a failed run) keeps the fixed hold', async () => {
    const box = outbox();
    const [listing, older, failed] = [installJob(1), installJob(2), installJob(3)];
    for (const j of [listing, older, failed]) await box.note(j);
    const states: Record<string, string> = {
      [jobIdOf(listing)]: 'completed',
      [jobIdOf(older)]: 'completed',
      [jobIdOf(failed)]: 'failed',
      'history-a': 'queued',
    };
    const q = queue(states, { [jobIdOf(listing)]: { jobs: ['history-a'] } });
    await box.reconcile(q);
    expect(box.size()).toBe(3);
    await later(INSTALL_HELD_AFTER_END_MS + 1, () => box.reconcile(q));
    expect(box.size()).toBe(1);
    await later(MAX_HELD_AFTER_END_MS + 1, () => box.reconcile(q));
    expect(box.size()).toBe(0);
    await box.close();
  });

  test('a pass over 1,000 history jobs asks the queue in one batch, and reads the list once', async () => {
    const box = outbox();
    const install = installJob();
    await box.note(install);
    const jobs = Array.from({ length: 1000 }, (_, i) => `history-${i}`);
    const states: Record<string, string> = { [jobIdOf(install)]: 'completed' };
    for (const id of jobs) states[id] = 'queued';
    const q = queue(states, { [jobIdOf(install)]: { jobs } });
    let reads = 0;
    const result = q.result;
    q.result = async (id) => {
      reads++;
      return result(id);
    };
    for (let i = 0; i < 3; i++) await box.reconcile(q);
    // Per pass: the held jobs, then the history jobs not seen ended.
    expect(q.asked).toEqual([1, 1000, 1, 1000, 1, 1000]);
    expect(reads).toBe(1);
    for (const id of jobs.slice(0, 999)) states[id] = 'completed';
    await box.reconcile(q);
    expect(q.asked.at(-1)).toBe(1000);
    await box.reconcile(q);
    expect(q.asked.at(-1)).toBe(1);
    expect(box.size()).toBe(1);
    await box.close();
  });
});

test("a branch's jobs split over two App replicas: an ended (parked) job is held while its branch's gate still holds anything, so a loss brings it back", async () => {
  let lost = false;
  const boxes = ['a', 'b'].map((d) => outbox({ lost: () => lost, dir: join(dir, d) }));
  // The first push came through replica a, the second through b; the first one's scan holds the
  // branch, the second parked its range for it (completed at once in BullMQ).
  const [first, second] = [push(1), push(2)];
  await boxes[0]!.note(first);
  await boxes[1]!.note(second);
  const states: Record<string, string> = {
    [jobIdOf(first)]: 'active',
    [jobIdOf(second)]: 'completed',
  };
  let busy = true;
  const q = {
    ...queue(states),
    busy: async (keys: readonly string[]) => keys.map(() => busy),
  };
  for (const box of boxes) await box.reconcile(q);
  expect(boxes.map((b) => b.size())).toEqual([1, 1]);
  // Redis restarted empty: both come back, each from the replica that stored it.
  for (const k of Object.keys(states)) delete states[k];
  lost = true;
  for (const box of boxes) expect(await box.reconcile(q)).toBe(1);
  expect(q.added.map((j) => j.headSha[0])).toEqual(['1', '2']);
  lost = false;
  // Both reported and the branch free: let go.
  states[jobIdOf(first)] = 'completed';
  states[jobIdOf(second)] = 'completed';
  busy = false;
  for (const box of boxes) await box.reconcile(q);
  expect(boxes.map((b) => b.size())).toEqual([0, 0]);
  for (const box of boxes) await box.close();
});

describe('real Redis', () => {
  const prefix = `ug-test-outbox-${Date.now()}`;
  let redis: Redis;
  beforeAll(() => (redis = new Redis(testRedisUrl())));
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  test('two App replicas, one Redis: each outbox sees the loss and brings back its own held installation job', async () => {
    const dirs = [join(dir, 'a'), join(dir, 'b')];
    const boxes = dirs.map((d) =>
      outbox({ dir: d, dataLost: lossCheck(redis, `${prefix}:outbox-alive`) }),
    );
    const installs = [installJob(1), installJob(2)];
    const states: Record<string, string> = { 'history-1': 'queued', 'history-2': 'queued' };
    const results: Record<string, unknown> = {};
    installs.forEach((j, i) => {
      states[jobIdOf(j)] = 'completed';
      results[jobIdOf(j)] = { jobs: [`history-${i + 1}`] };
    });
    const q = queue(states, results);
    for (const [i, box] of boxes.entries()) await box.note(installs[i]!);
    for (const box of boxes) await box.reconcile(q);
    expect(boxes.map((b) => b.size())).toEqual([1, 1]);
    // Redis lost its data: the markers go with it.
    for (const k of Object.keys(states)) delete states[k];
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys).toHaveLength(2);
    await redis.del(...keys);
    for (const box of boxes) expect(await box.reconcile(q)).toBe(1);
    expect(q.added.map((j) => j.installationId).sort()).toEqual([1, 2]);
    // A restart keeps each outbox's marker: no loss is seen where none happened.
    await boxes[0]!.close();
    const again = outbox({
      dir: dirs[0]!,
      dataLost: async (id) => {
        const lost = await lossCheck(redis, `${prefix}:outbox-alive`)(id);
        expect(lost).toBe(false);
        return lost;
      },
    });
    await again.reconcile(q);
    await again.close();
    await boxes[1]!.close();
  });

  /**
   * Push n holds the branch, push n + 1 parks behind it (its BullMQ job completes at once); both
   * stored by this outbox. The queue double rescues as the App does.
   */
  async function heldBranch(
    gate: RedisGate,
    box: Outbox,
    n: number,
    holderState: string,
    holderStoredHere = true,
  ) {
    const [b, c] = [push(n), push(n + 1)];
    const key = serialKeyOf(b)!;
    for (const j of holderStoredHere ? [b, c] : [c]) await box.note(j);
    expect((await gate.acquire(key, jobIdOf(b), b)).held).toBe(true);
    expect((await gate.acquire(key, jobIdOf(c), c)).held).toBe(false);
    const states: Record<string, string> = {
      [jobIdOf(b)]: holderState,
      [jobIdOf(c)]: 'completed',
    };
    return { b, c, key, states, ...gateQueue(gate, states) };
  }

  /** The queue double with the gate's reads, rescuing as the App does (the holders it rescued). */
  function gateQueue(gate: RedisGate, states: Record<string, string>) {
    const q = queue(states);
    const rescued: string[] = [];
    const withGate = {
      ...q,
      busy: (keys: readonly string[]) => gate.busy(keys),
      takers: (keys: readonly string[]) => gate.takers(keys),
      rescue: async (k: string, holder: string) => {
        rescued.push(holder);
        await rescueParked(k, holder, gate, q.add);
      },
    };
    return { q, rescued, withGate };
  }

  test('a branch held by a scan that ended without handing it on: its parked head is queued again, once, two passes later', async () => {
    const gate = new RedisGate(redis, `${prefix}:serial`);
    const box = outbox();
    const { b, c, key, states, q, rescued, withGate } = await heldBranch(gate, box, 2, 'active');
    // While b runs, nothing happens however long it takes.
    for (let i = 0; i < 3; i++) await box.reconcile(withGate);
    expect(rescued).toEqual([]);
    // b fails for good as stalled, and the worker that should have handed the branch on dies:
    // the lock still names b. The first pass only notes it; the second hands the branch on.
    states[jobIdOf(b)] = 'failed';
    await box.reconcile(withGate);
    expect(rescued).toEqual([]);
    await box.reconcile(withGate);
    expect(rescued).toEqual([jobIdOf(b)]);
    expect(q.added).toHaveLength(1);
    expect(q.added[0]).toMatchObject({ headSha: c.headSha, handover: expect.any(String) });
    // The follow-up now takes the branch; no second rescue while it waits or runs.
    for (let i = 0; i < 3; i++) await box.reconcile(withGate);
    expect(rescued).toHaveLength(1);
    expect(q.added).toHaveLength(1);
    const follow = q.added[0]!;
    const got = await gate.acquire(key, jobIdOf(follow), follow);
    expect(got).toMatchObject({ held: true });
    expect(got.resume?.map((j) => j.headSha)).toContain(c.headSha);
    await box.close();
  });

  test('an ended holder is not rescued when the lock changed hands between two passes', async () => {
    const gate = new RedisGate(redis, `${prefix}:serial2`);
    const box = outbox();
    const { key, states, rescued, withGate } = await heldBranch(gate, box, 4, 'failed');
    const d = push(6);
    await box.reconcile(withGate);
    // Another job (stored by another replica) holds the branch now, and runs.
    await redis.set(`${prefix}:serial2:lock:${key}`, jobIdOf(d));
    states[jobIdOf(d)] = 'active';
    await box.reconcile(withGate);
    await box.reconcile(withGate);
    expect(rescued).toEqual([]);
    await box.close();
  });

  /** Passes until `rescued` has `n` entries (at most `max`); returns how many it took. */
  async function passesUntilRescued(
    box: Outbox,
    withGate: Parameters<Outbox['reconcile']>[0],
    rescued: string[],
    n = 1,
    max = 4,
  ): Promise<number> {
    for (let i = 1; i <= max; i++) {
      await box.reconcile(withGate);
      if (rescued.length >= n) return i;
    }
    return Infinity;
  }

  test('a hand-over that died between its Redis script and its add: the parked head is queued again, once', async () => {
    const gate = new RedisGate(redis, `${prefix}:serial3`);
    const box = outbox();
    const { b, c, key, states, q, rescued, withGate } = await heldBranch(gate, box, 2, 'failed');
    // The failed holder's hand-over ran its script (the lock is gone, c is parked) and its process
    // died before storing the follow-up.
    expect((await gate.handOver(key, jobIdOf(b), false)).map((j) => j.headSha)).toEqual([
      c.headSha,
    ]);
    expect(await redis.get(`${prefix}:serial3:lock:${key}`)).toBeNull();
    expect(await passesUntilRescued(box, withGate, rescued)).toBe(2);
    expect(rescued).toEqual([jobIdOf(b)]);
    expect(q.added).toHaveLength(1);
    expect(q.added[0]).toMatchObject({ headSha: c.headSha, handover: expect.any(String) });
    // The follow-up is promised and stored: it takes the branch; no second rescue meanwhile.
    for (let i = 0; i < 3; i++) await box.reconcile(withGate);
    expect(q.added).toHaveLength(1);
    expect(states[jobIdOf(q.added[0]!)]).toBe('waiting');
    await box.close();
  });

  test('a hand-over that died after promising its follow-up, before storing it: queued again', async () => {
    const gate = new RedisGate(redis, `${prefix}:serial4`);
    const box = outbox();
    const { b, c, key, q, rescued, withGate } = await heldBranch(gate, box, 2, 'failed');
    const parked = await gate.handOver(key, jobIdOf(b), false);
    const promised = jobIdOf({ ...coalesceJobs(parked), handover: 'zz' });
    await gate.promise(key, promised);
    expect(await passesUntilRescued(box, withGate, rescued)).toBe(2);
    expect(rescued).toEqual([promised]);
    expect(q.added.map((j) => j.headSha)).toEqual([c.headSha]);
    await box.close();
  });

  test('a holder waiting for its retry keeps what is parked behind it, for a day', async () => {
    const gate = new RedisGate(redis, `${prefix}:serial5`);
    const box = outbox();
    const { b, key, states, q, rescued, withGate } = await heldBranch(gate, box, 2, 'active');
    // Its attempt failed (GitHub is down): it frees the lock and waits for its retry.
    await gate.abandon(key, jobIdOf(b));
    states[jobIdOf(b)] = 'delayed';
    for (let i = 0; i < 4; i++) await box.reconcile(withGate);
    expect(rescued).toEqual([]);
    // The parked head outlives the retry schedule (about ten hours), not an hour.
    expect(await redis.pttl(`${prefix}:serial5:pending:${key}`)).toBeGreaterThan(
      GATE_KEEP_MS - 60_000,
    );
    expect(GATE_KEEP_MS).toBeGreaterThanOrEqual(12 * 3600_000);
    // Its last attempt fails and the worker dies before the hand-over: rescued.
    states[jobIdOf(b)] = 'failed';
    expect(await passesUntilRescued(box, withGate, rescued)).toBe(2);
    expect(rescued).toEqual([jobIdOf(b)]);
    expect(q.added).toHaveLength(1);
    await box.close();
  });

  test('a lock that expired under a holder the queue no longer knows: the parked head is queued again', async () => {
    const gate = new RedisGate(redis, `${prefix}:serial6`);
    const box = outbox();
    // The holder was stored by another App replica (this outbox would add it again itself) and
    // BullMQ no longer has it.
    const { b, c, key, q, rescued, withGate } = await heldBranch(gate, box, 2, 'unknown', false);
    await redis.del(`${prefix}:serial6:lock:${key}`);
    expect(await passesUntilRescued(box, withGate, rescued)).toBe(2);
    expect(rescued).toEqual([jobIdOf(b)]);
    expect(q.added.map((j) => j.headSha)).toEqual([c.headSha]);
    await box.close();
  });

  test('an older head parked for the newest one is left for it while it is queued, and rescued once it is lost', async () => {
    const gate = new RedisGate(redis, `${prefix}:serial7`);
    const box = outbox();
    const [older, tip] = [push(12), push(13)];
    const key = serialKeyOf(older)!;
    await box.note(older);
    await gate.noteEnqueued(key, tip);
    // The gate is free, but the newest job is queued: the older one parks its range for it.
    expect((await gate.acquire(key, jobIdOf(older), older)).held).toBe(false);
    const states: Record<string, string> = {
      [jobIdOf(older)]: 'completed',
      [jobIdOf(tip)]: 'waiting',
    };
    const { q, rescued, withGate } = gateQueue(gate, states);
    for (let i = 0; i < 4; i++) await box.reconcile(withGate);
    expect(rescued).toEqual([]);
    expect(box.size()).toBe(1);
    // The newest job is lost (another replica stored it, and Redis trimmed or lost it): nobody
    // will take the older range, so it is queued again.
    delete states[jobIdOf(tip)];
    expect(await passesUntilRescued(box, withGate, rescued)).toBe(2);
    expect(rescued).toEqual(['']);
    expect(q.added.map((j) => j.headSha)).toEqual([older.headSha]);
    await box.close();
  });
});
