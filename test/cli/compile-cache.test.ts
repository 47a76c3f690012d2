/**
 * The CLI's V8 compile cache (src/cli/compile-cache.ts): on a Node that has one (22.1+) it is kept
 * in the user's own cache directory and never in a shared temporary one; on an older Node nothing
 * is written; a cache directory that cannot be written never stops a scan.
 *
 * The process tests run the built CLI with this Node, or with UPSTASH_GUARD_TEST_NODE (a path to
 * another node binary, e.g. the current LTS, to cover the branch this Node does not have).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCacheDir } from '../../src/cli/compile-cache.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';

const MAIN = join(process.cwd(), 'dist', 'cli', 'main.js');
const NODE = process.env.UPSTASH_GUARD_TEST_NODE ?? process.execPath;
const HAS_CACHE =
  spawnSync(NODE, ['-p', "typeof require('node:module').enableCompileCache"], {
    encoding: 'utf8',
  }).stdout.trim() === 'function';

describe('compileCacheDir', () => {
  test("the user's cache home, never a shared temporary directory", () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/home/u/.cache' })).toBe(
      '/home/u/.cache/upstash-guard/compile-cache',
    );
    // A relative XDG_CACHE_HOME is invalid by the spec (it would follow the working directory,
    // which may be the repository being scanned): the home directory is used instead.
    const dir = compileCacheDir({ XDG_CACHE_HOME: 'cache' });
    expect(dir).toMatch(/\/\.cache\/upstash-guard\/compile-cache$/);
    expect(dir!.startsWith(tmpdir())).toBe(false);
  });

  test("Node's own variables win: a chosen directory, or the cache turned off", () => {
    expect(compileCacheDir({ NODE_COMPILE_CACHE: '/x/y', XDG_CACHE_HOME: '/c' })).toBe('/x/y');
    expect(compileCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1', XDG_CACHE_HOME: '/c' })).toBe(
      undefined,
    );
  });
});

describe(`the CLI as a process (${NODE === process.execPath ? `this node, ${process.version}` : NODE})`, () => {
  let home: string;
  let repo: TestRepo;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'ug-cc-home-'));
    repo = createRepo();
    repo.write('README.md', '# clean\n');
    repo.commit('initial');
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    repo.cleanup();
  });

  const run = (env: Record<string, string>) =>
    spawnSync(NODE, [MAIN, 'scan', '--history', '.'], {
      cwd: repo.dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    });

  test(
    HAS_CACHE
      ? 'the cache is written under the home directory'
      : 'no cache is written on a Node without one',
    () => {
      const r = run({ HOME: home });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const dir = join(home, '.cache', 'upstash-guard', 'compile-cache');
      if (HAS_CACHE) {
        expect(readdirSync(dir).length).toBeGreaterThan(0);
        // Run again from the cache: same result.
        const again = run({ HOME: home });
        const untimed = (out: string) => out.replace(/ in \d+ ms/, '');
        expect([again.status, untimed(again.stdout)]).toEqual([0, untimed(r.stdout)]);
      } else {
        expect(existsSync(dir)).toBe(false);
      }
    },
  );

  test('a cache directory that cannot be written (a file in its place) does not stop a scan', () => {
    writeFileSync(join(home, '.cache'), 'not a directory');
    const r = run({ HOME: home });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/No Upstash credentials found/);
  });

  test('NODE_DISABLE_COMPILE_CACHE leaves no cache behind', () => {
    const r = run({ HOME: home, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(r.status).toBe(0);
    expect(existsSync(join(home, '.cache'))).toBe(false);
  });
});
