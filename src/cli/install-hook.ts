import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { runGit } from '../git/run-git.js';
import { UsageError } from './io.js';

export const HOOK_SCRIPT = `#!/bin/sh
# upstash-guard: block commits that add Upstash credentials (installed by "upstash-guard install-hook").
# Skip once, knowingly: git commit --no-verify
if command -v upstash-guard >/dev/null 2>&1; then
  exec upstash-guard scan --staged --quiet
fi
exec npx --no-install upstash-guard scan --staged --quiet
`;

async function gitOut(dir: string, args: string[]): Promise<string | undefined> {
  const r = await runGit(args, { cwd: dir, okCodes: [0, 1, 128], timeoutMs: 30_000 }).catch(
    () => undefined,
  );
  return r?.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}

/**
 * Where git will look for hooks: core.hooksPath from the repository's own config when set
 * (husky and friends), else <common git dir>/hooks. Read with --local because our git factory
 * overrides core.hooksPath on the command line for safety.
 */
async function hooksDir(repo: string): Promise<string> {
  const common = await gitOut(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (!common) throw new UsageError(`install-hook needs a git repository, and ${repo} is not one`);
  const custom = await gitOut(repo, ['config', '--local', '--get', 'core.hooksPath']);
  if (!custom) return join(common, 'hooks');
  if (isAbsolute(custom)) return custom;
  const top = (await gitOut(repo, ['rev-parse', '--show-toplevel'])) ?? repo;
  return join(top, custom);
}

/** Writes the pre-commit hook; refuses to replace an existing one unless forced. Returns its path. */
export async function installHook(repo: string, force: boolean): Promise<string> {
  const dir = await hooksDir(repo);
  const file = join(dir, 'pre-commit');
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (exists && !force) {
    throw new UsageError(
      `${file} already exists; add "upstash-guard scan --staged" to it, or rerun with --force to replace it`,
    );
  }
  await mkdir(dir, { recursive: true });
  await writeFile(file, HOOK_SCRIPT, { mode: 0o755 });
  await chmod(file, 0o755);
  return file;
}
