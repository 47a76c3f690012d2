/**
 * The worker's side of incidents: after every scan, record what it found; after a push to a
 * repository where incidents are still reachable, prove or disprove removal with a history scan of
 * the branches and tags; and re-verify an incident by reading its secret again from the repository
 * (the secret is never stored).
 */
import type { Logger } from 'pino';
import type {
  Config,
  Finding,
  MessageSource,
  ScanResult,
  VerificationStatus,
} from '../core/index.js';
import { DEFAULT_CONFIG, collectFindings, scanText } from '../core/index.js';
import { scanHistory } from '../engine/scan-history.js';
import { porcelainGit } from '../git/porcelain.js';
import { runGit } from '../git/run-git.js';
import type { IncidentStore } from './store.js';
import type { RepoRef } from './model.js';
import { recordFindings, recordReachability, recordVerdict } from './record.js';

export interface IncidentScan {
  installationId: number;
  repo: RepoRef;
  kind: 'pull_request' | 'push' | 'history';
  forced?: boolean;
  repoDir: string;
  result: ScanResult;
  config: Config;
}

/** True when a scan read everything it was given (nothing skipped for size, type or time). */
export function scanWasComplete(result: ScanResult): boolean {
  const r = result as ScanResult & { skipped?: unknown[] };
  return (
    (r.skipped === undefined || r.skipped.length === 0) &&
    result.stats.skippedTooLarge === 0 &&
    result.stats.skippedBinary === 0
  );
}

/**
 * Records a finished scan. Returns the number of incidents that changed. Never throws: incidents
 * are a view on the scan, and a failure here must not fail (and so repeat) the report.
 */
export async function afterScan(
  store: IncidentStore,
  scan: IncidentScan,
  log: Logger,
  now: () => Date = () => new Date(),
): Promise<number> {
  try {
    const at = now().toISOString();
    const seen = await recordFindings(store, {
      installationId: scan.installationId,
      repo: scan.repo,
      cause: `${scan.kind === 'pull_request' ? 'pull request' : scan.kind} scan`,
      findings: scan.result.findings,
      at,
    });
    let changed = seen.length;
    if (scan.kind === 'history') {
      changed += (
        await recordReachability(store, {
          installationId: scan.installationId,
          repo: scan.repo,
          result: scan.result,
          complete: scanWasComplete(scan.result),
          cause: 'history scan of every branch and tag',
          at,
        })
      ).length;
    } else if (scan.kind === 'push') {
      changed += await checkRemoval(store, scan, at, log);
    }
    return changed;
  } catch (err) {
    log.error({ err: (err as Error).message }, 'incidents: could not record the scan');
    return 0;
  }
}

/**
 * After a push (a force push above all): if this repository still has reachable incidents that the
 * push scan did not see, scan every blob reachable from branches and tags once. What it does not
 * see is gone from every ref we fetch. Pull-request refs are dropped from the cache first: they
 * are stale copies (GitHub keeps its own, which only GitHub Support can remove, and the incident
 * page says so).
 */
async function checkRemoval(
  store: IncidentStore,
  scan: IncidentScan,
  at: string,
  log: Logger,
): Promise<number> {
  const inRepo = (await store.list(scan.installationId)).filter((i) =>
    i.repositories.some((r) => r.id === scan.repo.id && r.reachable !== false),
  );
  if (inRepo.length === 0) return 0;
  await dropPullRefs(scan.repoDir);
  const history = await scanHistory(scan.repoDir, { config: scan.config });
  const changed = await recordReachability(store, {
    installationId: scan.installationId,
    repo: scan.repo,
    result: history,
    complete: scanWasComplete(history),
    cause: scan.forced ? 'history scan after a force push' : 'history scan after a push',
    at,
  });
  if (changed.length)
    log.info(
      { repo: scan.repo.fullName, removed: changed.map((i) => i.fingerprint) },
      'incidents: credentials no longer reachable from any branch or tag',
    );
  return changed.length;
}

async function dropPullRefs(repoDir: string): Promise<void> {
  const listed = await porcelainGit(repoDir).raw([
    'for-each-ref',
    '--format=%(refname)',
    'refs/pull/',
  ]);
  const refs = listed.split('\n').filter((r) => r.startsWith('refs/pull/'));
  if (refs.length === 0) return;
  // Fed through stdin: runGit's `input` (simple-git has no per-call stdin).
  await runGit(['update-ref', '--stdin'], {
    cwd: repoDir,
    input: refs.map((r) => `delete ${r}\n`).join(''),
  });
}

export interface Reverifier {
  /** Verifies findings in place (sets `verification`), bypassing cached verdicts. */
  verify(findings: Finding[]): Promise<void>;
}

/**
 * Re-verifies one incident: reads the file of each occurrence (commit:path) from the cached bare
 * repository until the credential is found again, verifies it, and records the verdict. When the
 * secret cannot be read any more (objects pruned), records `unknown` with that reason.
 */
export async function reverifyIncident(
  store: IncidentStore,
  opts: {
    installationId: number;
    fingerprint: string;
    by: string;
    /** The cached bare repository of a repository id (fetched by the caller), or undefined. */
    repoDir(repoId: number): Promise<string | undefined>;
    verifier: Reverifier;
    fingerprintKey?: string;
    now?: () => Date;
  },
): Promise<VerificationStatus> {
  const incident = await store.get(opts.installationId, opts.fingerprint);
  if (!incident) throw new Error('no such incident');
  const at = (opts.now ?? (() => new Date()))().toISOString();
  const finding = await findAgain(incident.occurrences, opts);
  if (!finding) {
    await recordVerdict(store, opts.installationId, opts.fingerprint, {
      status: 'unknown',
      reason: 'the credential could not be read again from any cached commit',
      at,
      by: opts.by,
    });
    return 'unknown';
  }
  await opts.verifier.verify([finding]);
  const v = finding.verification ?? { status: 'unknown' as const, reason: 'not verifiable' };
  await recordVerdict(store, opts.installationId, opts.fingerprint, {
    status: v.status,
    ...(v.reason ? { reason: v.reason } : {}),
    at,
    by: opts.by,
  });
  return v.status;
}

const SHA = /^[0-9a-f]{40}$/;

async function findAgain(
  occurrences: ReadonlyArray<{
    repoId: number;
    path: string;
    commit?: string;
    source?: MessageSource;
    tag?: string;
  }>,
  opts: {
    fingerprint: string;
    repoDir(repoId: number): Promise<string | undefined>;
    fingerprintKey?: string;
  },
): Promise<Finding | undefined> {
  const dirs = new Map<number, string | undefined>();
  for (const o of occurrences.slice(0, 20)) {
    if (!o.commit || !SHA.test(o.commit)) continue;
    if (!dirs.has(o.repoId))
      dirs.set(o.repoId, await opts.repoDir(o.repoId).catch(() => undefined));
    const dir = dirs.get(o.repoId);
    if (!dir) continue;
    // A message is read from its commit (or tag), a file from the commit's tree.
    const read =
      o.source === 'commit-message'
        ? ['log', '-1', '--format=%B', o.commit, '--']
        : o.source === 'tag-message'
          ? ['for-each-ref', '--format=%(contents)', `refs/tags/${o.tag ?? ''}`]
          : ['cat-file', 'blob', `${o.commit}:${o.path}`];
    const blob = await runGit(read, { cwd: dir }).catch(() => undefined);
    if (!blob) continue;
    const hits = scanText({ path: o.path, text: blob.stdout.toString('utf8') });
    // Default config: no allowlist, so a credential that scans suppress is still found here.
    const { findings } = collectFindings(hits, {
      config: DEFAULT_CONFIG,
      ...(opts.fingerprintKey ? { fingerprintKey: opts.fingerprintKey } : {}),
    });
    const match = findings.find((f) => f.fingerprint === opts.fingerprint);
    if (match) return match;
  }
  return undefined;
}
