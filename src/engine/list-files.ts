/**
 * The files a working-tree scan reads: in a git work tree, what `git ls-files` lists (tracked plus
 * untracked files that are not ignored); elsewhere, a walk that skips .git and node_modules and
 * never follows symlinks.
 *
 * No symlink is followed out of the scanned root, nor inside it: the index can list `d/x.env`
 * while the work tree has `d` as a symlink to anywhere, so every listed path whose parent is not a
 * real directory is dropped here, and readRegularFile opens the last component with O_NOFOLLOW.
 * An in-repository symlink's target is scanned at its own path.
 */
import { lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from '../git/run-git.js';

export async function isGitWorkTree(dir: string): Promise<boolean> {
  const r = await runGit(['rev-parse', '--is-inside-work-tree'], {
    cwd: dir,
    okCodes: [0, 128],
    timeoutMs: 30_000,
  }).catch(() => undefined);
  return r?.code === 0 && r.stdout.toString('utf8').trim() === 'true';
}

export async function listFiles(dir: string): Promise<string[]> {
  if (await isGitWorkTree(dir)) {
    const { stdout } = await runGit(
      ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--deduplicate'],
      { cwd: dir },
    );
    return underRealDirectories(dir, stdout.toString('utf8').split('\0').filter(Boolean));
  }
  const out: string[] = [];
  await walk(dir, '', out);
  return out;
}

/** Keeps the paths whose every parent directory is a directory, not a symlink (lstat, cached). */
export function underRealDirectories(root: string, paths: string[]): string[] {
  const known = new Map<string, boolean>([['', true]]);
  const real = (dir: string): boolean => {
    let ok = known.get(dir);
    if (ok === undefined) {
      const slash = dir.lastIndexOf('/');
      ok =
        real(slash < 0 ? '' : dir.slice(0, slash)) &&
        (lstatSync(join(root, dir), { throwIfNoEntry: false })?.isDirectory() ?? false);
      known.set(dir, ok);
    }
    return ok;
  };
  return paths.filter((p) => real(p.slice(0, Math.max(0, p.lastIndexOf('/')))));
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) await walk(root, path, out);
    } else if (e.isFile()) {
      out.push(path);
    }
  }
}
