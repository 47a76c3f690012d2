/**
 * The check run lifecycle against the loopback GitHub double (real HTTP through Octokit): one
 * write for a fast scan, in progress only for a slow one, one run per (head, kind) across
 * retries, a lost store, a killed worker and more than 50 annotations.
 */
import { Octokit } from '@octokit/rest';
import { CheckRunSlot } from '../../src/queue/check-run-slot.js';
import { MemoryCheckRunStore, checkRunKeyOf } from '../../src/queue/check-run-store.js';
import type { ScanJob } from '../../src/queue/scan-job.js';
import type { CheckRunOutput } from '../../src/report/index.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

let gh: GitHubDouble;
let octokit: Octokit;
const log = { warn: () => undefined };
beforeAll(async () => {
  gh = await startGitHubDouble();
  gh.addRepo({ owner: 'acme', name: 'app', cloneUrl: gh.cloneUrl('acme', 'app') });
  octokit = new Octokit({ baseUrl: gh.apiUrl, auth: 'ghs_test', request: { retries: 0 } });
});
afterAll(async () => gh?.close());

let n = 0;
const job = (): ScanJob => ({
  kind: 'push',
  installationId: 1,
  owner: 'acme',
  repo: 'app',
  repoId: 7,
  headSha: (++n).toString(16).padStart(40, 'a'),
  ref: 'refs/heads/main',
});
const out = (annotations = 0): CheckRunOutput => ({
  conclusion: annotations ? 'failure' : 'success',
  title: 't',
  summary: 's',
  text: '',
  annotations: Array.from({ length: annotations }, (_, i) => ({
    path: 'a.env',
    start_line: i + 1,
    end_line: i + 1,
    annotation_level: 'failure' as const,
    message: 'm',
    title: 'x',
  })),
});
const writesFor = (head: string, since: number): string[] =>
  gh.requests
    .slice(since)
    .filter((r) => r.method !== 'GET' && (r.path.includes('check-runs') || r.path.includes(head)))
    .map((r) => `${r.method} ${r.path.replace(/\d+$/, ':id')}`);
const runsOf = (head: string) => gh.checkRuns.filter((c) => c.head_sha === head);

test('a fast scan is one write: the run is created completed, with its external id', async () => {
  const j = job();
  const store = new MemoryCheckRunStore();
  const since = gh.requests.length;
  const slot = new CheckRunSlot(j, 'job-1', { gh: octokit, store, log, inProgressAfterMs: 60_000 });
  slot.start();
  await slot.complete(out());
  expect(writesFor(j.headSha, since)).toEqual(['POST /repos/acme/app/check-runs']);
  expect(runsOf(j.headSha)).toEqual([
    expect.objectContaining({
      status: 'completed',
      conclusion: 'success',
      external_id: 'upstash-guard:push',
    }),
  ]);
  expect(await store.get(checkRunKeyOf(j))).toEqual({
    id: runsOf(j.headSha)[0]!.id,
    completedBy: 'job-1',
  });
});

test('a slow scan shows the run in progress, then completes that same run (two writes)', async () => {
  const j = job();
  const store = new MemoryCheckRunStore();
  const since = gh.requests.length;
  const slot = new CheckRunSlot(j, 'job-2', { gh: octokit, store, log, inProgressAfterMs: 10 });
  slot.start();
  for (let i = 0; i < 100 && runsOf(j.headSha).length === 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  expect(runsOf(j.headSha)[0]!.status).toBe('in_progress');
  // Remembered as soon as it exists (a worker killed now leaves an id behind).
  await new Promise((r) => setTimeout(r, 50));
  expect(await store.get(checkRunKeyOf(j))).toEqual({ id: runsOf(j.headSha)[0]!.id });
  await slot.complete(out());
  expect(writesFor(j.headSha, since)).toEqual([
    'POST /repos/acme/app/check-runs',
    'PATCH /repos/acme/app/check-runs/:id',
  ]);
  expect(runsOf(j.headSha).map((c) => c.status)).toEqual(['completed']);
});

test('retries: a run left in progress is completed; a lost store finds the run by external id; the job that completed it writes nothing', async () => {
  const j = job();
  const store = new MemoryCheckRunStore();
  const killed = new CheckRunSlot(j, 'job-3', { gh: octokit, store, log, inProgressAfterMs: 0 });
  killed.start();
  for (let i = 0; i < 100 && !(await store.get(checkRunKeyOf(j))); i++)
    await new Promise((r) => setTimeout(r, 10));
  killed.stop(); // the worker "dies" here
  const retry = new CheckRunSlot(j, 'job-3', {
    gh: octokit,
    store,
    log,
    inProgressAfterMs: 60_000,
  });
  retry.start();
  await retry.complete(out());
  expect(runsOf(j.headSha).map((c) => c.status)).toEqual(['completed']);

  // Redis restarted empty: the redelivered job finds the run through the API.
  const since = gh.requests.length;
  const empty = new MemoryCheckRunStore();
  const again = new CheckRunSlot(j, 'job-4', {
    gh: octokit,
    store: empty,
    log,
    inProgressAfterMs: 60_000,
  });
  again.start();
  await again.complete(out(1));
  expect(writesFor(j.headSha, since)).toEqual(['PATCH /repos/acme/app/check-runs/:id']);
  expect(runsOf(j.headSha).map((c) => c.conclusion)).toEqual(['failure']);

  // A retry of job-4 (e.g. its PR comment failed) does not write the run again.
  const since2 = gh.requests.length;
  const same = new CheckRunSlot(j, 'job-4', {
    gh: octokit,
    store: empty,
    log,
    inProgressAfterMs: 60_000,
  });
  same.start();
  await same.complete(out(1));
  expect(writesFor(j.headSha, since2)).toEqual([]);
  expect(runsOf(j.headSha)).toHaveLength(1);
});

test('a retry whose store lost the completion: GitHub already shows the same result, so nothing is written; a different result or a Re-run is written', async () => {
  const j = job();
  const first = new CheckRunSlot(j, 'job-5', {
    gh: octokit,
    store: new MemoryCheckRunStore(),
    log,
    inProgressAfterMs: 60_000,
  });
  first.start();
  await first.complete(out(1));
  const retry = (store: MemoryCheckRunStore, ms = 60_000, jj: ScanJob = j) =>
    new CheckRunSlot(jj, 'job-5', { gh: octokit, store, log, inProgressAfterMs: ms });

  // Redis restarted empty (or kept only the creation): same conclusion and title, no write, even
  // when the retry runs long enough to be shown in progress.
  for (const [store, ms] of [
    [new MemoryCheckRunStore(), 60_000],
    [new MemoryCheckRunStore(), 0],
  ] as const) {
    const since = gh.requests.length;
    const r = retry(store, ms);
    r.start();
    await new Promise((res) => setTimeout(res, 50));
    await r.complete(out(1));
    expect(writesFor(j.headSha, since)).toEqual([]);
    expect(await store.get(checkRunKeyOf(j))).toMatchObject({ completedBy: 'job-5' });
  }
  const kept = new MemoryCheckRunStore();
  await kept.set(checkRunKeyOf(j), { id: runsOf(j.headSha)[0]!.id });
  const since = gh.requests.length;
  const r = retry(kept);
  r.start();
  await r.complete(out(1));
  expect(writesFor(j.headSha, since)).toEqual([]);

  // A different result (a finding allowed meanwhile) is written on the same run.
  const since2 = gh.requests.length;
  const changed = retry(new MemoryCheckRunStore());
  changed.start();
  await changed.complete(out(0));
  expect(writesFor(j.headSha, since2)).toEqual(['PATCH /repos/acme/app/check-runs/:id']);
  expect(runsOf(j.headSha).map((c) => c.conclusion)).toEqual(['success']);

  // A Re-run of the same result writes it: the user asked for it.
  const since3 = gh.requests.length;
  const rerun = retry(new MemoryCheckRunStore(), 60_000, { ...j, rerun: true });
  rerun.start();
  await rerun.complete(out(0));
  expect(writesFor(j.headSha, since3)).toEqual(['PATCH /repos/acme/app/check-runs/:id']);
  expect(runsOf(j.headSha)).toHaveLength(1);
});

test('more than 50 annotations: the id is remembered before the extra batches, so a failed batch is retried on the same run', async () => {
  const j = job();
  const store = new MemoryCheckRunStore();
  gh.fail({ method: 'PATCH', path: /\/check-runs\/\d+$/, status: 500, times: 1 });
  const first = new CheckRunSlot(j, 'job-5', {
    gh: octokit,
    store,
    log,
    inProgressAfterMs: 60_000,
  });
  first.start();
  await expect(first.complete(out(120))).rejects.toMatchObject({ status: 500 });
  expect(await store.get(checkRunKeyOf(j))).toEqual({ id: runsOf(j.headSha)[0]!.id });
  const retry = new CheckRunSlot(j, 'job-5', {
    gh: octokit,
    store,
    log,
    inProgressAfterMs: 60_000,
  });
  retry.start();
  await retry.complete(out(120));
  expect(runsOf(j.headSha)).toHaveLength(1);
  expect(runsOf(j.headSha)[0]!.status).toBe('completed');
});

test('GitHub refusing the run for good (no "Checks: write") while it is shown in progress: asked once, completion throws that refusal without another request', async () => {
  const j = job();
  const store = new MemoryCheckRunStore();
  gh.fail({
    method: 'POST',
    path: /^\/repos\/acme\/app\/check-runs$/,
    status: 403,
    message: 'Resource not accessible by integration',
  });
  try {
    const since = gh.requests.length;
    const warned: unknown[] = [];
    const slot = new CheckRunSlot(j, 'job-refused', {
      gh: octokit,
      store,
      log: { warn: (...a: unknown[]) => void warned.push(a) },
      inProgressAfterMs: 0,
    });
    slot.start();
    for (let i = 0; i < 100 && writesFor(j.headSha, since).length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    await expect(slot.complete(out(1))).rejects.toMatchObject({ status: 403 });
    expect(writesFor(j.headSha, since)).toEqual(['POST /repos/acme/app/check-runs']);
    expect(runsOf(j.headSha)).toEqual([]);
    expect(await store.get(checkRunKeyOf(j))).toBeUndefined();
  } finally {
    gh.clearFailures();
  }
});

describe('withdraw: a head superseded during its scan (folded into the next scan)', () => {
  test('no run yet: given up without a single write', async () => {
    const j = job();
    const since = gh.requests.length;
    const slot = new CheckRunSlot(j, 'job-w1', {
      gh: octokit,
      store: new MemoryCheckRunStore(),
      log,
      inProgressAfterMs: 60_000,
    });
    slot.start();
    expect(await slot.withdraw()).toBe(true);
    expect(writesFor(j.headSha, since)).toEqual([]);
    expect(runsOf(j.headSha)).toEqual([]);
  });

  test('shown in progress: kept, so that it is completed, never left running', async () => {
    const j = job();
    const slot = new CheckRunSlot(j, 'job-w2', {
      gh: octokit,
      store: new MemoryCheckRunStore(),
      log,
      inProgressAfterMs: 1,
    });
    slot.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(await slot.withdraw()).toBe(false);
    await slot.complete(out());
    expect(runsOf(j.headSha)).toEqual([expect.objectContaining({ status: 'completed' })]);
  });

  test('a run an earlier attempt created (found through the API): kept', async () => {
    const j = job();
    const first = new CheckRunSlot(j, 'job-w3', {
      gh: octokit,
      store: new MemoryCheckRunStore(),
      log,
      inProgressAfterMs: 1,
    });
    first.start(); // killed after showing it in progress
    await new Promise((r) => setTimeout(r, 300));
    first.stop();
    const retry = new CheckRunSlot(j, 'job-w3', {
      gh: octokit,
      store: new MemoryCheckRunStore(), // the store lost it
      log,
      inProgressAfterMs: 60_000,
    });
    retry.start();
    expect(await retry.withdraw()).toBe(false);
  });

  test('a Re-run is never given up', async () => {
    const j = { ...job(), rerun: true };
    const slot = new CheckRunSlot(j, 'job-w4', {
      gh: octokit,
      store: new MemoryCheckRunStore(),
      log,
      inProgressAfterMs: 60_000,
    });
    slot.start();
    expect(await slot.withdraw()).toBe(false);
  });
});

test('an attempt that fails while its in-progress write waits in the write queue ends only after that write: the retry finds the run, one run in all', async () => {
  // GitHub's writes are paced per installation (a queue in the client): the write an attempt asked
  // for can still be waiting when the attempt fails. Here it waits until released, then GitHub
  // carries it out and answers 502.
  const paced = new Octokit({ baseUrl: gh.apiUrl, auth: 'ghs_test', request: { retries: 0 } });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let queued = false;
  paced.hook.before('request', async (o) => {
    if (o.method === 'POST' && /check-runs$/.test(o.url)) {
      queued = true;
      await released;
    }
  });
  const j = job();
  const store = new MemoryCheckRunStore(); // the store lost the id (Redis restarted empty)
  gh.fail({ method: 'POST', path: /check-runs$/, status: 502, times: 1, applied: true });
  const first = new CheckRunSlot(j, 'job-q', { gh: paced, store, log, inProgressAfterMs: 0 });
  first.start();
  for (let i = 0; i < 200 && !queued; i++) await new Promise((r) => setTimeout(r, 5));
  expect(queued).toBe(true);
  // The attempt fails now (a Redis error, a clone failure...): it ends only once the write is out.
  let ended = false;
  const ending = first.end().then(() => (ended = true));
  await new Promise((r) => setTimeout(r, 100));
  expect(ended).toBe(false);
  release();
  await ending;
  expect(runsOf(j.headSha).map((c) => c.status)).toEqual(['in_progress']);

  // The retry, on any worker, with a store that kept nothing: finds that run and completes it.
  const retry = new CheckRunSlot(j, 'job-q', {
    gh: octokit,
    store: new MemoryCheckRunStore(),
    log,
    inProgressAfterMs: 60_000,
  });
  retry.start();
  await retry.complete(out());
  expect(runsOf(j.headSha).map((c) => c.status)).toEqual(['completed']);
});
