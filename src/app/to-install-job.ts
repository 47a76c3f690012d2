/**
 * installation.created and installation_repositories.added → one installation-level job. The
 * webhook path makes no API call: the job pages `GET /installation/repositories` in a worker
 * (src/queue/install-job.ts), so a 1,000-repository organisation is answered in milliseconds and
 * is durable from the moment the job is stored.
 */
import { isValidRepoName } from '../github/repo-name.js';
import type { ScanJob } from '../queue/scan-job.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
/** GitHub ids are positive safe integers. */
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Never throws on a malformed payload (a null in the list answered the delivery 500). */
export function installationJob(payload: Json, deliveryId?: string): ScanJob | undefined {
  const installation = obj(payload.installation);
  const inst = installation?.id;
  if (!isId(inst)) return undefined;
  const login = obj(installation?.account)?.login;
  // Only for logs and job data: a login GitHub would not allow (1 MB of text) is left out.
  const account =
    typeof login === 'string' && isValidRepoName({ owner: login, repo: 'x' }) ? login : '';
  const added = payload.repositories_added;
  // Only the added repositories; an `added` event without a list is malformed and ignored.
  let repoIds: number[] | undefined;
  if (payload.action === 'added') {
    if (!Array.isArray(added)) return undefined;
    repoIds = added.map((r) => obj(r)?.id).filter(isId);
    if (repoIds.length === 0) return undefined;
  }
  return {
    kind: 'installation',
    installationId: inst,
    owner: account,
    repo: '',
    repoId: 0,
    headSha: '',
    ...(repoIds ? { repoIds } : {}),
    ...(deliveryId ? { deliveryId } : {}),
  };
}
