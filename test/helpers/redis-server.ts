/**
 * A private redis-server on a free loopback port for fault tests (killed, restarted empty,
 * with or without persistence). Never the shared server on 6379.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './app-process.js';

export interface OwnRedisOptions {
  /** 'none': no RDB, no AOF (data lost on restart). 'aof': appendonly with appendfsync always. */
  persistence?: 'none' | 'aof';
  maxmemoryPolicy?: string;
}

export interface OwnRedis {
  url: string;
  port: number;
  /** SIGKILL: no save on the way out. */
  kill(): Promise<void>;
  /** Starts again on the same port and directory (empty unless persistence kept the data). */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  close(): Promise<void>;
}

export async function startOwnRedis(opts: OwnRedisOptions = {}): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ug-redis-'));
  let child: ChildProcess | undefined;
  const args = (): string[] => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    opts.persistence === 'aof' ? 'yes' : 'no',
    '--appendfsync',
    'always',
    '--maxmemory-policy',
    opts.maxmemoryPolicy ?? 'noeviction',
  ];
  const url = `redis://127.0.0.1:${port}`;
  const start = async (): Promise<void> => {
    child = spawn('/usr/bin/redis-server', args(), { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      const ok = await probe
        .connect()
        .then(() => probe.ping())
        .then(
          () => true,
          () => false,
        );
      probe.disconnect();
      if (ok) return;
      if (Date.now() > deadline) throw new Error('own redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    port,
    kill,
    start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
