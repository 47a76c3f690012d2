/**
 * "One directory per repository, whatever the number of workers in the process": N repositories
 * scanned by two queues (two workers in one process, each with its own RepoCache on the same cache
 * directory) at concurrency 4, every repository twice at once (an install-time history job and a
 * push), leave exactly N directories in the cache, all clones; the in-process journals live in the
 * data directory, not among the clones.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDirFrom, stateDirFrom } from '../../src/git/cache-dir.js';
import { CacheJanitor } from '../../src/git/cache-eviction.js';
import { cacheKeyFor, RepoCache } from '../../src/git/repo-cache.js';
import { InProcessQueue } from '../../src/queue/in-process-queue.js';
import type { ScanJob } from '../../src/queue/scan-job.js';
import { createRepo } from '../helpers/git-repo.js';
import { startLoopbackGitServer, type LoopbackGitServer } from './loopback-git-server.js';

// More repositories than the 8 jobs that run at once; under CI load each clone takes a second.
const N = 12;
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();

let root: string;
let work: string;
let server: LoopbackGitServer;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'ug-onedir-root-'));
  work = mkdtempSync(join(tmpdir(), 'ug-onedir-'));
  server = await startLoopbackGitServer(root);
  server.delayMs = 5;
  const src = createRepo();
  src.write('a.txt', 'a\n');
  src.commit('a');
  mkdirSync(join(root, 'acme'));
  for (let i = 0; i < N; i++) git(root, 'clone', '-q', '--bare', src.dir, `acme/r${i}.git`);
  src.cleanup();
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

test(`${N} repositories, two workers at concurrency 4, two jobs per repository: ${N} directories`, async () => {
  const env = {
    UPSTASH_GUARD_CACHE_DIR: join(work, 'cache'),
    UPSTASH_GUARD_DATA_DIR: join(work, 'data'),
  };
  const cacheDir = cacheDirFrom(env);
  const janitor = new CacheJanitor(cacheDir);
  const queues = [0, 1].map(
    (w) =>
      new InProcessQueue({
        concurrency: 4,
        journalPath: join(stateDirFrom(env), `queue-${w}.journal`),
      }),
  );
  const caches = queues.map(() => new RepoCache(cacheDir));
  const fetched: string[] = [];
  queues.forEach((q, w) =>
    q.start(async (job) => {
      const dir = await caches[w]!.ensure({
        key: cacheKeyFor(job),
        cloneUrl: server.url(`acme/${job.repo}.git`),
      });
      await janitor.used(dir, { installationId: job.installationId, repoId: job.repoId });
      fetched.push(dir);
    }),
  );
  const job = (i: number, kind: 'history' | 'push'): ScanJob => ({
    kind,
    installationId: 1,
    owner: 'acme',
    repo: `r${i}`,
    repoId: 1000 + i,
    headSha: kind === 'push' ? 'a'.repeat(40) : '',
    ...(kind === 'push' ? { ref: 'refs/heads/main' } : { deliveryId: 'd' }),
  });
  // Both workers get every repository, as two jobs each: the same repository is fetched by up to
  // four jobs at once.
  for (let i = 0; i < N; i++)
    for (const q of queues) {
      await q.add(job(i, 'history'));
      await q.add(job(i, 'push'));
    }
  await Promise.all(queues.map((q) => q.idle()));
  await Promise.all(queues.map((q) => q.close()));
  expect(fetched).toHaveLength(4 * N);
  expect(new Set(fetched).size).toBe(N);

  const entries = readdirSync(cacheDir, { withFileTypes: true });
  expect(entries.filter((e) => e.isDirectory())).toHaveLength(N);
  // Nothing but clones: no journal, lock, temp or partial entry.
  expect(entries.filter((e) => !e.isDirectory() || !e.name.endsWith('.git'))).toEqual([]);
  for (const e of entries)
    expect(git(join(cacheDir, e.name), 'rev-parse', 'main')).toMatch(/^[0-9a-f]{40}$/);
  expect(await janitor.sweep()).toMatchObject({ repos: N });
  expect(readdirSync(stateDirFrom(env))).toContain('queue-0.journal');
}, 90_000);

test('without a data directory the journals are files beside the clones, never directories', () => {
  const env = { UPSTASH_GUARD_CACHE_DIR: join(work, 'only-cache') };
  expect(stateDirFrom(env)).toBe(cacheDirFrom(env));
  expect(stateDirFrom({ UPSTASH_GUARD_DATA_DIR: '/d' })).toBe('/d/queue');
});
