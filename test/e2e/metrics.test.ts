/**
 * /metrics as an operator sees it, with BullMQ on the real Redis: the app (enqueue only) and a
 * separate worker both report the same queue-wide counts read from Redis; the worker reports the
 * GitHub writes it made, the throttle wait, the rate-limit headroom from response headers, the
 * installation tokens minted and the webhook-to-report time. No repository name in any label.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { freePort } from '../helpers/app-process.js';
import { pushEvent } from '../helpers/webhooks.js';
import { testRedisUrl } from '../setup/test-redis.js';
import { startHarness, until, type Harness } from './harness.js';

const REDIS_URL = testRedisUrl();
const ZERO = '0'.repeat(40);
const prefix = `ug-e2e-metrics-${randomBytes(4).toString('hex')}`;
let h: Harness;

afterAll(async () => {
  await h?.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : undefined;
};

test('queue counts from Redis in every process; writes, throttle wait, headroom, tokens in the worker', async () => {
  h = await startHarness({ redisUrl: REDIS_URL, queuePrefix: prefix });
  const port = await freePort();
  const worker = await h.app.startWorker({ UPSTASH_GUARD_METRICS_PORT: String(port) });
  const heads: string[] = [];
  for (let i = 0; i < 3; i++) {
    const ref = h.addRepo(`m${i}`, 4400 + i);
    const r = h.repo();
    r.write('README.md', `# ${randomUUID()}\n`);
    heads.push(r.commit('initial'));
    await h.push(r, ref, 'main');
    await h.send(
      'push',
      pushEvent(ref, { ref: 'refs/heads/main', before: ZERO, after: heads[i]! }),
    );
  }
  await until(
    'three reports',
    () =>
      heads.every((s) => h.gh.checkRuns.some((c) => c.head_sha === s && c.status === 'completed'))
        ? true
        : undefined,
    60_000,
  );
  await new Promise((r) => setTimeout(r, 300));
  const fromApp = await h.app.metrics();
  const fromWorker = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  for (const text of [fromApp, fromWorker]) {
    expect(value(text, 'upstash_guard_queue_jobs{state="completed"}')).toBe(3);
    expect(value(text, 'upstash_guard_queue_jobs{state="waiting"}')).toBe(0);
    expect(value(text, 'upstash_guard_queue_jobs{state="failed"}')).toBe(0);
  }
  expect(
    value(fromWorker, 'upstash_guard_github_writes_total{method="POST"}'),
  ).toBeGreaterThanOrEqual(3);
  expect(
    // A clean scan is one write, a POST: the throttling spaces the three of them.
    value(fromWorker, 'upstash_guard_github_throttle_wait_seconds_total{method="POST"}'),
  ).toBeGreaterThan(0);
  expect(value(fromWorker, 'upstash_guard_github_ratelimit_limit{resource="core"}')).toBe(5000);
  expect(
    value(fromWorker, 'upstash_guard_github_ratelimit_remaining{resource="core"}'),
  ).toBeLessThan(5000);
  expect(value(fromWorker, 'upstash_guard_installation_tokens_minted_total')).toBe(1);
  expect(value(fromWorker, 'upstash_guard_webhook_to_report_seconds_count{kind="push"}')).toBe(3);
  expect(value(fromWorker, 'upstash_guard_scans_total{kind="push",result="clean"}')).toBe(3);
  // Jobs waiting for a scan slot (none once idle): the queue counts them active.
  expect(fromWorker).toContain('# TYPE upstash_guard_scan_slot_waiting_jobs gauge');
  expect(fromWorker).toContain('# TYPE upstash_guard_scan_slot_oldest_wait_age_seconds gauge');
  expect(fromWorker).not.toMatch(/upstash_guard_scan_slot_waiting_jobs\{/);
  expect(fromWorker).not.toMatch(/m0|m1|m2|acme/);
  await worker.stop();
}, 90_000);
