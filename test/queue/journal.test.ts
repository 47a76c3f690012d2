/**
 * The in-process queue's journal: jobs added and not finished come back after a restart (close,
 * or a crash that leaves a torn last line), finished ones do not, and the file is compacted.
 * Faults: damaged lines, a full disk (also mid-line), a failed compaction, another process
 * holding the journal, a state directory that cannot be created.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendLog } from '../../src/queue/append-log.js';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import { ScanSlots } from '../../src/queue/scan-slots.js';
import { jobIdOf, type ScanJob } from '../../src/queue/scan-job.js';
import { MemoryGate, serialized } from '../../src/queue/serial-gate.js';

const job = (n: number): ScanJob => ({
  kind: 'push',
  installationId: 1,
  owner: 'acme',
  repo: `r${n}`,
  repoId: n,
  ref: 'refs/heads/main',
  headSha: 'a'.repeat(40),
});

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ug-journal-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('queued jobs survive a restart; finished ones do not run again', async () => {
  const path = join(dir, 'queue.journal');
  const q1 = new InProcessQueue({ journalPath: path, concurrency: 1 });
  for (let i = 1; i <= 5; i++) await q1.add(job(i));
  const ran1: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  q1.start(async (j) => {
    ran1.push(j.repoId);
    if (j.repoId === 2) await gate;
  });
  await new Promise((r) => setTimeout(r, 50));
  const closing = q1.close(); // SIGTERM: finishes the running job, leaves the rest
  release();
  await closing;
  expect(ran1).toEqual([1, 2]);

  const restored: number[] = [];
  const q2 = new InProcessQueue({ journalPath: path, onRestored: (n) => restored.push(n) });
  const ran2: number[] = [];
  q2.start(async (j) => void ran2.push(j.repoId));
  await q2.add(job(1)).then((r) => expect(r.duplicate).toBe(false)); // done before: a new job
  await q2.idle();
  expect(restored).toEqual([3]);
  expect(ran2.sort()).toEqual([1, 3, 4, 5]);
  await q2.close();
  const q3 = new InProcessQueue({ journalPath: path, onRestored: (n) => restored.push(n) });
  await q3.add(job(9)).then(() => q3.close());
  expect(restored).toEqual([3, 0]);
});

test('a crash: running jobs are replayed, a torn last line is ignored, the file is compacted', async () => {
  const path = join(dir, 'queue.journal');
  const q1 = new InProcessQueue({ journalPath: path });
  await q1.add(job(1));
  await q1.add(job(2));
  q1.start(() => new Promise<void>(() => undefined)); // never finishes: killed mid-job
  await new Promise((r) => setTimeout(r, 20));
  appendFileSync(path, '{"op":"add","id":"torn'); // killed mid-write
  const restored: number[] = [];
  const q2 = new InProcessQueue({ journalPath: path, onRestored: (n) => restored.push(n) });
  await q2.add(job(3));
  expect(restored).toEqual([2]);
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines.every((l) => JSON.parse(l).op === 'add')).toBe(true);
  expect(readFileSync(path, 'utf8')).not.toMatch(/token|secret/i);
  await q2.close();
});

type Internals = { journal: { log: { fh: FileHandle } } };
const fhOf = (q: InProcessQueue): { get(): FileHandle; set(fh: FileHandle): void } => ({
  get: () => (q as unknown as Internals).journal.log.fh,
  set: (fh) => void ((q as unknown as Internals).journal.log.fh = fh),
});

test('damaged lines are skipped and counted; the queue still opens and runs the good entries', async () => {
  const path = join(dir, 'queue.journal');
  const good = (n: number) => JSON.stringify({ op: 'add', id: `push-${n}`, job: job(n) });
  writeFileSync(
    path,
    [
      good(1),
      'null',
      '[]',
      '{}',
      '"add"',
      '{"op":"add","id":"no-job"}',
      '{"op":"add","id":"bad-kind","job":{"kind":"nope","installationId":1,"owner":"a","repo":"b","repoId":1,"headSha":""}}',
      '{"op":"done"}',
      '\u0000\u0001garbage',
      good(2),
      '',
    ].join('\n'),
  );
  const restored: [number, number][] = [];
  const q = new InProcessQueue({ journalPath: path, onRestored: (n, u) => restored.push([n, u]) });
  const ran: number[] = [];
  q.start(async (j) => void ran.push(j.repoId));
  await q.add(job(3));
  await q.idle();
  expect(restored).toEqual([[2, 8]]);
  expect(ran.sort()).toEqual([1, 2, 3]);
  await q.close();
});

test('a disk that is full: the add fails and is not remembered, so the redelivery is stored; a torn write loses no later line', async () => {
  const path = join(dir, 'queue.journal');
  const q1 = new InProcessQueue({ journalPath: path });
  await q1.add(job(1));
  const fh = fhOf(q1);
  const real = fh.get();
  // Nothing written at all (ENOSPC from the first byte).
  fh.set(await open('/dev/full', 'a'));
  await expect(q1.add(job(2))).rejects.toThrow(/ENOSPC/);
  await fh.get().close();
  // Part of the line written, then ENOSPC: the fragment must not swallow the next line.
  fh.set({
    write: async (chunk: string) => {
      await real.write(chunk.slice(0, 9));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
    datasync: () => real.datasync(),
    close: () => real.close(),
  } as unknown as FileHandle);
  await expect(q1.add(job(3))).rejects.toThrow(/ENOSPC/);
  fh.set(real); // space again
  // GitHub's redeliveries of the two refused deliveries: new jobs, not duplicates.
  expect((await q1.add(job(2))).duplicate).toBe(false);
  expect((await q1.add(job(3))).duplicate).toBe(false);
  expect((await q1.add(job(3))).duplicate).toBe(true);
  await q1.close();
  const restored: [number, number][] = [];
  const q2 = new InProcessQueue({ journalPath: path, onRestored: (n, u) => restored.push([n, u]) });
  const ran: number[] = [];
  q2.start(async (j) => void ran.push(j.repoId));
  await q2.idle();
  await q2.add(job(9));
  expect(restored).toEqual([[3, 1]]);
  expect(ran.sort()).toEqual([1, 2, 3, 9]);
  await q2.close();
});

test('a compaction that cannot write (disk full) does not stop the log: later appends still land', async () => {
  const path = join(dir, 'runs.journal');
  const log = await AppendLog.open(path, [], {
    compact: (lines) => (lines > 2 ? ['{"live":1}'] : undefined),
  });
  // The replacement file cannot be created: every compaction fails.
  mkdirSync(`${path}.tmp`);
  for (let i = 0; i < 6; i++)
    await expect(
      Promise.race([
        log.append(`{"n":${i}}`),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`append ${i} hung`)), 3000)),
      ]),
    ).resolves.toBeUndefined();
  await log.close();
  expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(6);
});

describe('one process per journal', () => {
  let holder: ChildProcess | undefined;
  afterEach(() => void holder?.kill('SIGKILL'));

  const lockAs = (path: string, pid: number, host = hostname()): void =>
    writeFileSync(`${path}.lock`, JSON.stringify({ pid, host, since: '2025-01-01T00:00:00Z' }));

  test('held by another live process: refused with its pid and what to do, not ready; opened once it is gone', async () => {
    const path = join(dir, 'queue.journal');
    const q0 = new InProcessQueue({ journalPath: path });
    await q0.add(job(1));
    await q0.close();
    holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    lockAs(path, holder.pid!);
    const errors: string[] = [];
    const restored: number[] = [];
    const q = new InProcessQueue({
      journalPath: path,
      journalRetryMs: 50,
      onJournalError: (e) => errors.push(e.message),
      onRestored: (n) => restored.push(n),
    });
    await expect(q.add(job(2))).rejects.toThrow(
      new RegExp(`held by process ${holder.pid} .*UPSTASH_GUARD_DATA_DIR`),
    );
    await expect(q.depth()).rejects.toThrow(/held by process/);
    await new Promise((r) => setTimeout(r, 300)); // several retries: reported once
    expect(errors).toHaveLength(1);
    // The file is the other process's: left as it was.
    expect(readFileSync(path, 'utf8')).toMatch(/"repoId":1/);
    holder.kill('SIGKILL');
    await new Promise((r) => holder!.once('exit', r));
    for (let i = 0; i < 100 && restored.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(restored).toEqual([1]);
    expect(await q.depth()).toBe(1);
    expect((await q.add(job(2))).duplicate).toBe(false);
    await q.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test('stale locks are taken over: this pid (a restarted container), a dead pid, another host not seen for long', async () => {
    const path = join(dir, 'queue.journal');
    for (const stale of [
      () => lockAs(path, process.pid),
      () => lockAs(path, 2 ** 22 + 12345),
      () => {
        lockAs(path, 1, 'other-host');
        const old = new Date(Date.now() - 10 * 60_000);
        utimesSync(`${path}.lock`, old, old);
      },
    ]) {
      stale();
      const q = new InProcessQueue({ journalPath: path });
      await q.add(job(1));
      await q.close();
    }
    // Another host that touched it recently is a live holder.
    lockAs(path, 1, 'other-host');
    const q = new InProcessQueue({ journalPath: path, journalRetryMs: 60_000 });
    await expect(q.add(job(1))).rejects.toThrow(/held by process 1 on other-host/);
    await q.close();
  });
});

test('a state directory that cannot be created: a clear error, not ready; the queue opens once it can', async () => {
  const blocker = join(dir, 'data');
  writeFileSync(blocker, 'a file where the directory should be');
  const errors: string[] = [];
  const q = new InProcessQueue({
    journalPath: join(blocker, 'queue', 'queue.journal'),
    journalRetryMs: 50,
    onJournalError: (e) => errors.push(e.message),
  });
  await expect(q.add(job(1))).rejects.toThrow(/ENOTDIR|EEXIST/);
  await expect(q.depth()).rejects.toThrow();
  await new Promise((r) => setTimeout(r, 300));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(blocker);
  rmSync(blocker);
  for (let i = 0; i < 100; i++) {
    if (
      await q.depth().then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect((await q.add(job(1))).duplicate).toBe(false);
  await q.close();
});

test('a job refused a scan slot at shutdown stays queued: no failed attempt, runs after restart', async () => {
  const path = join(dir, 'queue.journal');
  const failures: unknown[] = [];
  const q1 = new InProcessQueue({
    journalPath: path,
    concurrency: 2,
    onAttemptFailed: (f) => void failures.push(f),
  });
  await q1.add(job(1));
  await q1.add(job(2));
  const slots = new ScanSlots(1);
  let release!: () => void;
  const running = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const first = new Promise<void>((r) => (started = r));
  q1.start((j) =>
    slots.run(1, async () => {
      started();
      if (j.repoId === 1) await running;
    }),
  );
  await first;
  await new Promise((r) => setTimeout(r, 20)); // job 2 waits for the slot
  slots.close(); // SIGTERM: first the waiters go back
  const closing = q1.close();
  release();
  await closing;
  expect(failures).toEqual([]);
  const ran: number[] = [];
  const q2 = new InProcessQueue({ journalPath: path });
  q2.start(async (j) => void ran.push(j.repoId));
  await q2.add(job(3)); // resolves once the journal is read
  await q2.idle();
  expect(ran.sort()).toEqual([2, 3]);
  await q2.close();
});

test('a job parked for the scan holding its branch stays in the journal until that scan is reported', async () => {
  const path = join(dir, 'queue.journal');
  const push = (head: string, before: string, at: number): ScanJob => ({
    ...job(1),
    headSha: head.repeat(40),
    baseSha: before.repeat(40),
    receivedAt: at,
  });
  const q1 = new InProcessQueue({ journalPath: path, concurrency: 4 });
  const gate1 = new MemoryGate((jobs) => q1.settle(jobs.map(jobIdOf)));
  const scanned1: string[] = [];
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  q1.start(
    serialized(async (j) => {
      scanned1.push(j.headSha[0]!);
      if (j.headSha[0] === 'a') await blocked; // the holder's scan, long
    }, gate1),
  );
  await q1.add(push('a', '0', 1));
  await new Promise((r) => setTimeout(r, 20));
  await q1.add(push('b', 'a', 2)); // parked behind "a"
  await new Promise((r) => setTimeout(r, 20));
  expect(scanned1).toEqual(['a']);

  // SIGKILL now (q1 never finishes): the restart replays both, and "b" is scanned.
  const q2 = new InProcessQueue({ journalPath: path });
  const scanned2: string[] = [];
  q2.start(serialized(async (j) => void scanned2.push(j.headSha[0]!), new MemoryGate()));
  await q2.add(push('z', 'y', 3)); // resolves once the journal is read
  await q2.idle();
  expect(scanned2.sort()).toEqual(['a', 'b', 'z']);
  await q2.close();

  // Without a crash: once "a" is reported, the follow-up that covers "b" settles it.
  release();
  await q1.idle();
  expect(scanned1).toEqual(['a', 'b']);
});
