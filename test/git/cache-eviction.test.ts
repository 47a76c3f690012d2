/**
 * The clone cache's upkeep on real bare repositories: LRU eviction under a byte cap that skips
 * clones in use, repack of piled-up loose objects, removal by repository and by installation.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { jest } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheJanitor, objectCounts } from '../../src/git/cache-eviction.js';

const GIT_ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ug-janitor-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A bare clone dir with `n` loose blobs of `size` random-ish bytes. */
function clone(name: string, n: number, size = 2000): string {
  const p = join(dir, `${name}.git`);
  mkdirSync(p);
  git(p, 'init', '--bare', '-q');
  const entries: string[] = [];
  for (let i = 0; i < n; i++) {
    const sha = execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: p,
      env: GIT_ENV,
      input: `${name}-${i}-`.repeat(Math.ceil(size / 8)),
      encoding: 'utf8',
    }).trim();
    entries.push(`100644 blob ${sha}\tf${i}\n`);
  }
  // Reachable from a branch, as fetched objects are.
  const tree = execFileSync('git', ['mktree'], {
    cwd: p,
    env: GIT_ENV,
    input: entries.join(''),
    encoding: 'utf8',
  }).trim();
  const commit = execFileSync('git', ['commit-tree', tree, '-m', 'c'], {
    cwd: p,
    env: {
      ...GIT_ENV,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    },
    encoding: 'utf8',
  }).trim();
  git(p, 'update-ref', 'refs/heads/main', commit);
  return p;
}

test('LRU eviction under the cap skips clones in use and reports what is left', async () => {
  const evictions: number[] = [];
  const j = new CacheJanitor(dir, { onEvict: (_r, n) => evictions.push(n) });
  const [a, b, c] = ['a', 'b', 'c'].map((n) => clone(n, 20));
  await j.used(a!, { installationId: 1, repoId: 1 });
  await new Promise((r) => setTimeout(r, 5));
  await j.used(b!, { installationId: 1, repoId: 2 });
  await new Promise((r) => setTimeout(r, 5));
  await j.used(c!, { installationId: 1, repoId: 3 });
  const all = await j.sweep();
  expect(all.repos).toBe(3);
  // Room for about two clones; "a" is the least recently used but a job holds it.
  const capped = new CacheJanitor(dir, {
    maxBytes: Math.floor((all.bytes * 2) / 3) + 1,
    onEvict: (_r, n) => evictions.push(n),
  });
  const release = capped.hold(1);
  const after = await capped.sweep();
  release();
  expect(readdirSync(dir).sort()).toEqual(['a.git', 'c.git']);
  expect(after.repos).toBe(2);
  expect(after.bytes).toBeLessThanOrEqual(Math.floor((all.bytes * 2) / 3) + 1);
  expect(evictions).toEqual([1]);
});

/** Waits for the janitor's background accounting after a job. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

test('after a job only its clone is measured; the cache is swept once the total is over the cap', async () => {
  const evictions: number[] = [];
  const [a, b] = ['a', 'b'].map((n) => clone(n, 20)) as [string, string];
  const probe = new CacheJanitor(dir);
  await probe.used(a, { installationId: 1, repoId: 1 });
  await new Promise((r) => setTimeout(r, 5));
  await probe.used(b, { installationId: 1, repoId: 2 });
  const base = await probe.sweep();
  const j = new CacheJanitor(dir, {
    maxBytes: base.bytes + 30_000,
    looseObjectLimit: 10_000,
    onEvict: (_r, n) => evictions.push(n),
  });
  await j.sweep();
  const sweeps = jest.spyOn(j, 'sweep');
  const grow = (p: string, kb: number): void => {
    execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: p,
      env: GIT_ENV,
      input: randomBytes(kb * 1024),
    });
  };
  // 20 KB more: under the cap, so no sweep; the total follows the clone.
  grow(b, 20);
  const before = j.size()!.bytes;
  await j.afterJob(b);
  await until(() => j.size()!.bytes > before);
  expect(sweeps).not.toHaveBeenCalled();
  expect(j.size()).toEqual(await probe.sweep());
  // 20 KB more: over the cap, so the least recently used clone goes.
  grow(b, 20);
  await j.afterJob(b);
  await until(() => evictions.length > 0);
  expect(sweeps).toHaveBeenCalledTimes(1);
  expect(readdirSync(dir)).toEqual(['b.git']);
  expect(j.size()).toEqual(await probe.sweep());
});

test('repack packs loose objects once they pile up', async () => {
  const p = clone('r', 40, 200);
  const j = new CacheJanitor(dir, { looseObjectLimit: 30 });
  expect(git(p, 'count-objects', '-v')).toMatch(/^count: 42$/m); // 40 blobs, a tree, a commit
  expect(await j.repackIfNeeded(p)).toBe(true);
  expect(git(p, 'count-objects', '-v')).toMatch(/^count: 0$/m);
  expect(await j.repackIfNeeded(p)).toBe(false);
});

test('objects are counted from the directory as git count-objects counts them', async () => {
  const p = clone('c', 12, 100);
  const counted = (): { loose: number; packs: number } => {
    const out = git(p, 'count-objects', '-v');
    const n = (k: string): number => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(out)![1]);
    return { loose: n('count'), packs: n('packs') };
  };
  expect(await objectCounts(join(p, 'objects'))).toEqual(counted()); // 12 blobs, a tree, a commit
  expect((await objectCounts(join(p, 'objects'))).loose).toBe(14);
  git(p, 'repack', '-q');
  execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: p, env: GIT_ENV, input: 'new' });
  expect(await objectCounts(join(p, 'objects'))).toEqual(counted());
  expect((await objectCounts(join(p, 'objects'))).packs).toBe(1);
  // Not objects: git's temporary files, other names, a missing store.
  writeFileSync(join(p, 'objects', 'pack', 'tmp_pack_x'), '');
  writeFileSync(join(p, 'objects', 'info', 'packs'), '');
  expect(await objectCounts(join(p, 'objects'))).toEqual(counted());
  expect(await objectCounts(join(dir, 'missing'))).toEqual({ loose: 0, packs: 0 });
});

test('removal by repository ids and by installation', async () => {
  const j = new CacheJanitor(dir);
  const clones = [clone('x', 1), clone('y', 1), clone('z', 1)];
  await j.used(clones[0]!, { installationId: 7, repoId: 70 });
  await j.used(clones[1]!, { installationId: 7, repoId: 71 });
  await j.used(clones[2]!, { installationId: 8, repoId: 80 });
  expect(await j.remove(7, [71])).toBe(1);
  expect(readdirSync(dir).sort()).toEqual(['x.git', 'z.git']);
  expect(await j.remove(7)).toBe(1);
  expect(readdirSync(dir)).toEqual(['z.git']);
});

test('a first clone killed mid-fetch (no metadata) is not a repository and goes once it is stale', async () => {
  const evicted: string[] = [];
  const done = clone('done', 1);
  const j = new CacheJanitor(dir, { onEvict: (r, n) => evicted.push(`${r}:${n}`) });
  await j.used(done, { installationId: 1, repoId: 1 });
  const leftover = clone('leftover', 1);
  // Fresh: may be a first clone still fetching, so it stays; it is not counted as a repository.
  expect(await j.sweep()).toMatchObject({ repos: 1 });
  expect(readdirSync(dir).sort()).toEqual(['done.git', 'leftover.git']);
  const { utimesSync } = await import('node:fs');
  const old = (Date.now() - 2 * 3600_000) / 1000;
  utimesSync(leftover, old, old);
  expect(await j.sweep()).toMatchObject({ repos: 1 });
  expect(readdirSync(dir)).toEqual(['done.git']);
  expect(evicted).toEqual(['partial:1']);
});
