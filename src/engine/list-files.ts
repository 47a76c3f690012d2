/**
 * The files a working-tree scan reads: in a git work tree, what `git ls-files` lists (tracked plus
 * untracked files that are not ignored); elsewhere, a walk that skips .git and node_modules and
 * never follows symlinks.
 */
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
    return stdout.toString('utf8').split('\0').filter(Boolean);
  }
  const out: string[] = [];
  await walk(dir, '', out);
  return out;
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
