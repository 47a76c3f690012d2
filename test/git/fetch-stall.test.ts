/**
 * Found by the chaos run (bullmq-install seeds 6 and 13): a git server that stopped answering
 * mid-fetch without closing the connection held `git fetch -q` (silent, so the inactivity limit
 * cannot see it) until the ten-minute deadline, with one of the worker's two scan slots; two such
 * fetches stopped every scan of the worker. The fetch now gives up when its connection carries
 * less than a byte a second for `stallSeconds` (curl's low speed limit), and the job is retried.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RepoCache } from '../../src/git/repo-cache.js';

const token = ['ghs', 'stalltest'.repeat(4)].join('_');
let server: Server;
let base = '';
const open: ServerResponse[] = [];
const cacheDir = mkdtempSync(join(tmpdir(), 'ug-stall-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    open.push(res);
    req.resume();
    if (req.url?.includes('partial')) {
      // The answer starts, then nothing more: a proxy that lost its upstream.
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      res.write('001e# service=git-upload-pack\n');
    }
    // Otherwise: not even a status line.
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(cacheDir, { recursive: true, force: true });
});

test.each(['silent', 'partial'])(
  'a %s server is given up on after the stall limit, not the deadline',
  async (kind) => {
    const cache = new RepoCache(cacheDir, { timeoutMs: 120_000, stallSeconds: 2 });
    const started = Date.now();
    const err = await cache
      .ensure({ key: kind, cloneUrl: `${base}/acme/${kind}.git`, token })
      .catch((e: Error) => e);
    const ms = Date.now() - started;
    expect(err).toBeInstanceOf(Error);
    expect(ms).toBeLessThan(20_000);
    expect(String((err as Error).message)).not.toContain(token);
  },
  40_000,
);
