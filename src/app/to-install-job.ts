/**
 * installation.created and installation_repositories.added → one installation-level job. The
 * webhook path makes no API call: the job pages `GET /installation/repositories` in a worker
 * (src/queue/install-job.ts), so a 1,000-repository organisation is answered in milliseconds and
 * is durable from the moment the job is stored.
 */
import type { ScanJob } from '../queue/scan-job.js';

type Json = Record<string, unknown>;

export function installationJob(payload: Json, deliveryId?: string): ScanJob | undefined {
  const installation = payload.installation as { id?: unknown; account?: { login?: unknown } };
  const inst = installation?.id;
  if (typeof inst !== 'number' || !Number.isFinite(inst)) return undefined;
  const account = typeof installation.account?.login === 'string' ? installation.account.login : '';
  const added = payload.repositories_added;
  // Only the added repositories; an `added` event without a list is malformed and ignored.
  let repoIds: number[] | undefined;
  if (payload.action === 'added') {
    if (!Array.isArray(added)) return undefined;
    repoIds = added
      .map((r) => (r as { id?: unknown }).id)
      .filter((id): id is number => typeof id === 'number');
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
