/** Real git repositories in temp dirs for tests: commits, branches, merges, renames, force pushes. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.org',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.org',
  LC_ALL: 'C',
};

export interface TestRepo {
  dir: string;
  git(...args: string[]): string;
  write(path: string, content: string | Buffer): void;
  remove(path: string): void;
  rename(from: string, to: string): void;
  /** Stages everything and commits; returns the new sha. */
  commit(message: string, opts?: { author?: string; date?: string }): string;
  branch(name: string, from?: string): void;
  checkout(name: string): void;
  /** Merges `name` into the current branch; a merge commit unless `noFF: false` allows fast-forward. */
  merge(name: string, opts?: { message?: string; noFF?: boolean }): string;
  tag(name: string): void;
  head(): string;
  /** Creates a bare repository in its own temp dir, adds it as remote `origin`; returns its dir. */
  createBareRemote(): string;
  /** `git push origin <refspec>` (with --force when asked), for force-push scenarios. */
  push(refspec: string, opts?: { force?: boolean }): void;
  cleanup(): void;
}

let counter = 0;

export function createRepo(opts: { bare?: boolean } = {}): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), 'ug-repo-'));
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      env: ENV,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    }).trim();
  const extra: string[] = [];
  git('init', '-q', '-b', 'main', ...(opts.bare ? ['--bare'] : []));
  const repo: TestRepo = {
    dir,
    git,
    write(path, content) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    },
    remove(path) {
      rmSync(join(dir, path), { force: true, recursive: true });
    },
    rename(from, to) {
      mkdirSync(dirname(join(dir, to)), { recursive: true });
      renameSync(join(dir, from), join(dir, to));
    },
    commit(message, o = {}) {
      git('add', '-A');
      const date = o.date ?? `2024-01-01T00:00:${String(counter++ % 60).padStart(2, '0')}Z`;
      execFileSync(
        'git',
        [
          'commit',
          '-q',
          '--allow-empty',
          '--no-verify',
          '-m',
          message,
          ...(o.author ? [`--author=${o.author}`] : []),
        ],
        {
          cwd: dir,
          env: { ...ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
        },
      );
      return git('rev-parse', 'HEAD');
    },
    branch(name, from) {
      git('branch', name, ...(from ? [from] : []));
    },
    checkout(name) {
      git('checkout', '-q', name);
    },
    merge(name, o = {}) {
      const ff = o.noFF === false ? [] : ['--no-ff'];
      git('merge', '-q', ...ff, '--no-edit', '-m', o.message ?? `merge ${name}`, name);
      return git('rev-parse', 'HEAD');
    },
    tag(name) {
      git('tag', name);
    },
    head() {
      return git('rev-parse', 'HEAD');
    },
    createBareRemote() {
      const bare = mkdtempSync(join(tmpdir(), 'ug-remote-'));
      extra.push(bare);
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main'], { cwd: bare, env: ENV });
      git('remote', 'add', 'origin', bare);
      return bare;
    },
    push(refspec, o = {}) {
      git('push', '-q', '--no-verify', ...(o.force ? ['--force'] : []), 'origin', refspec);
    },
    cleanup() {
      for (const d of [dir, ...extra]) rmSync(d, { recursive: true, force: true });
    },
  };
  return repo;
}

/**
 * A repository with one commit whose config includes a FIFO nobody writes: every git started in
 * it blocks opening the FIFO (an include of the repository config cannot be switched off).
 */
export function createStalledRepo(): TestRepo {
  const repo = createRepo();
  repo.write('a.txt', 'a\n');
  repo.commit('a');
  execFileSync('mkfifo', [join(repo.dir, '.git/stall')]);
  repo.git('config', 'include.path', join(repo.dir, '.git/stall'));
  return repo;
}
