/**
 * How scans feed incidents. The worker calls these after every scan (install-time history, push,
 * pull request); the store makes each update atomic.
 */
import type { Finding, ScanResult, VerificationStatus } from '../core/types.js';
import { applyEvent, newIncident, type Incident, type RepoRef } from './model.js';
import type { IncidentStore } from './store.js';

export interface ScanRecord {
  installationId: number;
  repo: RepoRef;
  /** "push scan", "pull_request scan", "history scan"... */
  cause: string;
  findings: readonly Finding[];
  at: string;
}

/** Adds every finding of a scan to its incident (created on first sight). */
export async function recordFindings(store: IncidentStore, rec: ScanRecord): Promise<Incident[]> {
  const out: Incident[] = [];
  for (const finding of rec.findings) {
    const event = {
      kind: 'seen' as const,
      at: rec.at,
      repo: rec.repo,
      finding,
      cause: rec.cause,
    };
    const updated = await store.update(rec.installationId, finding.fingerprint, (cur) =>
      cur ? applyEvent(cur, event) : newIncident(rec.installationId, event),
    );
    if (updated) out.push(updated);
  }
  return out;
}

/**
 * After a scan of every blob reachable from every fetched ref of one repository: each incident
 * of that repository whose fingerprint the scan did not see is no longer reachable there. Only a
 * complete scan proves absence: one that skipped content (`complete: false`) changes nothing.
 */
export async function recordReachability(
  store: IncidentStore,
  rec: {
    installationId: number;
    repo: RepoRef;
    result: Pick<ScanResult, 'findings' | 'suppressed'>;
    complete: boolean;
    cause: string;
    at: string;
  },
): Promise<Incident[]> {
  if (!rec.complete) return [];
  const present = new Set<string>([
    ...rec.result.findings.map((f) => f.fingerprint),
    ...rec.result.suppressed.map((s) => s.fingerprint),
  ]);
  const changed: Incident[] = [];
  for (const incident of await store.list(rec.installationId)) {
    const repo = incident.repositories.find((r) => r.id === rec.repo.id);
    if (!repo || repo.reachable === false || present.has(incident.fingerprint)) continue;
    const updated = await store.update(rec.installationId, incident.fingerprint, (cur) =>
      cur
        ? applyEvent(cur, {
            kind: 'reachability',
            at: rec.at,
            repo: rec.repo,
            reachable: false,
            cause: rec.cause,
          })
        : undefined,
    );
    if (updated) changed.push(updated);
  }
  return changed;
}

/** Records a verification verdict for one incident (scheduled or user-requested re-verification). */
export async function recordVerdict(
  store: IncidentStore,
  installationId: number,
  fingerprint: string,
  verdict: { status: VerificationStatus; reason?: string; at: string; by: string },
): Promise<Incident | undefined> {
  if (verdict.status === 'unverifiable') return store.get(installationId, fingerprint);
  return store.update(installationId, fingerprint, (cur) =>
    cur ? applyEvent(cur, { kind: 'verdict', ...verdict }) : undefined,
  );
}

/** Fingerprints marked allowed in an installation: scans suppress them like config allowlists. */
export async function allowedFingerprints(
  store: IncidentStore,
  installationId: number,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const i of await store.list(installationId))
    if (i.allowed)
      out.set(
        i.fingerprint,
        `allowed on the incidents page by ${i.allowed.by}: ${i.allowed.reason}`,
      );
  return out;
}

/** Moves findings that were marked allowed on the incidents page to `suppressed`, with the reason. */
export function suppressAllowed(
  result: ScanResult,
  allowed: ReadonlyMap<string, string>,
): ScanResult {
  if (allowed.size === 0) return result;
  const kept: Finding[] = [];
  const suppressed = [...result.suppressed];
  for (const f of result.findings) {
    const reason = allowed.get(f.fingerprint);
    if (reason === undefined) kept.push(f);
    else suppressed.push({ fingerprint: f.fingerprint, type: f.type, reason });
  }
  return { ...result, findings: kept, suppressed };
}
