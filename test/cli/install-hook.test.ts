/**
 * install-hook as users run it: the built CLI writes a hook into a real repository, and real
 * `git commit`s go through it (a staged token is blocked, a clean commit passes).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hookScript, installHook, type HookCommand } from '../../src/cli/install-hook.js';
import { ensureBuilt, ROOT } from '../helpers/app-process.js';
import { createRepo, type TestRepo } from '../helpers/git-repo.js';
import { redisEndpoint, redisTokenParts } from '../helpers/synthetic.js';
import { cli } from './cli-harness.js';

const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const built: HookCommand = { node: process.execPath, script: MAIN };
beforeAll(() => ensureBuilt(), 120_000);

function run(args: string[], cwd: string) {
  return spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
}

function commit(repo: TestRepo, message: string, extra: string[] = []) {
  // A real `git commit`, hooks enabled, with a PATH that has no upstash-guard and no npx.
  return spawnSync('git', ['commit', '-q', '-m', message, ...extra], {
    cwd: repo.dir,
    encoding: 'utf8',
    env: {
      PATH: '/usr/bin:/bin',
      HOME: repo.dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'a',
      GIT_AUTHOR_EMAIL: 'a@example.org',
      GIT_COMMITTER_NAME: 'a',
      GIT_COMMITTER_EMAIL: 'a@example.org',
    },
  });
}

describe('upstash-guard install-hook', () => {
  // `git commit -a` and `git commit <paths>` stage into a temporary index and point the hook at it
  // with GIT_INDEX_FILE; a hook that read .git/index would pass a token that was never `git add`ed.
  test.each([
    ['commit -a', ['-a']],
    ['commit <path>', ['--', 'config.env']],
    ['commit --include <path>', ['--include', 'config.env']],
  ])('blocks a token the commit stages itself (`git %s`)', (_name, extra) => {
    const repo = createRepo();
    try {
      expect(run(['install-hook'], repo.dir).status).toBe(0);
      repo.write('config.env', 'NAME=value\n');
      repo.git('add', '-A');
      expect(commit(repo, 'clean').status).toBe(0);

      const { token, dbId } = redisTokenParts({ seed: 'hook-a' });
      repo.write(
        'config.env',
        `UPSTASH_REDIS_REST_URL=https://${redisEndpoint(dbId, { seed: 'hook-a' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
      );
      const blocked = commit(repo, 'leak', extra);
      expect(blocked.stdout + blocked.stderr).toMatch(/Upstash Redis REST token/);
      expect(blocked.status).not.toBe(0);
      expect(blocked.stdout + blocked.stderr).not.toContain(token);
      expect(repo.git('log', '--format=%s').trim().split('\n')).toEqual(['clean']);
    } finally {
      rmSync(repo.dir, { recursive: true, force: true });
    }
  });

  test('blocks a token committed with `git commit -a` from a linked worktree', () => {
    const repo = createRepo();
    const wt = `${repo.dir}-wt`;
    try {
      expect(run(['install-hook'], repo.dir).status).toBe(0);
      repo.write('config.env', 'NAME=value\n');
      repo.git('add', '-A');
      expect(commit(repo, 'clean').status).toBe(0);
      repo.git('worktree', 'add', '-q', wt, '-b', 'feature');
      const { token, dbId } = redisTokenParts({ seed: 'hook-wt' });
      writeFileSync(
        join(wt, 'config.env'),
        `UPSTASH_REDIS_REST_URL=https://${redisEndpoint(dbId, { seed: 'hook-wt' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
      );
      const blocked = commit({ ...repo, dir: wt }, 'leak', ['-a']);
      expect(blocked.stdout + blocked.stderr).toMatch(/Upstash Redis REST token/);
      expect(blocked.status).not.toBe(0);
      expect(blocked.stdout + blocked.stderr).not.toContain(token);
    } finally {
      rmSync(wt, { recursive: true, force: true });
      rmSync(repo.dir, { recursive: true, force: true });
    }
  });

  test('the installed hook runs this CLI by absolute path: blocks a staged token, passes a clean commit', () => {
    const repo = createRepo();
    try {
      const r = run(['install-hook'], repo.dir);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const file = join(repo.dir, '.git/hooks/pre-commit');
      const script = readFileSync(file, 'utf8');
      expect(script).toBe(hookScript(built));
      expect(script).toContain(`'${process.execPath}'`);
      expect(script).toContain(`'${MAIN}'`);
      expect(script).not.toMatch(/npx/);
      expect(statSync(file).mode & 0o111).toBe(0o111);
      execFileSync('sh', ['-n', file]);

      repo.write('README.md', '# clean\n');
      repo.git('add', '-A');
      const clean = commit(repo, 'clean');
      expect(clean.status).toBe(0);

      const { token, dbId } = redisTokenParts({ seed: 'hook' });
      repo.write(
        '.env',
        `UPSTASH_REDIS_REST_URL=https://${redisEndpoint(dbId, { seed: 'hook' })}\nUPSTASH_REDIS_REST_TOKEN=${token}\n`,
      );
      repo.git('add', '-A');
      const blocked = commit(repo, 'leak');
      expect(blocked.status).not.toBe(0);
      expect(blocked.stdout + blocked.stderr).toMatch(/Upstash Redis REST token/);
      expect(blocked.stdout + blocked.stderr).not.toContain(token);
      expect(repo.git('log', '--format=%s')).toBe('clean');
    } finally {
      repo.cleanup();
    }
  });

  test('a hook whose CLI was removed fails the commit with a clear message', async () => {
    const repo = createRepo();
    const gone = mkdtempSync(join(tmpdir(), 'ug-gone-'));
    try {
      const script = join(gone, 'main.js');
      writeFileSync(script, '');
      await installHook(repo.dir, false, { node: process.execPath, script });
      rmSync(gone, { recursive: true, force: true });
      repo.write('a.txt', 'a\n');
      repo.git('add', '-A');
      const r = commit(repo, 'x');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/cannot find .*main\.js.*install-hook --force/);
    } finally {
      repo.cleanup();
      rmSync(gone, { recursive: true, force: true });
    }
  });

  test('refuses to overwrite without --force', async () => {
    const repo = createRepo();
    try {
      const file = join(repo.dir, '.git/hooks/pre-commit');
      mkdirSync(join(repo.dir, '.git/hooks'), { recursive: true });
      writeFileSync(file, '#!/bin/sh\necho mine\n');
      const again = run(['install-hook', repo.dir], '/');
      expect(again.status).toBe(2);
      expect(again.stderr).toMatch(/already exists.*--force/);
      expect(readFileSync(file, 'utf8')).toContain('echo mine');
      expect(run(['install-hook', '--force'], repo.dir).status).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(hookScript(built));
    } finally {
      repo.cleanup();
    }
  });

  test('honours a core.hooksPath inside the repository (husky-style setups)', async () => {
    const repo = createRepo();
    try {
      repo.git('config', 'core.hooksPath', '.githooks');
      expect(run(['install-hook'], repo.dir).status).toBe(0);
      expect(readFileSync(join(repo.dir, '.githooks/pre-commit'), 'utf8')).toBe(hookScript(built));
    } finally {
      repo.cleanup();
    }
  });

  test.each([
    ['an absolute core.hooksPath elsewhere', (_repo: TestRepo, outside: string) => outside],
    [
      'a relative core.hooksPath that climbs out',
      (_repo: TestRepo, outside: string) => `../${outside.split('/').pop()}`,
    ],
  ])('refuses %s', async (_name, hooksPath) => {
    const repo = createRepo();
    const outside = mkdtempSync(join(tmpdir(), 'ug-outside-'));
    try {
      // Put `outside` next to the repository so the relative case resolves to it.
      const sibling = join(repo.dir, '..', outside.split('/').pop()!);
      repo.git('config', 'core.hooksPath', hooksPath(repo, outside));
      const r = run(['install-hook'], repo.dir);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/outside the repository/);
      expect(existsSync(join(outside, 'pre-commit'))).toBe(false);
      expect(existsSync(join(sibling, 'pre-commit'))).toBe(false);
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('refuses a hooks folder that is a symlink out of the repository', async () => {
    const repo = createRepo();
    const outside = mkdtempSync(join(tmpdir(), 'ug-outside-'));
    try {
      rmSync(join(repo.dir, '.git/hooks'), { recursive: true, force: true });
      symlinkSync(outside, join(repo.dir, '.git/hooks'));
      await expect(installHook(repo.dir, true, built)).rejects.toThrow(/outside the repository/);
      expect(existsSync(join(outside, 'pre-commit'))).toBe(false);
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('refuses to write through a pre-commit symlink, even with --force', async () => {
    const repo = createRepo();
    const outside = mkdtempSync(join(tmpdir(), 'ug-outside-'));
    try {
      const target = join(outside, 'victim');
      writeFileSync(target, 'keep me\n');
      mkdirSync(join(repo.dir, '.git/hooks'), { recursive: true });
      symlinkSync(target, join(repo.dir, '.git/hooks/pre-commit'));
      await expect(installHook(repo.dir, true, built)).rejects.toThrow(/symlink/);
      expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('from unbuilt sources (no main.js beside it): a clear error, nothing written', async () => {
    const repo = createRepo();
    try {
      const r = await cli(['install-hook'], { cwd: repo.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/cannot find the upstash-guard CLI at .*src\/cli\/main\.js/);
      expect(existsSync(join(repo.dir, '.git/hooks/pre-commit'))).toBe(false);
    } finally {
      repo.cleanup();
    }
  });

  test('outside a repository: exit 2', async () => {
    const r = run(['install-hook', '/'], '/');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/needs a git repository/);
  });
});
