import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the clone cache (and the in-process queue's journal) live: `UPSTASH_GUARD_CACHE_DIR`,
 * else `<UPSTASH_GUARD_DATA_DIR>/cache`, else a directory under $TMPDIR (development only: a
 * container restart without a volume re-clones the organisation and, without Redis, forgets the
 * queue). The Docker image sets `/var/lib/upstash-guard/cache` and declares it a volume.
 */
export function cacheDirFrom(env: NodeJS.ProcessEnv): string {
  if (env.UPSTASH_GUARD_CACHE_DIR) return env.UPSTASH_GUARD_CACHE_DIR;
  if (env.UPSTASH_GUARD_DATA_DIR) return join(env.UPSTASH_GUARD_DATA_DIR, 'cache');
  return join(tmpdir(), 'upstash-guard-repos');
}

/**
 * Where the in-process queue's journals live (queue.journal, install-runs.journal):
 * `<UPSTASH_GUARD_DATA_DIR>/queue` when the data directory is set (the Docker image sets it), so
 * the clone cache holds one directory per repository and nothing else; without it, the cache
 * directory (as files beside the clones, never counted as clones).
 */
export function stateDirFrom(env: NodeJS.ProcessEnv): string {
  if (env.UPSTASH_GUARD_DATA_DIR) return join(env.UPSTASH_GUARD_DATA_DIR, 'queue');
  return cacheDirFrom(env);
}
