/**
 * Which of an installation's GitHub writes go first. Octokit's throttling spaces every write of an
 * installation about 1 s apart, first come first served; commit comments (one per offending
 * commit, each also waiting 3 s for GitHub's content-creation pacing) then queued ahead of the
 * check runs that report each head. In a storm where every third push leaked, the newest heads'
 * check runs waited behind 67 comments (docs/benchmarks-app.md).
 *
 * Writes made inside `behindOtherWrites` now wait, in this process, until the installation has no
 * other write pending (queued in the throttling or in flight), and go one at a time: a check run
 * that arrives then waits for at most one comment. The pace itself is unchanged (one write a
 * second, shared through Redis between processes): this only decides the order.
 *
 * Aging: an installation whose check runs never stop (a busy monorepo org) would otherwise hold its
 * comments back for good. A write that has waited `UPSTASH_GUARD_LOW_WRITE_MAX_WAIT_MS` (default
 * 120 s) stops waiting for the others and takes its turn in the pace, still one at a time: under a
 * steady load, comments then share the pace with check runs instead of starving.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const low = new AsyncLocalStorage<true>();

/** Runs `work` with its GitHub writes queued behind every other write of its installation. */
export function behindOtherWrites<T>(work: () => Promise<T>): Promise<T> {
  return low.run(true, work);
}

interface Lane {
  /** Writes outside `behindOtherWrites`, queued or in flight. */
  normal: number;
  /** A write inside it is queued or in flight. */
  lowBusy: boolean;
  waiters: (() => void)[];
}

const lanes = new Map<string, Lane>();

/** How long a write inside `behindOtherWrites` yields to the others before it takes its turn. */
export function lowWriteMaxWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.UPSTASH_GUARD_LOW_WRITE_MAX_WAIT_MS;
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : 120_000;
}

type RequestFn = (options: { method?: string }) => Promise<unknown>;
interface Hookable {
  hook: {
    wrap(name: 'request', fn: (request: RequestFn, options: { method?: string }) => unknown): void;
  };
}

/**
 * Installs the ordering on an installation's client (`key`: the installation). Registered after
 * Octokit's plugins, so it runs before their throttling, where the caller's context still holds.
 */
export function prioritizeWrites(octokit: unknown, key: string): void {
  (octokit as Hookable).hook.wrap('request', async (request, options) => {
    const method = String(options.method ?? 'GET').toUpperCase();
    if (method === 'GET' || method === 'HEAD') return request(options);
    const lane = laneOf(key);
    if (low.getStore() !== true) {
      lane.normal++;
      try {
        return await request(options);
      } finally {
        lane.normal--;
        settle(key, lane);
      }
    }
    const maxWait = lowWriteMaxWaitMs();
    const since = Date.now();
    for (;;) {
      if (lane.lowBusy) await wake(lane);
      else if (lane.normal === 0) break;
      else {
        const left = since + maxWait - Date.now();
        if (left <= 0) break; // waited long enough: its turn in the pace, behind what is queued
        await wake(lane, left);
      }
    }
    lane.lowBusy = true;
    try {
      return await request(options);
    } finally {
      lane.lowBusy = false;
      settle(key, lane);
    }
  });
}

/** Until the lane changes, or `ms` pass. */
function wake(lane: Lane, ms?: number): Promise<void> {
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer) clearTimeout(timer);
      resolve();
    };
    lane.waiters.push(done);
    if (ms !== undefined) {
      timer = setTimeout(() => {
        const i = lane.waiters.indexOf(done);
        if (i >= 0) lane.waiters.splice(i, 1);
        resolve();
      }, ms);
      timer.unref();
    }
  });
}

function laneOf(key: string): Lane {
  let lane = lanes.get(key);
  if (!lane) lanes.set(key, (lane = { normal: 0, lowBusy: false, waiters: [] }));
  return lane;
}

/** Wakes the waiters to look again; forgets an idle lane. */
function settle(key: string, lane: Lane): void {
  for (const w of lane.waiters.splice(0)) w();
  if (lane.normal === 0 && !lane.lowBusy && lane.waiters.length === 0) lanes.delete(key);
}
