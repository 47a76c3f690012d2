import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGit } from '../git/run-git.js';
import { UsageError } from './io.js';

/** The exact program the hook runs: this node binary and this package's built CLI. */
export interface HookCommand {
  node: string;
  script: string;
}

/**
 * The CLI that is running now. The hook calls it by absolute path: `npx upstash-guard` would
 * look the name up on the npm registry (or fail offline) on every commit.
 */
export function currentCli(): HookCommand {
  return { node: process.execPath, script: fileURLToPath(new URL('./main.js', import.meta.url)) };
}

const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function hookScript(cmd: HookCommand): string {
  return `#!/bin/sh
# upstash-guard: block commits that add Upstash credentials (installed by "upstash-guard install-hook").
# Skip once, knowingly: git commit --no-verify
node=${shQuote(cmd.node)}
cli=${shQuote(cmd.script)}
if [ ! -x "$node" ] || [ ! -f "$cli" ]; then
  echo "upstash-guard: the pre-commit hook cannot find $cli (moved or uninstalled); reinstall it with: upstash-guard install-hook --force" >&2
  exit 1
fi
exec "$node" "$cli" scan --staged --quiet
`;
}

async function gitOut(dir: string, args: string[]): Promise<string | undefined> {
  const r = await runGit(args, { cwd: dir, okCodes: [0, 1, 128], timeoutMs: 30_000 }).catch(
    () => undefined,
  );
  return r?.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}

/** realpath of the longest existing prefix, plus the rest: where a write would really land. */
async function realTarget(path: string): Promise<string> {
  let existing = path;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    rest.unshift(basename(existing));
    const up = dirname(existing);
    if (up === existing) break;
    existing = up;
  }
  return join(await realpath(existing), ...rest);
}

const inside = (child: string, parent: string): boolean => {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

interface HookLocation {
  dir: string;
  /** Directories the hook may be written under: the work tree and the git directory. */
  roots: string[];
}

/**
 * Where git will look for hooks: core.hooksPath from the repository's own config when set
 * (husky and friends), else <common git dir>/hooks. Read with --local because our git factory
 * overrides core.hooksPath on the command line for safety.
 */
async function hookLocation(repo: string): Promise<HookLocation> {
  const common = await gitOut(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (!common) throw new UsageError(`install-hook needs a git repository, and ${repo} is not one`);
  const top = await gitOut(repo, ['rev-parse', '--show-toplevel']);
  const roots = [common, ...(top ? [top] : [])];
  const custom = await gitOut(repo, ['config', '--local', '--get', 'core.hooksPath']);
  if (!custom) return { dir: join(common, 'hooks'), roots };
  // Like git: a relative core.hooksPath is relative to the work tree (the git dir when bare).
  return { dir: resolve(top ?? common, custom), roots };
}

/**
 * Writes the pre-commit hook; refuses to replace an existing one unless forced, and refuses to
 * write anywhere outside the repository (a core.hooksPath elsewhere, a symlinked hooks folder or
 * hook file). Returns its path.
 */
export async function installHook(
  repo: string,
  force: boolean,
  cmd: HookCommand = currentCli(),
): Promise<string> {
  const { dir, roots } = await hookLocation(repo);
  if (!existsSync(cmd.script)) {
    throw new UsageError(
      `cannot find the upstash-guard CLI at ${cmd.script}: run install-hook from an installed or built upstash-guard (npm run build)`,
    );
  }
  const realRoots = await Promise.all(roots.map((r) => realpath(r)));
  const realDir = await realTarget(dir);
  if (!realRoots.some((r) => inside(realDir, r))) {
    throw new UsageError(
      `the hooks folder ${dir} is outside the repository${realDir !== dir ? ` (it resolves to ${realDir})` : ''}; install-hook only writes inside ${realRoots.at(-1)}. Add "upstash-guard scan --staged" to the pre-commit hook there yourself`,
    );
  }
  const file = join(dir, 'pre-commit');
  const existing = await lstat(file).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    throw new UsageError(
      `${file} is a symlink; install-hook does not write through symlinks. Add "upstash-guard scan --staged" to the hook it points to yourself`,
    );
  }
  if (existing && !force) {
    throw new UsageError(
      `${file} already exists; add "upstash-guard scan --staged" to it, or rerun with --force to replace it`,
    );
  }
  await mkdir(dir, { recursive: true });
  // Written beside the hook, then renamed over it: a rename replaces a path, it never follows one.
  const tmp = join(dir, `.pre-commit.upstash-guard-${process.pid}`);
  try {
    await writeFile(tmp, hookScript(cmd), { mode: 0o755, flag: 'wx' });
    await chmod(tmp, 0o755);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}
