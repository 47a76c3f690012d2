import { runGit } from '../git/run-git.js';

/**
 * The default branch head as the fresh clone has it (install-time history jobs carry no SHA, so
 * scheduling needs no API call per repository). Undefined for an empty repository.
 */
export async function defaultBranchHead(
  repoDir: string,
  branch: string | undefined,
): Promise<string | undefined> {
  if (!branch || branch.startsWith('-')) return undefined;
  const r = await runGit(['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`], {
    cwd: repoDir,
    okCodes: [0, 1, 128],
  });
  const sha = r.stdout.toString('utf8').trim();
  return r.code === 0 && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}
