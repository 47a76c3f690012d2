/**
 * The BullMQ-mode outbox (src/queue/bullmq-outbox.ts): a job Redis no longer holds and nobody
 * finished is added again; a branch's jobs are let go together once all ended (a parked job's range
 * lives in Redis until its branch's newest scan is reported); when Redis lost its data, the ended
 * jobs still held are added again too; the outbox survives a restart of its process.
 * The processes-and-Redis version is test/e2e/redis-flush.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { INSTALL_HELD_AFTER_END_MS, Outbox } from '../../src/queue/bullmq-outbox.js';
import { jobIdOf, type ScanJob } from '../../src/queue/scan-job.js';

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

function outbox(o: { lost?: () => boolean; graceMs?: number } = {}): Outbox {
  return new Outbox({
    path: join(dir, 'outbox.journal'),
    log: silent,
    dataLost: async () => o.lost?.() ?? false,
    graceMs: o.graceMs ?? 0,
  });
}

/** A queue double: states by job id, and the jobs added again. */
function queue(states: Record<string, string>) {
  const added: ScanJob[] = [];
  return {
    added,
    state: async (id: string) => states[id] ?? 'unknown',
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
  expect(await young.reconcile(q.state, q.add)).toBe(0);
  await young.close();

  const box = outbox();
  const q2 = queue({});
  // Restored from the journal after a restart of the process.
  expect(box.size()).toBe(0);
  await box.note(push(2));
  expect(box.size()).toBe(2);
  expect(await box.reconcile(q2.state, q2.add)).toBe(2);
  expect(q2.added.map((j) => j.headSha[0])).toEqual(['1', '2']);
  // Now waiting: nothing more to do.
  expect(await box.reconcile(q2.state, q2.add)).toBe(0);
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
  expect(await box.reconcile(q.state, q.add)).toBe(0);
  // The other branch ended: let go. The parked job waits for its branch's tip.
  expect(box.size()).toBe(2);

  // Redis restarted empty while the tip ran: both jobs of the branch come back, oldest first.
  for (const k of Object.keys(states)) delete states[k];
  lost = true;
  expect(await box.reconcile(q.state, q.add)).toBe(2);
  expect(q.added.map((j) => j.headSha[0])).toEqual(['1', '2']);
  lost = false;

  states[jobIdOf(parked)] = 'completed';
  states[jobIdOf(tip)] = 'completed';
  await box.reconcile(q.state, q.add);
  expect(box.size()).toBe(0);
  await box.close();
  // Nothing comes back after a restart either.
  const again = outbox();
  const q2 = queue({});
  expect(await again.reconcile(q2.state, q2.add)).toBe(0);
  await again.close();
});

test('an ended job the queue dropped (its record expired) is not added again while Redis kept its data', async () => {
  const box = outbox();
  const [a, b] = [push(1), push(2)];
  await box.note(a);
  await box.note(b);
  const states: Record<string, string> = { [jobIdOf(a)]: 'completed', [jobIdOf(b)]: 'delayed' };
  const q = queue(states);
  await box.reconcile(q.state, q.add);
  delete states[jobIdOf(a)];
  expect(await box.reconcile(q.state, q.add)).toBe(0);
  await box.close();
});

test('an installation job is held after it ended: Redis losing its data during the install brings it back, so the history jobs a worker stored are stored again', async () => {
  let lost = false;
  const box = outbox({ lost: () => lost });
  const install: ScanJob = {
    kind: 'installation',
    installationId: 7,
    owner: 'acme',
    repo: '',
    repoId: 0,
    headSha: '',
    receivedAt: 1,
  };
  const other = push(1);
  await box.note(install);
  await box.note(other);
  const states: Record<string, string> = {
    [jobIdOf(install)]: 'completed',
    [jobIdOf(other)]: 'completed',
  };
  const q = queue(states);
  await box.reconcile(q.state, q.add);
  // The push is let go; the installation job is held although it ended.
  expect(box.size()).toBe(1);

  for (const k of Object.keys(states)) delete states[k];
  lost = true;
  expect(await box.reconcile(q.state, q.add)).toBe(1);
  expect(q.added.map((j) => j.kind)).toEqual(['installation']);
  lost = false;

  // Ended again: held until the hold has passed, then let go.
  states[jobIdOf(install)] = 'completed';
  await box.reconcile(q.state, q.add);
  expect(box.size()).toBe(1);
  const later = Date.now() + INSTALL_HELD_AFTER_END_MS + 1;
  const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
  try {
    await box.reconcile(q.state, q.add);
  } finally {
    clock.mockRestore();
  }
  expect(box.size()).toBe(0);
  await box.close();
});

test('a loss seen while a job is still within its grace is not forgotten at the next pass', async () => {
  let lost = false;
  const box = new Outbox({
    path: join(dir, 'outbox.journal'),
    log: silent,
    dataLost: async () => lost,
    graceMs: 60_000,
  });
  const job = push(1);
  await box.note(job);
  const states: Record<string, string> = { [jobIdOf(job)]: 'active' };
  const q = queue(states);
  // A pass sees it completed, but its branch holds it (another job of the branch is running).
  const tip = push(2);
  await box.note(tip);
  states[jobIdOf(job)] = 'completed';
  states[jobIdOf(tip)] = 'active';
  await box.reconcile(q.state, q.add);
  // Redis restarted empty: the loss is seen once, within the jobs' grace.
  for (const k of Object.keys(states)) delete states[k];
  lost = true;
  expect(await box.reconcile(q.state, q.add)).toBe(0);
  lost = false;
  // Later, past the grace: both come back although no later pass sees the loss again.
  const later = Date.now() + 60_001;
  const clock = jest.spyOn(Date, 'now').mockReturnValue(later);
  try {
    expect(await box.reconcile(q.state, q.add)).toBe(2);
  } finally {
    clock.mockRestore();
  }
  await box.close();
});
