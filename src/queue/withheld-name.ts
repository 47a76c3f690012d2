/**
 * A branch or tag name can hold a credential (`leak/<token>`): GitHub allows nearly any text in a
 * ref, while a repository's full name cannot (GitHub restricts it). Job data sits in Redis (BullMQ)
 * or in the in-process journal file, so a name the engine's own masking would change never goes
 * there raw: the job keeps the masked name, for people, and a digest of the raw name, which finds
 * the branch again among the clone's refs (its own head, the default branch) or a pull request's
 * head ref, without anything that spells the secret.
 */
import { createHash } from 'node:crypto';
import { redactSecrets } from '../core/index.js';
import { runGit } from '../git/run-git.js';

/** sha256 of the raw name, 32 hex characters: compared, never shown as a name. */
export function nameDigest(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 32);
}

/** The name as a job may store it: masked, with the raw name's digest, when it holds a secret. */
export function withheldName(name: string): { shown: string; digest?: string } {
  const shown = redactSecrets(name);
  return shown === name ? { shown } : { shown, digest: nameDigest(name) };
}

/** The clone's branch (the name after refs/heads/) whose name has this digest. In memory only. */
export async function branchByDigest(repoDir: string, digest: string): Promise<string | undefined> {
  const { stdout } = await runGit(['for-each-ref', '--format=%(refname:lstrip=2)', 'refs/heads'], {
    cwd: repoDir,
  });
  return stdout
    .toString('utf8')
    .split('\n')
    .find((name) => name && nameDigest(name) === digest);
}
