/**
 * The in-process queue's journal: jobs added and not finished come back after a restart (close,
 * or a crash that leaves a torn last line), finished ones do not, and the file is compacted.
 */
import { mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import type { ScanJob } from '../../src/queue/scan-job.js';

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
