/**
 * Found by the chaos run (seed 6): a push's scan held its branch while a newer push parked behind
 * it, and the holder then failed for good: its worker was killed three times, more than BullMQ's
 * maxStalledCount allows. The holder's head gets a neutral "could not run" run, as documented; the
 * parked head had no run and its offending commit no comment, ever, since the parked job completed
 * when it parked and only a retry of the holder would have taken it. Now the failure stores one
 * follow-up for the parked heads (serial-gate.ts, `handOverParked`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { ManagedProcess } from '../helpers/app-process.js';
import type { OwnRedis } from '../helpers/redis-server.js';
import { pushEvent } from '../helpers/webhooks.js';
import {
  branchFromMain,
  closeAll,
  envCredential,
  startHarness,
  startWithQueue,
  until,
  untilCompleted,
} from './harness.js';
import type { Harness } from './harness.js';

const ZERO = '0'.repeat(40);

describe('a holder that failed for good with a newer push parked behind it (BullMQ)', () => {
  let redis: OwnRedis | undefined;
  let h: Harness;
  let queue: Queue | undefined;
  const workers: ManagedProcess[] = [];

  beforeAll(async () => {
    ({ redis, h, queue } = await startWithQueue('ug-holder-failed', {
      UPSTASH_GUARD_BACKOFF_MS: '500',
      UPSTASH_GUARD_STALLED_INTERVAL_MS: '1000',
      UPSTASH_GUARD_LOCK_DURATION_MS: '2000',
    }));
  }, 30_000);
  afterAll(() => closeAll({ queue, workers, h, redis }));

  it('the parked head is scanned and reported once; the holder’s run says it could not run', async () => {
    const { ref, r } = await branchFromMain(h, 'holder', 1601, 'feat');
    r.write('a/notes.md', 'clean\n');
    const older = r.commit('add a');
    await h.push(r, ref, 'feat');
    const push = (before: string, after: string) =>
      h.send('push', pushEvent(ref, { ref: 'refs/heads/feat', before, after }));

    const hanging = () => h.app.startWorker({ UPSTASH_GUARD_TEST_HANG_AT: 'publish' });
    const kill = async (w: ManagedProcess) => {
      w.child.kill('SIGKILL');
      await new Promise((res) => w.child.once('exit', res));
    };
    let w = await hanging();
    workers.push(w);
    expect((await push(ZERO, older)).status).toBe(200);
    await w.waitForLog(/test hook: hanging at publish/, 30_000);

    // A newer push, leaking, while the older head's scan holds the branch: parked behind it.
    r.write('b/.env', envCredential('e2e-holder-b'));
    const newer = r.commit('add b');
    await h.push(r, ref, 'feat');
    expect((await push(older, newer)).status).toBe(200);
    await untilCompleted(queue!, 1, 'the newer push was not parked');

    // The holder's worker is killed three times: the third stall fails the job for good.
    for (let i = 0; i < 2; i++) {
      await kill(w);
      w = await hanging();
      workers.push(w);
      await w.waitForLog(/test hook: hanging at publish/, 30_000);
    }
    await kill(w);
    const last = await h.app.startWorker();
    workers.push(last);

    await until(
      'the holder’s run says it could not run',
      () =>
        h.gh.checkRuns.find(
          (c) => c.head_sha === older && c.status === 'completed' && c.conclusion === 'neutral',
        ),
      45_000,
    );
    await until(
      'the parked head reported',
      () => h.gh.checkRuns.find((c) => c.head_sha === newer && c.status === 'completed'),
      45_000,
    );
    await until(
      'the parked head’s offending commit commented',
      () => h.gh.commitComments.find((c) => c.target === newer),
      30_000,
    );
    await new Promise((res) => setTimeout(res, 2000));
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/holder');
    expect(runs.map((c) => [c.head_sha, c.status, c.conclusion]).sort()).toEqual(
      [
        [older, 'completed', 'neutral'],
        [newer, 'completed', 'failure'],
      ].sort(),
    );
    expect(h.gh.commitComments.filter((c) => c.repo === 'acme/holder')).toHaveLength(1);
    expect(last.logs()).toMatch(/the heads parked behind it are queued again/);
  }, 120_000);
});

describe('a holder refused for good with a newer push parked behind it (in-process)', () => {
  let h: Harness;
  const dir = mkdtempSync(join(tmpdir(), 'ug-holder-failed-'));
  const resume = join(dir, 'resume');

  beforeAll(async () => {
    h = await startHarness({
      env: { UPSTASH_GUARD_TEST_HANG_AT: 'publish', UPSTASH_GUARD_TEST_RESUME_FILE: resume },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the parked head is scanned and reported once', async () => {
    const { ref, r } = await branchFromMain(h, 'refused', 1602, 'feat');
    r.write('a/notes.md', 'clean\n');
    const older = r.commit('add a');
    await h.push(r, ref, 'feat');
    const push = (before: string, after: string) =>
      h.send('push', pushEvent(ref, { ref: 'refs/heads/feat', before, after }));
    expect((await push(ZERO, older)).status).toBe(200);
    await h.app.waitForLog(/test hook: hanging at publish/, 30_000);

    r.write('b/.env', envCredential('e2e-refused-b'));
    const newer = r.commit('add b');
    await h.push(r, ref, 'feat');
    expect((await push(older, newer)).status).toBe(200);
    // The in-process queue takes it at once, and the gate parks it behind the hanging scan.
    await new Promise((res) => setTimeout(res, 1000));

    // The holder's check run is refused for good (a 403 that is not a rate limit): a permanent
    // failure, no retry, and no run saying so (it would be refused too: report-failed-scan.ts).
    h.gh.fail({
      method: 'POST',
      path: /^\/repos\/acme\/refused\/check-runs$/,
      status: 403,
      times: 1,
    });
    writeFileSync(resume, '');
    expect(existsSync(resume)).toBe(true);

    await until(
      'the parked head reported',
      () => h.gh.checkRuns.find((c) => c.head_sha === newer && c.status === 'completed'),
      45_000,
    );
    await until(
      'the parked head’s offending commit commented',
      () => h.gh.commitComments.find((c) => c.target === newer),
      30_000,
    );
    await new Promise((res) => setTimeout(res, 1500));
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/refused');
    expect(runs.map((c) => [c.head_sha, c.status, c.conclusion]).sort()).toEqual([
      [newer, 'completed', 'failure'],
    ]);
    expect(h.gh.commitComments.filter((c) => c.repo === 'acme/refused')).toHaveLength(1);
    expect(h.app.logs()).toMatch(/the heads parked behind it are queued again/);
  }, 90_000);
});
