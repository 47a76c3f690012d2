/**
 * Found by the chaos run (test/chaos, seed 11): a push's run shown in progress, its worker killed,
 * and a newer push of the branch parked behind it meanwhile. The retry takes the parked push with
 * it and reports once at the newer head, as designed (serial-gate.ts); the run its first attempt
 * had shown on the older head must not stay in progress forever (a required check would block
 * that commit with no word). docs/app.md: a superseded head costs no write "unless GitHub already
 * shows one, which is then completed".
 */
import type { Queue } from 'bullmq';
import type { ManagedProcess } from '../helpers/app-process.js';
import type { OwnRedis } from '../helpers/redis-server.js';
import { pushEvent } from '../helpers/webhooks.js';
import {
  branchFromMain,
  closeAll,
  envCredential,
  startWithQueue,
  until,
  untilCompleted,
} from './harness.js';
import type { Harness } from './harness.js';

const ZERO = '0'.repeat(40);

describe('a folded head whose run was shown in progress (BullMQ, worker processes)', () => {
  let redis: OwnRedis | undefined;
  let h: Harness;
  let queue: Queue | undefined;
  const workers: ManagedProcess[] = [];

  beforeAll(async () => {
    ({ redis, h, queue } = await startWithQueue('ug-folded', {
      UPSTASH_GUARD_BACKOFF_MS: '500',
      UPSTASH_GUARD_STALLED_INTERVAL_MS: '1000',
      UPSTASH_GUARD_LOCK_DURATION_MS: '2000',
    }));
  }, 30_000);
  afterAll(() => closeAll({ queue, workers, h, redis }));

  it('the retry reports at the newer head and completes the older head’s run', async () => {
    const { ref, r } = await branchFromMain(h, 'folded', 1501, 'feat');
    r.write('a/.env', envCredential('e2e-folded-a'));
    const older = r.commit('add a');
    await h.push(r, ref, 'feat');

    const first = await h.app.startWorker({
      UPSTASH_GUARD_TEST_HANG_AT: 'publish',
      UPSTASH_GUARD_IN_PROGRESS_AFTER_MS: '0',
    });
    workers.push(first);
    const push = (before: string, after: string) =>
      h.send('push', pushEvent(ref, { ref: 'refs/heads/feat', before, after }));
    expect((await push(ZERO, older)).status).toBe(200);
    await first.waitForLog(/test hook: hanging at publish/, 30_000);
    await until('the older head shown in progress', () =>
      h.gh.checkRuns.find((c) => c.head_sha === older && c.status === 'in_progress'),
    );

    // A newer push while the older head's scan holds the branch: parked behind it.
    r.write('b/notes.md', 'clean\n');
    const newer = r.commit('add b');
    await h.push(r, ref, 'feat');
    expect((await push(older, newer)).status).toBe(200);
    // The hanging worker takes it at once: the gate parks it (its job completes).
    await untilCompleted(queue!, 1, 'the newer push was not parked');

    first.child.kill('SIGKILL');
    await new Promise((res) => first.child.once('exit', res));
    workers.push(await h.app.startWorker());

    await until(
      'the newer head reported',
      () => h.gh.checkRuns.find((c) => c.head_sha === newer && c.status === 'completed'),
      45_000,
    );
    await until(
      'the older commit commented',
      () => h.gh.commitComments.find((c) => c.target === older),
      30_000,
    );
    await new Promise((res) => setTimeout(res, 2000));
    const runs = h.gh.checkRuns.filter((c) => c.repo === 'acme/folded');
    expect(runs.map((c) => [c.head_sha, c.status, c.conclusion]).sort()).toEqual(
      [
        [older, 'completed', 'failure'],
        [newer, 'completed', 'failure'],
      ].sort(),
    );
    expect(h.gh.commitComments.filter((c) => c.repo === 'acme/folded')).toHaveLength(1);
  }, 90_000);
});
