/**
 * Probot's Octokit with GitHub throttling shared across processes through Redis, recovering
 * from a Redis that lost its data. Probot's own clustering (from REDIS_URL) uses Bottleneck,
 * whose recovery from a missing limiter state compares the error message with
 * `SETTINGS_KEY_NOT_FOUND`, while Redis 7 answers `ERR SETTINGS_KEY_NOT_FOUND`: after Redis
 * restarted empty every GitHub request of every job failed. This connection strips that prefix,
 * so Bottleneck re-creates its state and the request goes through.
 *
 * It also caps how long a dead process holds a throttling slot. Octokit's throttling registers each
 * clustered job with a 60 s expiration, the only way Bottleneck frees the slot of a process that
 * was killed while holding it. Token mints share one slot for the whole App (its `auth` group,
 * maxConcurrent 1, throttle id `no-id`): a worker killed mid-mint stalled every mint of every
 * installation, and so every job, for a minute. Capped at THROTTLE_JOB_EXPIRATION_MS, a killed
 * worker costs the others at most that plus Bottleneck's 5 s heartbeat. A live request that outlasts
 * the cap only gives its slot back early: at worst one more concurrent request for a moment.
 */
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { ProbotOctokit } from 'probot';

type Callback = (err: Error | null, replies?: unknown) => void;
type ScriptFn = (...args: unknown[]) => unknown;

/** Bottleneck's own recovery codes, as its Lua scripts raise them. */
const RECOVERABLE = /^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/;

/** How long a clustered throttling job may hold its slot (GitHub answers well within it). */
export const THROTTLE_JOB_EXPIRATION_MS = 10_000;
/** `register`'s arguments after the keys: now, client id, job index, weight, expiration. */
const REGISTER_EXPIRATION_ARG = 4;

export class RecoveringIORedisConnection extends Bottleneck.IORedisConnection {
  __scriptArgs__(name: string, id: string, args: unknown[], cb: Callback): unknown[] {
    if (name === 'register') {
      const expiration = Number(args[REGISTER_EXPIRATION_ARG]);
      if (args[REGISTER_EXPIRATION_ARG] === '' || !(expiration <= THROTTLE_JOB_EXPIRATION_MS))
        args = args.map((a, i) =>
          i === REGISTER_EXPIRATION_ARG ? String(THROTTLE_JOB_EXPIRATION_MS) : a,
        );
    }
    return (
      Bottleneck.IORedisConnection.prototype as unknown as {
        __scriptArgs__(n: string, i: string, a: unknown[], c: Callback): unknown[];
      }
    ).__scriptArgs__.call(this, name, id, args, cb);
  }

  __scriptFn__(name: string): ScriptFn {
    const base = (
      Bottleneck.IORedisConnection.prototype as unknown as { __scriptFn__(n: string): ScriptFn }
    ).__scriptFn__.call(this, name);
    return (...args: unknown[]) => {
      const cb = args.pop() as Callback;
      return base(...args, (err: Error | null, replies?: unknown) => {
        const m = err ? RECOVERABLE.exec(err.message) : null;
        if (err && m) err.message = m[1]!;
        cb(err, replies);
      });
    };
  }
}

/** An Octokit class whose throttling state lives in Redis at `redisUrl` and survives its loss. */
export function clusteredOctokit(redisUrl: string): {
  Octokit: typeof ProbotOctokit;
  disconnect(): Promise<void>;
} {
  const connection = new RecoveringIORedisConnection({
    client: new Redis(redisUrl, { maxRetriesPerRequest: 2 }),
  });
  connection.on('error', () => {
    /* ioredis reconnects; a request that fails meanwhile fails its job, which is retried */
  });
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object), Bottleneck, connection },
  })) as typeof ProbotOctokit;
  return { Octokit, disconnect: async () => void (await connection.disconnect(false)) };
}

/**
 * Options for Probot's `run` / `createProbot`: its env without REDIS_URL (so it does not build
 * its own, non-recovering Bottleneck connection) and, with Redis, the recovering Octokit.
 */
export function probotSetup(env: NodeJS.ProcessEnv = process.env): {
  env: NodeJS.ProcessEnv;
  Octokit?: typeof ProbotOctokit;
} {
  const { REDIS_URL: redisUrl, ...rest } = env;
  return { env: rest, ...(redisUrl ? { Octokit: clusteredOctokit(redisUrl).Octokit } : {}) };
}
