/**
 * A worker SIGKILLed in the middle of a GitHub request must not hold the cluster's throttling slot
 * for long. Octokit's throttling registers every clustered job in Redis with a 60 s expiration,
 * and token mints share one slot for the whole App (`auth` group, maxConcurrent 1, key `no-id`):
 * a worker killed while minting stalled every other worker's mints, and so every job of every
 * installation, for a minute (seen as an e2e worker that minted nothing for 30 s after a kill).
 * The recovering connection caps the expiration, so the slot is back within seconds.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { clusteredOctokit, THROTTLE_JOB_EXPIRATION_MS } from '../../src/app/octokit.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';

const DIST = resolve('dist/app/octokit.js');
let redis: OwnRedis;
beforeAll(async () => {
  redis = await startOwnRedis({ persistence: 'none' });
});
afterAll(async () => {
  await redis?.close();
});

/** A loopback GitHub: the first mint hangs (its caller is killed), later ones answer at once. */
async function mintServer(): Promise<{
  url: string;
  arrivals: number[];
  close(): Promise<void>;
}> {
  const arrivals: number[] = [];
  const hung: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    arrivals.push(Date.now());
    if (arrivals.length === 1) return void hung.push(res);
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: 'ghs_fake', expires_at: new Date(Date.now() + 3.6e6) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: async () => {
      for (const r of hung) r.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const CHILD = `
const { clusteredOctokit } = await import(process.env.OCTOKIT_MODULE);
const { Octokit } = clusteredOctokit(process.env.REDIS_URL);
const octokit = new Octokit({ baseUrl: process.env.BASE_URL, retry: { enabled: false } });
process.stdout.write('ready\\n');
await octokit.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: 7 });
`;

const itBuilt = existsSync(DIST) ? it : it.skip;

itBuilt(
  'a worker killed mid-mint holds the shared mint slot for seconds, not a minute',
  async () => {
    expect(THROTTLE_JOB_EXPIRATION_MS).toBeLessThanOrEqual(15_000);
    const gh = await mintServer();
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, OCTOKIT_MODULE: DIST, REDIS_URL: redis.url, BASE_URL: gh.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    const { Octokit, disconnect } = clusteredOctokit(redis.url);
    try {
      // The child holds the slot: its mint reached GitHub and hangs there. Kill it then.
      for (const deadline = Date.now() + 20_000; gh.arrivals.length === 0;) {
        if (Date.now() > deadline) throw new Error(`child never minted:\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const killedAt = Date.now();

      const octokit = new Octokit({ baseUrl: gh.url, retry: { enabled: false } } as never);
      const res = await octokit.request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: 8,
      });
      expect(res.status).toBe(201);
      const waited = gh.arrivals[1]! - killedAt;
      // The cap, plus Bottleneck's 5 s heartbeat that notices the expired job, plus slack.
      expect(waited).toBeLessThan(THROTTLE_JOB_EXPIRATION_MS + 5_000 + 3_000);
    } finally {
      child.kill('SIGKILL');
      await disconnect();
      await gh.close();
    }
  },
  60_000,
);
