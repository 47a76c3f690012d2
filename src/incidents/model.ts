/**
 * Incidents: one leaked credential (by fingerprint) within one installation, tracked from first
 * sight to rotated and removed. Pure: events in, a new incident out; storage lives in ./store*.ts.
 *
 * The status is derived from facts, never set by hand, so it cannot drift from them:
 *   - `allowed`   someone marked it allowed (reason, who, when); scans honour it.
 *   - `open`      not known to be revoked. A credential removed from git but still live stays open:
 *                 removal does not make a leaked secret safe, rotation does.
 *   - `rotated`   verification said `revoked` (a definitive answer, never `unknown`), but some
 *                 fetched ref still reaches a blob that holds it.
 *   - `removed`   revoked, and no fetched ref of any repository reaches it any more. What is left
 *                 is outside our sight: PR refs and GitHub's cached views (GitHub Support), forks
 *                 and clones (re-clone).
 *   - `resolved`  removed, and a person confirmed that the outside clean-up is done.
 * Every change of status is recorded with its time and cause.
 *
 * No raw secret ever enters an incident: findings reach here already masked and fingerprinted.
 */
import type {
  Confidence,
  CredentialType,
  Exposure,
  Finding,
  Introduction,
  MessageSource,
  Severity,
  VerificationStatus,
} from '../core/types.js';

export const INCIDENT_STATUSES = ['open', 'rotated', 'removed', 'resolved', 'allowed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** At most this many occurrences and verdicts are kept per incident (oldest verdicts dropped). */
export const MAX_OCCURRENCES = 500;
export const MAX_VERDICTS = 100;

export interface RepoRef {
  id: number;
  /** owner/name as GitHub spells it. */
  fullName: string;
}

export interface IncidentOccurrence {
  repoId: number;
  /** '' for a commit or tag message (`source` set). */
  path: string;
  line: number;
  source?: MessageSource;
  tag?: string;
  commit?: string;
  author?: string;
  date?: string;
}

export interface IncidentRepo {
  id: number;
  fullName: string;
  introducedBy?: Introduction;
  /** Whether any fetched ref of this repository still reaches the credential; unknown until checked. */
  reachable: boolean | 'unknown';
  /** When reachability was last established (a scan that saw it, or a removal check). */
  checkedAt: string;
  /** The cause of the last reachability fact, e.g. "push scan" or "history scan after force push". */
  checkedBy: string;
}

export interface VerdictEntry {
  status: VerificationStatus;
  reason?: string;
  at: string;
  /** What asked: "scan", "schedule", "user:<login>". */
  by: string;
}

export interface Transition {
  from: IncidentStatus | null;
  to: IncidentStatus;
  at: string;
  cause: string;
}

export interface Incident {
  installationId: number;
  fingerprint: string;
  type: CredentialType;
  title: string;
  masked: string;
  readOnly: boolean | null;
  endpoint?: string;
  exposure: Exposure;
  severity: Severity;
  confidence: Confidence;
  repositories: IncidentRepo[];
  occurrences: IncidentOccurrence[];
  verifications: VerdictEntry[];
  status: IncidentStatus;
  transitions: Transition[];
  firstSeenAt: string;
  lastSeenAt: string;
  allowed?: { reason: string; by: string; at: string };
  resolved?: { by: string; at: string };
}

/** Everything that can happen to an incident. */
export type IncidentEvent =
  | {
      kind: 'seen';
      at: string;
      repo: RepoRef;
      finding: Finding;
      /** e.g. "push scan", "pull_request scan", "history scan". */
      cause: string;
    }
  | { kind: 'verdict'; at: string; status: VerificationStatus; reason?: string; by: string }
  | { kind: 'reachability'; at: string; repo: RepoRef; reachable: boolean; cause: string }
  | { kind: 'allow'; at: string; reason: string; by: string }
  | { kind: 'unallow'; at: string; by: string }
  | { kind: 'resolve'; at: string; by: string }
  | { kind: 'repo-gone'; at: string; repoId: number; cause: string };

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const CONFIDENCE_ORDER: readonly Confidence[] = ['high', 'medium', 'low'];

/** The status that the facts of an incident imply. */
export function deriveStatus(i: Omit<Incident, 'status' | 'transitions'>): IncidentStatus {
  if (i.allowed) return 'allowed';
  // Only definitive answers count: an `unknown` (network down, rate limited) changes nothing.
  const last = i.verifications.findLast((v) => v.status === 'live' || v.status === 'revoked');
  const revoked = last?.status === 'revoked';
  if (!revoked) return 'open';
  const reachable = i.repositories.some((r) => r.reachable !== false);
  if (reachable) return 'rotated';
  return i.resolved ? 'resolved' : 'removed';
}

/** A new incident from its first sighting. */
export function newIncident(
  installationId: number,
  e: Extract<IncidentEvent, { kind: 'seen' }>,
): Incident {
  const f = e.finding;
  const base: Incident = {
    installationId,
    fingerprint: f.fingerprint,
    type: f.type,
    title: f.title,
    masked: f.masked,
    readOnly: f.readOnly,
    ...(f.endpoint ? { endpoint: f.endpoint } : {}),
    exposure: { ...f.exposure },
    severity: f.severity,
    confidence: f.confidence,
    repositories: [],
    occurrences: [],
    verifications: [],
    status: 'open',
    transitions: [],
    firstSeenAt: e.at,
    lastSeenAt: e.at,
  };
  return applyEvent(base, e, { first: true });
}

/**
 * Applies one event and records a transition when the derived status changes. Returns a new
 * object; the input is not modified.
 */
export function applyEvent(
  incident: Incident,
  e: IncidentEvent,
  opts: { first?: boolean } = {},
): Incident {
  const next: Incident = structuredClone(incident);
  const before = opts.first ? null : incident.status;
  let cause: string;
  switch (e.kind) {
    case 'seen': {
      absorbFinding(next, e.repo, e.finding, e.at, e.cause);
      cause = `${e.cause} found it in ${e.repo.fullName}`;
      break;
    }
    case 'verdict': {
      next.verifications.push({
        status: e.status,
        ...(e.reason ? { reason: e.reason } : {}),
        at: e.at,
        by: e.by,
      });
      if (next.verifications.length > MAX_VERDICTS)
        next.verifications.splice(0, next.verifications.length - MAX_VERDICTS);
      cause = `verification (${e.by}) said ${e.status}`;
      break;
    }
    case 'reachability': {
      const repo = upsertRepo(next, e.repo, e.at, e.cause);
      repo.reachable = e.reachable;
      repo.checkedAt = e.at;
      repo.checkedBy = e.cause;
      cause = `${e.cause}: ${e.reachable ? 'still reachable' : 'no longer reachable'} in ${e.repo.fullName}`;
      break;
    }
    case 'allow':
      next.allowed = { reason: e.reason, by: e.by, at: e.at };
      cause = `allowed by ${e.by}: ${e.reason}`;
      break;
    case 'unallow':
      delete next.allowed;
      cause = `allowance withdrawn by ${e.by}`;
      break;
    case 'resolve':
      next.resolved = { by: e.by, at: e.at };
      cause = `outside clean-up confirmed by ${e.by}`;
      break;
    case 'repo-gone': {
      const repo = next.repositories.find((r) => r.id === e.repoId);
      if (repo) {
        repo.reachable = false;
        repo.checkedAt = e.at;
        repo.checkedBy = e.cause;
      }
      cause = e.cause;
      break;
    }
  }
  // A resolution is a statement about the removal it followed; a new sighting revokes it.
  if (next.resolved && next.repositories.some((r) => r.reachable !== false)) delete next.resolved;
  next.status = deriveStatus(next);
  if (next.status !== before)
    next.transitions.push({ from: before, to: next.status, at: e.at, cause });
  return next;
}

function upsertRepo(i: Incident, ref: RepoRef, at: string, cause: string): IncidentRepo {
  let repo = i.repositories.find((r) => r.id === ref.id);
  if (!repo) {
    repo = {
      id: ref.id,
      fullName: ref.fullName,
      reachable: 'unknown',
      checkedAt: at,
      checkedBy: cause,
    };
    i.repositories.push(repo);
  }
  repo.fullName = ref.fullName; // renames follow the repository id
  return repo;
}

function absorbFinding(i: Incident, ref: RepoRef, f: Finding, at: string, cause: string): void {
  const repo = upsertRepo(i, ref, at, cause);
  repo.reachable = true;
  repo.checkedAt = at;
  repo.checkedBy = cause;
  if (f.introducedBy && !repo.introducedBy) repo.introducedBy = { ...f.introducedBy };
  if (at > i.lastSeenAt) i.lastSeenAt = at;
  if (at < i.firstSeenAt) i.firstSeenAt = at;
  // The worst reading wins: a browser exposure or a higher severity is never downgraded by a
  // later, narrower sighting.
  if (SEVERITY_ORDER.indexOf(f.severity) < SEVERITY_ORDER.indexOf(i.severity))
    i.severity = f.severity;
  if (CONFIDENCE_ORDER.indexOf(f.confidence) < CONFIDENCE_ORDER.indexOf(i.confidence))
    i.confidence = f.confidence;
  if (f.exposure.kind === 'browser' && i.exposure.kind !== 'browser')
    i.exposure = { ...f.exposure };
  if (!i.endpoint && f.endpoint) i.endpoint = f.endpoint;
  const seen = new Set(i.occurrences.map(occurrenceKey));
  for (const o of f.occurrences) {
    const occ: IncidentOccurrence = {
      repoId: ref.id,
      path: o.path,
      line: o.line,
      ...(o.source ? { source: o.source } : {}),
      ...(o.tag !== undefined ? { tag: o.tag } : {}),
      ...(o.commit ? { commit: o.commit } : {}),
      ...(o.author ? { author: o.author } : {}),
      ...(o.date ? { date: o.date } : {}),
    };
    const key = occurrenceKey(occ);
    if (seen.has(key) || i.occurrences.length >= MAX_OCCURRENCES) continue;
    seen.add(key);
    i.occurrences.push(occ);
  }
  if (f.verification && f.verification.status !== 'unverifiable') {
    const last = i.verifications[i.verifications.length - 1];
    const at2 = f.verification.checkedAt ?? at;
    if (!last || last.at !== at2 || last.status !== f.verification.status)
      i.verifications.push({
        status: f.verification.status,
        ...(f.verification.reason ? { reason: f.verification.reason } : {}),
        at: at2,
        by: 'scan',
      });
  }
}

function occurrenceKey(o: IncidentOccurrence): string {
  return `${o.repoId}\0${o.commit ?? ''}\0${o.source ?? ''}\0${o.tag ?? ''}\0${o.path}\0${o.line}`;
}

/** Time from first sight to the first `rotated` (or later) transition, in ms; undefined if never. */
export function timeToRotateMs(i: Incident): number | undefined {
  const t = i.transitions.find(
    (x) => x.to === 'rotated' || x.to === 'removed' || x.to === 'resolved',
  );
  if (!t) return undefined;
  return Date.parse(t.at) - Date.parse(i.firstSeenAt);
}
