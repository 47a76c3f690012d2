/**
 * Scheduled re-verification of open incidents: daily by default (UPSTASH_GUARD_REVERIFY_EVERY,
 * e.g. "6h", "30m", "1d"; "off" disables it). With Redis it is a BullMQ job scheduler, so exactly
 * one worker runs each round however many there are; in-process it is a timer. Each round walks
 * every installation's open incidents one at a time, within the verifier's own rate limits and
 * host allowlist; an incident moves to `rotated` only on a definitive `revoked`.
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { IncidentStore } from './store.js';

export type ReverifyOne = (
  installationId: number,
  fingerprint: string,
  by: string,
) => Promise<unknown>;

export function parseEvery(value: string | undefined, fallbackMs = 24 * 3600_000): number | null {
  if (value === undefined || value === '') return fallbackMs;
  if (value === 'off' || value === '0') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (!m)
    throw new Error(
      `UPSTASH_GUARD_REVERIFY_EVERY: expected a duration like 30m, 6h or 1d, or "off"`,
    );
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  const ms = Math.round(Number(m[1]) * unit);
  if (ms < 60_000) throw new Error('UPSTASH_GUARD_REVERIFY_EVERY: at least one minute');
  return ms;
}

/** One round: every open incident of every installation, one at a time. Returns how many were tried. */
export async function reverifyRound(
  store: IncidentStore,
  reverify: ReverifyOne,
  log: Logger,
  opts: { signal?: AbortSignal } = {},
): Promise<number> {
  let tried = 0;
  for (const installationId of await store.installations()) {
    for (const incident of await store.list(installationId)) {
      if (opts.signal?.aborted) return tried;
      if (incident.status !== 'open') continue;
      tried++;
      await reverify(installationId, incident.fingerprint, 'schedule').catch((err: unknown) =>
        log.warn(
          { installationId, fingerprint: incident.fingerprint, err: (err as Error).message },
          'incidents: scheduled re-verification failed; it is retried next round',
        ),
      );
    }
  }
  log.info({ tried }, 'incidents: re-verification round done');
  return tried;
}

export interface ReverifySchedule {
  close(): Promise<void>;
}

/** In-process: a timer, first round one interval after start. */
export function startTimerSchedule(
  everyMs: number,
  round: (signal: AbortSignal) => Promise<unknown>,
): ReverifySchedule {
  const ac = new AbortController();
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => round(ac.signal)).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      ac.abort();
      await running;
    },
  };
}

/** With Redis: a BullMQ job scheduler; runWorker=false for processes that only enqueue. */
export async function startBullSchedule(opts: {
  connection: ConnectionOptions;
  prefix?: string;
  everyMs: number;
  round: (signal: AbortSignal) => Promise<unknown>;
  runWorker: boolean;
}): Promise<ReverifySchedule> {
  const name = 'upstash-guard-incidents';
  const queue = new Queue(name, {
    connection: opts.connection,
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
  });
  await queue.upsertJobScheduler(
    'reverify-open-incidents',
    { every: opts.everyMs },
    { name: 'reverify', data: {}, opts: { removeOnComplete: 10, removeOnFail: 50 } },
  );
  const ac = new AbortController();
  const worker = opts.runWorker
    ? new Worker(name, () => opts.round(ac.signal).then(() => undefined), {
        connection: opts.connection,
        concurrency: 1,
        ...(opts.prefix ? { prefix: opts.prefix } : {}),
      })
    : undefined;
  return {
    async close() {
      ac.abort();
      await worker?.close();
      await queue.close();
    },
  };
}
