/** Scheduled re-verification: duration parsing, a round over open incidents only, and the BullMQ scheduler on the real Redis. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Redis } from 'ioredis';
import { FileIncidentStore } from '../../src/incidents/file-store.js';
import { recordFindings, recordVerdict } from '../../src/incidents/record.js';
import { parseEvery, reverifyRound, startBullSchedule } from '../../src/incidents/schedule.js';
import { leakFinding } from '../helpers/leak-finding.js';
import { testRedisUrl } from '../setup/test-redis.js';

const REDIS_URL = testRedisUrl();
const log = pino({ level: 'silent' });

test('parseEvery', () => {
  expect(parseEvery(undefined)).toBe(86_400_000);
  expect(parseEvery('6h')).toBe(6 * 3600_000);
  expect(parseEvery('1.5d')).toBe(36 * 3600_000);
  expect(parseEvery('off')).toBeNull();
  expect(() => parseEvery('5s')).toThrow('at least one minute');
  expect(() => parseEvery('daily')).toThrow('expected a duration');
});

async function seed(dir: string) {
  const store = new FileIncidentStore(dir);
  const fps: string[] = [];
  for (let n = 0; n < 3; n++) {
    const f = leakFinding();
    fps.push(f.fingerprint);
    await recordFindings(store, {
      installationId: 10 + n,
      repo: { id: n + 1, fullName: `o/r${n}` },
      cause: 'push scan',
      findings: [f],
      at: '2026-01-01T00:00:00.000Z',
    });
  }
  // The second one is already rotated: a round skips it.
  await recordVerdict(store, 11, fps[1]!, {
    status: 'revoked',
    at: '2026-01-02T00:00:00.000Z',
    by: 'scan',
  });
  return { store, fps };
}

test('a round re-verifies open incidents only, and one failure does not stop the round', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ug-sched-'));
  try {
    const { store, fps } = await seed(dir);
    const calls: string[] = [];
    const tried = await reverifyRound(
      store,
      async (inst, fp, by) => {
        calls.push(`${inst} ${fp} ${by}`);
        if (inst === 10) throw new Error('probe timed out');
      },
      log,
    );
    expect(tried).toBe(2);
    expect(calls).toEqual([`10 ${fps[0]} schedule`, `12 ${fps[2]} schedule`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the BullMQ scheduler runs rounds on one worker and stops on close', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ug-sched-'));
  const prefix = `ug-test-${randomUUID()}`;
  const admin = new Redis(REDIS_URL);
  try {
    let rounds = 0;
    const schedule = await startBullSchedule({
      connection: { url: REDIS_URL, maxRetriesPerRequest: null },
      prefix,
      everyMs: 60_000,
      runWorker: true,
      round: async () => {
        rounds++;
      },
    });
    // A job scheduler enqueues its first run at once.
    for (let i = 0; i < 100 && rounds === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(rounds).toBe(1);
    await schedule.close();
  } finally {
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
});
