/**
 * npm run bench:webhook -- [--requests N] [--rate R] [--redis URL]
 *
 * Webhook received → job enqueued latency of the real app process: starts `probot run
 * ./dist/app/index.js` with REDIS_URL (so the app only enqueues, as in production), sends N
 * signed pull_request deliveries (distinct head SHAs, so none is a duplicate) at R per second
 * on loopback, and reports p50/p99/max of the time until the app answers. Probot answers a
 * delivery only after its handlers resolved, and the handler resolves once BullMQ stored the job,
 * so the answer time bounds the enqueue latency from above. Queue keys (unique prefix) are
 * deleted afterwards. GitHub is never called on this path; GHE_HOST points nowhere.
 */
import { spawn } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '200' },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const total = Number(values.requests);
const rate = Number(values.rate);
const redisUrl = values.redis;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function payload(i: number): string {
  const sha = (n: number): string => n.toString(16).padStart(40, '0');
  const repo = {
    id: 9000,
    name: 'bench',
    full_name: 'acme/bench',
    owner: { login: 'acme', id: 1, type: 'Organization' },
    clone_url: 'http://127.0.0.1:9/acme/bench.git',
    html_url: 'https://github.com/acme/bench',
    default_branch: 'main',
    private: true,
  };
  return JSON.stringify({
    action: 'synchronize',
    number: 1,
    pull_request: {
      number: 1,
      head: { ref: 'feature', sha: sha(i + 1), repo },
      base: { ref: 'main', sha: sha(0xffff_ffff), repo },
    },
    repository: repo,
    installation: { id: 1 },
    sender: { login: 'bench', id: 1, type: 'User' },
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const port = await freePort();
  const secret = randomBytes(16).toString('hex');
  const prefix = `ug-bench-${randomBytes(4).toString('hex')}`;
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const app = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'probot', 'bin', 'probot.js'), 'run', './dist/app/index.js'],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_ENV: 'production',
        APP_ID: '1',
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: secret,
        GHE_HOST: '127.0.0.1:9',
        GHE_PROTOCOL: 'http',
        UPSTASH_GUARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'ug-bench-data-')),
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        REDIS_URL: redisUrl,
        UPSTASH_GUARD_QUEUE_PREFIX: prefix,
        // GitHub points nowhere: no pass asking it for failed deliveries.
        UPSTASH_GUARD_REDELIVER_MS: '0',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 200) throw new Error('app did not become healthy');
      const ok = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const send = async (i: number): Promise<number> => {
      const body = payload(i);
      const t0 = performance.now();
      const res = await fetch(`${base}/api/github/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'pull_request',
          'x-github-delivery': `bench-${i}`,
          'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        },
        body,
      });
      await res.text();
      if (res.status !== 200) throw new Error(`delivery ${i}: HTTP ${res.status}`);
      return performance.now() - t0;
    };
    for (let i = 0; i < 20; i++) await send(total + 1 + i); // warm-up, not measured
    const started = performance.now();
    const pending: Promise<number>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(send(i));
    }
    const latencies = (await Promise.all(pending)).sort((a, b) => a - b);
    const elapsed = (performance.now() - started) / 1000;
    const redis = new Redis(redisUrl);
    const queued = await redis.zcard(`${prefix}:upstash-guard-scans:prioritized`);
    const f = (n: number): string => `${n.toFixed(1)} ms`;
    console.log(`| deliveries | offered rate | achieved rate | p50 | p99 | max | jobs in Redis |`);
    console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
    console.log(
      `| ${total} | ${rate}/s | ${(total / elapsed).toFixed(0)}/s | ${f(pct(latencies, 50))} | ${f(pct(latencies, 99))} | ${f(latencies.at(-1)!)} | ${queued} |`,
    );
    console.log(
      `\nmachine: ${cpus().length}× ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`,
    );
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
  } finally {
    app.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
