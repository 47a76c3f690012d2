/**
 * The BullMQ path as deployed: the built app enqueues into Redis, a separate `npm run worker`
 * process scans and reports. (GitHub double + loopback git server from the e2e helpers.)
 */
import { pushedLeak, startHarness, until, type Harness } from '../e2e/harness.js';
import { pushEvent } from '../helpers/webhooks.js';
import { testRedisUrl } from '../setup/test-redis.js';

let h: Harness;
afterAll(async () => h?.close());

test('app enqueues in Redis, a separate worker scans and reports the push', async () => {
  h = await startHarness({ redisUrl: testRedisUrl() });
  await h.app.startWorker();
  const { target, first, second, token } = await pushedLeak(h, {
    name: 'app',
    id: 701,
    seed: 'app-bullmq',
  });
  const res = await h.send(
    'push',
    pushEvent(target, { ref: 'refs/heads/main', before: first, after: second }),
  );
  expect(res.status).toBeLessThan(300);
  const run = await until(
    'check run completed by the worker',
    () => h.gh.checkRuns.find((c) => c.status === 'completed'),
    30_000,
  );
  expect(run.conclusion).toBe('failure');
  expect(JSON.stringify(h.gh.requests)).not.toContain(token);
}, 60_000);
