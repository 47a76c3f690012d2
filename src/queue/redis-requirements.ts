/**
 * What the queue needs from Redis, checked at startup: persistence (AOF or RDB snapshots), or
 * a restart loses every queued job, in-flight report and check run id; and
 * `maxmemory-policy noeviction`, which BullMQ requires (an evicted key corrupts a queue).
 * With AOF and `appendfsync always` (or `everysec`, losing at most a second) the fault tests
 * delivered every report exactly once across a Redis kill.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisDurability {
  aof: boolean;
  /** RDB snapshot rules (`CONFIG GET save`), undefined when CONFIG is not allowed. */
  rdbSave?: string;
  appendfsync?: string;
  maxmemoryPolicy?: string;
  problems: string[];
}

function infoField(info: string, key: string): string | undefined {
  return new RegExp(`^${key}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

async function configGet(redis: Redis, key: string): Promise<string | undefined> {
  // Managed Redis services often refuse CONFIG: then only INFO tells.
  const r = (await redis.call('CONFIG', 'GET', key).catch(() => undefined)) as string[] | undefined;
  return Array.isArray(r) && r.length >= 2 ? r[1] : undefined;
}

export async function inspectRedis(redis: Redis): Promise<RedisDurability> {
  const persistence = await redis.info('persistence');
  const memory = await redis.info('memory');
  const aof = infoField(persistence, 'aof_enabled') === '1';
  const rdbSave = await configGet(redis, 'save');
  const appendfsync = aof ? await configGet(redis, 'appendfsync') : undefined;
  const maxmemoryPolicy =
    infoField(memory, 'maxmemory_policy') ?? (await configGet(redis, 'maxmemory-policy'));
  const problems: string[] = [];
  if (!aof && rdbSave !== undefined && rdbSave.trim() === '')
    problems.push('no persistence (neither AOF nor RDB snapshots): a restart loses every job');
  if (aof && appendfsync === 'no')
    problems.push('appendfsync is "no": a crash can lose recent jobs (use everysec or always)');
  if (maxmemoryPolicy !== undefined && maxmemoryPolicy !== 'noeviction')
    problems.push(`maxmemory-policy is "${maxmemoryPolicy}"; BullMQ requires "noeviction"`);
  return {
    aof,
    ...(rdbSave !== undefined ? { rdbSave } : {}),
    ...(appendfsync !== undefined ? { appendfsync } : {}),
    ...(maxmemoryPolicy !== undefined ? { maxmemoryPolicy } : {}),
    problems,
  };
}

/** Logs loudly (warn) when Redis is not fit for the queue; never fails startup. */
export async function warnIfRedisUnsafe(
  redis: Redis,
  log: Pick<Logger, 'warn' | 'info'>,
): Promise<void> {
  const d = await inspectRedis(redis).catch(() => undefined);
  if (!d) {
    log.warn('cannot inspect Redis persistence and eviction policy at startup');
    return;
  }
  const { problems, ...settings } = d;
  if (problems.length)
    log.warn(
      { ...settings, problems },
      `REDIS IS NOT SAFE FOR THE SCAN QUEUE: ${problems.join('; ')}. Reports can be lost.`,
    );
  else log.info(settings, 'Redis persistence and eviction policy are fit for the queue');
}
