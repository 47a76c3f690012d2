/**
 * Jest globalSetup: the one place tests get their Redis from. It picks it once per run and publishes it as UPSTASH_GUARD_TEST_REDIS_URL:
 *   1. UPSTASH_GUARD_TEST_REDIS_URL already set: that server;
 *   2. else a Redis answering PING on 127.0.0.1:6379 (unless UPSTASH_GUARD_TEST_PRIVATE_REDIS=1);
 *   3. else a private `redis-server` on a free loopback port, installed from the OS packages when
 *      it is missing (root + apt-get), stopped by globalTeardown.
 * So `npm test` works on a machine with Node and git and nothing else.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Jest loads this file outside its module mapper: no relative imports here.
export const TEST_REDIS_ENV = 'UPSTASH_GUARD_TEST_REDIS_URL';
export const FORCE_PRIVATE_ENV = 'UPSTASH_GUARD_TEST_PRIVATE_REDIS';
const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** Sends PING over a raw socket; true on +PONG within the timeout. */
export function pingRedis(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** redis-server from PATH, else installed with apt-get when we are root (as .ci/run does). */
export function findOrInstallRedisServer(log: (line: string) => void): string {
  const found = which('redis-server');
  if (found) return found;
  const apt = which('apt-get');
  if (apt && process.getuid?.() === 0) {
    log('upstash-guard tests: redis-server is missing, installing it with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync(apt, ['update', '-qq'], { stdio: 'ignore', env });
    spawnSync(apt, ['install', '-y', '-qq', 'redis-server'], { stdio: 'ignore', env });
    const installed = which('redis-server');
    if (installed) return installed;
  }
  throw new Error(
    'upstash-guard tests need Redis: nothing answers on 127.0.0.1:6379 and redis-server is not installed. ' +
      `Install it (apt-get install redis-server), or set ${TEST_REDIS_ENV}=redis://host:port.`,
  );
}

declare global {
  /** The private server globalSetup started, for globalTeardown (same process). */
  var __upstashGuardTestRedis: PrivateRedis | undefined;
}

export interface PrivateRedis {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a throwaway redis-server (no persistence) on a free loopback port. */
export async function startPrivateRedis(
  log: (line: string) => void = () => {},
): Promise<PrivateRedis> {
  const bin = findOrInstallRedisServer(log);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ug-test-redis-'));
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  while (!(await pingRedis(url, 200))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`could not start ${bin} on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The choice globalSetup makes (see the header); returns the URL and what to stop afterwards. */
export async function chooseTestRedis(
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<{ url: string; private?: PrivateRedis }> {
  const given = env[TEST_REDIS_ENV];
  if (given) return { url: given };
  if (env[FORCE_PRIVATE_ENV] !== '1' && (await pingRedis(DEFAULT_URL))) return { url: DEFAULT_URL };
  const own = await startPrivateRedis(log);
  log(`upstash-guard tests: started a private redis-server at ${own.url}`);
  return { url: own.url, private: own };
}

export default async function globalSetup(): Promise<void> {
  const chosen = await chooseTestRedis(process.env, (line) => process.stderr.write(`${line}\n`));
  // Jest starts its workers after globalSetup, with this process's environment.
  process.env[TEST_REDIS_ENV] = chosen.url;
  globalThis.__upstashGuardTestRedis = chosen.private;
}
