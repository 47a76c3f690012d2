/**
 * git reads some files of a repository whole into memory, however large: the alternates file,
 * commondir, every .gitignore, an added blob it diffs. A symlink to /dev/zero there made git grow
 * to 22 GB in 72 s before the kernel stopped it. Every git process we start, through runGit,
 * spawnGit or simple-git, has its heap capped; past the cap git fails at once and the error says
 * which limit it hit. A FIFO in the same places blocks git instead: the inactivity limit kills it.
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../src/core/index.js';
import { scanHistory } from '../../src/engine/scan-history.js';
import { scanStaged } from '../../src/engine/scan-staged.js';
import { scanTree } from '../../src/engine/scan-tree.js';
import { porcelainGit } from '../../src/git/porcelain.js';
import { configureGitLimits, gitLimits, runGit } from '../../src/git/run-git.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisTokenParts } from '../helpers/synthetic.js';

const opts = { config: DEFAULT_CONFIG };
const CAP = 256 * 1024 * 1024;
let restore: ReturnType<typeof configureGitLimits>;
let repo: TestRepo;
const MEMORY = /out of memory.*capped at 256 MiB/i;

beforeAll(() => {
  restore = configureGitLimits({ memoryBytes: CAP });
  repo = createRepo();
  repo.write('app.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
  repo.commit('leak');
  repo.write('staged.env', `UPSTASH_REDIS_REST_TOKEN=${redisTokenParts().token}\n`);
  repo.git('add', 'staged.env');
});
afterAll(() => {
  configureGitLimits(restore);
  repo.cleanup();
});

const settled = <T>(p: Promise<T>): Promise<T | Error> => p.catch((e: Error) => e);

it('is on by default, at half the memory (or of the container limit) or 1 GiB', () => {
  expect(restore.memoryBytes).toBeGreaterThanOrEqual(1024 ** 3);
  expect(gitLimits().memoryBytes).toBe(CAP);
});

it('leaves ordinary scans alone', async () => {
  expect((await scanHistory(repo.dir, opts)).findings).toHaveLength(1);
  expect((await scanStaged(repo.dir, opts)).findings).toHaveLength(1);
  expect((await scanTree(repo.dir, opts)).findings).toHaveLength(2);
  // A process that asks for more than the cap fails (the cap is really applied to git).
  const big = await settled(
    runGit(['hash-object', '--stdin'], { cwd: repo.dir, input: Buffer.alloc(300 * 1024 ** 2) }),
  );
  expect(big).toBeInstanceOf(Error);
  expect((big as Error).message).toMatch(MEMORY);
  // The App's fetch and org clones run in repositories we made, on GitHub's objects: uncapped,
  // since index-pack of a very large repository may need more.
  const fetchLike = await runGit(['hash-object', '--stdin'], {
    cwd: repo.dir,
    input: Buffer.alloc(300 * 1024 ** 2),
    network: true,
  });
  expect(fetchLike.code).toBe(0);
});

it.each([['objects/info/alternates'], ['commondir']])(
  'stops git reading %s from /dev/zero, in every way we start git',
  async (file) => {
    const link = join(repo.dir, '.git', file);
    symlinkSync('/dev/zero', link);
    try {
      const [history, staged, porcelain] = await Promise.all([
        settled(scanHistory(repo.dir, opts)),
        settled(scanStaged(repo.dir, opts)),
        settled(porcelainGit(repo.dir).revparse(['--verify', 'HEAD^{commit}'])),
      ]);
      for (const r of [history, staged]) {
        expect(r).toBeInstanceOf(Error);
        expect((r as Error).message).toMatch(MEMORY);
      }
      expect(porcelain).toBeInstanceOf(Error);
      expect(String(porcelain)).toMatch(/out of memory/i);
    } finally {
      rmSync(link);
    }
  },
);

it.each([['objects/info/alternates'], ['commondir']])(
  'a FIFO at %s is killed by the inactivity limit, not waited on',
  async (file) => {
    const fifo = join(repo.dir, '.git', file);
    execFileSync('mkfifo', [fifo]);
    const before = configureGitLimits({ idleTimeoutMs: 800 });
    try {
      const [history, porcelain] = await Promise.all([
        settled(scanHistory(repo.dir, opts)),
        settled(porcelainGit(repo.dir).revparse(['--verify', 'HEAD^{commit}'])),
      ]);
      expect(history).toBeInstanceOf(Error);
      expect((history as Error).message).toMatch(/produced no output for 800 ms and was killed/);
      expect(porcelain).toBeInstanceOf(Error);
    } finally {
      configureGitLimits({ idleTimeoutMs: before.idleTimeoutMs });
      rmSync(fifo);
    }
  },
);
