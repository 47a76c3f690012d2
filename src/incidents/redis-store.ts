/**
 * Incidents in Redis, beside BullMQ: `<prefix>incident:<installation>:<fingerprint>` holds one
 * incident as JSON, `<prefix>incidents:<installation>` the set of its fingerprints and
 * `<prefix>installations` the set of installations. Updates are optimistic transactions
 * (WATCH / MULTI / EXEC, retried on conflict), so workers on several machines can update one
 * incident without losing each other's events.
 */
import type { Redis } from 'ioredis';
import type { Incident } from './model.js';
import { checkKey, type IncidentStore, type IncidentUpdate } from './store.js';

const MAX_ATTEMPTS = 50;

export class RedisIncidentStore implements IncidentStore {
  /** WATCH state belongs to a connection: updates run one at a time on a dedicated one. */
  private txConn: Redis | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'upstash-guard:incidents:',
  ) {}

  private key(installationId: number, fingerprint: string): string {
    return `${this.prefix}incident:${installationId}:${fingerprint}`;
  }
  private setKey(installationId: number): string {
    return `${this.prefix}incidents:${installationId}`;
  }
  private get installationsKey(): string {
    return `${this.prefix}installations`;
  }

  async get(installationId: number, fingerprint: string): Promise<Incident | undefined> {
    checkKey(installationId, fingerprint);
    return parse(await this.redis.get(this.key(installationId, fingerprint)));
  }

  async list(installationId: number): Promise<Incident[]> {
    const fps = await this.redis.smembers(this.setKey(installationId));
    if (fps.length === 0) return [];
    const raws = await this.redis.mget(fps.map((fp) => this.key(installationId, fp)));
    return raws.map(parse).filter((i): i is Incident => i !== undefined);
  }

  async installations(): Promise<number[]> {
    const ids = await this.redis.smembers(this.installationsKey);
    return ids
      .map(Number)
      .filter((n) => Number.isSafeInteger(n))
      .sort((a, b) => a - b);
  }

  async update(
    installationId: number,
    fingerprint: string,
    fn: IncidentUpdate,
  ): Promise<Incident | undefined> {
    checkKey(installationId, fingerprint);
    const key = this.key(installationId, fingerprint);
    const run = this.chain.then(() => this.transact(installationId, fingerprint, key, fn));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async transact(
    installationId: number,
    fingerprint: string,
    key: string,
    fn: IncidentUpdate,
  ): Promise<Incident | undefined> {
    this.txConn ??= this.redis.duplicate();
    const conn = this.txConn;
    {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        await conn.watch(key);
        const current = parse(await conn.get(key));
        const next = fn(current ? structuredClone(current) : undefined);
        if (next === undefined) {
          await conn.unwatch();
          return current;
        }
        if (next.fingerprint !== fingerprint || next.installationId !== installationId) {
          await conn.unwatch();
          throw new Error('an incident update may not change its key');
        }
        const res = await conn
          .multi()
          .set(key, JSON.stringify(next))
          .sadd(this.setKey(installationId), fingerprint)
          .sadd(this.installationsKey, String(installationId))
          .exec();
        if (res !== null) return next; // null: the key changed under us; read again
      }
      throw new Error(`incident update kept conflicting (${MAX_ATTEMPTS} attempts)`);
    }
  }

  async deleteInstallation(installationId: number): Promise<void> {
    const fps = await this.redis.smembers(this.setKey(installationId));
    const multi = this.redis.multi();
    for (const fp of fps) multi.del(this.key(installationId, fp));
    multi.del(this.setKey(installationId)).srem(this.installationsKey, String(installationId));
    await multi.exec();
  }

  async close(): Promise<void> {
    await this.chain;
    // Only the transaction connection is ours; the one passed in belongs to the caller.
    this.txConn?.disconnect();
    this.txConn = undefined;
  }
}

function parse(raw: string | null): Incident | undefined {
  if (!raw) return undefined;
  try {
    const i = JSON.parse(raw) as Incident;
    return typeof i?.fingerprint === 'string' && typeof i.installationId === 'number'
      ? i
      : undefined;
  } catch {
    return undefined;
  }
}
