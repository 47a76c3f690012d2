/**
 * Runs the built GitHub App (and optionally separate BullMQ workers) as child processes, the way
 * production does (`npm start`: dist/app/main.js, Probot's server with the app) with env pointing GitHub at the loopback
 * double. Generates an RSA App key at test time, waits for /healthz, captures every log line.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface AppProcessOptions {
  /** `127.0.0.1:<port>` of the GitHub double (GHE_HOST). */
  githubHost: string;
  webhookSecret?: string;
  redisUrl?: string;
  /** BullMQ key prefix; unique per run by default when redisUrl is set. */
  queuePrefix?: string;
  /** Extra env (e.g. UPSTASH_GUARD_STALLED_INTERVAL_MS). */
  env?: Record<string, string>;
  /** Arguments after `node` (default: `probot run ./dist/app/index.js`), e.g. the Dockerfile's CMD. */
  command?: string[];
  /** How the generated PEM reaches the process (default: PRIVATE_KEY=<pem>). */
  keyEnv?: (pem: string) => Record<string, string>;
  /** Reuse this cache dir (restart tests); it is then left in place on stop. */
  cacheDir?: string;
  /** Where the process runs, and `command` is resolved from (default: the checkout). */
  cwd?: string;
}

export interface ManagedProcess {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** Resolves when a log line matches. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface AppProcess extends ManagedProcess {
  port: number;
  baseUrl: string;
  webhookUrl: string;
  webhookSecret: string;
  /** Env the app got; pass it to `startWorker` so workers share the queue and the key. */
  env: Record<string, string>;
  cacheDir: string;
  /** Starts a separate `dist/queue/worker-main.js` with the same settings. */
  startWorker(extra?: Record<string, string>): Promise<ManagedProcess>;
  metrics(): Promise<string>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/ when it is missing or older than src/ (tests must not silently run stale code). */
export function ensureBuilt(): void {
  const entry = join(ROOT, 'dist', 'app', 'index.js');
  const fresh = (): boolean =>
    existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(ROOT, 'src'));
  if (fresh()) return;
  // Jest runs test files in parallel workers: one builds, the others wait for it.
  const lock = join(ROOT, 'dist', '.e2e-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000)
        rmSync(lock, { recursive: true, force: true });
    }
  }
  try {
    if (!fresh()) build(entry);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function build(entry: string): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  // tsc emits despite type errors elsewhere; only a missing entry point is fatal here.
  if (!existsSync(entry)) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function manage(child: ChildProcess): ManagedProcess {
  let out = '';
  const waiters: Array<{ re: RegExp; resolve: (line: string) => void }> = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    logs: () => out,
    waitForLog(re, timeoutMs = 20_000) {
      const m = out.match(re);
      if (m) return Promise.resolve(m[0]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.findIndex((w) => w.re === re);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`timed out waiting for ${re} in logs:\n${out.slice(-3000)}`));
        }, timeoutMs);
        waiters.push({
          re,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function startApp(opts: AppProcessOptions): Promise<AppProcess> {
  ensureBuilt();
  const port = await freePort();
  const cacheDir = opts.cacheDir ?? mkdtempSync(join(tmpdir(), 'ug-app-cache-'));
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const webhookSecret = opts.webhookSecret ?? randomBytes(16).toString('hex');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'test',
    APP_ID: '1',
    ...(opts.keyEnv ? opts.keyEnv(privateKey) : { PRIVATE_KEY: privateKey }),
    WEBHOOK_SECRET: webhookSecret,
    GHE_HOST: opts.githubHost,
    GHE_PROTOCOL: 'http',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'debug',
    LOG_FORMAT: 'json',
    UPSTASH_GUARD_CACHE_DIR: cacheDir,
    // Incidents (without Redis) go to a temp dir, never the checkout.
    UPSTASH_GUARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'ug-app-data-')),
    // Verification calls Upstash over the network; the e2e tests are about the GitHub flow.
    UPSTASH_GUARD_VERIFY: 'off',
    // Asking GitHub for failed deliveries is tested on its own (test/e2e/redeliver.test.ts); in
    // the other tests it would add requests they count.
    UPSTASH_GUARD_REDELIVER_MS: '0',
    ...(opts.redisUrl
      ? {
          REDIS_URL: opts.redisUrl,
          UPSTASH_GUARD_QUEUE_PREFIX:
            opts.queuePrefix ?? `ug-e2e-${randomBytes(4).toString('hex')}`,
        }
      : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, opts.command ?? [join(ROOT, 'dist', 'app', 'main.js')], {
    cwd: opts.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const managed = manage(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(baseUrl, managed);
  const workers: ManagedProcess[] = [];
  return {
    ...managed,
    port,
    baseUrl,
    webhookUrl: `${baseUrl}/api/github/webhooks`,
    webhookSecret,
    env,
    cacheDir,
    async startWorker(extra = {}) {
      const w = manage(
        spawn(process.execPath, [join(ROOT, 'dist', 'queue', 'worker-main.js')], {
          cwd: ROOT,
          env: {
            ...env,
            UPSTASH_GUARD_CACHE_DIR: mkdtempSync(join(tmpdir(), 'ug-worker-cache-')),
            ...extra,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      workers.push(w);
      await w.waitForLog(/worker started/);
      return w;
    },
    async metrics() {
      return (await fetch(`${baseUrl}/metrics`)).text();
    },
    async stop(signal) {
      await Promise.all(workers.map((w) => w.stop(signal)));
      await managed.stop(signal);
      if (!opts.cacheDir) rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

async function waitHealthy(baseUrl: string, p: ManagedProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null)
      throw new Error(`app exited (${p.child.exitCode}):\n${p.logs()}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await p.stop('SIGKILL');
  throw new Error(`app not healthy after ${timeoutMs} ms:\n${p.logs()}`);
}
