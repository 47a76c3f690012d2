import { isGitExitError, porcelainGit } from '../git/porcelain.js';

/**
 * The default branch head as the fresh clone has it (install-time history jobs carry no SHA, so
 * scheduling needs no API call per repository). Undefined for an empty repository.
 */
export async function defaultBranchHead(
  repoDir: string,
  branch: string | undefined,
): Promise<string | undefined> {
  if (!branch || branch.startsWith('-')) return undefined;
  // An absent branch exits 1 quietly (simple-git resolves with an empty output); a git error
  // (exit 128) also means no head. Only a killed git (deadline, inactivity) is an error here.
  const sha = await porcelainGit(repoDir)
    .revparse(['--verify', '-q', `refs/heads/${branch}^{commit}`])
    .catch((err: unknown) => {
      if (isGitExitError(err)) return '';
      throw err;
    });
  return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}
